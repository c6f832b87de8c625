"""Typed response schemas of the API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

#: the largest ``offset`` any list endpoint accepts: far beyond every table (the cluster table
#: of an edition has about a million rows), and small enough for SQLite and DuckDB integers;
#: a larger value is a 422 with the error schema, never an overflow (500)
MAX_OFFSET = 10_000_000


class Message(Schema):
    """An error: what is wrong, and the closest valid values when there are any."""

    message: str
    suggestions: list[dict[str, str | int | None]] = []


class SchemeOut(Schema):
    scheme: str
    version: str
    title: str
    classification: str | None
    partitioning: bool | None
    categories: int


class CategoryOut(Schema):
    scheme: str
    category: str
    category_name: str
    traded: bool | None


class MethodOut(Schema):
    method: str
    schemes: list[str]
    max_stars: int | None
    criteria: list[str]


class RegionOut(Schema):
    region: str
    name: str
    level: int
    country: str


class ClusterOut(Schema):
    """One cluster (region x category x year) with the method's star rating."""

    region: str
    region_name: str
    nuts_level: int
    scheme: str
    category: str
    category_name: str
    year: int
    employment: float | None
    establishments: float | None
    wages: float | None
    share_region: float | None
    share_ref: float | None
    lq: float | None
    wage_per_employee: float | None
    growth_1y: float | None
    growth_5y: float | None
    stars: int | None
    stars_confidence: float | None
    rating_level: str | None
    estimate_share: float | None = Field(None, description=(
        "share of the employment from cells that are estimated (confidential cells filled by "
        "the observatory, methodology §5.2b), flagged by the source as estimated, provisional, "
        "break or low reliability, or converted between NUTS versions"))
    estimated: bool | None = Field(None, description="true when any of the employment is such a value")
    employment_lower: float | None = Field(None, description=(
        "feasible range of an estimated cluster's employment: the least the adding-up "
        "constraints of the industry and region hierarchies allow (null when nothing is estimated)"))
    employment_upper: float | None = Field(None, description="the most they allow")
    flags: str | None = Field(None, description=(
        "the source's flag letters on the cluster's employment (Eurostat: c confidential, "
        "e estimated, p provisional, b break, u low reliability, ...; i: estimated by the observatory)"))
    growth_note: str | None = Field(None, description=(
        "why growth_1y or growth_5y is null, e.g. \"1-year growth: series break (new source "
        "from 2021)\", \"industries covered differ between the years\" or \"no data in 2013\""))
    criteria: dict[str, bool | None]


class YearCoverageOut(Schema):
    """What one year of the served results covers (finest level of the default scheme)."""

    year: int
    regions: int
    countries: int
    thin: bool = Field(description="fewer than 90% of the best year's regions: comparisons are limited")
    label: str
    missing: list[str] = Field(description="countries of the best year without results this year")
    missing_codes: list[str]
    best_year: int
    best_regions: int
    best_countries: int


class CoverageOut(Schema):
    """Coverage of every year; ``thin_years`` are offered but marked as partial."""

    dataset: str
    scheme: str
    default_year: int | None
    thin_years: list[int]
    years: list[YearCoverageOut]


class DatasetOut(Schema):
    """A dataset the portal serves."""

    id: str
    title: str
    default: bool
    description: str
    classification: str
    geography: str
    schemes: list[str]
    default_scheme: str
    attribution: str


class ClusterPage(Schema):
    """A page of clusters; ``next_offset`` is null on the last page."""

    dataset: str
    scheme: str
    method: str
    limit: int
    offset: int
    next_offset: int | None
    items: list[ClusterOut]
