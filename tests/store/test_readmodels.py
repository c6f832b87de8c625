"""The cluster read model (``cluster_view``): the same values as the joins it replaces, sorted
by its lookup key, no NaN, growth notes and purity as the per-request code computed them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from clusterobs.store import coverage, reader, readmodels

CASES = [
    ("eu-clusters", "eco-classic", {"region": "ITC4", "year": 2013}),
    ("eu-clusters", "panorama", {"region": "DE91"}),
    ("eu-clusters", "uscmp-strong", {"year": 2012, "level": 2, "min_stars": 1}),
    ("nace-division", "eco-classic", {"category": "C29", "year": 2014}),
    ("ecosystems", "panorama", {"region": "FI1B", "year": 2010}),
]


@pytest.fixture(scope="module")
def con(built_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = reader.connect(built_store)
    yield connection
    connection.close()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


@pytest.mark.parametrize(("scheme", "method", "filters"), CASES)
def test_view_rows_equal_the_joined_rows(con: duckdb.DuckDBPyConnection, scheme: str, method: str,
                                         filters: dict[str, Any]) -> None:
    fast = readmodels.clusters(con, scheme, method, annotated=True, **filters)
    slow = readmodels.clusters_joined(
        con, scheme, method, {"year": filters.get("year"), "region": filters.get("region"),
                              "category": filters.get("category"), "nuts_level": filters.get("level")},
        filters.get("min_stars"), None, 0, True)
    assert len(fast) == len(slow) > 0
    assert list(fast[0]) == list(slow[0]) == list(readmodels.cluster_columns(method, annotated=True))
    for a, b in zip(fast, slow, strict=True):
        different = [k for k in a if not _same(a[k], b[k])]
        assert not different, (a["region"], a["category"], a["year"], {k: (a[k], b[k]) for k in different})


def test_reader_clusters_reads_the_view_with_the_same_frame(con: duckdb.DuckDBPyConnection) -> None:
    fast = reader.clusters(con, "eu-clusters", "eco-classic", year=2014, level=2, limit=500, offset=100)
    slow = reader.clusters_joined(con, "eu-clusters", "eco-classic", year=2014, level=2, limit=500, offset=100)
    assert list(fast.columns) == list(slow.columns)
    assert len(fast) == len(slow) == 500
    assert fast[["region", "category", "stars"]].fillna(-1).equals(slow[["region", "category", "stars"]].fillna(-1))
    assert (fast["employment"] - slow["employment"]).abs().max() == 0


def test_view_has_one_row_per_cluster_and_names_in_the_editions_nuts_version(con: duckdb.DuckDBPyConnection) -> None:
    rows, clusters = con.execute(f"SELECT (SELECT count(*) FROM {readmodels.VIEW}), "
                                 "(SELECT count(*) FROM clusters)").fetchone() or (0, 0)
    assert rows == clusters > 100_000
    # ratings (a view of it): one row per cluster of every scheme a method rates
    expected = con.execute(f"""SELECT sum(n) FROM (SELECT DISTINCT scheme, method FROM {reader.BLOCKS})
                               JOIN (SELECT scheme, count(*) AS n FROM clusters GROUP BY scheme) USING (scheme)""").fetchone()
    ratings = con.execute("SELECT count(*), count(DISTINCT method) FROM ratings").fetchone()
    assert ratings == (expected[0] if expected else -1, 3) and ratings[0] > 2 * rows
    name = con.execute(f"SELECT DISTINCT region_name FROM {readmodels.VIEW} WHERE region = 'ITC4'").fetchall()
    assert name == [("Lombardia",)]


def test_each_method_reads_its_own_columns(con: duckdb.DuckDBPyConnection) -> None:
    """The US rule rates traded schemes only; a method's rows carry its criteria, not another's."""
    us = con.execute(f"SELECT DISTINCT scheme FROM {reader.BLOCKS} WHERE method = 'uscmp-strong'").fetchall()
    assert us and ("nace-division",) not in us
    assert readmodels.clusters(con, "nace-division", "uscmp-strong", year=2013, limit=5) == []
    eco = readmodels.clusters(con, "eu-clusters", "eco-classic", region="ITC4", year=2013)
    pan = readmodels.clusters(con, "eu-clusters", "panorama", region="ITC4", year=2013)
    assert [r["category"] for r in eco] == [r["category"] for r in pan]
    assert "focus" in eco[0] and "focus" not in pan[0] and "dynamism" in pan[0]
    assert any(a["stars"] != b["stars"] for a, b in zip(eco, pan, strict=True))
    assert {r["rating_level"] for r in eco} == {None} and {r["rating_level"] for r in pan} - {None}


def test_a_file_with_a_row_per_cluster_and_method_is_read_through_the_joins(built_store: Path,
                                                                           tmp_path: Path) -> None:
    """Results built before the read model held one row per cluster: the same rows, by the joins."""
    import shutil

    old = tmp_path / "old.duckdb"
    shutil.copyfile(built_store, old)
    with duckdb.connect(str(old)) as w:  # ratings a table, cluster_view with a method column
        w.execute("CREATE TABLE ratings_table AS SELECT * FROM ratings")
        w.execute("DROP VIEW ratings")
        w.execute("ALTER TABLE ratings_table RENAME TO ratings")
        w.execute(f"CREATE OR REPLACE TABLE {readmodels.VIEW} AS SELECT scheme, 'panorama' AS method, region, "
                  f"year, category, block FROM {readmodels.VIEW}")
    with reader.connect(old) as o:
        assert not reader.has_read_model(o)
        rows = readmodels.clusters(o, "eu-clusters", "panorama", region="DE91", year=2013)
    with reader.connect(built_store) as n:
        assert reader.has_read_model(n)
        new = readmodels.clusters(n, "eu-clusters", "panorama", region="DE91", year=2013)
    assert len(rows) == len(new) > 10
    for a, b in zip(rows, new, strict=True):
        assert list(a) == list(b) and all(_same(a[k], b[k]) for k in a), a["category"]


@pytest.mark.parametrize(("table", "key"), [
    (readmodels.VIEW, readmodels.SORT_KEY),
    ("clusters", ("scheme", "region", "year", "category")),
])
def test_tables_are_written_sorted_by_their_lookup_key(con: duckdb.DuckDBPyConnection, table: str,
                                                       key: tuple[str, ...]) -> None:
    cols = ", ".join(key)
    prev = ", ".join(f"lag({c}) OVER (ORDER BY rowid) AS p_{c}" for c in key)
    unsorted = con.execute(
        f"""SELECT count(*) FROM (SELECT {cols}, {prev} FROM {table})
            WHERE p_{key[0]} IS NOT NULL AND ({', '.join(f'p_{c}' for c in key)}) > ({cols})""").fetchone()
    assert unsorted == (0,)


def test_view_holds_no_nan(con: duckdb.DuckDBPyConnection) -> None:
    doubles = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type = 'DOUBLE'",
        [readmodels.VIEW]).fetchall()]
    assert "lq" in doubles and "apportioned_share" in doubles
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE isnan({c}))" for c in doubles)
                         + f" FROM {readmodels.VIEW}").fetchone()
    assert counts is not None and set(counts) == {0}


def test_growth_notes_are_those_computed_per_request(con: duckdb.DuckDBPyConnection) -> None:
    rows = readmodels.clusters(con, "eu-clusters", "eco-classic", region="DE91", annotated=True)
    notes = coverage.growth_notes(con, "eu-clusters", rows)
    noted = 0
    for r in rows:
        mine = notes.get((r["region"], int(r["nuts_level"]), r["category"], int(r["year"])), {})
        assert (r["growth_1y_note"], r["growth_5y_note"]) == (mine.get("growth_1y"), mine.get("growth_5y"))
        noted += r["growth_5y_note"] is not None
    # 2008-2012 have no 5-year growth: at least those rows say why
    assert noted >= len({r["category"] for r in rows}) * 4
    assert any(r["growth_5y_note"] == "no data in 2003" for r in rows if r["year"] == 2008)


def test_block_numbers_follow_the_sort_key_one_per_region_year(con: duckdb.DuckDBPyConnection) -> None:
    """``block`` numbers each (scheme, region, year) in the view's order, so a region's years
    are one integer range, and the block table lists exactly the view's blocks for each
    method of the scheme."""
    bad = con.execute(f"""SELECT count(*) FROM (SELECT block, count(DISTINCT (scheme, region, year)) AS n,
                                                      max(rowid) - min(rowid) + 1 AS span, count(*) AS rows
                                               FROM {readmodels.VIEW} GROUP BY block)
                          WHERE n <> 1 OR span <> rows""").fetchone()
    assert bad == (0,)
    decreasing = con.execute(f"""SELECT count(*) FROM (SELECT block, lag(block) OVER (ORDER BY rowid) AS prev
                                                      FROM {readmodels.VIEW}) WHERE block < prev""").fetchone()
    assert decreasing == (0,)
    same = con.execute(f"""SELECT count(*) FROM {reader.BLOCKS} b FULL JOIN
                             (SELECT DISTINCT v.scheme, m.method, v.region, v.year, v.block FROM {readmodels.VIEW} v
                              JOIN (SELECT DISTINCT scheme, method FROM {reader.BLOCKS}) m USING (scheme)) v
                             USING (scheme, method, region, year, block) WHERE b.block IS NULL OR v.block IS NULL""").fetchone()
    assert same == (0,)
    lo, hi = reader.region_blocks(con, "eu-clusters", "panorama", "ITC4") or (0, 0)
    years = con.execute(f"SELECT count(DISTINCT year) FROM {readmodels.VIEW} WHERE scheme = 'eu-clusters' "
                        "AND region = 'ITC4'").fetchone()
    assert years is not None and hi - lo + 1 == years[0] > 5
    assert reader.region_blocks(con, "eu-clusters", "panorama", "XX99", 2013) == (0, -1)


@pytest.mark.parametrize(("limit", "offset"), [(10, 0), (10, 25), (7, 60)])
def test_a_page_of_one_region_year_is_in_category_order(con: duckdb.DuckDBPyConnection, limit: int,
                                                         offset: int) -> None:
    """One block is read without a sort (its storage order): pages equal the sorted joins'."""
    fast = readmodels.clusters(con, "eu-clusters", "panorama", region="ITC4", year=2013, limit=limit,
                               offset=offset)
    slow = reader.clusters_joined(con, "eu-clusters", "panorama", region="ITC4", year=2013, limit=limit,
                                  offset=offset)
    assert [r["category"] for r in fast] == list(slow["category"])
    assert fast and [r["category"] for r in fast] == sorted(r["category"] for r in fast)


@pytest.mark.parametrize(("scheme", "year", "level"), [("eu-clusters", 2013, 2), ("nace-division", 2010, 1),
                                                       ("ecosystems", 2014, 2)])
def test_similar_regions_equal_the_per_request_ranking(con: duckdb.DuckDBPyConnection, scheme: str,
                                                       year: int, level: int) -> None:
    """The build's ``similar_regions`` lists, for every region, the regions the portfolio
    cosine ranks first (queries.most_similar over queries.portfolios: same order, ties by
    code, same similarity and names)."""
    from clusterobs.store import queries

    table = readmodels.similar(con, scheme, year, level)
    assert table is not None
    portfolio = queries.portfolios(con, scheme, year, level)
    codes = portfolio[0]
    assert len(codes) > 20 and set(table) <= set(codes)
    for code in codes:
        expected = queries.most_similar(portfolio, code, readmodels.SIMILAR_LIMIT)
        got = table.get(code, [])
        assert [r["region"] for r in got] == [r["region"] for r in expected], code
        assert [r["name"] for r in got] == [r["name"] for r in expected], code
        assert all(math.isclose(a["similarity"], b["similarity"], abs_tol=1e-12)
                   for a, b in zip(got, expected, strict=True))
        assert all(0 <= r["similarity"] <= 1 + 1e-12 for r in got)
        assert code not in {r["region"] for r in got}
        # best first
        scores = [r["similarity"] for r in got]
        assert scores == sorted(scores, reverse=True)


def test_similar_regions_of_a_file_without_the_table_is_none(tmp_path: Path) -> None:
    connection = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        assert readmodels.similar(connection, "eu-clusters", 2013, 2) is None
    finally:
        connection.close()


@pytest.mark.parametrize("scheme", ["eu-clusters", "ecosystems"])
def test_the_builds_apportioned_share_is_the_one_computed_from_the_weights(con: duckdb.DuckDBPyConnection,
                                                                          scheme: str) -> None:
    """``clusters.apportioned_share`` (the aggregation's, core.schemes.minor_weights) equals
    the share recomputed from ``region_industry`` and ``scheme_weights`` (files built before it)."""
    recomputed = {(r, int(y), c): s for _, r, y, c, s in con.execute(
        readmodels.APPORTIONED_SQL.format(where="true"), [scheme]).fetchall()}
    stored = {(r, int(y), c): s for _, r, y, c, s in readmodels.apportioned(con, scheme)}
    assert len(stored) == len(recomputed) > 10_000
    assert sum(1 for s in stored.values() if s and s > 0.5) > 100  # apportioned clusters exist
    different = [k for k, s in stored.items()
                 if (s is None) != (recomputed[k] is None) or (s is not None and not _same(s, recomputed[k]))]
    assert not different, different[:5]
