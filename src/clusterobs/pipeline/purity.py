"""Category purity of a built store: table ``category_purity (scheme, category, purity)``.

How to call it: inside a build, once ``region_industry`` and ``scheme_weights`` are written
(e.g. in :func:`clusterobs.pipeline.builder.build` after ``_write_schemes``, before
``writer.commit()``)::

    from clusterobs.pipeline.purity import write_purity
    write_purity(con)          # con: the build's writer connection

It writes table ``category_purity`` and nothing else (it replaces a previous one). Readers
(:mod:`clusterobs.reports.purity`) tolerate a store without it.

Purity of a category (:func:`clusterobs.core.schemes.category_purity`) is the average weight
of the industry codes it draws from, weighted by the employment it takes from each; it is
computed at the data's industry level (the codes of ``region_industry`` the scheme maps,
exactly those the build aggregates) with the employment of the reference year: the latest
year whose region count at the coarsest level is at least 90% of the best year's (the last
year of a Eurostat series covers only part of the countries).
"""

from __future__ import annotations

import pandas as pd

from clusterobs.core.schemes import category_purity
from clusterobs.store.engine import Connection, write_table
from clusterobs.store.schema import TableSchema

TABLE = TableSchema(
    name="category_purity",
    columns=(("scheme", "VARCHAR"), ("category", "VARCHAR"), ("purity", "DOUBLE")),
    sort_key=("scheme", "category"),
)
#: the reference year covers at least this share of the best year's regions
COVERAGE = 0.9


def reference(con: Connection) -> tuple[int, int] | None:
    """(level, year) whose industry employment the purity is weighted by; None without data."""
    rows = con.execute(
        """SELECT level::INTEGER, year::INTEGER, count(DISTINCT region) FROM region_industry
           WHERE level = (SELECT min(level) FROM region_industry) GROUP BY 1, 2"""
    ).fetchall()
    if not rows:
        return None
    best = max(n for _, _, n in rows)
    level = int(rows[0][0])
    return level, max(int(y) for _, y, n in rows if n >= COVERAGE * best)


def purity_frame(con: Connection) -> pd.DataFrame:
    """``scheme, category, purity`` of every scheme of the store (empty without data)."""
    ref = reference(con)
    mapping = con.execute("SELECT scheme, industry, category, weight FROM scheme_weights").df()
    if ref is None or mapping.empty:
        return pd.DataFrame({"scheme": pd.Series(dtype=str), "category": pd.Series(dtype=str),
                             "purity": pd.Series(dtype=float)})
    level, year = ref
    employment = con.execute(
        """SELECT industry, sum(employment) AS employment FROM region_industry
           WHERE level = ? AND year = ? GROUP BY 1""", [level, year]).df()
    by_industry = employment.set_index("industry")["employment"]
    parts = []
    for scheme, part in mapping.groupby("scheme", sort=True):
        # the data's industry level: the mapped codes the data has (the build's inner join)
        known = part[part["industry"].isin(by_industry.index)]
        out = category_purity(known[["industry", "category", "weight"]], by_industry)
        parts.append(out.assign(scheme=scheme)[["scheme", "category", "purity"]])
    return pd.concat(parts, ignore_index=True)


def write_purity(con: Connection) -> int:
    """Write table ``category_purity`` from the build's ``region_industry`` and
    ``scheme_weights``; returns the number of rows."""
    return write_table(con, TABLE.name, purity_frame(con), schema=TABLE)
