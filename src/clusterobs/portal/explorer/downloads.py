"""File downloads of the tables behind pages and charts (``?format=csv|xlsx|parquet``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import HttpResponse

from clusterobs.reports.downloads import MEDIA_TYPES, table_bytes


def frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Rows (dicts) or a frame as a DataFrame."""
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(rows)


def response(rows: list[dict[str, Any]] | pd.DataFrame, fmt: str, name: str) -> HttpResponse:
    """The table as an attachment named ``<name>.<fmt>``."""
    resp = HttpResponse(table_bytes(frame(rows), fmt), content_type=MEDIA_TYPES[fmt])
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    resp["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return resp
