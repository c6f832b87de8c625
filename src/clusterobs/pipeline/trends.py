"""Trends stage (methodology §6-§7): shift-share, specialisation, relatedness, complexity,
opportunities and star transitions of one scheme and NUTS level, written into the store.

:func:`build_trends` reads ``clusters``, ``region_totals``, ``categories`` and ``ratings``
through a writable connection (inside the build's :class:`~clusterobs.store.writer.StoreWriter`)
and replaces the scheme's rows of six tables:

- ``shift_share(region, scheme, category, start_year, end_year, actual_change,
  national_effect, industry_mix, competitive_effect, flag)``
- ``specialisation(region, scheme, year, krugman, hoover, herfindahl)`` (every year)
- ``relatedness(scheme, category_a, category_b, colocation, proximity)`` (end year)
- ``opportunities(region, scheme, year, category, density, complexity, cog, score, rank,
  flag)`` (end year; resource-bound categories left out, :func:`resource_bound`)
- ``complexity(region, scheme, year, eci, coi, flag)`` (every year)
- ``transitions(scheme, method, region, category, start_year, end_year, stars_start,
  stars_end)``

Default period: :func:`clusterobs.core.trends.default_period` (longest span whose end years
both cover >= 95% of the regions): 2010 -> 2014 on the SBS 2008-2015 data (FR lacks
2008-2009, many countries lack 2015).
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from clusterobs import config
from clusterobs.core import relatedness, trends
from clusterobs.errors import StoreError
from clusterobs.sources import scheme_build
from clusterobs.sources.uscmp import read_related_clusters
from clusterobs.store.engine import Connection, ibis_backend, write_table
from clusterobs.store.schema import SCHEMAS, TRENDS_TABLES

#: the trends tables and their columns, as declared in :mod:`clusterobs.store.schema`
TABLES: dict[str, tuple[str, ...]] = {name: SCHEMAS[name].names for name in TRENDS_TABLES}
US_RELATED = Path("us_cluster_mapping") / "uscmp_related_clusters.csv.gz"


def build_trends(con: Connection, *, scheme: str = "eu-clusters", level: int = 2,
                 start_year: int | None = None, end_year: int | None = None) -> dict[str, int]:
    """Compute the trends tables of *scheme* at NUTS *level*; returns rows written per table.

    Each table keeps the rows of other schemes; the scheme's rows are replaced.
    Complexity and opportunities use the scheme's traded categories when it has any
    (local categories follow population, not comparative advantage), else all categories.
    """
    engine = ibis_backend(con)
    clusters = _clusters(engine, scheme, level)
    totals = engine.table("region_totals")
    totals = totals.filter(totals.level == level)
    start, end = period(con, scheme=scheme, level=level, start_year=start_year, end_year=end_year)
    frames = {
        "shift_share": _shift_share(clusters, totals, start, end),
        "specialisation": trends.specialisation(clusters, totals).to_pandas(),
        "transitions": _transitions(engine, scheme, level, start, end),
    }
    employment = clusters.select("region", "category", "year", "employment").to_pandas()
    frames.update(_relatedness(employment, _traded(con, scheme), end, resource_bound(scheme)))
    return {name: _replace(con, name, frame.assign(scheme=scheme), scheme)
            for name, frame in frames.items()}


def period(con: Connection, *, scheme: str, level: int,
           start_year: int | None = None, end_year: int | None = None) -> tuple[int, int]:
    """The analysis period: the given years, else :func:`trends.default_period` of the data."""
    if start_year is not None and end_year is not None:
        return start_year, end_year
    coverage = con.execute(
        """SELECT region, year::INTEGER AS year FROM clusters WHERE scheme = ? AND level = ?
           GROUP BY region, year HAVING sum(employment) > 0""", [scheme, level]).df()
    if coverage.empty:
        raise StoreError(f"the store has no clusters of scheme {scheme!r} at level {level}: "
                         "run `clusterobs build` first")
    default = trends.default_period(coverage)
    return (start_year if start_year is not None else default[0],
            end_year if end_year is not None else default[1])


def _clusters(engine: ibis.BaseBackend, scheme: str, level: int) -> ibis.Table:
    t = engine.table("clusters")
    return t.filter(t.scheme == scheme, t.level == level)


def _traded(con: Connection, scheme: str) -> list[str]:
    rows = con.execute("SELECT category FROM categories WHERE scheme = ? AND traded",
                       [scheme]).fetchall()
    return [str(r[0]) for r in rows]


def _shift_share(clusters: ibis.Table, totals: ibis.Table, start: int, end: int) -> pd.DataFrame:
    frame: pd.DataFrame = trends.shift_share(clusters, start, end, totals=totals).to_pandas()
    trends.check_identity(frame)
    return frame


def _transitions(engine: ibis.BaseBackend, scheme: str, level: int, start: int,
                 end: int) -> pd.DataFrame:
    r = engine.table("ratings")
    frame: pd.DataFrame = trends.transitions(r.filter(r.scheme == scheme, r.level == level),
                                             start, end).to_pandas()
    return frame


def resource_bound(scheme: str) -> list[str]:
    """The categories of *scheme* declared ``resource_bound`` in schemes.yaml (none for a
    scheme without that declaration, e.g. a user's own): never diversification opportunities."""
    entry = scheme_build.load_metadata().get(scheme, {})
    return [str(c) for c in entry.get("resource_bound") or []]


def _relatedness(employment: pd.DataFrame, traded: list[str], end: int,
                 exclude: list[str]) -> dict[str, pd.DataFrame]:
    """relatedness, complexity and opportunities frames (without the scheme column)."""
    subset = employment[employment["category"].isin(traded)] if traded else employment
    result = relatedness.complexity(subset)
    if result.empty:
        raise StoreError("no employment to compute complexity from")
    last = result[result["year"] == end]
    if last.empty:
        raise StoreError(f"no complexity results for the end year {end}")
    colocation = relatedness.pairs(
        relatedness.colocation(employment[employment["year"] == end]), "colocation")
    mcp = last.pivot(index="region", columns="category", values="mcp")
    proximity = relatedness.pairs(
        pd.DataFrame(relatedness.proximity(mcp.to_numpy(dtype="float64")), index=mcp.columns,
                     columns=mcp.columns), "proximity")
    links = colocation.merge(proximity, on=["category_a", "category_b"], how="left")
    per_region = result.drop_duplicates(["year", "region"])[["region", "year", "eci", "coi",
                                                              "flag"]]
    return {"relatedness": links, "complexity": per_region,
            "opportunities": relatedness.opportunities(last, exclude)}


def _replace(con: Connection, name: str, frame: pd.DataFrame, scheme: str) -> int:
    """Replace *scheme*'s rows of table *name* by *frame* (its :data:`TABLES` columns); the
    table is created (its declared schema) when the store has none yet."""
    return write_table(con, name, frame[list(TABLES[name])], where="scheme = ?", params=[scheme])


def us_agreement(con: Connection, *, scheme: str = "eu-clusters", level: int = 2,
                 year: int | None = None, column: str = "cr_lcemp",
                 path: Path | None = None) -> tuple[float, int]:
    """Spearman correlation of EU co-location CL with a US related-cluster score (§6).

    Over the traded category pairs present in both; *year* defaults to the period's end.
    *path* defaults to the mirror's ``us_cluster_mapping/uscmp_related_clusters.csv.gz``.
    """
    if path is None:
        mirror = config.mirror_dir()
        if mirror is None:
            raise StoreError("no mirror folder is set: pass the US related-clusters file path")
        path = mirror / US_RELATED
    year = year if year is not None else period(con, scheme=scheme, level=level)[1]
    traded = _traded(con, scheme)
    frame = con.execute(
        """SELECT region, category, employment FROM clusters
           WHERE scheme = ? AND level = ? AND year = ?""", [scheme, level, year]).df()
    frame = frame[frame["category"].isin(traded)]
    return relatedness.spearman(relatedness.colocation(frame), read_related_clusters(path), column)
