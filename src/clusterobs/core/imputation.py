"""Confidential and missing detail: the ECO splitting rule (methodology §5.2).

Published rule (ECO48), per region and year: a cell without a value gets an equal share
of what its nearest valued ancestor leaves after the values known beneath it. Our
extensions (methodology §5.2, "our default"): the same equal split across geography
(NUTS-2 from NUTS-1, then NUTS-0), a negative residual set to 0 and flagged
``inconsistent``, and industry and geography passes alternated until nothing changes.

The rule is applied level by level from the top of each tree, so that a cell filled at
the division level is the valued ancestor of its groups; a missing cell keeps the known
detail beneath it (see ``docs/methodology/missing-detail.md`` for this reading and a worked
example).

Everything here is pure: long tables in, long tables out; no file, network or database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.errors import DataError, MethodError, SchemaError, UnknownCodeError

#: Eurostat code of the SBS business-economy total: sections B-N excl. K plus S95
#: (methodology §3). ``sbs_r_nuts06_r2`` publishes no row for it; it is the tree's root.
SBS_TOTAL = "B-N_S95_X_K"
#: ``impute_method`` of a cell split from its industry parent (published, ECO48).
INDUSTRY_SPLIT = "industry_split"
#: ``impute_method`` of a cell split from its NUTS parent (our extension).
GEOGRAPHY_SPLIT = "geography_split"
#: Relative tolerance below which a negative residual counts as rounding, not inconsistency.
NEGATIVE_TOLERANCE = 1e-9

KEY_COLUMNS = ("region", "industry", "year", "measure")
_REQUIRED = (*KEY_COLUMNS, "value", "flag")
_SECTION = re.compile(r"[A-Z]")
_DIVISION = re.compile(r"[A-Z]\d{2}")
_GROUP = re.compile(r"[A-Z]\d{3}")
_NUTS = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]


@dataclass(frozen=True)
class _Tree:
    """A forest over ``codes``: ``parent[i]`` is an index into ``codes`` or -1."""

    codes: pd.Index
    parent: Ints
    depth: Ints

    def child_sum(self, x: Floats) -> Floats:
        """Sum of ``x`` over each node's children along the last axis (0 for a leaf)."""
        child = np.flatnonzero(self.parent >= 0)
        out = np.zeros(x.shape)
        if len(child) == 0:
            return out
        order = child[np.argsort(self.parent[child], kind="stable")]
        parents = self.parent[order]
        starts = np.flatnonzero(np.r_[True, parents[1:] != parents[:-1]])
        out[..., parents[starts]] = np.add.reduceat(x[..., order], starts, axis=-1)
        return out

    def at_depth(self, depth: int) -> Ints:
        return np.flatnonzero(self.depth == depth)


def sbs_industry_hierarchy(codes: Iterable[str], *, total: str = SBS_TOTAL) -> pd.DataFrame:
    """Industry tree of the Eurostat SBS NACE Rev.2 codes (methodology §3, §5.2).

    The root ``total`` (``B-N_S95_X_K``, sections B-N excl. K plus S95) is the parent of
    the sections and of S95; a division hangs under its section, a group (``G451``) under
    its division, each under the nearest ancestor present in ``codes`` (else the root).

    Parameters
    ----------
    codes:
        Eurostat ``nace_r2`` codes: ``total``, sections (``C``), divisions (``C10``) and
        groups (``G451``).
    total:
        Code of the root aggregate; always included, with parent ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns ``industry`` and ``parent`` (``None`` for the root), one row per code.

    Raises
    ------
    UnknownCodeError
        For a code that is none of the above.

    Examples
    --------
    >>> sbs_industry_hierarchy(["G", "G45", "G451", "S95"]).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'industry': 'B-N_S95_X_K', 'parent': None}, {'industry': 'G', 'parent': 'B-N_S95_X_K'},
     {'industry': 'G45', 'parent': 'G'}, {'industry': 'G451', 'parent': 'G45'},
     {'industry': 'S95', 'parent': 'B-N_S95_X_K'}]
    """
    present = set(codes) | {total}
    rows: list[tuple[str, str | None]] = [(total, None)]
    bad: list[str] = []
    for code in sorted(present - {total}):
        if _SECTION.fullmatch(code):
            rows.append((code, total))
        elif _DIVISION.fullmatch(code) or _GROUP.fullmatch(code):
            ancestors = [code[:3], code[0]] if len(code) == 4 else [code[0]]
            rows.append((code, next((a for a in ancestors if a in present), total)))
        else:
            bad.append(code)
    if bad:
        raise UnknownCodeError(
            f"{len(bad)} code(s) are not SBS NACE codes, e.g. {bad[0]!r}: expected {total!r}, "
            "a section (C), a division (C10) or a group (G451)",
            codes=bad,
        )
    return pd.DataFrame(rows, columns=["industry", "parent"], dtype=object)


def nuts_region_hierarchy(codes: Iterable[str]) -> pd.DataFrame:
    """Region tree derived from NUTS code lengths (methodology §5.2 extension).

    A code's parent is its longest proper prefix of at least two characters that is
    itself in ``codes`` (``AT11`` -> ``AT1`` -> ``AT``); countries and codes that are not
    NUTS-shaped are roots.

    Examples
    --------
    >>> nuts_region_hierarchy(["AT", "AT1", "AT11", "LU00", "LU"]).to_dict("list")
    {'region': ['AT', 'AT1', 'AT11', 'LU', 'LU00'], 'parent': [None, 'AT', 'AT1', None, 'LU']}
    """
    present = set(codes)
    rows: list[tuple[str, str | None]] = []
    for code in sorted(present):
        parent = None
        if _NUTS.fullmatch(code):
            prefixes = (code[:k] for k in range(len(code) - 1, 1, -1))
            parent = next((p for p in prefixes if p in present), None)
        rows.append((code, parent))
    return pd.DataFrame(rows, columns=["region", "parent"], dtype=object)


def _build_tree(pairs: pd.DataFrame, child: str, extra: pd.Index) -> _Tree:
    """Index the (``child``, ``parent``) pairs plus the codes ``extra``; check for cycles."""
    pairs = pairs.loc[:, [child, "parent"]]
    if pairs[child].duplicated().any():
        dup = pairs.loc[pairs[child].duplicated(), child].iloc[0]
        raise DataError(f"{child} {dup!r} appears twice in the hierarchy: expected one parent")
    parents = pairs["parent"].dropna()
    codes = pd.Index(pd.unique(pd.concat([pairs[child], parents, extra.to_series()]).astype(str)))
    parent = np.full(len(codes), -1, dtype=np.intp)
    has = pairs["parent"].notna().to_numpy()
    parent[codes.get_indexer(pairs[child].astype(str))[has]] = codes.get_indexer(
        parents.astype(str)
    )
    depth = np.zeros(len(codes), dtype=np.intp)
    cur = parent.copy()
    for _ in range(len(codes) + 1):
        up = cur >= 0
        if not up.any():
            return _Tree(codes=codes, parent=parent, depth=depth)
        depth[up] += 1
        cur[up] = parent[cur[up]]
    raise DataError(f"the {child} hierarchy has a cycle: expected a tree")


def _known_below(v: Floats, known: Bools, tree: _Tree) -> Floats:
    """Per cell: its value if known, else the sum of the highest known values beneath it."""
    kb = np.where(known, v, 0.0)
    for d in range(int(tree.depth.max(initial=0)) - 1, -1, -1):
        cols = tree.at_depth(d)
        below = tree.child_sum(kb)[..., cols]
        kb[..., cols] = np.where(known[..., cols], v[..., cols], below)
    return kb


def _split_last_axis(v: Floats, present: Bools, tree: _Tree) -> tuple[Floats, Bools, Bools]:
    """One top-down pass of the equal split along the last axis (methodology §5.2).

    For each depth from the top, a present cell without value whose parent has one gets
    ``known_below(cell) + max(residual, 0) / |K|`` with ``residual = parent - Σ over the
    parent's children of known_below`` and ``K`` the parent's children without value.
    Returns the new values, the cells filled and the cells whose residual was negative.
    """
    known = present & ~np.isnan(v)
    missing = present & np.isnan(v)
    kb = _known_below(v, known, tree)
    child_total = tree.child_sum(kb)
    n_missing = tree.child_sum(missing.astype(np.float64))
    out = v.copy()
    filled = np.zeros(v.shape, dtype=np.bool_)
    negative = np.zeros(v.shape, dtype=np.bool_)
    for d in range(1, int(tree.depth.max(initial=0)) + 1):
        cols = tree.at_depth(d)
        pc = tree.parent[cols]
        pv = out[..., pc]
        fill = missing[..., cols] & ~np.isnan(pv)
        if not fill.any():
            continue
        residual = np.nan_to_num(pv - child_total[..., pc])
        neg = residual < -NEGATIVE_TOLERANCE * np.maximum(np.abs(np.nan_to_num(pv)), 1.0)
        share = np.maximum(residual, 0.0) / np.maximum(n_missing[..., pc], 1.0)
        out[..., cols] = np.where(fill, kb[..., cols] + share, out[..., cols])
        filled[..., cols] = fill
        negative[..., cols] = fill & neg
    return out, filled, negative


@dataclass
class _Cube:
    """Dense (year x measure, region, industry) arrays of the long table."""

    values: Floats
    present: Bools
    method: npt.NDArray[np.int8]
    inconsistent: Bools
    flat: Ints
    region: Ints
    industry: Ints

    def apply(self, result: tuple[Floats, Bools, Bools], code: int) -> int:
        values, filled, negative = result
        self.values = values
        self.method[filled] = code
        self.inconsistent |= negative
        return int(filled.sum())


def _check_table(table: pd.DataFrame, industries: pd.Index) -> None:
    absent = [c for c in _REQUIRED if c not in table.columns]
    if absent:
        raise SchemaError(f"table lacks column(s) {absent}: expected {list(_REQUIRED)}")
    empty = [c for c in KEY_COLUMNS if table[c].isna().any()]
    if empty:
        raise DataError(f"key column(s) {empty} have empty cells: expected a code in each")
    codes = pd.Index(pd.unique(table["industry"])).astype(str)
    unknown = codes[industries.get_indexer(codes) < 0]
    if len(unknown):
        raise UnknownCodeError(
            f"{len(unknown)} industry code(s) of the table are not in the hierarchy, "
            f"e.g. {unknown[0]!r}: expected every industry in hierarchy['industry']",
            codes=[str(c) for c in unknown],
        )


def _to_cube(table: pd.DataFrame, regions: _Tree, industries: _Tree) -> _Cube:
    """Scatter the long table into dense arrays; absent cells are not ``present``.

    A region with no value and no confidential (``c``) cell for a year and measure is
    taken as not published (a code of another NUTS version, an extra-regio code, a year
    not out yet): its cells are not ``present``, so they are neither filled nor shares.
    """
    year, years = pd.factorize(table["year"])
    measure, measures = pd.factorize(table["measure"])
    other = year * len(measures) + measure
    r = _row_index(table["region"], regions.codes)
    i = _row_index(table["industry"], industries.codes)
    shape = (len(years) * len(measures), len(regions.codes), len(industries.codes))
    flat = np.ravel_multi_index((other, r, i), shape).astype(np.intp)
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    if (counts > 1).any():
        row = table.iloc[int(np.flatnonzero(counts[flat] > 1)[0])]
        key = ", ".join(f"{c}={row[c]!r}" for c in KEY_COLUMNS)
        raise DataError(f"duplicated key ({key}): expected one row per {KEY_COLUMNS}")
    values = np.full(shape, np.nan)
    values.flat[flat] = pd.to_numeric(table["value"]).to_numpy(dtype=np.float64, na_value=np.nan)
    present = (counts > 0).reshape(shape)
    confidential = np.zeros(shape, dtype=np.bool_)
    confidential.flat[flat] = table["flag"].fillna("").astype(str).str.contains("c").to_numpy()
    published = (present & ~np.isnan(values) | confidential).any(axis=2, keepdims=True)
    present &= published
    marks = np.zeros(shape, np.int8), np.zeros(shape, np.bool_)
    return _Cube(values, present, *marks, flat=flat, region=r, industry=i)


def _row_index(column: pd.Series, codes: pd.Index) -> Ints:
    """Position in ``codes`` of each row's code (factorised first: far faster on strings)."""
    row, uniques = pd.factorize(column)
    return codes.get_indexer(pd.Index(uniques).astype(str))[row].astype(np.intp)


def _geography_pass(cube: _Cube, regions: _Tree) -> tuple[Floats, Bools, Bools]:
    """The split along the region axis: regions become the last axis, then return."""
    values = np.ascontiguousarray(np.swapaxes(cube.values, 1, 2))
    present = np.ascontiguousarray(np.swapaxes(cube.present, 1, 2))
    out, filled, negative = _split_last_axis(values, present, regions)
    return np.swapaxes(out, 1, 2), np.swapaxes(filled, 1, 2), np.swapaxes(negative, 1, 2)


def _output(table: pd.DataFrame, cube: _Cube, regions: _Tree, industries: _Tree) -> pd.DataFrame:
    """The input rows with filled values and the ``imputed``/``impute_*`` columns."""
    method = cube.method.flat[cube.flat]
    ind_parent = industries.codes.to_numpy(dtype=object)[industries.parent[cube.industry]]
    reg_parent = regions.codes.to_numpy(dtype=object)[regions.parent[cube.region]]
    out = table.copy()
    out["value"] = np.where(method > 0, cube.values.flat[cube.flat], out["value"])
    out["imputed"] = method > 0
    names = np.array([None, INDUSTRY_SPLIT, GEOGRAPHY_SPLIT], dtype=object)
    out["impute_method"] = pd.Series(names[method], index=out.index, dtype=object)
    parent = np.full(len(method), None, dtype=object)
    parent[method == 1] = ind_parent[method == 1]
    parent[method == 2] = reg_parent[method == 2]
    out["impute_parent"] = pd.Series(parent, index=out.index, dtype=object)
    out["impute_inconsistent"] = cube.inconsistent.flat[cube.flat] & (method > 0)
    return out


def split_missing(
    table: pd.DataFrame,
    hierarchy: pd.DataFrame,
    *,
    geography: bool = True,
    max_rounds: int = 5,
    regions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fill missing and confidential cells by the ECO equal split (methodology §5.2).

    Published rule (ECO48), per region, year and measure: a missing cell gets an equal
    share of ``value(p) - Σ values known under p (highest known level)``, ``p`` its nearest
    valued ancestor. It is applied top-down, level by level, so ``p`` is the parent (filled
    already when it was missing) and a missing cell also keeps the known detail beneath
    it. Our extensions: the same split across NUTS levels (``geography``), a negative
    residual set to 0 and flagged, industry and geography passes alternated until stable.

    Parameters
    ----------
    table:
        Long table with columns ``region, industry, year, measure, value, flag``; one row
        per key; ``value`` NaN where missing or confidential. Measures must be additive
        (employment, establishments, wages), never ratios.
    hierarchy:
        Industry tree, columns ``industry, parent`` (``None`` for roots), e.g. from
        :func:`sbs_industry_hierarchy`; every industry of ``table`` must be in it.
    geography:
        Also split NUTS-1 cells from NUTS-0 and NUTS-2 cells from NUTS-1 (our extension).
    max_rounds:
        Most rounds of (industry pass, geography pass); stops earlier once nothing changes.
    regions:
        Region tree, columns ``region, parent``; default :func:`nuts_region_hierarchy`.

    Returns
    -------
    pandas.DataFrame
        The rows of ``table`` in order, ``value`` filled where possible (a non-missing
        value never changes), plus ``imputed`` (bool), ``impute_method``
        (``'industry_split'``, ``'geography_split'`` or ``None``), ``impute_parent`` (code
        of the ancestor split) and ``impute_inconsistent`` (residual was negative, set to 0).
        ``attrs['impute_rounds']`` is the number of rounds run.

    Examples
    --------
    >>> t = pd.DataFrame({"region": "AT11", "industry": ["C", "C10", "C11", "C12"],
    ...                   "year": 2014, "measure": "V16110",
    ...                   "value": [100.0, 70.0, None, None], "flag": [None, None, "c", "c"]})
    >>> h = sbs_industry_hierarchy(["C", "C10", "C11", "C12"])
    >>> out = split_missing(t, h)  # (100 - 70) / 2 = 15 each
    >>> out[["industry", "value", "impute_method", "impute_parent"]].to_dict("list")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'industry': ['C', 'C10', 'C11', 'C12'], 'value': [100.0, 70.0, 15.0, 15.0],
     'impute_method': [None, None, 'industry_split', 'industry_split'],
     'impute_parent': [None, None, 'C', 'C']}
    """
    if max_rounds < 1:
        raise MethodError(f"max_rounds is {max_rounds}: expected at least 1")
    industries = _build_tree(hierarchy, "industry", pd.Index([], dtype=object))
    _check_table(table, industries.codes)
    region_codes = pd.Index(pd.unique(table["region"].astype(str)))
    pairs = regions if regions is not None else nuts_region_hierarchy(region_codes)
    region_tree = _build_tree(pairs if geography else pairs.iloc[:0], "region", region_codes)
    cube = _to_cube(table, region_tree, industries)
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        filled = cube.apply(_split_last_axis(cube.values, cube.present, industries), 1)
        if geography:
            filled += cube.apply(_geography_pass(cube, region_tree), 2)
        if filled == 0:
            break
    out = _output(table, cube, region_tree, industries)
    out.attrs["impute_rounds"] = rounds
    return out
