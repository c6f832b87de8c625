"""The trends resource: category growth, shift-share, relatedness network, opportunities,
and a region's trend profile: the same data as the /trends/ pages, which add charts to it
(the API never draws one)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from clusterobs.portal import store
from clusterobs.portal.api.schemas import Message
from clusterobs.portal.explorer.pages import records
from clusterobs.portal.insights import data

router = Router(tags=["trends"])


class RegionQuery(Schema):
    region: str | None = Field(None, max_length=12, description="region of the opportunities table")


def _tables(page: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: records(page.tables[n]) if hasattr(page.tables[n], "to_dict") else page.tables[n] for n in names}


@router.get("/trends", response={200: dict, 400: Message, 404: Message})
def trends(request: HttpRequest, q: Query[RegionQuery]) -> dict[str, Any]:
    """Europe-wide growth by category (eu-clusters and emerging), shift-share totals per
    category, the strongest co-location links and one region's opportunities."""
    with store.cursor() as con:
        page = data.trends_data(con, q.region)  # the tables only: no chart drawn
    ctx = page.context
    return {"start_year": ctx["start"], "end_year": ctx["end"], "region": ctx["chosen"]["region"],
            **_tables(page, ("growth", "emerging", "shift_share_by_category", "network", "opportunities"))}


@router.get("/trends/regions/{code}", response={200: dict, 404: Message})
def region_trends(request: HttpRequest, code: str) -> dict[str, Any]:
    """A region's trend profile: specialisation and complexity by year, shift-share by
    category, cluster changes (rising / declining), opportunities, rating transitions."""
    with store.cursor() as con:
        page = data.trends_region_data(con, code)
    return {"region": page.context["region"], "start_year": page.context["start"], "end_year": page.context["end"],
            **_tables(page, ("specialisation", "complexity", "shift_share", "clusters", "opportunities",
                             "transitions"))}
