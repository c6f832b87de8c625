"""The clusters resource: the tidy cluster table, filtered and paginated, or as a file."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from clusterobs.portal import filters, store
from clusterobs.portal.api import rendering
from clusterobs.portal.api.schemas import MAX_OFFSET, ClusterOut, ClusterPage, Message
from clusterobs.portal.editions import current_dataset
from clusterobs.portal.explorer import downloads
from clusterobs.portal.filters import BadInput
from clusterobs.store import coverage, limits, reader, readmodels

router = Router(tags=["clusters"])
#: rows a download may hold, per format: an XLSX of 10,000 rows takes ~4 s to write, a CSV
#: of 100,000 rows ~2 s; the whole table of an edition is its data package (/panorama/)
MAX_ROWS = {"xlsx": 10_000, "csv": 100_000, "parquet": 100_000}
#: the fields of an item taken from the read model's row as they are (ClusterOut's order)
ROW_FIELDS = tuple(f for f in ClusterOut.model_fields if f not in ("growth_note", "criteria"))


def _too_many(fmt: str) -> BadInput:
    return BadInput(
        f"format={fmt} holds at most {MAX_ROWS[fmt]:,} rows and these filters select more: "
        "add a filter (year, level, region, category, min_stars)"
        + (", or ask for format=csv or format=parquet (up to 100,000 rows)" if fmt == "xlsx" else "")
        + ". The whole cluster table of an edition is its data package: /panorama/ "
        "(data-<edition>.zip, CSV and Parquet)")


class ClusterFilters(Schema):
    """Filters of the clusters endpoint (the same ones the region and category pages use)."""

    dataset: str | None = Field(None, description="dataset id (default: the default dataset, Europe)")
    scheme: str | None = Field(None, description="default: the dataset's default scheme")
    method: str = filters.DEFAULT_METHOD
    year: int | None = Field(None, ge=1900, le=2100, description="default: all years")
    region: str | None = Field(None, max_length=12)
    category: str | None = Field(None, max_length=12)
    level: int | None = Field(None, ge=0, le=3)
    min_stars: int | None = Field(None, ge=0, le=4)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    format: str | None = Field(None, description="csv, xlsx or parquet: the whole filtered table as a file")


@router.get("/clusters", response={200: ClusterPage, 400: Message})
def list_clusters(request: HttpRequest, q: Query[ClusterFilters]) -> HttpResponse:
    """Clusters with their indicators and the chosen method's rating, newest year first."""
    with store.cursor() as con:
        scheme = filters.check_scheme(con, q.scheme or filters.default_scheme(con))
        method = filters.check_method(con, scheme, q.method)
        if q.year is not None:
            filters.check_year(con, scheme, q.year)
        if q.category is not None:
            filters.check_category(con, scheme, q.category)
        fmt = filters.download_format({"format": q.format or ""})
        args = {"year": q.year, "region": q.region, "category": q.category, "level": q.level,
                "min_stars": q.min_stars}
        if fmt is not None:
            if not any(v is not None for v in args.values()) and \
                    store.memo(con, limits.cluster_rows, scheme) > MAX_ROWS[fmt]:
                raise _too_many(fmt)  # the whole table: refused before reading it
            df = reader.clusters(con, scheme, method, **args, limit=MAX_ROWS[fmt] + 1)
            if len(df) > MAX_ROWS[fmt]:
                raise _too_many(fmt)
            return downloads.response(df, fmt, f"clusters-{scheme}-{method}")
        # the read model: one block of the sorted cluster_view, growth notes included
        rows = readmodels.clusters(con, scheme, method, **args, limit=q.limit + 1, offset=q.offset,
                                   annotated=True, index=store.memo(con, reader.block_index, scheme, method))
    criteria = reader.METHOD_CRITERIA[method]
    items = [{**{k: r[k] for k in ROW_FIELDS},
              "growth_note": coverage.note_text({c: r[f"{c}_note"] for c in coverage.SPANS
                                                 if r[f"{c}_note"]}),
              "criteria": {c: r[c] for c in criteria}}
             for r in rows[: q.limit]]
    more = len(rows) > q.limit
    # the rows are the read model's plain values in ClusterOut's fields: no second validation
    return rendering.unchecked(request, {
        "dataset": current_dataset(), "scheme": scheme, "method": method, "limit": q.limit,
        "offset": q.offset, "next_offset": q.offset + q.limit if more else None, "items": items})
