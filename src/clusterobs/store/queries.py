"""Read-only queries behind the portal's pages and API (besides :func:`reader.clusters`).

Every function takes an open (read-only) DuckDB connection or cursor and returns plain
Python values: lists of dicts, dicts or strings. Nothing here writes, and nothing knows
Django. The cluster table itself comes from :func:`clusterobs.store.reader.clusters`, the
one data path shared by pages, API and exports.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

from clusterobs.store import reader, readmodels
from clusterobs.store.reader import METHOD_CRITERIA, NUTS_VERSION_SQL

#: the edition's NUTS version as a scalar subquery (saves a round trip per query)
NUTS_VERSION = NUTS_VERSION_SQL

Con = duckdb.DuckDBPyConnection

#: indicators a map can show: name -> (column, label)
INDICATORS: dict[str, tuple[str, str]] = {
    "employment": ("c.employment", "Employment"),
    "lq": ("c.lq", "Location quotient (LQ)"),
    "stars": ("r.stars", "Stars"),
    "growth_1y": ("c.growth_1y", "Employment growth, 1 year"),
    "growth_5y": ("c.growth_5y", "Employment growth, 5 years (annual average)"),
    "wage_per_employee": ("c.wage_per_employee", "Wage per employee"),
}


def _rows(con: Con, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run *sql* and return its rows as dicts (the result is drained before returning)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def nuts_version(con: Con) -> int:
    """The NUTS version the built results are expressed in."""
    return reader.nuts_version(con)


def build_info(con: Con) -> dict[str, Any]:
    """Fingerprint, build time, code and NUTS version of the edition being served."""
    rows = _rows(con, "SELECT fingerprint, methodology, code_version, built_at FROM build_info")
    if not rows:
        return {}
    info = rows[0]
    methodology = json.loads(info.pop("methodology") or "{}")
    info["nuts_version"] = int(methodology.get("nuts_version", 2016))
    info["methodology_version"] = methodology.get("version")
    return info


def schemes(con: Con) -> list[dict[str, Any]]:
    """The category schemes, with their number of categories."""
    return _rows(
        con,
        """SELECT s.scheme, s.version, s.title, s.classification, s.partitioning,
                  count(k.category)::INTEGER AS categories
           FROM schemes s LEFT JOIN categories k USING (scheme)
           GROUP BY ALL ORDER BY s.scheme""",
    )


def categories(con: Con, scheme: str) -> list[dict[str, Any]]:
    """The categories of *scheme*, ordered by name."""
    return _rows(
        con,
        """SELECT scheme, category, category_name, traded FROM categories
           WHERE scheme = ? ORDER BY category_name""",
        [scheme],
    )


def methods(con: Con, scheme: str | None = None) -> list[dict[str, Any]]:
    """The rating methods present in the store (for *scheme*), with their criteria."""
    where, params = ("WHERE scheme = ?", [scheme]) if scheme else ("", [])
    rows = _rows(
        con,
        f"""SELECT method, list(DISTINCT scheme ORDER BY scheme) AS schemes,
                   max(stars)::INTEGER AS max_stars
            FROM ratings {where} GROUP BY method ORDER BY method""",
        params,
    )
    for row in rows:
        row["criteria"] = list(METHOD_CRITERIA.get(row["method"], ()))
    return rows


def years(con: Con, scheme: str) -> list[int]:
    """The years with cluster results for *scheme*, ascending."""
    rows = con.execute(
        "SELECT DISTINCT year::INTEGER FROM clusters WHERE scheme = ? ORDER BY 1", [scheme]
    ).fetchall()
    return [int(r[0]) for r in rows]


def default_year(con: Con, scheme: str, level: int = 2, coverage: float = 0.9) -> int | None:
    """The latest year whose region coverage at *level* is at least *coverage* of the best year.

    The last year of the Eurostat series covers only part of the regions; a map of it would
    be mostly grey, so pages open on the latest (nearly) complete year.
    """
    rows = con.execute(
        """SELECT year::INTEGER, count(DISTINCT region) FROM clusters
           WHERE scheme = ? AND level = ? GROUP BY 1 ORDER BY 1""",
        [scheme, level],
    ).fetchall()
    if not rows:
        return None
    best = max(n for _, n in rows)
    return max(y for y, n in rows if n >= coverage * best)


def regions(con: Con, level: int | None = None) -> list[dict[str, Any]]:
    """Regions with results (code, name, level, country from the geography table), in the
    edition's geography version."""
    where, params = ("AND c.level = ?", [level]) if level is not None else ("", [])
    return _rows(
        con,
        f"""SELECT c.region, coalesce(g.name, c.region) AS name, c.level::INTEGER AS level,
                   coalesce(g.country, c.region) AS country
            FROM (SELECT DISTINCT region, level FROM region_totals) c
            LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION}
            WHERE true {where} ORDER BY c.region""",
        params,
    )


def table_regions(con: Con, table: str) -> dict[str, str]:
    """Region code -> name (the edition's NUTS version) of the regions in *table*, by name;
    empty when the file has no such table (a dataset without trends or scoreboard)."""
    if table not in ("shift_share", "scoreboard_scores") or not reader.has_table(con, table):
        return {}
    rows = con.execute(f"""SELECT DISTINCT t.region, coalesce(r.name, t.region) FROM {table} t
        LEFT JOIN regions r ON r.region = t.region AND r.nuts_version = {NUTS_VERSION}
        ORDER BY 2""").fetchall()
    return {str(c): str(n) for c, n in rows}


def region(con: Con, code: str) -> dict[str, Any] | None:
    """One region with results, or None."""
    rows = _rows(
        con,
        f"""SELECT c.region, coalesce(g.name, c.region) AS name, c.level::INTEGER AS level,
                   coalesce(g.country, c.region) AS country
            FROM (SELECT DISTINCT region, level FROM region_totals WHERE region = ?) c
            LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION}""",
        [code],
    )
    return rows[0] if rows else None


def category(con: Con, scheme: str, code: str) -> dict[str, Any] | None:
    """One category of *scheme*, or None."""
    rows = _rows(
        con,
        """SELECT scheme, category, category_name, traded FROM categories
           WHERE scheme = ? AND category = ?""",
        [scheme, code],
    )
    return rows[0] if rows else None


def search(con: Con, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Regions and categories whose code or name matches *text*, best matches first.

    Exact code matches come first, then prefixes, then substrings, then the closest names
    by Jaro-Winkler similarity (so ``Lombardie`` still finds ``Lombardia``).
    """
    text = text.strip().lower()
    if not text:
        return []
    return _rows(
        con,
        """WITH items AS (
               SELECT 'region' AS kind, NULL AS scheme, r.region AS code, r.name, r.level
               FROM regions r
               WHERE r.nuts_version = $2 AND r.region IN (SELECT region FROM region_totals)
               UNION ALL
               SELECT 'category', scheme, category, category_name, NULL FROM categories),
           scored AS (
               SELECT *, CASE
                   WHEN lower(code) = $1 OR lower(name) = $1 THEN 4
                   WHEN starts_with(lower(code), $1) OR starts_with(lower(name), $1) THEN 3
                   WHEN contains(lower(name), $1) THEN 2
                   ELSE jaro_winkler_similarity(lower(name), $1) END AS score
               FROM items)
           SELECT kind, scheme, code, name, level::INTEGER AS level FROM scored
           WHERE score >= 0.85 ORDER BY score DESC, length(name), code LIMIT $3""",
        [text, nuts_version(con), int(limit)],
    )


def suggest_regions(con: Con, text: str, limit: int = 5) -> list[dict[str, Any]]:
    """The regions whose code or name is closest to *text* (for 404 pages)."""
    return _rows(
        con,
        """SELECT r.region, r.name, r.level::INTEGER AS level FROM regions r
           WHERE r.nuts_version = $2 AND r.region IN (SELECT region FROM region_totals)
           ORDER BY greatest(jaro_winkler_similarity(lower(r.region), lower($1)),
                             jaro_winkler_similarity(lower(r.name), lower($1))) DESC, r.region
           LIMIT $3""",
        [text, nuts_version(con), int(limit)],
    )


def suggest_categories(con: Con, scheme: str, text: str, limit: int = 5) -> list[dict[str, Any]]:
    """The categories (of any scheme, *scheme* first) closest to *text* (for 404 pages)."""
    return _rows(
        con,
        """SELECT scheme, category, category_name FROM categories
           ORDER BY (scheme = $2) DESC,
                    greatest(jaro_winkler_similarity(lower(category), lower($1)),
                             jaro_winkler_similarity(lower(category_name), lower($1))) DESC
           LIMIT $3""",
        [text, scheme, int(limit)],
    )


def headline(con: Con, scheme: str, method: str, year: int, level: int = 2) -> dict[str, Any]:
    """Regions, clusters, rated clusters (1+ stars) and their employment in one year."""
    rows = _rows(
        con,
        """SELECT count(DISTINCT c.region)::INTEGER AS regions,
                  count(*)::INTEGER AS clusters,
                  count(*) FILTER (WHERE r.stars >= 1)::INTEGER AS rated_clusters,
                  coalesce(sum(c.employment) FILTER (WHERE r.stars >= 1), 0) AS rated_employment,
                  coalesce(sum(c.employment), 0) AS employment
           FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
           WHERE c.scheme = ? AND r.method = ? AND c.year = ? AND c.level = ?""",
        [scheme, method, year, level],
    )
    return {**rows[0], "scheme": scheme, "method": method, "year": year, "level": level}


def map_values(
    con: Con, scheme: str, category: str, indicator: str, method: str, year: int, level: int
) -> list[dict[str, Any]]:
    """One value of *indicator* per region of *level*: the data of a choropleth."""
    column, _ = INDICATORS[indicator]
    found = readmodels.map_values(con, scheme, category, column.split(".")[1], method, year, level)
    if found is not None:  # the build's read model; the joins below for files built before it
        return found
    return _rows(
        con,
        f"""SELECT c.region, coalesce(g.name, c.region) AS name, {column} AS value,
                   c.employment, c.lq, r.stars::INTEGER AS stars
            FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
            LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION}
            WHERE c.scheme = ? AND r.method = ? AND c.category = ? AND c.year = ?
              AND c.level = ?
            ORDER BY c.region""",
        [scheme, method, category, year, level],
    )


def geometry_levels(con: Con) -> list[int]:
    """The NUTS levels that have geometries."""
    return [int(r[0]) for r in con.execute("SELECT DISTINCT level FROM geometries ORDER BY 1").fetchall()]


#: geometry detail levels, coarsest first ("high" is the stored web geometry)
DETAILS = ("low", "medium", "high")
#: the coarsest detail a web map at a zoom up to this level needs (Leaflet zooms 0-18)
ZOOM_DETAIL = ((4, "low"), (6, "medium"))


def detail_for_zoom(zoom: int) -> str:
    """The geometry detail a map at *zoom* needs: ``low`` up to zoom 4 (Europe on a screen),
    ``medium`` up to 6 (a country), ``high`` closer in."""
    return next((detail for most, detail in ZOOM_DETAIL if zoom <= most), "high")


def geojson(con: Con, level: int, values: dict[str, dict[str, Any]] | None = None,
            detail: str = "high") -> str:
    """A GeoJSON FeatureCollection (text) of the regions of *level* at *detail*.

    Each feature's properties are ``region``, ``name``, ``level`` plus, when *values* maps
    the region to a dict, that dict's items (e.g. ``value``). ``low`` and ``medium`` come
    from the build's ``geometry_detail`` table (the stored shapes where a file has none).
    """
    if detail not in DETAILS:
        raise ValueError(f"detail={detail!r}: expected one of {', '.join(DETAILS)}")
    rows = None
    if detail != "high":
        try:
            rows = con.execute(
                """SELECT g.region, g.name, coalesce(d.geojson, g.geojson) FROM geometries g
                   LEFT JOIN geometry_detail d ON d.region = g.region AND d.level = g.level
                        AND d.detail = ?
                   WHERE g.level = ? ORDER BY g.region""", [detail, level]).fetchall()
        except duckdb.CatalogException:
            rows = None  # a file built before the detail levels: the stored shapes
    if rows is None:
        rows = con.execute(
            "SELECT region, name, geojson FROM geometries WHERE level = ? ORDER BY region", [level]
        ).fetchall()
    values = values or {}
    parts = []
    for code, name, geometry in rows:
        props = {"region": code, "name": name, "level": level, **values.get(code, {})}
        parts.append(
            f'{{"type":"Feature","id":{json.dumps(code)},'
            f'"properties":{json.dumps(props, default=_plain)},"geometry":{geometry}}}'
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _plain(value: Any) -> Any:
    """JSON fallback for numpy/decimal scalars."""
    return float(value) if value is not None else None


def region_series(
    con: Con, region_code: str, scheme: str, categories_: list[str], method: str | None = None,
    index: reader.BlockIndex | None = None, names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Employment and LQ of the region's *categories_* in every year (a time series), by
    category and year, with ``estimated`` and ``estimate_share`` (an estimated value is
    marked wherever it is shown, methodology ``ratings.md#estimates``).

    With *method* (any method: every method rates the same clusters) the rows come from the
    read model's block of the region (``cluster_view``) when the file has it (*index*: the
    file's :func:`reader.block_index`, when the caller keeps one; *names*: the categories'
    names when the caller has them, which saves reading them)."""
    if not categories_:
        return []
    marks = ", ".join("?" for _ in categories_)
    found: list[dict[str, Any]] | None = None
    blocks = None
    if method is not None:
        blocks = (reader.blocks_in(index, region_code) if index is not None
                  else reader.region_blocks(con, scheme, method, region_code))
    if blocks is not None:  # a file with the read model's block numbers
        try:
            name = "" if names is not None else "category_name, "
            # the whole block range, filtered and sorted here: a region's few hundred rows
            # cost less to read than DuckDB's category filter and sort (1.8 -> 1.2 ms)
            wanted = set(categories_)
            cur = con.execute(f"""SELECT category, {name}year, employment, lq, estimated, estimate_share
                                  FROM {readmodels.VIEW} WHERE block BETWEEN ? AND ?""", list(blocks))
            columns = [d[0] for d in cur.description]
            found = [dict(zip(columns, row, strict=True)) for row in cur.fetchall() if row[0] in wanted]
        except duckdb.CatalogException:
            pass
    if found is None:
        found = _rows(
            con,
            f"""SELECT c.category, k.category_name, c.year::INTEGER AS year, c.employment, c.lq,
                       {readmodels.estimated_sql()} AS estimated, round(c.uncertain_share, 6) AS estimate_share
                FROM clusters c JOIN categories k USING (scheme, category)
                LEFT JOIN cluster_flags fl USING (scheme, region, level, year, category)
                WHERE c.scheme = ? AND c.region = ? AND c.category IN ({marks})""",
            [scheme, region_code, *categories_],
        )
    elif names is not None:
        found = [{"category": r["category"], "category_name": names.get(r["category"], r["category"]),
                  **{k: v for k, v in r.items() if k != "category"}} for r in found]
    found.sort(key=lambda r: (r["category"], r["year"]))
    return found


def portfolios(con: Con, scheme: str, year: int, level: int) -> tuple[list[str], list[str], Any]:
    """Every region's portfolio at *level*: (codes, names, unit-length rows of category shares).

    A portfolio is the vector of the region's category shares of employment
    (``share_region``) in *scheme* and *year*, scaled to length 1 so that a dot product of
    two rows is their cosine similarity. Small (regions x categories); cache it per edition.
    """
    import numpy as np

    cols = con.execute(
        f"""SELECT c.region, coalesce(g.name, c.region) AS name, c.category, c.share_region FROM clusters c
            LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION}
            WHERE c.scheme = ? AND c.year = ? AND c.level = ? AND c.share_region IS NOT NULL""",
        [scheme, year, level],
    ).fetchnumpy()
    codes_all, rows = np.unique(np.asarray(cols["region"], dtype=object), return_inverse=True)
    cats, col = np.unique(np.asarray(cols["category"], dtype=object), return_inverse=True)
    matrix = np.zeros((len(codes_all), len(cats)))
    matrix[rows, col] = np.asarray(cols["share_region"], dtype=float)
    names = dict(zip(cols["region"], cols["name"], strict=True))
    codes = [str(c) for c in codes_all]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return codes, [str(names[c]) for c in codes], np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def most_similar(portfolio: tuple[list[str], list[str], Any], region_code: str, limit: int = 5) -> list[dict[str, Any]]:
    """The *limit* regions whose portfolio is closest (cosine similarity) to *region_code*'s
    (:func:`clusterobs.core.matchmaking.peers`: ties by code, regions without any employment
    share left out)."""
    from clusterobs.core.matchmaking import peers

    codes, names, matrix = portfolio
    try:
        i = codes.index(region_code)
    except ValueError:
        return []
    if not matrix[i].any():
        return []
    return [{"region": codes[p.index], "name": names[p.index], "similarity": p.similarity}
            for p in peers(matrix, i, limit)]


def employment_totals(con: Con) -> dict[tuple[str, int], float]:
    """Total employment (all industries) of every region and year: ``(region, year) -> total``
    (a few thousand values: a reader keeps it per file instead of asking per page)."""
    rows = con.execute("SELECT region, year, employment_total FROM region_totals "
                       "WHERE employment_total IS NOT NULL").fetchall()
    return {(r, int(y)): float(v) for r, y, v in rows}


def region_employment(con: Con, region_code: str, year: int) -> float | None:
    """Total employment of the region in *year* (all industries)."""
    row = con.execute(
        "SELECT employment_total FROM region_totals WHERE region = ? AND year = ?",
        [region_code, year],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def lq_distribution(con: Con, scheme: str, category_code: str, year: int, level: int) -> list[dict[str, Any]]:
    """The LQ of every region of *level* in the category (for a histogram)."""
    return _rows(
        con,
        """SELECT region, lq FROM clusters
           WHERE scheme = ? AND category = ? AND year = ? AND level = ? AND lq IS NOT NULL
           ORDER BY lq DESC""",
        [scheme, category_code, year, level],
    )


def category_trend(con: Con, scheme: str, category_code: str, method: str, level: int) -> list[dict[str, Any]]:
    """Per year: employment of the category, regions reporting it, starred regions, median LQ,
    and ``estimate_share``: the share of that employment from estimated or flagged cells (a
    total resting on estimates says so, methodology ``ratings.md#estimates``)."""
    return _rows(
        con,
        """SELECT c.year::INTEGER AS year, sum(c.employment) AS employment,
                  round(sum(c.employment * coalesce(c.uncertain_share, 0))
                        / nullif(sum(c.employment), 0), 6) AS estimate_share,
                  count(*)::INTEGER AS regions,
                  count(*) FILTER (WHERE r.stars >= 1)::INTEGER AS starred_regions,
                  median(c.lq) AS median_lq
           FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
           WHERE c.scheme = ? AND c.category = ? AND r.method = ? AND c.level = ?
           GROUP BY 1 ORDER BY 1""",
        [scheme, category_code, method, level],
    )
