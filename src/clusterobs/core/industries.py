"""Industry hierarchies of a base table: parent levels derived from finer ones, and totals.

Pure functions on long tables ``region, industry, year, <measures>`` (methodology §1, §3).
A source published at one fine level (Great Britain's BRES at the NACE class) gets its
groups, divisions and sections by summation along the classification's parent links, so
that every scheme finds the level it is defined at; a code the source publishes itself is
never replaced by a sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

KEYS = ["region", "year"]


def derive_ancestors(table: pd.DataFrame, parents: Mapping[str, str | None],
                     measures: Sequence[str]) -> pd.DataFrame:
    """*table* plus a row for every ancestor code it lacks, summed from its children.

    Parameters
    ----------
    table:
        ``region, year, industry`` and the *measures*, one row per key.
    parents:
        Industry code -> parent code (None at the top), e.g. the NACE structure.
    measures:
        Columns summed; an ancestor's value is NaN only when every child is NaN.

    Examples
    --------
    A division published beside classes of another division (C30 next to C2910, C2920):
    section C is the sum of both, each counted once.

    >>> t = pd.DataFrame({"region": "R", "year": 2020, "industry": ["C2910", "C2920", "C30"],
    ...                   "employment": [10.0, 5.0, 7.0]})
    >>> p = {"C2910": "C291", "C2920": "C292", "C291": "C29", "C292": "C29", "C29": "C",
    ...      "C30": "C", "C": None}
    >>> out = derive_ancestors(t, p, ["employment"]).set_index("industry")["employment"]
    >>> out.to_dict()
    {'C2910': 10.0, 'C2920': 5.0, 'C30': 7.0, 'C291': 10.0, 'C292': 5.0, 'C29': 15.0, 'C': 22.0}
    """
    published = set(table["industry"])

    def depth(code: str) -> int:
        n, seen = 0, code
        while parents.get(seen) is not None and n < 10:
            seen, n = str(parents[seen]), n + 1
        return n

    frames = [table]
    depths = {c: depth(c) for c in {*parents, *published}}
    for d in range(max(depths.values(), default=0), 0, -1):
        work = pd.concat(frames, ignore_index=True)
        at = work[work["industry"].map(depths) == d]
        up = at.assign(industry=at["industry"].map(parents))
        up = up[up["industry"].notna() & ~up["industry"].isin(published)]
        if up.empty:
            continue
        frames.append(up.groupby([*KEYS, "industry"], sort=False)[list(measures)]
                      .sum(min_count=1).reset_index())
    return pd.concat(frames, ignore_index=True)


def business_total(table: pd.DataFrame, industries: Sequence[str], measures: Sequence[str],
                   parents: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """Per region and year, the sum of *measures* over the total *industries*, only where
    every one of them has a value (complete coverage; methodology §3).

    With no *industries* declared, the total is the sum of the top-level codes present
    (codes whose parent is absent from the table): a table's rows, counted once.

    >>> t = pd.DataFrame({"region": "R", "year": 2020, "industry": ["C", "C29", "F"],
    ...                   "employment": [20.0, 15.0, 5.0]})
    >>> business_total(t, ["C", "F"], ["employment"])["employment"].tolist()
    [25.0]
    >>> business_total(t, ["C", "F", "G"], ["employment"])["employment"].tolist()  # no G: no total
    [nan]
    >>> business_total(t, [], ["employment"], {"C29": "C", "C": None, "F": None})["employment"].tolist()
    [25.0]
    """
    if industries:
        sub = table[table["industry"].isin(list(industries))]
        # complete coverage only: a region-year lacking one of the total's industries gets no
        # total (it is not rated), never a partial sum that inflates its shares and LQs
        grouped = sub.groupby(KEYS, sort=True)[list(measures)]
        complete = grouped.sum(min_count=1).where(grouped.count() == len(set(industries)))
        return complete.reset_index()
    else:
        parents = parents or {}
        codes = set(table["industry"])
        top = {c for c in codes if parents.get(c) not in codes}
        sub = table[table["industry"].isin(top)]
    return sub.groupby(KEYS, sort=True)[list(measures)].sum(min_count=1).reset_index()
