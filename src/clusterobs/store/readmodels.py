"""Read models over a results (or edition) file: what the portal's pages and API read, as plain data.

A build writes table ``cluster_view`` (:func:`write_cluster_view`): one row per cluster with
everything the cluster table shows already joined in — the region's name in the edition's
NUTS version (no JSON subquery per request), the category's name and traded flag, the source
flags, the estimate markers, the category's purity and the cluster's apportioned share
(``docs/methodology/ratings.md#purity``) — and every method's stars, confidence and criteria
in that method's own columns (:func:`clusterobs.store.reader.method_column`). It is written
sorted by its lookup key ``(scheme, region, year, category)``, and each (scheme, region, year)
is numbered in that order (column ``block``, looked up per method in the small table
``cluster_view_blocks``): a region's rows are one contiguous integer range whose zone maps
send DuckDB to a single row group (:func:`clusterobs.store.reader.region_blocks`).

The readers here take a read-only connection (or cursor) and return lists of dicts with
Python values (``None`` for missing numbers); no DataFrame, no chart. A file built before
the view existed, or while it held a row per cluster and method, is still served through the
joins of :func:`clusterobs.store.reader.clusters`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from clusterobs.core.stars import CRITERIA
from clusterobs.core.tables import key_ranges
from clusterobs.errors import StoreError
from clusterobs.store import coverage, reader
from clusterobs.store.engine import (
    BinderException,
    CatalogException,
    Connection,
    drop_relation,
    literal,
    write_table,
)

VIEW = reader.VIEW
#: the table of :func:`write_similar_regions`, and the regions it lists per region
SIMILAR = "similar_regions"
SIMILAR_LIMIT = 5
#: rows of ``clusters`` joined and sorted at a time when the view is written
SLICE_ROWS = 1_000_000
#: the view's lookup key (its write order)
SORT_KEY = ("scheme", "region", "year", "category")
#: every criterion column of any method (the view holds them all; a reader selects its method's)
ALL_CRITERIA = reader.ALL_CRITERIA
ROW_COLUMNS = reader.ROW_COLUMNS
#: columns the annotated readers add (purity and apportioned share, methodology §2b, and why
#: an empty growth value is empty)
ANNOTATIONS = ("traded", "purity", "apportioned_share", "growth_1y_note", "growth_5y_note")

#: apportioned share of every cluster (region x year x category) of a scheme (``?``): the share
#: of its employment from codes whose main part belongs to another category (reports.purity;
#: the build computes it with the aggregation, :func:`clusterobs.core.schemes.minor_weights`)
APPORTIONED_SQL = """
    WITH w AS (
        SELECT scheme, industry, category, weight,
               weight < greatest(max(weight) OVER (PARTITION BY scheme, industry),
                                 1 - sum(weight) OVER (PARTITION BY scheme, industry)) AS minor
        FROM scheme_weights WHERE scheme = ?)
    SELECT w.scheme, r.region, r.year::INTEGER AS year, w.category,
           CASE WHEN sum(r.employment * w.weight) > 0
                THEN coalesce(sum(r.employment * w.weight) FILTER (WHERE w.minor), 0)
                     / sum(r.employment * w.weight) END AS apportioned_share
    FROM region_industry r JOIN w USING (industry)
    WHERE {where}
    GROUP BY ALL"""


def estimated_sql(alias: str = "c", flags: str = "fl") -> str:
    """SQL: whether a row of ``clusters`` (*alias*, joined to ``cluster_flags`` as *flags*)
    holds estimated or flagged employment (the read model's ``estimated``)."""
    return f"({alias}.uncertain_share > 0 OR coalesce({flags}.flags, '') LIKE '%i%')"


def write_cluster_view(con: Connection, rated: Sequence[tuple[str, Sequence[str]]],
                       version: int | None = None) -> int:
    """Create table ``cluster_view`` from ``clusters``, the ratings in the tables of *rated*
    and the reference tables, sorted by :data:`SORT_KEY`, and ``ratings`` as a view of it;
    rows written (one per cluster). Call it once the build wrote ``categories`` and
    ``category_purity``.

    *rated* is a list of (table, methods): each table holds one row per cluster it rates,
    ``cid`` (the cluster's ``rowid`` in ``clusters``, which is written sorted by
    :data:`SORT_KEY`), ``scheme``, and each of its methods' columns
    (:func:`clusterobs.store.reader.method_columns`: stars, confidence, rating level and
    criteria). *version* is the NUTS version of the region names (default: the one
    ``build_info`` records).

    One row per cluster holds every method's rating in that method's own columns, instead of
    a row per cluster and method (20M generated rows: 9.1M rows written instead of 21.9M;
    a row costs about 1 s per million to write on 2 cores, whatever the compression). Each
    (scheme, region, year) is numbered in key order (``block``); ``cluster_view_blocks``
    lists the blocks of every (scheme, method) the build rated. The view is written in
    slices of :data:`SLICE_ROWS` clusters (a range of ``rowid``, which DuckDB's scan goes
    straight to), each joined to its names, flags, purity, growth notes and ratings (the
    cluster-sized ones on the integer ``cid``, cut to the slice) and sorted by ``cid``. The
    apportioned share comes with the cluster (:func:`clusterobs.core.schemes.aggregate`).
    """
    version = reader.nuts_version(con) if version is None else version
    purity_join = ("LEFT JOIN category_purity p USING (scheme, category)"
                   if reader.has_table(con, "category_purity")
                   else "LEFT JOIN (SELECT NULL::VARCHAR AS scheme, NULL::VARCHAR AS category, "
                        "NULL::DOUBLE AS purity) p USING (scheme, category)")
    est = estimated_sql()
    # NaN never reaches a reader: a missing number is NULL (None)
    numbers = ", ".join(f"nullif(c.{n}, 'NaN'::DOUBLE) AS {n}" for n in (
        "employment", "establishments", "wages", "share_region", "share_ref", "lq",
        "wage_per_employee", "growth_1y", "growth_5y", "apportioned_share"))
    _write_growth_notes(con)
    # the (scheme, region, year) triples numbered in key order
    con.execute("""CREATE OR REPLACE TEMP TABLE _region_years AS
                   SELECT scheme, region, year,
                          (row_number() OVER (ORDER BY scheme, region, year))::INTEGER AS block
                   FROM (SELECT DISTINCT scheme, region, year::INTEGER AS year FROM clusters)""")
    con.execute(f"CREATE OR REPLACE TABLE {reader.BLOCKS} (scheme VARCHAR, method VARCHAR, region VARCHAR, "
                "year INTEGER, block INTEGER)")
    # a slice's own rows of the cluster-sized tables: their hash tables stay slice-sized
    ratings, joins = [], ["LEFT JOIN (SELECT * FROM _growth_notes WHERE cid BETWEEN $first AND $last) n USING (cid)"]
    for i, (table, methods) in enumerate(rated):
        joins.append(f"LEFT JOIN (SELECT * FROM {table} WHERE cid BETWEEN $first AND $last) r{i} USING (cid)")
        for method in methods:
            ratings += [f"r{i}.{c}::INTEGER AS {c}" if c.endswith("__stars") else f"r{i}.{c}"
                        for c in reader.method_columns(method)]
            con.execute(f"INSERT INTO {reader.BLOCKS} SELECT scheme, ?, region, year, block FROM _region_years "
                        f"WHERE scheme IN (SELECT DISTINCT scheme FROM {table}) ORDER BY block", [method])
    select = f"""
        SELECT c.scheme, c.region, coalesce(g.name, c.region) AS region_name, y.block,
               c.level AS nuts_level, c.year::INTEGER AS year, c.category, k.category_name,
               k.traded, {numbers},
               round(c.uncertain_share, 6) AS estimate_share, {est} AS estimated,
               CASE WHEN {est} THEN c.employment_lower END AS employment_lower,
               CASE WHEN {est} THEN c.employment_upper END AS employment_upper,
               coalesce(fl.flags, '') AS flags,
               p.purity, n.growth_1y_note, n.growth_5y_note,
               {', '.join(ratings)}
        FROM (SELECT rowid AS cid, * FROM clusters WHERE rowid BETWEEN $first AND $last) c
        JOIN categories k USING (scheme, category)
        JOIN _region_years y USING (scheme, region, year)
        LEFT JOIN cluster_flags fl USING (scheme, region, level, year, category)
        LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {int(version)}
        {purity_join}
        {' '.join(joins)}"""
    con.execute(f"CREATE OR REPLACE TABLE {VIEW} AS {select} LIMIT 0", {"first": 0, "last": -1})
    # in slices of the clusters' rows, each sorted in memory (20M generated rows: a scheme of
    # 3.7M rows joined and sorted at once ran out of DuckDB's 6 GB)
    row = con.execute("SELECT min(rowid), max(rowid) FROM clusters").fetchone()
    first, last = (int(row[0]), int(row[1])) if row and row[0] is not None else (0, -1)
    for lo in range(first, last + 1, SLICE_ROWS):
        con.execute(f"INSERT INTO {VIEW} {select} ORDER BY c.cid", {"first": lo, "last": lo + SLICE_ROWS - 1})
    for table in ("_growth_notes", "_region_years"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    write_ratings_view(con)
    row = con.execute(f"SELECT count(*) FROM {VIEW}").fetchone()
    return int(row[0]) if row else 0


def write_ratings_view(con: Connection) -> None:
    """``ratings`` (one row per cluster and method: stars, confidence, rating level and
    criteria, the criteria of other methods NULL) as a view of ``cluster_view``, which holds
    them already: one part per method, over the schemes it rated (``cluster_view_blocks``)."""
    drop_relation(con, "ratings")
    rated: dict[str, list[str]] = {}
    for scheme, method in con.execute(f"SELECT DISTINCT scheme, method FROM {reader.BLOCKS} "
                                      "ORDER BY ALL").fetchall():
        rated.setdefault(method, []).append(scheme)
    parts = []
    for method, schemes in rated.items():
        own = set(CRITERIA[method])
        col = functools.partial(reader.method_column, method)
        criteria = ", ".join(f"{col(c)} AS {c}" if c in own else f"NULL::BOOLEAN AS {c}" for c in ALL_CRITERIA)
        listed = ", ".join(literal(s) for s in schemes)
        parts.append(f"""
            SELECT scheme, '{method}' AS method, region, nuts_level AS level, year, category,
                   {col('stars')}::TINYINT AS stars, {col('stars_confidence')} AS confidence,
                   {col('rating_level')} AS rating_level, {criteria}
            FROM {VIEW} WHERE scheme IN ({listed})""")
    if not parts:  # nothing rated: no rows, the same columns
        empty = ", ".join(f"NULL::BOOLEAN AS {c}" for c in ALL_CRITERIA)
        parts.append(f"""SELECT NULL::VARCHAR AS scheme, NULL::VARCHAR AS method, NULL::VARCHAR AS region,
                                NULL::INTEGER AS level, NULL::INTEGER AS year, NULL::VARCHAR AS category,
                                NULL::TINYINT AS stars, NULL::DOUBLE AS confidence,
                                NULL::VARCHAR AS rating_level, {empty} WHERE false""")
    con.execute("CREATE VIEW ratings AS " + " UNION ALL ".join(parts))


def _write_growth_notes(con: Connection) -> None:
    """Temporary table ``_growth_notes``: why each empty growth value of ``clusters`` is empty
    (:func:`clusterobs.store.coverage.reason`, computed once per build in SQL instead of per
    request)."""
    has_cover = coverage._has_coverage(con)
    breaks = coverage.breaks(con)
    joins, notes, empty = [], [], []
    for column, span in coverage.SPANS.items():
        p = f"p{span}"
        joins.append(f"LEFT JOIN (SELECT * FROM clusters WHERE __BOUNDS__) {p} ON {p}.scheme = c.scheme "
                     f"AND {p}.region = c.region AND {p}.level = c.level AND {p}.category = c.category "
                     f"AND {p}.year = c.year - {span}")
        missing = f"(c.{column} IS NULL OR isnan(c.{column}))"
        why = coverage.reason_sql("c.year::INTEGER", span, breaks, "c.employment", f"{p}.employment",
                                  "c.coverage" if has_cover else "NULL::DOUBLE",
                                  f"{p}.coverage" if has_cover else "NULL::DOUBLE")
        notes.append(f"CASE WHEN {missing} THEN {why} END AS {column}_note")
        empty.append(missing)
    select = f"""
        SELECT c.rowid AS cid, {', '.join(notes)}
        FROM (SELECT rowid, * FROM clusters WHERE __BOUNDS__) c {' '.join(joins)}
        WHERE {' OR '.join(empty)}"""
    # a slice of regions at a time (a region's years are in its slice): self-joins of a
    # slice's size (60M generated rows: 9.6 s at once, 4.7x the 20M time)
    counts = [(str(r), int(n)) for r, n in con.execute(
        "SELECT region, count(*) FROM clusters GROUP BY region ORDER BY region").fetchall()]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _growth_notes AS {select.replace('__BOUNDS__', 'false')}")
    for first, last in key_ranges(counts, SLICE_ROWS * 2):
        bounds = f"region BETWEEN {literal(first)} AND {literal(last)}"
        con.execute(f"INSERT INTO _growth_notes {select.replace('__BOUNDS__', bounds)}")


def write_similar_regions(con: Connection, version: int | None = None) -> int:
    """Table ``similar_regions``: for every (scheme, year, level, region) of ``clusters`` the
    :data:`SIMILAR_LIMIT` regions of the same level whose cluster portfolio is most alike
    (cosine similarity of the vectors of category employment shares ``share_region``,
    :func:`clusterobs.core.matchmaking.nearest_pairs`; ties by code), with their names in
    the results' NUTS version; rows written.

    Computed once per build (Europe: 58,520 rows in 0.7 s; 5M generated rows: 296,000 in
    about 4 s): from the clusters of one (scheme, year, level) a request took 30-45 ms on
    the Europe file (the first region page of each year in every worker)."""
    import numpy as np

    from clusterobs.core.matchmaking import nearest_pairs

    # integer ids in code order, so that numpy's sorted unique ids keep the codes' order
    cols = con.execute("""
        WITH r AS (SELECT region, (row_number() OVER (ORDER BY region) - 1)::INTEGER AS rid
                   FROM (SELECT DISTINCT region FROM clusters)),
             k AS (SELECT category, (row_number() OVER (ORDER BY category) - 1)::INTEGER AS kid
                   FROM (SELECT DISTINCT category FROM clusters)),
             g AS (SELECT scheme, year, level,
                          (row_number() OVER (ORDER BY scheme, year, level) - 1)::INTEGER AS gid
                   FROM (SELECT DISTINCT scheme, year, level FROM clusters))
        SELECT gid, rid, kid, share_region FROM clusters JOIN r USING (region)
            JOIN k USING (category) JOIN g USING (scheme, year, level)
        WHERE share_region IS NOT NULL AND NOT isnan(share_region)
        ORDER BY gid""").fetchnumpy()
    codes = np.array([r[0] for r in con.execute("SELECT DISTINCT region FROM clusters ORDER BY 1").fetchall()],
                     dtype=object)
    groups = con.execute("SELECT DISTINCT scheme, year::INTEGER, level::INTEGER FROM clusters "
                         "ORDER BY ALL").fetchall()
    names = dict(con.execute("SELECT region, name FROM regions WHERE nuts_version = ?",
                             [reader.nuts_version(con) if version is None else version]).fetchall())
    gid, rid, kid = (np.asarray(cols[c], dtype=np.int64) for c in ("gid", "rid", "kid"))
    share = np.asarray(cols["share_region"], dtype=np.float64)
    # per group: the group's number, then region ids, peer ids, ranks and similarities
    parts: dict[str, list[Any]] = {"group": [], "region": [], "peer": [], "rank": [], "similarity": []}
    bounds = np.searchsorted(gid, np.arange(len(groups) + 1))

    def nearest(g: int) -> tuple[Any, ...]:
        part = slice(bounds[g], bounds[g + 1])
        regions, rows = np.unique(rid[part], return_inverse=True)
        cats, columns = np.unique(kid[part], return_inverse=True)
        matrix = np.zeros((len(regions), len(cats)))
        matrix[rows, columns] = share[part]
        i, j, rank, score = nearest_pairs(matrix, SIMILAR_LIMIT)
        return np.full(len(i), g), regions[i], regions[j], rank, score

    # the groups in threads (numpy's products and partitions release the GIL), in order
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for found_g in pool.map(nearest, range(len(groups))):
            for column, values in zip(parts, found_g, strict=True):
                parts[column].append(values)
    found = {c: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for c, v in parts.items()}
    keys = np.array(groups, dtype=object).reshape(-1, 3)
    label = np.array([names.get(c) or c for c in codes], dtype=object)
    frame = pd.DataFrame({"scheme": keys[found["group"], 0], "year": keys[found["group"], 1],
                          "level": keys[found["group"], 2], "region": codes[found["region"]],
                          "rank": found["rank"], "peer": codes[found["peer"]], "name": label[found["peer"]],
                          "similarity": found["similarity"]})
    return write_table(con, SIMILAR, frame)


def similar(con: Connection, scheme: str, year: int, level: int) -> dict[str, list[dict[str, Any]]] | None:
    """``region -> [{region, name, similarity}, ...]`` (best first) of one scheme, year and
    level from ``similar_regions``; None for a file built before that table."""
    try:
        found = con.execute(f"SELECT region, peer, name, similarity FROM {SIMILAR} "
                            "WHERE scheme = ? AND year = ? AND level = ? ORDER BY region, rank",
                            [scheme, year, level]).fetchall()
    except CatalogException:
        return None
    out: dict[str, list[dict[str, Any]]] = {}
    for region, other, name, score in found:
        out.setdefault(region, []).append({"region": other, "name": name, "similarity": score})
    return out


def _plain(value: Any) -> Any:
    """NaN as None (a missing number), everything else as it is."""
    return None if isinstance(value, float) and math.isnan(value) else value


def cluster_columns(method: str, *, annotated: bool = False) -> tuple[str, ...]:
    """The columns of a cluster row: :data:`reader.ROW_COLUMNS`, the method's criteria, and with *annotated* :data:`ANNOTATIONS`."""
    return (*ROW_COLUMNS, *CRITERIA[method], *(ANNOTATIONS if annotated else ()))


def clusters(con: Connection, scheme: str, method: str, *, year: int | None = None,
             region: str | None = None, category: str | None = None, level: int | None = None,
             min_stars: int | None = None, limit: int | None = None, offset: int = 0,
             annotated: bool = False, index: reader.BlockIndex | None = None) -> list[dict[str, Any]]:
    """Cluster rows (the columns of :func:`reader.clusters`), newest year first, as dicts.

    With *annotated*, each row also has :data:`ANNOTATIONS` (``traded``, ``purity``,
    ``apportioned_share`` and the growth notes). Reads ``cluster_view`` (one block per
    region); on a file built before it, the joins of :func:`reader.clusters_joined` plus the
    purity tables and :func:`coverage.growth_notes`. *index* (:func:`reader.block_index` of
    this file, scheme and method, kept by the caller) saves the block lookup.
    """
    if method not in CRITERIA:
        raise StoreError(f"unknown method {method!r}: expected one of {', '.join(CRITERIA)}")
    filters = {"year": year, "region": region, "category": category, "nuts_level": level}
    columns = cluster_columns(method, annotated=annotated)
    try:
        blocks = None if region is None else (
            reader.blocks_in(index, region, year) if index is not None
            else reader.region_blocks(con, scheme, method, region, year))
        sql, params = reader.view_query(scheme, method, columns, year=year, region=region,
                                        category=category, level=level, min_stars=min_stars,
                                        limit=limit, offset=offset, blocks=blocks)
        found = con.execute(sql, params).fetchall()
    except (CatalogException, BinderException):  # no read model, or one row per cluster and method
        return clusters_joined(con, scheme, method, filters, min_stars, limit, offset, annotated)
    return [dict(zip(columns, row, strict=True)) for row in found]  # the view holds no NaN


def clusters_joined(con: Connection, scheme: str, method: str, filters: dict[str, Any],
                     min_stars: int | None, limit: int | None, offset: int,
                     annotated: bool) -> list[dict[str, Any]]:
    """The rows of :func:`clusters` from the build's tables (a file without ``cluster_view``;
    the read model's tests compare both)."""
    df = reader.clusters_joined(con, scheme, method, year=filters["year"], region=filters["region"],
                                category=filters["category"], level=filters["nuts_level"],
                                min_stars=min_stars, limit=limit, offset=offset)
    rows = [{k: _plain(v) for k, v in r.items()}
            for r in df.astype(object).where(df.notna(), None).to_dict("records")]
    if annotated and rows:
        _annotate(con, scheme, rows, filters)
    for r in rows:
        for column in ANNOTATIONS if annotated else ():
            r.setdefault(column, None)
    return rows


def _annotate(con: Connection, scheme: str, rows: list[dict[str, Any]], filters: dict[str, Any]) -> None:
    """Add traded, purity, apportioned share and growth notes to *rows* (files without
    ``cluster_view``)."""
    traded = dict(con.execute("SELECT category, traded FROM categories WHERE scheme = ?",
                              [scheme]).fetchall())
    pure = dict(con.execute("SELECT category, purity FROM category_purity WHERE scheme = ?",
                            [scheme]).fetchall()) if reader.has_table(con, "category_purity") else {}
    shares: dict[tuple[str, int, str], float] = {}
    if reader.has_table(con, "scheme_weights") and reader.has_table(con, "region_industry"):
        shares = {(r, int(y), c): s for _, r, y, c, s in apportioned(
            con, scheme, year=filters["year"], level=filters["nuts_level"],
            region=filters["region"], category=filters["category"])}
    notes = coverage.growth_notes(con, scheme, rows)
    for r in rows:
        r["traded"] = traded.get(r["category"])
        r["purity"] = pure.get(r["category"])
        r["apportioned_share"] = _plain(shares.get((r["region"], int(r["year"]), r["category"])))
        mine = notes.get((r["region"], int(r["nuts_level"]), r["category"], int(r["year"])), {})
        r["growth_1y_note"], r["growth_5y_note"] = mine.get("growth_1y"), mine.get("growth_5y")


def apportioned(con: Connection, scheme: str, *, year: int | None = None, level: int | None = None,
                region: str | None = None, category: str | None = None) -> list[tuple[Any, ...]]:
    """``(scheme, region, year, category, apportioned_share)`` of *scheme*'s clusters, filtered:
    the build's value (``clusters.apportioned_share``, computed with the aggregation); a file
    built before that column recomputes it here (:data:`APPORTIONED_SQL`)."""
    stored: list[str] = ["scheme = ?"]
    values: list[Any] = [scheme]
    for column, value in (("year", year), ("level", level), ("region", region), ("category", category)):
        if value is not None:
            stored.append(f"{column} = ?")
            values.append(value)
    try:
        return [tuple(r) for r in con.execute(
            f"""SELECT scheme, region, year::INTEGER AS year, category, nullif(apportioned_share, 'NaN'::DOUBLE)
                FROM clusters WHERE {' AND '.join(stored)}""", values).fetchall()]
    except BinderException:
        pass
    where: list[str] = ["true"]
    params: list[Any] = [scheme]
    for column, value in (("r.year", year), ("r.level", level), ("r.region", region),
                          ("w.category", category)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = APPORTIONED_SQL.format(where=" AND ".join(where))
    return [tuple(r) for r in con.execute(sql, params).fetchall()]


def map_values(con: Connection, scheme: str, category: str, column: str, method: str,
               year: int, level: int) -> list[dict[str, Any]] | None:
    """``region, name, value, employment, lq, stars`` per region of *level* (a choropleth's
    data), from ``cluster_view`` as *method* rates it; None on a file without it. *column* is
    a column of a cluster row (:func:`reader.method_column`)."""
    try:
        cur = con.execute(
            f"""SELECT region, region_name AS name, {reader.method_column(method, column)} AS value,
                       employment, lq, {reader.method_column(method, 'stars')} AS stars
                FROM {VIEW} WHERE scheme = ? AND category = ? AND year = ? AND nuts_level = ?
                  AND scheme IN (SELECT scheme FROM {reader.BLOCKS} WHERE method = ?)
                ORDER BY region""", [scheme, category, year, level, method])
    except (CatalogException, BinderException):
        return None
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def check(con: Connection) -> None:
    """Raise :class:`StoreError` when the file has no ratings (nothing to read)."""
    try:
        con.execute("SELECT 1 FROM ratings LIMIT 1").fetchall()
    except CatalogException as exc:
        raise StoreError("the store has no ratings yet: run `clusterobs build`") from exc
