"""Downloads of published cases (CSV, XLSX) through the project's one table writer."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from django.http import HttpResponse

from clusterobs.portal.showcases.models import Case
from clusterobs.reports.downloads import MEDIA_TYPES, table_bytes

COLUMNS = ("slug", "title", "country", "regions", "level", "policy_type", "policy_type_code",
           "instruments", "instrument_codes", "target_groups", "themes", "categories", "emerging_industries",
           "start_year", "end_year", "budget", "summary", "outcomes", "lessons", "sources")


def _cell(value: object) -> object:
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "\n".join(f"{v.get('title', '')} <{v.get('url', '')}>" for v in value)
        return "; ".join(str(v) for v in value)
    return value


def _safe_text(value: object) -> object:
    """Defuse spreadsheet formulas (a cell starting with = + - @ is shown as text)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def frame(cases: Iterable[Case]) -> pd.DataFrame:
    """One row per case; list fields joined with '; ', sources as 'title <url>' lines."""
    rows = [{c: _safe_text(_cell(getattr(case, c))) for c in COLUMNS} for case in cases]
    df = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for col in ("start_year", "end_year"):
        df[col] = df[col].astype("Int64")
    return df


def response(cases: Iterable[Case], fmt: str) -> HttpResponse:
    """The cases as an attachment ``policy-cases.<fmt>``."""
    resp = HttpResponse(table_bytes(frame(cases), fmt), content_type=MEDIA_TYPES[fmt])
    resp["Content-Disposition"] = f'attachment; filename="policy-cases.{fmt}"'
    return resp
