"""Reference resources: schemes, categories, methods, regions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from clusterobs.portal import filters, store
from clusterobs.portal.api.schemas import (
    CategoryOut,
    CoverageOut,
    DatasetOut,
    Message,
    MethodOut,
    RegionOut,
    SchemeOut,
)
from clusterobs.portal.filters import NotFound
from clusterobs.store import coverage, queries

router = Router(tags=["reference"])


@router.get("/schemes", response=list[SchemeOut])
def list_schemes(request: HttpRequest) -> list[dict]:
    """The category schemes of the edition."""
    with store.cursor() as con:
        return store.memo(con, queries.schemes)


@router.get("/categories", response={200: list[CategoryOut], 400: Message})
def list_categories(request: HttpRequest, scheme: str | None = None) -> list[dict]:
    """The categories of one scheme (default: the dataset's default scheme)."""
    with store.cursor() as con:
        scheme = scheme or filters.default_scheme(con)
        return store.memo(con, queries.categories, filters.check_scheme(con, scheme))


@router.get("/methods", response={200: list[MethodOut], 400: Message})
def list_methods(request: HttpRequest, scheme: str | None = None) -> list[dict]:
    """The rating methods (all, or those applied to *scheme*) and their criteria."""
    with store.cursor() as con:
        if scheme is not None:
            filters.check_scheme(con, scheme)
        return store.memo(con, queries.methods, scheme)


@router.get("/regions", response={200: list[RegionOut], 400: Message})
def list_regions(request: HttpRequest, level: int | None = Query(None, ge=0, le=3)) -> list[dict]:
    """The regions with results, optionally of one NUTS level."""
    with store.cursor() as con:
        return store.memo(con, queries.regions, level)


@router.get("/regions/{code}", response={200: RegionOut, 404: Message})
def get_region(request: HttpRequest, code: str) -> dict:
    """One region; a 404 lists the closest codes."""
    with store.cursor() as con:
        found = queries.region(con, code)
        if found is None:
            near = queries.suggest_regions(con, code[:40])
            raise NotFound(f"no region {code!r}", [{"region": r["region"], "name": r["name"]} for r in near])
        return found


@router.get("/coverage", response={200: CoverageOut, 400: Message})
def year_coverage(request: HttpRequest, scheme: str | None = None) -> dict:
    """Regions and countries with results per year; thin years (partial coverage) and the
    countries they lack. The default year is the latest year that is not thin."""
    from clusterobs.portal.editions import current_dataset

    with store.cursor() as con:
        scheme = filters.check_scheme(con, scheme or filters.default_scheme(con))
        years = store.memo(con, coverage.year_coverage, scheme)
        return {"dataset": current_dataset(), "scheme": scheme,
                "default_year": filters.check_year(con, scheme, None) if years else None,
                "thin_years": [y["year"] for y in years if y["thin"]], "years": years}


@router.get("/datasets", response=list[DatasetOut])
def list_datasets(request: HttpRequest) -> list[dict]:
    """The datasets the portal serves (choose one with ``?dataset=ID`` on any endpoint)."""
    from clusterobs.portal.editions import available_datasets, declaration

    out = []
    for d in available_datasets():
        ds = declaration(d["id"])
        out.append({"id": ds.id, "title": ds.title, "default": ds.default,
                    "description": ds.description.strip(), "classification": ds.classification,
                    "geography": f"{ds.geography.kind} {ds.geography.version}",
                    "schemes": list(ds.schemes), "default_scheme": ds.default_scheme,
                    "attribution": ds.attribution.strip()})
    return out
