"""Read-only queries on the store: the one data path of the CLI, the portal and the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from clusterobs.errors import StoreError


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the store read-only; a clear error when it has not been loaded yet."""
    if not path.exists():
        raise StoreError(f"no store at {path}: run `clusterobs data load` (or `make run`) first")
    return duckdb.connect(str(path), read_only=True)


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
