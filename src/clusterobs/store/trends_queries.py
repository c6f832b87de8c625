"""Read-only queries on the trends tables (methodology §6-§7): exports and portal pages.

The tables are written by :func:`clusterobs.pipeline.trends.build_trends`. Every function
returns a pandas DataFrame; the export functions return exactly the columns of
``clusterobs export --table shift_share|opportunities``.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from clusterobs.errors import StoreError

SHIFT_SHARE_COLUMNS = ("region", "scheme", "category", "start_year", "end_year", "actual_change",
                       "national_effect", "industry_mix", "competitive_effect")
OPPORTUNITY_COLUMNS = ("region", "scheme", "category", "rank", "score", "density", "cog", "complexity")


def _require(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    for name in tables:
        row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                          [name]).fetchone()
        if not row or not row[0]:
            raise StoreError(f"the store has no {name} table yet: run `clusterobs build`")


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    return con.execute(sql, params).df()


def shift_share(con: duckdb.DuckDBPyConnection, scheme: str = "eu-clusters",
                region: str | None = None) -> pd.DataFrame:
    """Shift-share rows of *scheme* (optionally one region), ordered by region and category."""
    _require(con, "shift_share")
    where, params = "scheme = ?", [scheme]
    if region is not None:
        where, params = where + " AND region = ?", [*params, region]
    cols = ", ".join(SHIFT_SHARE_COLUMNS)
    return _query(con, f"SELECT {cols} FROM shift_share WHERE {where} "
                       "ORDER BY region, start_year, end_year, category", params)


def opportunities(con: duckdb.DuckDBPyConnection, scheme: str = "eu-clusters",
                  region: str | None = None) -> pd.DataFrame:
    """Ranked diversification opportunities of *scheme* (optionally one region)."""
    _require(con, "opportunities")
    where, params = "scheme = ?", [scheme]
    if region is not None:
        where, params = where + " AND region = ?", [*params, region]
    cols = ", ".join(OPPORTUNITY_COLUMNS)
    return _query(con, f"SELECT {cols} FROM opportunities WHERE {where} ORDER BY region, rank",
                  params)


def region_employment(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, float]:
    """Region -> total (business-economy) employment in *year*, every region of the store."""
    rows = con.execute("SELECT region, max(employment_total) FROM region_totals WHERE year = ? "
                       "GROUP BY region", [year]).fetchall()
    return {str(r): float(v or 0) for r, v in rows}


def relatedness_network(con: duckdb.DuckDBPyConnection, scheme: str = "eu-clusters",
                        top: int = 100, min_colocation: float | None = None) -> pd.DataFrame:
    """The *top* strongest co-location links of *scheme*, with category names, for a network
    chart: ``category_a, name_a, category_b, name_b, colocation, proximity``."""
    _require(con, "relatedness", "categories")
    floor = "" if min_colocation is None else " AND r.colocation >= ?"
    params: list[Any] = [scheme] + ([] if min_colocation is None else [min_colocation]) + [top]
    return _query(con, f"""
        SELECT r.category_a, a.category_name AS name_a, r.category_b,
               b.category_name AS name_b, r.colocation, r.proximity
        FROM relatedness r
        LEFT JOIN categories a ON a.scheme = r.scheme AND a.category = r.category_a
        LEFT JOIN categories b ON b.scheme = r.scheme AND b.category = r.category_b
        WHERE r.scheme = ? AND r.colocation IS NOT NULL{floor}
        ORDER BY r.colocation DESC, r.category_a, r.category_b LIMIT ?""", params)


def region_trends(con: duckdb.DuckDBPyConnection, region: str,
                  scheme: str = "eu-clusters") -> dict[str, pd.DataFrame]:
    """A region's trend profile for its page: ``specialisation`` and ``complexity`` by year,
    ``shift_share`` by category (with names, largest change first), ``opportunities`` (top 10)
    and ``transitions`` counts per method (``gained``, ``lost``, ``same``)."""
    _require(con, "shift_share", "specialisation", "complexity", "opportunities", "transitions")
    p = [region, scheme]
    named = """LEFT JOIN categories c ON c.scheme = t.scheme AND c.category = t.category"""
    return {
        "specialisation": _query(con, """SELECT year, krugman, hoover, herfindahl
            FROM specialisation WHERE region = ? AND scheme = ? ORDER BY year""", p),
        "complexity": _query(con, """SELECT year, eci, coi, flag FROM complexity
            WHERE region = ? AND scheme = ? ORDER BY year""", p),
        "shift_share": _query(con, f"""SELECT t.category, c.category_name, t.start_year,
                t.end_year, t.actual_change, t.national_effect, t.industry_mix,
                t.competitive_effect, t.flag
            FROM shift_share t {named} WHERE t.region = ? AND t.scheme = ?
            ORDER BY abs(t.actual_change) DESC, t.category""", p),
        "opportunities": _query(con, f"""SELECT t.rank, t.category, c.category_name, t.score,
                t.density, t.cog, t.complexity, t.flag
            FROM opportunities t {named} WHERE t.region = ? AND t.scheme = ?
            ORDER BY t.rank LIMIT 10""", p),
        "transitions": _query(con, """SELECT method, CASE WHEN stars_end > stars_start
                THEN 'gained' WHEN stars_end < stars_start THEN 'lost' ELSE 'same' END AS change,
                count(*) AS clusters
            FROM transitions WHERE region = ? AND scheme = ? GROUP BY ALL ORDER BY ALL""", p),
    }
