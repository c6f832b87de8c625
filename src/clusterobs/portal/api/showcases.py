"""The showcases resource: published policy cases, filtered exactly like the /showcases/ page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from clusterobs.portal.api.schemas import MAX_OFFSET
from clusterobs.portal.filters import BadInput, NotFound
from clusterobs.portal.showcases import downloads, rendering, services
from clusterobs.portal.showcases.filters import CaseFilter
from clusterobs.portal.showcases.models import Case

router = Router(tags=["showcases"])


class ShowcaseFilters(Schema):
    """The filters of the library page (one definition: showcases.filters.CaseFilter)."""

    q: str | None = Field(None, max_length=200, description="search words; \"quoted phrases\" allowed")
    country: str | None = Field(None, max_length=2, description="ISO 3166-1 alpha-2, EU for EU-level cases")
    level: str | None = Field(None, description="regional, national, EU or other")
    policy_type: str | None = Field(None, description="programme, competition, labelling, platform, ...")
    instrument: str | None = Field(None, description="funding, internationalisation, ...")
    category: str | None = Field(None, max_length=40, description="cluster category or emerging industry code")
    region: str | None = Field(None, max_length=5, description="NUTS code: its cases and its country's")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    format: str | None = Field(None, description="csv or xlsx: all matching cases as a file")


class Source(Schema):
    url: str
    title: str


class ShowcaseOut(Schema):
    slug: str
    title: str
    url: str
    country: str
    regions: list[str]
    level: str
    policy_type: str
    policy_type_code: str
    instruments: list[str]
    instrument_codes: list[str]
    target_groups: list[str]
    themes: list[str]
    categories: list[str]
    emerging_industries: list[str]
    start_year: int | None
    end_year: int | None
    budget: str
    summary: str = Field(description="Markdown source")
    summary_html: str = Field(description="the summary as sanitised HTML")
    outcomes: list[str]
    lessons: list[str]
    sources: list[Source]
    updated_at: str


class ShowcasePage(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None
    items: list[ShowcaseOut]


def _out(case: Case) -> dict:
    return {**{k: getattr(case, k) for k in ShowcaseOut.model_fields if hasattr(case, k)},
            "url": case.get_absolute_url(), "summary_html": rendering.markdown_html(case.summary),
            "updated_at": case.updated_at.isoformat()}


@router.get("/showcases", response=ShowcasePage)
def list_showcases(request: HttpRequest, q: Query[ShowcaseFilters]) -> dict | HttpResponse:
    """Published cases matching the filters; with ``q`` ranked by relevance, else by title."""
    f = CaseFilter.parse(q.dict())
    if f.errors:
        raise BadInput("; ".join(f.errors))
    cases = f.apply(services.published())
    if q.format:
        if q.format not in ("csv", "xlsx"):
            raise BadInput(f"format={q.format[:20]!r} is not allowed: expected csv or xlsx")
        return downloads.response(cases, q.format)
    total = cases.count()
    page = list(cases[q.offset: q.offset + q.limit])
    more = q.offset + q.limit < total
    return {"count": total, "limit": q.limit, "offset": q.offset,
            "next_offset": q.offset + q.limit if more else None, "items": [_out(c) for c in page]}


@router.get("/showcases/{slug}", response=ShowcaseOut)
def get_showcase(request: HttpRequest, slug: str) -> dict:
    """One published case."""
    case = services.published().filter(slug=slug).first()
    if case is None:
        raise NotFound(f"no published case {slug[:120]!r}")
    return _out(case)
