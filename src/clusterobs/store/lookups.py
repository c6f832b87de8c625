"""Reference lookups of a results file for the portal's other apps (community matching,
showcase maps, stress tests, health checks): plain values, read-only, no SQL outside the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clusterobs.store.engine import Connection


def traded_clusters(con: Connection, method: str, scheme: str, year: int,
                    level: int, nuts_version: int = 2016) -> list[tuple[Any, ...]]:
    """``(region, name, category, category_name, share_region, lq, stars)`` of the traded
    clusters of *scheme* in *year* at *level*, by region and category (stars of *method*)."""
    return [tuple(r) for r in con.execute(
        """SELECT c.region, coalesce(g.name, c.region), c.category, k.category_name, c.share_region, c.lq, r.stars
           FROM clusters c JOIN categories k USING (scheme, category)
           LEFT JOIN ratings r ON r.scheme = c.scheme AND r.region = c.region AND r.level = c.level
                AND r.year = c.year AND r.category = c.category AND r.method = ?
           LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = ?
           WHERE c.scheme = ? AND c.year = ? AND c.level = ? AND c.traded
           ORDER BY c.region, c.category""", [method, nuts_version, scheme, year, level]).fetchall()]


def region_rows(con: Connection, nuts_version: int = 2016) -> list[tuple[str, str, str, int]]:
    """``(region, name, country, level)`` of the regions of *nuts_version*, by code."""
    rows = con.execute("SELECT region, name, country, level FROM regions WHERE nuts_version = ? "
                       "ORDER BY region", [nuts_version]).fetchall()
    return [(str(a), str(b), str(c), int(d)) for a, b, c, d in rows]


def region_names(con: Connection, nuts_version: int = 2016) -> dict[str, str]:
    """Region code -> name, every level of *nuts_version*."""
    rows = con.execute("SELECT region, name FROM regions WHERE nuts_version = ?", [nuts_version]).fetchall()
    return {str(c): str(n) for c, n in rows}


def region_parent(con: Connection, code: str) -> str | None:
    """The region one level up from *code* (None for a top level or an unknown code)."""
    rows = con.execute("SELECT max(parent) FROM regions WHERE region = ?", [code]).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else None


def geometries(con: Connection, nuts_version: int | None = None) -> list[tuple[str, str, str]]:
    """``(region, name, geojson)`` of every stored geometry (of *nuts_version* when given),
    named in the geometry's own NUTS version."""
    where, params = ("WHERE g.nuts_version = ?", [nuts_version]) if nuts_version is not None else ("", [])
    rows = con.execute(
        "SELECT g.region, coalesce(r.name, g.name), g.geojson FROM geometries g "
        "LEFT JOIN regions r ON r.region = g.region AND r.nuts_version = g.nuts_version "
        "AND r.geography = g.geography "
        f"{where}", params).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def category_names(con: Connection, schemes: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(scheme, category, category_name)`` of the categories of *schemes*."""
    rows = con.execute("SELECT scheme, category, category_name FROM categories "
                       "WHERE scheme IN (SELECT unnest(?))", [list(schemes)]).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def table_count(con: Connection) -> int:
    """How many tables the file holds (a health probe: the file opens and answers)."""
    row = con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
    return int(row[0]) if row else 0
