"""One cluster in one region (region x category): the read behind its portal page.

The page is the observatory's version of US Cluster Mapping's region-cluster dashboard. Every
function takes an open read-only connection and returns plain data (dicts, lists).

- :func:`industries`: the industry codes the category is made of, at the dataset's detail
  (NACE divisions for Eurostat SBS, classes for ONS BRES, NAICS for US CBP), each with its
  employment in the region and year and the part of it the category takes (weight x
  employment, methodology §3: ``E(r,c) = sum_j w(j,c) E(r,j)``). The parts of the industries
  with a value add up to the cluster's employment; cells without a value (not published and
  not estimated) are listed as such and add nothing.
- :func:`history`: employment, LQ, growth and stars of the cluster per year, with the
  dataset's series breaks (``build_info.dataset_meta.breaks``); growth never spans a break.
- :func:`strongest`: the regions of the same level strongest in the category in the year
  (stars, then employment), with this region's rank.
- :func:`related`: the categories most related to this one by co-location
  (``relatedness`` table of the trends stage, methodology §6), with this region's values.
"""

from __future__ import annotations

from typing import Any

import duckdb

from clusterobs.errors import StoreError
from clusterobs.store import coverage
from clusterobs.store.reader import METHOD_CRITERIA, NUTS_VERSION_SQL, has_table

Con = duckdb.DuckDBPyConnection
#: growth columns of ``clusters`` and the span in years they cover
GROWTH_SPANS = {"growth_1y": 1, "growth_5y": 5}
#: SQL: a cluster's employment rests on estimated or source-flagged-as-estimated cells
_ESTIMATED = "(c.uncertain_share > 0 OR coalesce(fl.flags, '') LIKE '%i%')"


def _rows(con: Con, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _method(method: str) -> str:
    if method not in METHOD_CRITERIA:
        raise StoreError(f"unknown method {method!r}: expected one of {', '.join(METHOD_CRITERIA)}")
    return method


def industries(con: Con, scheme: str, region: str, level: int, category: str,
               year: int) -> list[dict[str, Any]]:
    """The category's industries in *region* and *year*, largest part first.

    Each row: ``industry, title, weight`` (the share of the industry's employment the
    category takes), ``industry_employment`` (the whole industry in the region; None when
    the cell is not published and not estimated), ``employment`` (the category's part,
    ``weight * industry_employment``), ``employment_lower/upper`` (its feasible range when
    estimated), ``estimated`` (the cell is estimated by the observatory or flagged by the
    source), ``flags`` (the source's flag letters), ``share`` (of the cluster's employment).
    """
    rows = _rows(con, """
        SELECT w.industry, coalesce(i.title, w.industry) AS title, w.weight,
               ri.employment AS industry_employment,
               w.weight * ri.employment AS employment,
               w.weight * ri.employment_lower AS employment_lower,
               w.weight * ri.employment_upper AS employment_upper,
               coalesce(ri.uncertain, false) AND ri.employment IS NOT NULL AS estimated,
               coalesce(ri.flags, '') AS flags
        FROM scheme_weights w
        LEFT JOIN region_industry ri ON ri.industry = w.industry AND ri.region = ?
                                     AND ri.level = ? AND ri.year = ?
        LEFT JOIN industries i ON i.code = w.industry
              AND i.classification = (SELECT classification FROM schemes WHERE scheme = ?)
        WHERE w.scheme = ? AND w.category = ? AND w.weight > 0
        ORDER BY employment DESC NULLS LAST, w.industry""",
        [region, level, year, scheme, scheme, category])
    total = sum(r["employment"] for r in rows if r["employment"] is not None)
    for r in rows:
        r["share"] = r["employment"] / total if r["employment"] is not None and total > 0 else None
        if not r["estimated"]:
            r["employment_lower"] = r["employment_upper"] = None
    return rows


def history(con: Con, scheme: str, method: str, region: str, level: int,
            category: str) -> list[dict[str, Any]]:
    """The cluster per year: ``year, employment, lq, share_region, growth_1y, growth_5y,
    stars, confidence, estimated, employment_lower/upper, break`` (True in the first year of
    a new series) and ``growth_1y_note/growth_5y_note`` (why a growth value is empty).

    Growth is dropped whenever a series break lies inside its span (the two years are not
    comparable), even if a build computed it.
    """
    rows = _rows(con, f"""
        SELECT c.year::INTEGER AS year, c.employment, c.lq, c.share_region, c.growth_1y,
               c.growth_5y, r.stars::INTEGER AS stars, r.confidence,
               {_ESTIMATED} AS estimated,
               CASE WHEN {_ESTIMATED} THEN c.employment_lower END AS employment_lower,
               CASE WHEN {_ESTIMATED} THEN c.employment_upper END AS employment_upper
        FROM clusters c
        JOIN ratings r USING (scheme, region, level, year, category)
        LEFT JOIN cluster_flags fl USING (scheme, region, level, year, category)
        WHERE c.scheme = ? AND r.method = ? AND c.region = ? AND c.level = ? AND c.category = ?
        ORDER BY c.year""", [scheme, _method(method), region, level, category])
    breaks = coverage.breaks(con)
    by_year = {r["year"]: r for r in rows}
    for r in rows:
        r["break"] = r["year"] in breaks
        for column, span in GROWTH_SPANS.items():
            note = None
            value = r[column]
            if any(r["year"] - span < b <= r["year"] for b in breaks):
                value = None
            if value is None or value != value:
                value = None
                past = by_year.get(r["year"] - span)
                note = coverage.reason(r["year"], span, breaks, r["employment"],
                                       None if past is None else past["employment"])
            r[column], r[f"{column}_note"] = value, note
    return rows


def strongest(con: Con, scheme: str, method: str, category: str, year: int, level: int,
              region: str, limit: int = 10) -> dict[str, Any]:
    """The regions of *level* strongest in *category* in *year*: most stars first, then the
    largest employment (then the code). Returns ``top`` (the first *limit*, each with
    ``rank``), ``count`` (regions with a value) and ``mine`` (*region*'s row, or None)."""
    rows = _rows(con, f"""
        SELECT row_number() OVER (ORDER BY r.stars DESC NULLS LAST, c.employment DESC NULLS LAST,
                                  c.region)::INTEGER AS rank,
               c.region, coalesce(g.name, c.region) AS name, c.employment, c.lq,
               r.stars::INTEGER AS stars, r.confidence, {_ESTIMATED} AS estimated,
               CASE WHEN {_ESTIMATED} THEN c.employment_lower END AS employment_lower,
               CASE WHEN {_ESTIMATED} THEN c.employment_upper END AS employment_upper
        FROM clusters c
        JOIN ratings r USING (scheme, region, level, year, category)
        LEFT JOIN cluster_flags fl USING (scheme, region, level, year, category)
        LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION_SQL}
        WHERE c.scheme = ? AND r.method = ? AND c.category = ? AND c.year = ? AND c.level = ?
        ORDER BY rank""", [scheme, _method(method), category, year, level])
    mine = next((r for r in rows if r["region"] == region), None)
    return {"top": rows[:limit], "count": len(rows), "mine": mine}


def related(con: Con, scheme: str, method: str, category: str, region: str, level: int,
            year: int, limit: int = 8) -> list[dict[str, Any]] | None:
    """The *limit* categories most co-located with *category* (highest ``colocation``),
    each with this region's ``employment, lq, stars`` in *year*; None when the trends stage
    computed no relatedness for *scheme*."""
    if not has_table(con, "relatedness"):
        return None
    found = con.execute("SELECT count(*) FROM relatedness WHERE scheme = ?", [scheme]).fetchone()
    if not found or not found[0]:
        return None
    return _rows(con, f"""
        WITH links AS (
            SELECT CASE WHEN category_a = ? THEN category_b ELSE category_a END AS category,
                   colocation, proximity
            FROM relatedness
            WHERE scheme = ? AND (category_a = ? OR category_b = ?) AND colocation IS NOT NULL)
        SELECT l.category, k.category_name, l.colocation, l.proximity,
               c.employment, c.lq, r.stars::INTEGER AS stars, {_ESTIMATED} AS estimated,
               CASE WHEN {_ESTIMATED} THEN c.employment_lower END AS employment_lower,
               CASE WHEN {_ESTIMATED} THEN c.employment_upper END AS employment_upper
        FROM links l
        JOIN categories k ON k.scheme = ? AND k.category = l.category
        LEFT JOIN clusters c ON c.scheme = ? AND c.category = l.category AND c.region = ?
                             AND c.level = ? AND c.year = ?
        LEFT JOIN cluster_flags fl ON fl.scheme = c.scheme AND fl.region = c.region
                                  AND fl.level = c.level AND fl.year = c.year AND fl.category = c.category
        LEFT JOIN ratings r ON r.scheme = c.scheme AND r.method = ? AND r.region = c.region
                            AND r.level = c.level AND r.year = c.year AND r.category = c.category
        ORDER BY l.colocation DESC, l.category LIMIT ?""",
        [category, scheme, category, category, scheme, scheme, region, level, year,
         _method(method), limit])
