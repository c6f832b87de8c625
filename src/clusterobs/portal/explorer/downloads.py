"""File downloads of the tables behind pages and charts (``?format=csv|xlsx|parquet``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import HttpResponse

from clusterobs.reports.downloads import MEDIA_TYPES, table_bytes


def frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Rows (dicts) or a frame as a DataFrame."""
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(rows)


def about() -> dict[str, str]:
    """Where a download comes from: dataset, edition, source, licence (every row names the
    dataset and edition; XLSX files carry this as a sheet)."""
    from clusterobs.errors import ClusterObsError
    from clusterobs.portal.editions import current_dataset, selected_edition
    from clusterobs.sources import declarations

    dataset = current_dataset()
    out = {"dataset": dataset, "edition": selected_edition.get() or "live"}
    try:
        ds = declarations.get(dataset)
    except ClusterObsError:
        return out
    out.update({"dataset_title": ds.title, "source": ds.attribution.strip(),
                "licence": "Data as its source's licence (see source); Cluster Observatory results CC BY 4.0",
                "methodology": "/methodology/ (estimates, flags, stars and confidence: /methodology/ratings/)"})
    return out


def response(rows: list[dict[str, Any]] | pd.DataFrame, fmt: str, name: str) -> HttpResponse:
    """The table as an attachment named ``<name>-<dataset>-<edition>.<fmt>``."""
    meta = about()
    resp = HttpResponse(table_bytes(frame(rows), fmt, meta), content_type=MEDIA_TYPES[fmt])
    name = f"{name}-{meta['dataset']}-{meta['edition']}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    resp["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return resp
