"""Sizes the portal checks before doing work whose cost grows with the rows it touches."""

from __future__ import annotations

import duckdb


def cluster_rows(con: duckdb.DuckDBPyConnection, scheme: str) -> int:
    """Rows of the cluster table of *scheme* (all years, levels and regions).

    The portal memoises it per results file: an export without filters is refused at once
    when this exceeds the format's row cap, instead of after reading the rows.
    """
    row = con.execute("SELECT count(*) FROM clusters WHERE scheme = ?", [scheme]).fetchone()
    return int(row[0]) if row else 0
