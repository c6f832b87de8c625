"""Region geometries as GeoJSON, optionally carrying one indicator's values."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from clusterobs.portal import filters, store
from clusterobs.portal.api.schemas import Message
from clusterobs.store import queries

router = Router(tags=["geometries"])


class GeometryFilters(Schema):
    """The level, and optionally the cluster whose indicator each feature should carry."""

    level: int = Field(2, ge=0, le=2)
    scheme: str | None = None
    category: str | None = Field(None, max_length=12)
    indicator: str = filters.DEFAULT_INDICATOR
    method: str = filters.DEFAULT_METHOD
    year: int | None = Field(None, ge=1900, le=2100)
    detail: Literal["low", "medium", "high"] | None = Field(
        None, description="geometry detail: low (whole Europe), medium (a country), high (default)")
    zoom: int | None = Field(None, ge=0, le=18, description="the web map's zoom: chooses the detail "
                             "(up to 4 low, up to 6 medium, else high); detail wins when both are given")


@router.get("/geometries", response={200: dict, 400: Message},
            openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}})
def geometries(request: HttpRequest, q: Query[GeometryFilters]) -> HttpResponse:
    """A GeoJSON FeatureCollection of the NUTS regions of *level* (simplified GISCO shapes).

    With ``scheme`` and ``category`` each feature's properties carry ``value``, the chosen
    indicator of that cluster (null where there is no data). ``detail`` (or ``zoom``) picks
    coarser shapes prepared at build time for small zooms: fewer coordinates, every region
    kept. Boundaries: © EuroGeographics.
    """
    detail = q.detail or (queries.detail_for_zoom(q.zoom) if q.zoom is not None else "high")
    with store.cursor() as con:
        values = None
        if q.scheme is not None or q.category is not None:
            f = filters.parse({"scheme": q.scheme or "", "category": q.category or "",
                               "indicator": q.indicator, "method": q.method,
                               "year": "" if q.year is None else str(q.year), "level": str(q.level)},
                              con, with_category=True)
            rows = queries.map_values(con, f.scheme, f.category or "", f.indicator, f.method, f.year, f.level)
            values = {r["region"]: {"value": r["value"]} for r in rows}
            text = queries.geojson(con, q.level, values, detail)
        else:
            text = store.memo(con, queries.geojson, q.level, None, detail)
    resp = HttpResponse(text, content_type="application/geo+json")
    resp["Cache-Control"] = "max-age=300"
    return resp
