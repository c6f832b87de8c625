"""Purity and apportioned employment of clusters, read from a built store (pages and reports).

A scheme that carries US categories to NACE divisions (methodology §2b) splits most
divisions over several categories by weights. Two measures say how much a cluster rests on
that split:

- **category purity** (table ``category_purity``, written at build time by
  :func:`clusterobs.pipeline.purity.write_purity`): the employment-weighted average weight of
  the codes a category draws from; 1 = made of whole codes. A store built before that table
  existed gives no purity (empty dict), never an error.
- **apportioned share** of a cluster (region x category x year): the share of its employment
  taken from industry codes whose main part belongs elsewhere, i.e. where the category's
  weight is below the largest other category's weight or below the code's unassigned rest.
  Automotive taking 70% of C29 is the main part of C29; Automotive's 23% slice of basic
  metals (C24) is apportioned. A rating resting mostly (more than :data:`MOSTLY`) on such
  slices mirrors another activity's geography: it is marked and never called a region's
  strongest cluster (methodology ``ratings.md#purity``).

Every ``weight < 1`` code would count as "shared" under the literal reading, but at the NACE
division level 84 of the 103 codes of eu-clusters are split, and 89% of its starred traded
clusters would be marked: a marker on nearly everything marks nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusterobs.store import reader, readmodels
from clusterobs.store.engine import Connection

#: a rating resting on more than this share of apportioned employment is marked
MOSTLY = 0.5
TITLE = "mostly apportioned from divisions shared with other categories: see purity"
HELP_URL = "/methodology/ratings/#purity"

def category_purity(con: Connection, scheme: str) -> dict[str, float]:
    """Category -> purity of *scheme* (empty when the store has no purity table)."""
    if not reader.has_table(con, "category_purity"):
        return {}
    rows = con.execute("SELECT category, purity FROM category_purity WHERE scheme = ?",
                       [scheme]).fetchall()
    return {str(c): float(p) for c, p in rows if p is not None}


def traded(con: Connection, scheme: str) -> dict[str, bool | None]:
    """Category -> traded flag of *scheme* (None where the scheme does not say)."""
    rows = con.execute("SELECT category, traded FROM categories WHERE scheme = ?", [scheme]).fetchall()
    return {str(c): (None if t is None else bool(t)) for c, t in rows}


def apportioned(con: Connection, scheme: str, *, year: int | None = None, level: int | None = None,
                region: str | None = None, category: str | None = None) -> pd.DataFrame:
    """``region, year, category, apportioned_share`` of *scheme*'s clusters, filtered."""
    if not (reader.has_table(con, "region_industry") and reader.has_table(con, "scheme_weights")):
        return pd.DataFrame({"region": pd.Series(dtype=str), "year": pd.Series(dtype="int32"),
                             "category": pd.Series(dtype=str),
                             "apportioned_share": pd.Series(dtype=float)})
    rows = readmodels.apportioned(con, scheme, year=year, level=level, region=region, category=category)
    frame = pd.DataFrame([r[1:] for r in rows], columns=["region", "year", "category", "apportioned_share"])
    return frame.astype({"year": "int32", "apportioned_share": "float64"})


def mostly_apportioned(share: Any) -> bool:
    """True when an apportioned share is known and above :data:`MOSTLY`."""
    return share is not None and share == share and float(share) > MOSTLY


def annotate(con: Connection, frame: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """*frame* (cluster rows of *scheme*: ``region, category, year``, optionally ``nuts_level``)
    with ``traded``, ``purity``, ``apportioned_share`` and ``apportioned`` (mostly apportioned)."""
    out = frame.copy()
    flags = traded(con, scheme)
    pure = category_purity(con, scheme)
    out["traded"] = out["category"].map(flags).astype(object)
    out["purity"] = out["category"].map(pure).astype(float)
    if out.empty:
        out["apportioned_share"] = pd.Series(dtype=float)
    else:
        def single(column: str) -> Any:
            """The column's only value (a plain Python value), None when it has several."""
            values = list(out[column].unique()) if column in out else []
            if len(values) != 1:
                return None
            return values[0].item() if hasattr(values[0], "item") else values[0]

        shares = apportioned(con, scheme, year=single("year"), level=single("nuts_level"),
                             region=single("region"), category=single("category"))
        out = out.merge(shares, on=["region", "year", "category"], how="left")
    out["apportioned"] = out["apportioned_share"].map(mostly_apportioned)
    return out
