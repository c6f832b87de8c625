"""Declared schemas of the build's tables (:mod:`clusterobs.store.schema`), the one table
writer (:func:`clusterobs.store.engine.write_table`) and the one owner of DuckDB."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import clusterobs
from clusterobs.errors import StoreError
from clusterobs.store import engine, reader
from clusterobs.store.schema import SCHEMAS, SCOREBOARD_TABLES, TRENDS_TABLES

PACKAGE = Path(clusterobs.__file__).parent
#: what every build writes (trends: datasets that declare a trends scheme)
BUILD_TABLES = ("region_industry", "region_totals", "clusters", "ratings", "schemes",
                "categories", "scheme_weights", "build_info")


def _totals(**extra: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame({"region": ["BB1", "AA1", "AA1"], "level": [2, 2, 2],
                          "year": [2020, 2021, 2020], "employment_total": [5, 3, 2],
                          "establishments_total": [1.0, 2.0, 3.0],
                          "wages_total": [None, None, None]})
    return frame.assign(**extra)


def test_a_missing_column_is_refused_naming_table_and_column() -> None:
    con = engine.memory()
    with pytest.raises(StoreError, match=r"table region_totals: column 'wages_total' is missing"):
        engine.write_table(con, "region_totals", _totals().drop(columns="wages_total"))
    assert not engine.table_exists(con, "region_totals")


def test_an_extra_column_is_refused_naming_table_and_column() -> None:
    con = engine.memory()
    with pytest.raises(StoreError, match=r"table region_totals: column 'note' is not declared"):
        engine.write_table(con, "region_totals", _totals(note=["a", "b", "c"]))
    assert not engine.table_exists(con, "region_totals")


def test_a_table_without_a_declaration_is_refused_unless_temporary() -> None:
    con = engine.memory()
    with pytest.raises(StoreError, match="table made_up has no declared schema"):
        engine.write_table(con, "made_up", pd.DataFrame({"a": [1]}))
    assert engine.write_table(con, "_scratch", pd.DataFrame({"a": [1]}), temp=True) == 1


def test_written_with_the_declared_types_in_order_sorted_by_the_key() -> None:
    con = engine.memory()
    # columns out of order, integers for doubles, 64-bit integers for INTEGER, all-null wages
    frame = _totals()[["year", "region", "level", "wages_total", "employment_total",
                       "establishments_total"]]
    assert engine.write_table(con, "region_totals", frame) == 3
    engine.check_table(con, "region_totals")
    cols = con.execute("SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = 'region_totals' ORDER BY ordinal_position").fetchall()
    assert tuple(c for (c,) in cols) == SCHEMAS["region_totals"].names
    rows = con.execute("SELECT region, year, employment_total FROM region_totals").fetchall()
    assert rows == [("AA1", 2020, 2.0), ("AA1", 2021, 3.0), ("BB1", 2020, 5.0)]


def test_replacing_a_subset_of_rows_keeps_the_others() -> None:
    con = engine.memory()
    names = SCHEMAS["specialisation"].names

    def frame(scheme: str, value: float) -> pd.DataFrame:
        return pd.DataFrame([{"region": "AA1", "scheme": scheme, "year": 2020, "krugman": value,
                              "hoover": value, "herfindahl": value}])[list(names)]

    # the first write creates the table (declared schema), later ones replace one scheme's rows
    engine.write_table(con, "specialisation", frame("a", 1.0), where="scheme = ?", params=["a"])
    engine.write_table(con, "specialisation", frame("b", 2.0), where="scheme = ?", params=["b"])
    engine.write_table(con, "specialisation", frame("a", 3.0), where="scheme = ?", params=["a"])
    engine.check_table(con, "specialisation")
    rows = con.execute("SELECT scheme, krugman FROM specialisation ORDER BY scheme").fetchall()
    assert rows == [("a", 3.0), ("b", 2.0)]
    with pytest.raises(StoreError, match=r"table specialisation: column 'hoover' is missing"):
        engine.write_table(con, "specialisation", frame("b", 4.0).drop(columns="hoover"),
                           where="scheme = ?", params=["b"])
    assert con.execute("SELECT krugman FROM specialisation WHERE scheme = 'b'").fetchall() == [(2.0,)]


def test_a_table_made_by_sql_is_checked_against_its_declaration() -> None:
    con = engine.memory()
    cols = ", ".join(f"NULL::{t} AS {c}" for c, t in SCHEMAS["build_info"].columns)
    con.execute(f"CREATE TABLE build_info AS SELECT {cols}")
    engine.check_table(con, "build_info")
    con.execute("ALTER TABLE build_info ALTER max_year TYPE VARCHAR")
    with pytest.raises(StoreError, match=r"table build_info: column 'max_year' is VARCHAR, declared BIGINT"):
        engine.check_table(con, "build_info")
    con.execute("ALTER TABLE build_info DROP COLUMN built_at")
    with pytest.raises(StoreError, match=r"table build_info: column 'built_at' is missing"):
        engine.check_table(con, "build_info")


def test_every_table_of_the_builds_matches_its_declaration(built_datasets: dict[str, Path]) -> None:
    """The real builds (Europe with trends and scoreboard, Great Britain, United States)."""
    seen: set[str] = set()
    for dataset, path in built_datasets.items():
        with reader.connect(path) as con:
            for name in BUILD_TABLES:
                assert reader.has_table(con, name), (dataset, name)
            for name in SCHEMAS:
                if reader.has_table(con, name):
                    engine.check_table(con, name)
                    seen.add(name)
    assert seen == set(SCHEMAS), set(SCHEMAS) - seen
    assert set(TRENDS_TABLES) | set(SCOREBOARD_TABLES) <= seen


def test_only_the_store_imports_duckdb() -> None:
    """Every module outside ``clusterobs.store`` takes DuckDB from ``clusterobs.store.engine``
    (the import-linter contract of ``make lint`` says the same)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "duckdb" or n.startswith("duckdb.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    owner = [c for c in contracts if c["type"] == "forbidden" and c["forbidden_modules"] == ["duckdb"]]
    assert owner and "clusterobs.store" not in owner[0]["source_modules"]
