"""File downloads of the tables behind pages and charts (``?format=csv|xlsx|parquet``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import HttpResponse

from clusterobs.errors import ClusterObsError
from clusterobs.reports.downloads import MEDIA_TYPES, table_bytes


def frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Rows (dicts) or a frame as a DataFrame."""
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(rows)


def about() -> dict[str, str]:
    """Where a download comes from: dataset, edition, source, licence (every row names the
    dataset and edition; XLSX files carry this as a sheet)."""
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


#: counts of people or units: published as whole numbers (apportioned or estimated cells are
#: not known to a fraction of a job; the estimate columns say which numbers are estimated)
COUNTS = ("employment", "employment_lower", "employment_upper", "establishments", "rated_employment")
#: money columns, suffixed with the dataset's currency in a download (``wages_eur``)
MONEY = ("wages", "wage_per_employee")


def units(dataset: str) -> dict[str, str]:
    """Measure -> unit of *dataset*'s declared sources (``wages: EUR``), plus wage per employee."""
    from clusterobs.sources import declarations

    out: dict[str, str] = {}
    for source in declarations.get(dataset).sources:
        for m in source.measures.values():
            out.setdefault(m.measure, m.unit)
    if "wages" in out:
        out["wage_per_employee"] = f"{out['wages']} per person employed"
    return out


def tidy(table: pd.DataFrame, unit: dict[str, str]) -> pd.DataFrame:
    """Counts as whole numbers, money columns named with their currency (``wages_eur``).

    >>> tidy(pd.DataFrame({"employment": [676.67, None], "wages": [1.5, 2.0]}), {"wages": "EUR"})
       employment  wages_eur
    0         677        1.5
    1        <NA>        2.0
    """
    out = table.copy()
    for col in COUNTS:
        if col in out and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round().astype("Int64")
    money = {c: f"{c}_{unit[c].split()[0].lower()}" for c in MONEY if c in out and c in unit}
    return out.rename(columns=money)


def response(rows: list[dict[str, Any]] | pd.DataFrame, fmt: str, name: str) -> HttpResponse:
    """The table as an attachment named ``<name>-<dataset>-<edition>.<fmt>``."""
    meta = about()
    try:
        unit = units(meta["dataset"])
    except ClusterObsError:  # a dataset whose declaration is gone: the table as it is
        unit = {}
    if unit:
        meta["units"] = "; ".join(f"{k}: {v}" for k, v in unit.items())
    resp = HttpResponse(table_bytes(tidy(frame(rows), unit), fmt, meta), content_type=MEDIA_TYPES[fmt])
    name = f"{name}-{meta['dataset']}-{meta['edition']}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    resp["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return resp
