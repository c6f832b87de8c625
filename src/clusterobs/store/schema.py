"""Declared schema of every table the build writes: column name -> DuckDB type, and sort key.

The loaded store's tables (``observations``, ``regions``, ``geometries``, ``industries``, ...)
are declared in ``schema.sql``; this module declares the tables a build (and the scoreboard)
creates: :func:`clusterobs.store.engine.write_table` checks every frame against its table's
declaration and casts it to the declared types, and :func:`clusterobs.store.engine.check_table`
checks the tables the build creates from SQL (``clusters``, ``ratings``).

The sort key is the order a table is written in (its lookup keys). Tables without one keep
the order of their frame: the schemes, categories and weights in the order of their
declaration files, the one-row ``build_info``, the ``scoreboard_meta`` key list, and
``ratings`` (written in the order its confidence draws need).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clusterobs.errors import StoreError


@dataclass(frozen=True)
class TableSchema:
    """A table's columns in order (name, DuckDB type) and the key it is sorted by."""

    name: str
    columns: tuple[tuple[str, str], ...]
    sort_key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [c for c in self.sort_key if c not in self.types]
        if unknown:
            raise StoreError(f"table {self.name}: sort key column {unknown[0]!r} is not declared")

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in table order."""
        return tuple(name for name, _ in self.columns)

    @property
    def types(self) -> dict[str, str]:
        """Column name -> declared DuckDB type."""
        return dict(self.columns)

    def check_columns(self, columns: Iterable[str]) -> None:
        """Raise :class:`StoreError` naming the table and the first missing or extra column."""
        given = list(columns)
        missing = [c for c in self.names if c not in given]
        if missing:
            raise StoreError(f"table {self.name}: column {missing[0]!r} is missing "
                             f"(declared: {', '.join(self.names)})")
        extra = [c for c in given if c not in self.types]
        if extra:
            raise StoreError(f"table {self.name}: column {extra[0]!r} is not declared "
                             f"(declared: {', '.join(self.names)})")


def _table(name: str, columns: str, sort_key: tuple[str, ...] = ()) -> TableSchema:
    """A schema from ``"col TYPE, col TYPE, ..."`` (the order is the table's)."""
    pairs = tuple((part.split()[0], part.split()[1]) for part in columns.split(","))
    return TableSchema(name, pairs, sort_key)


_MEASURES = "employment DOUBLE, establishments DOUBLE, wages DOUBLE"
#: the feasible range of employment (estimates; equal to employment where published)
_BOUNDS = "employment_lower DOUBLE, employment_upper DOUBLE"
#: every criterion of the ratings table (:data:`clusterobs.core.stars.CRITERIA`, methodology §4)
_CRITERIA = ", ".join(f"{c} BOOLEAN" for c in (
    "size", "specialisation", "focus", "productivity", "dynamism", "strong", "strong10",
    "significant", "qualifying"))

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (
    # base tables of the build (pipeline.builder)
    _table("region_industry", "region VARCHAR, nuts_version SMALLINT, level INTEGER, "
           f"industry VARCHAR, year INTEGER, {_MEASURES}, {_BOUNDS}, uncertain BOOLEAN, flags VARCHAR",
           ("region", "industry", "year")),
    _table("region_totals", "region VARCHAR, level INTEGER, year INTEGER, "
           "employment_total DOUBLE, establishments_total DOUBLE, wages_total DOUBLE",
           ("region", "year")),
    # created from the indicators' and ratings' SQL (checked with engine.check_table)
    _table("clusters", "scheme VARCHAR, region VARCHAR, level INTEGER, year INTEGER, "
           f"category VARCHAR, traded BOOLEAN, {_MEASURES}, {_BOUNDS}, coverage DOUBLE, "
           "uncertain_share DOUBLE, share_region DOUBLE, share_ref DOUBLE, lq DOUBLE, "
           "wage_per_employee DOUBLE, relative_wage DOUBLE, growth_1y DOUBLE, growth_5y DOUBLE, "
           "establishment_growth_1y DOUBLE, lq_traded DOUBLE, apportioned_share DOUBLE",
           ("scheme", "region", "year", "category")),
    # the source's flag letters (and i: estimated) on each cluster's employment
    _table("cluster_flags", "scheme VARCHAR, region VARCHAR, level INTEGER, year INTEGER, "
           "category VARCHAR, flags VARCHAR", ("scheme", "region", "year", "category")),
    _table("ratings", "scheme VARCHAR, method VARCHAR, region VARCHAR, level INTEGER, "
           "year INTEGER, category VARCHAR, stars TINYINT, confidence DOUBLE, "
           f"rating_level VARCHAR, {_CRITERIA}"),
    # the schemes the build used (in their declaration order)
    _table("schemes", "scheme VARCHAR, version VARCHAR, title VARCHAR, classification VARCHAR, "
           "partitioning BOOLEAN"),
    _table("categories", "scheme VARCHAR, category VARCHAR, category_name VARCHAR, "
           "traded BOOLEAN"),
    _table("scheme_weights", "scheme VARCHAR, industry VARCHAR, category VARCHAR, "
           "weight DOUBLE"),
    _table("build_info", "dataset VARCHAR, dataset_meta VARCHAR, fingerprint VARCHAR, "
           "methodology VARCHAR, max_year BIGINT, code_version VARCHAR, built_at TIMESTAMP"),
    # trends (pipeline.trends, methodology §6-§7): one scheme's rows replaced at a time
    _table("shift_share", "region VARCHAR, scheme VARCHAR, category VARCHAR, "
           "start_year SMALLINT, end_year SMALLINT, actual_change DOUBLE, national_effect DOUBLE, "
           "industry_mix DOUBLE, competitive_effect DOUBLE, flag VARCHAR",
           ("scheme", "region", "category")),
    _table("specialisation", "region VARCHAR, scheme VARCHAR, year INTEGER, krugman DOUBLE, "
           "hoover DOUBLE, herfindahl DOUBLE", ("scheme", "region", "year")),
    _table("relatedness", "scheme VARCHAR, category_a VARCHAR, category_b VARCHAR, "
           "colocation DOUBLE, proximity DOUBLE", ("scheme", "category_a", "category_b")),
    _table("opportunities", "region VARCHAR, scheme VARCHAR, year BIGINT, category VARCHAR, "
           "density DOUBLE, complexity DOUBLE, cog DOUBLE, score DOUBLE, rank BIGINT, flag VARCHAR",
           ("scheme", "region", "year", "rank")),
    _table("complexity", "region VARCHAR, scheme VARCHAR, year BIGINT, eci DOUBLE, coi DOUBLE, "
           "flag VARCHAR", ("scheme", "region", "year")),
    _table("transitions", "scheme VARCHAR, method VARCHAR, region VARCHAR, category VARCHAR, "
           "start_year SMALLINT, end_year SMALLINT, stars_start BIGINT, stars_end BIGINT",
           ("scheme", "method", "region", "category")),
    # Regional Ecosystem Scoreboard (pipeline.scoreboard, methodology §8)
    _table("scoreboard_indicators", "region VARCHAR, indicator VARCHAR, year BIGINT, "
           "value DOUBLE, imputed BOOLEAN, imputation VARCHAR, source VARCHAR, "
           "reference_year BIGINT, score DOUBLE", ("region", "indicator")),
    _table("scoreboard_scores", "region VARCHAR, level SMALLINT, dimension VARCHAR, "
           "score DOUBLE, rank DOUBLE, rel_eu DOUBLE, rel_peers DOUBLE, status_eu VARCHAR, "
           "status_peers VARCHAR, robust BOOLEAN, rank_p05 DOUBLE, rank_median DOUBLE, "
           "rank_p95 DOUBLE", ("region", "dimension")),
    _table("scoreboard_peers", "region VARCHAR, peer VARCHAR, distance DOUBLE",
           ("region", "distance", "peer")),
    _table("scoreboard_meta", "key VARCHAR, value VARCHAR"),
    # the regions with the most alike cluster portfolio, per scheme, year and level (read model)
    _table("similar_regions", "scheme VARCHAR, year INTEGER, level INTEGER, region VARCHAR, "
           "rank INTEGER, peer VARCHAR, name VARCHAR, similarity DOUBLE",
           ("scheme", "year", "level", "region", "rank")),
    # coarser web geometries for small zooms (sources.gisco.detail_levels; "high" is geometries)
    _table("geometry_detail", "region VARCHAR, level SMALLINT, detail VARCHAR, geojson VARCHAR",
           ("level", "detail", "region")),
)}

#: the tables of the trends stage (pipeline.trends)
TRENDS_TABLES = ("shift_share", "specialisation", "relatedness", "opportunities", "complexity",
                 "transitions")
#: the tables of the scoreboard stage (pipeline.scoreboard)
SCOREBOARD_TABLES = ("scoreboard_indicators", "scoreboard_scores", "scoreboard_peers",
                     "scoreboard_meta")


def get(name: str) -> TableSchema:
    """The declared schema of table *name* (a :class:`StoreError` when it has none)."""
    try:
        return SCHEMAS[name]
    except KeyError:
        raise StoreError(f"table {name} has no declared schema (clusterobs.store.schema)") from None
