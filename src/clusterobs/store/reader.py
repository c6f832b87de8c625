"""Read-only queries on the store: the one data path of the CLI, the portal and the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from clusterobs.core.stars import CRITERIA
from clusterobs.errors import StoreError


def connect(path: Path, *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store read-only (with at most *threads* threads per query when given); a clear
    error when it has not been loaded yet."""
    if not path.exists():
        raise StoreError(f"no store at {path}: run `clusterobs data load` (or `make run`) first")
    con = duckdb.connect(str(path), read_only=True)
    if threads is not None:
        con.execute(f"SET threads TO {int(threads)}")
    return con


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when the store holds table *name*."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def provenance(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One dict per loaded dataset: file, hash, rows, load time, code version."""
    cur = con.execute("SELECT * FROM provenance ORDER BY dataset")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def value_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[int, int]]]:
    """Non-missing value counts per dataset, measure and year."""
    rows = con.execute(
        """SELECT dataset, measure, year, count(value) FROM observations
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    out: dict[str, dict[str, dict[int, int]]] = {}
    for dataset, measure, year, n in rows:
        out.setdefault(dataset, {}).setdefault(measure, {})[int(year)] = int(n)
    return out


def dataset_summary(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per dataset: rows, non-missing values, years, regions and flag counts."""
    rows = con.execute(
        """SELECT dataset, count(*) AS rows, count(value) AS values,
                  min(year) AS first_year, max(year) AS last_year,
                  count(DISTINCT region) AS regions,
                  count(flag) AS flagged,
                  count(*) FILTER (WHERE flag LIKE '%c%') AS confidential
           FROM observations GROUP BY dataset ORDER BY dataset"""
    )
    names = [d[0] for d in rows.description]
    return [dict(zip(names, r, strict=True)) for r in rows.fetchall()]


def table_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """Row counts of reference tables that exist."""
    out = {}
    for t in tables:
        if has_table(con, t):
            row = con.execute(f'SELECT count(*) FROM "{t}"').fetchone()
            out[t] = int(row[0]) if row else 0
    return out


def load_issues(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Unknown codes found by the last loads."""
    cur = con.execute("SELECT * FROM load_issues ORDER BY dataset, kind, cells DESC, code")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


#: criteria columns of each rating method, in export order (methodology §4)
METHOD_CRITERIA = CRITERIA
#: SQL expression: the NUTS version of the built results (the build's methodology; 2016 by default)
NUTS_VERSION_SQL = ("(SELECT coalesce(max(CAST(json_extract_string(methodology, '$.nuts_version')"
                    " AS INTEGER)), 2016) FROM build_info)")
CLUSTER_COLUMNS = (
    "region", "region_name", "nuts_level", "scheme", "category", "category_name", "year",
    "employment", "establishments", "wages", "share_region", "share_ref", "lq",
    "wage_per_employee", "growth_1y", "growth_5y", "stars", "stars_confidence",
    "estimate_share", "estimated", "employment_lower", "employment_upper", "flags",
)


#: the table of the cluster read model (:mod:`clusterobs.store.readmodels`), written by a build
VIEW = "cluster_view"
#: its block numbers: one row per (scheme, method, region, year) with the view's ``block``
BLOCKS = "cluster_view_blocks"
#: a rating's own columns in a cluster row besides its criteria: the read model holds them
#: (and the criteria) once per method, under :func:`method_column`'s names
RATING_FIELDS = ("stars", "stars_confidence", "rating_level")
#: every criterion column of any method
ALL_CRITERIA = tuple(dict.fromkeys(c for crits in CRITERIA.values() for c in crits))


#: the columns of a cluster row before the method's criteria
ROW_COLUMNS = (
    "region", "region_name", "nuts_level", "scheme", "category", "category_name", "year",
    "employment", "establishments", "wages", "share_region", "share_ref", "lq",
    "wage_per_employee", "growth_1y", "growth_5y", "stars", "stars_confidence", "rating_level",
    "estimate_share", "estimated", "employment_lower", "employment_upper", "flags",
)


def method_column(method: str, column: str) -> str:
    """The read model's column holding *column* of *method*'s rating (``panorama__stars``,
    ``eco_classic__size``); *column* itself when it is not a rating's own (a cluster's
    indicators, names and notes are the same whichever method rates it).

    >>> method_column("uscmp-strong", "strong"), method_column("panorama", "lq")
    ('uscmp_strong__strong', 'lq')
    """
    if column in RATING_FIELDS or column in ALL_CRITERIA:
        return f"{method.replace('-', '_')}__{column}"
    return column


def method_columns(method: str) -> tuple[str, ...]:
    """The read model's columns of *method*'s rating: :data:`RATING_FIELDS` and its criteria."""
    return tuple(method_column(method, c) for c in (*RATING_FIELDS, *CRITERIA[method]))


def has_read_model(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the file holds the read model in its current shape: ``cluster_view`` with one
    row per cluster (files built before it, or with a row per cluster and method, are read
    through the joins: slower, the same values)."""
    row = con.execute("SELECT count(*) FILTER (WHERE column_name = 'block'), count(*) FILTER "
                      "(WHERE column_name = 'method') FROM information_schema.columns WHERE table_name = ?",
                      [VIEW]).fetchone()
    return bool(row and row[0] == 1 and row[1] == 0)


def _as(method: str, column: str) -> str:
    found = method_column(method, column)
    return column if found == column else f"{found} AS {column}"


def region_blocks(con: duckdb.DuckDBPyConnection, scheme: str, method: str, region: str,
                  year: int | None = None) -> tuple[int, int] | None:
    """The range of ``cluster_view.block`` holding *region*'s rows (of *year*, or of every
    year), for :func:`view_query`; None for a file built before the block numbers.

    The view is sorted by (scheme, method, region, year, category), but DuckDB's zone maps
    keep only a prefix of a string, so a filter on the region string still scans five of the
    Europe file's ten row groups; the integer range reads one (a region-year's 64 rows:
    5.2 -> 2.8 ms with this lookup, docs/benchmarks.md "Portal latency")."""
    sql = f"SELECT min(block), max(block) FROM {BLOCKS} WHERE scheme = ? AND method = ? AND region = ?"
    params: list[object] = [scheme, method, region]
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    try:
        row = con.execute(sql, params).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None or row[0] is None:
        return (0, -1)  # no such rows: an empty range
    return (int(row[0]), int(row[1]))


#: region -> year -> block number, for one (scheme, method)
BlockIndex = dict[str, dict[int, int]]


def block_index(con: duckdb.DuckDBPyConnection, scheme: str, method: str) -> BlockIndex | None:
    """Every block number of *scheme* and *method* (a few thousand: 28,494 over all of the
    Europe file's schemes and methods), for a reader to keep per file and skip
    :func:`region_blocks`' query (1.5 ms a lookup, 0.01 from the index); None for a file
    built before the block numbers."""
    try:
        found = con.execute(f"SELECT region, year, block FROM {BLOCKS} WHERE scheme = ? AND method = ?",
                            [scheme, method]).fetchall()
    except duckdb.CatalogException:
        return None
    index: BlockIndex = {}
    for region, year, block in found:
        index.setdefault(region, {})[int(year)] = int(block)
    return index


def blocks_in(index: BlockIndex | None, region: str, year: int | None = None) -> tuple[int, int] | None:
    """:func:`region_blocks` read from a :func:`block_index` (None when there is no index)."""
    if index is None:
        return None
    years = index.get(region)
    if not years:
        return (0, -1)
    if year is not None:
        block = years.get(int(year))
        return (block, block) if block is not None else (0, -1)
    return (min(years.values()), max(years.values()))


def view_query(scheme: str, method: str, columns: tuple[str, ...], *, year: int | None = None,
               region: str | None = None, category: str | None = None, level: int | None = None,
               min_stars: int | None = None, limit: int | None = None,
               offset: int = 0, blocks: tuple[int, int] | None = None) -> tuple[str, list[object]]:
    """(SQL, parameters) selecting *columns* of ``cluster_view`` as *method* rates them
    (:func:`method_column`): one scheme's clusters, filtered, newest year first. The view is
    sorted by (scheme, region, year, category), so a region's rows are one block DuckDB's
    zone maps go straight to; with *blocks* (:func:`region_blocks`) the scan starts from its
    integer range. A scheme that *method* does not rate has no rows."""
    where = ["scheme = ?", f"scheme IN (SELECT scheme FROM {BLOCKS} WHERE method = ?)"]
    params: list[object] = [scheme, method]
    keys: tuple[tuple[str, object], ...] = (("year", year), ("region", region))
    if blocks is not None:  # the block numbers stand for scheme, region (and year), and the method
        where, params, keys = ["block BETWEEN ? AND ?"], list(blocks), ()
    for column, value in (*keys, ("category", category), ("nuts_level", level)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if min_stars is not None:
        where.append(f"{method_column(method, 'stars')} >= ?")
        params.append(min_stars)
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    # one block (a region's year) is stored in category order, and DuckDB keeps the storage
    # order of a scan (preserve_insertion_order): no sort needed
    order = "" if blocks is not None and blocks[0] == blocks[1] else " ORDER BY year DESC, region, category"
    select = ", ".join(_as(method, c) for c in columns)
    return f"SELECT {select} FROM {VIEW} WHERE {' AND '.join(where)}{order}{page}", params


def clusters(
    con: duckdb.DuckDBPyConnection,
    scheme: str,
    method: str,
    *,
    year: int | None = None,
    region: str | None = None,
    category: str | None = None,
    level: int | None = None,
    min_stars: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Any:
    """The tidy cluster table (indicators + one method's rating), filtered; a pandas DataFrame.

    ``estimate_share`` is the share of the cluster's employment from estimated or flagged
    cells, ``estimated`` whether there is any, ``employment_lower``/``employment_upper`` the
    feasible range of an estimated cluster's employment (an estimate is never shown as a fact).

    This is the one data path of ``clusterobs export``, the portal's tables and the API.
    It reads the build's ``cluster_view`` (everything joined in, sorted by region); a file
    built before that table existed is read through the joins.
    """
    if method not in METHOD_CRITERIA:
        raise StoreError(f"unknown method {method!r}: expected one of {', '.join(METHOD_CRITERIA)}")
    try:
        blocks = region_blocks(con, scheme, method, region, year) if region is not None else None
        sql, args = view_query(scheme, method, (*ROW_COLUMNS, *METHOD_CRITERIA[method]), year=year,
                               region=region, category=category, level=level, min_stars=min_stars,
                               limit=limit, offset=offset, blocks=blocks)
        return con.execute(sql, args).df()
    # a file built before the read model, or before it held one row per cluster: the joins
    except (duckdb.CatalogException, duckdb.BinderException):
        return clusters_joined(con, scheme, method, year=year, region=region, category=category,
                               level=level, min_stars=min_stars, limit=limit, offset=offset)


def clusters_joined(
    con: duckdb.DuckDBPyConnection,
    scheme: str,
    method: str,
    *,
    year: int | None = None,
    region: str | None = None,
    category: str | None = None,
    level: int | None = None,
    min_stars: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Any:
    """:func:`clusters` computed from the build's tables (``clusters``, ``ratings``, names,
    flags) instead of ``cluster_view``: files built before the read model, and its tests."""
    criteria = ", ".join(f"r.{c}" for c in METHOD_CRITERIA[method])
    where: list[str] = ["c.scheme = ?", "r.method = ?"]
    params: list[object] = [scheme, method]
    for column, value in (("c.year", year), ("c.region", region), ("c.category", category),
                          ("c.level", level)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if min_stars is not None:
        where.append("r.stars >= ?")
        params.append(min_stars)
    page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    sql = f"""
        SELECT c.region, coalesce(g.name, c.region) AS region_name, c.level AS nuts_level,
               c.scheme, c.category, k.category_name, c.year::INTEGER AS year,
               c.employment, c.establishments, c.wages, c.share_region, c.share_ref, c.lq,
               c.wage_per_employee, c.growth_1y, c.growth_5y, r.stars::INTEGER AS stars,
               r.confidence AS stars_confidence, r.rating_level,
               round(c.uncertain_share, 6) AS estimate_share,
               c.uncertain_share > 0 OR coalesce(fl.flags, '') LIKE '%i%' AS estimated,
               CASE WHEN c.uncertain_share > 0 OR coalesce(fl.flags, '') LIKE '%i%'
                    THEN c.employment_lower END AS employment_lower,
               CASE WHEN c.uncertain_share > 0 OR coalesce(fl.flags, '') LIKE '%i%'
                    THEN c.employment_upper END AS employment_upper,
               coalesce(fl.flags, '') AS flags,
               {criteria}
        FROM clusters c
        JOIN ratings r USING (scheme, region, level, year, category)
        JOIN categories k USING (scheme, category)
        LEFT JOIN cluster_flags fl USING (scheme, region, level, year, category)
        LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {NUTS_VERSION_SQL}
        WHERE {' AND '.join(where)}
        ORDER BY c.year DESC, c.region, c.category {page}"""
    try:
        return con.execute(sql, params).df()
    except duckdb.CatalogException as exc:
        raise StoreError("the store has no ratings yet: run `clusterobs build`") from exc


def nuts_version(con: duckdb.DuckDBPyConnection) -> int:
    """The NUTS version of the built results (from the build's methodology; 2016 by default)."""
    if not has_table(con, "build_info"):
        return 2016
    return int(con.execute(f"SELECT {NUTS_VERSION_SQL}").fetchall()[0][0])
