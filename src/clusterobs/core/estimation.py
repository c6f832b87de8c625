"""Estimation of confidential and missing cells under every constraint at once (methodology §5.2b).

How to call it (same table in and out as :func:`clusterobs.core.imputation.split_missing`)::

    from clusterobs.core import estimation, imputation
    ih = imputation.sbs_industry_hierarchy(obs["industry"].unique())
    out = estimation.estimate_missing(obs, ih)                  # default: "constrained"
    out = estimation.estimate_missing(obs, ih, method="equal")  # ECO equal split (§5.2)

Countries estimated apart (an engine's groups) get the estimates they get together when
they are given what they share, computed first over all of them (:class:`Pooled`)::

    ratios = estimation.pooled_ratios(pd.concat([estimation.pooled_sums(o, ih) for o in groups]))
    first = estimation.Pooled(ratios)
    wages = pd.concat([estimation.wage_per_person(o, ih, pooled=first) for o in groups])
    shared = estimation.Pooled(ratios, estimation.wage_range(wages))
    out = pd.concat([estimation.estimate_missing(o, ih, pooled=shared) for o in groups])

``obs`` is the long table ``region, industry, year, measure, value, flag`` (measures named
``employment/establishments/wages`` or Eurostat ``V16110/V11210/V13320``; other additive
measures get the trend prior only). The result has the rows of ``obs`` in order with
``value`` filled, the columns of ``split_missing`` (``imputed``, ``impute_method``,
``impute_parent``, ``impute_inconsistent``) and ``lower``, ``upper`` (feasible range: equal
to the value for a published cell, NaN where nothing was filled), ``method`` (``None`` for
a published cell, else ``"constrained"`` or ``"equal"``) and ``prior`` (what the estimate
started from: ``trend``, ``wages``, ``units``, ``split``).

The ``constrained`` method (after Isserman & Westervelt 2006 and Eckert, Fort, Schott & Yang
2020 for County Business Patterns):

1. *Feasible ranges.* Published cells are fixed; every unknown cell starts in ``[0, inf)``
   and the adding-up constraints of both trees (parent = sum of children, industry tree per
   region and NUTS tree per industry) are propagated until stable: a parent lies between
   the sums of its children's bounds, a child at most ``upper(parent) - sum of its
   siblings' lower bounds`` and at least ``lower(parent) - sum of its siblings' upper
   bounds``. The ranges contain every value that satisfies the constraints (an outer
   bound of the linear programme's ranges).
2. *Prior per cell*, the first available of: its own published values in other years
   (linear interpolation between the nearest years, constant beyond them) scaled by the
   change of its local units when both years have them (``trend``); published wages over
   the wage per person of the industry in the country (``wages``); published local units
   times the average unit size of the industry in the country (``units``); the ECO equal
   split (``split``).
3. *Balancing* (RAS / iterative proportional fitting on both hierarchies): the unknown
   children of each parent are scaled to the parent's residual, alternately along the
   industry and the NUTS tree, top-down; an unknown parent is moved halfway towards the
   sum of its children; values are kept within their ranges. The last pass is along the
   industry tree, so industry totals add up exactly where the parent is known.
4. *Wages jointly with employment*: employment is estimated first; the wage prior is the
   estimated employment times the cell's own wage per person in other years (else the
   industry's in the country), and wage per person is kept within the industry's
   published 1st-99th percentile during balancing.

Everything here is pure: tables in, tables out; no file, network or database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.core.imputation import (
    _build_tree,
    _check_table,
    _to_cube,
    _Tree,
    nuts_region_hierarchy,
    split_missing,
)
from clusterobs.errors import MethodError

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: Measure names (store vocabulary and Eurostat SBS codes) with a dedicated prior.
EMPLOYMENT = frozenset({"employment", "V16110"})
ESTABLISHMENTS = frozenset({"establishments", "V11210"})
WAGES = frozenset({"wages", "V13320"})
METHODS = ("constrained", "equal")
PRIORS = np.array([None, "trend", "wages", "units", "split"], dtype=object)
#: Percentiles of the published wage per person of an industry that bound an estimate.
WAGE_PERCENTILES = (1.0, 99.0)


@dataclass
class _Measure:
    """Dense (year, region, industry) arrays of one measure."""

    values: Floats
    present: Bools

    @property
    def known(self) -> Bools:
        return self.present & ~np.isnan(self.values)

    @property
    def unknown(self) -> Bools:
        return self.present & np.isnan(self.values)


# --------------------------------------------------------------------------- bounds


def _active(present: Bools, tree: _Tree) -> Bools:
    """Per node along the last axis: present, has children, and all of them present."""
    n_children = tree.child_sum(np.ones(present.shape[-1]))
    absent = tree.child_sum((~present).astype(np.float64))
    return present & (n_children > 0) & (absent == 0)


def _propagate_axis(lo: Floats, hi: Floats, unknown: Bools, active: Bools, tree: _Tree) -> None:
    """One round of interval propagation of ``parent = Σ children`` along the last axis."""
    inf = np.isinf(hi)
    sum_lo = tree.child_sum(lo)
    sum_hi = tree.child_sum(np.where(inf, 0.0, hi))
    n_inf = tree.child_sum(inf.astype(np.float64))
    upd = unknown & active
    lo[upd] = np.maximum(lo, sum_lo)[upd]
    hi[upd] = np.minimum(hi, np.where(n_inf > 0, np.inf, sum_hi))[upd]
    child = np.flatnonzero(tree.parent >= 0)
    pc = tree.parent[child]
    act = active[..., pc] & unknown[..., child]
    others_lo = sum_lo[..., pc] - lo[..., child]
    new_hi = hi[..., pc] - others_lo
    inf_c = inf[..., child]
    others_inf = n_inf[..., pc] - inf_c
    others_hi = np.where(others_inf > 0, np.inf, sum_hi[..., pc] - np.where(inf_c, 0.0, hi[..., child]))
    new_lo = np.where(np.isinf(others_hi), 0.0, lo[..., pc] - np.where(np.isinf(others_hi), 0.0, others_hi))
    sub_hi, sub_lo = hi[..., child], lo[..., child]
    hi[..., child] = np.where(act, np.minimum(sub_hi, np.maximum(new_hi, 0.0)), sub_hi)
    lo[..., child] = np.where(act, np.maximum(sub_lo, new_lo), sub_lo)


def _bounds(m: _Measure, industries: _Tree, regions: _Tree, rounds: int = 20) -> tuple[Floats, Floats]:
    """Feasible range of every cell from both trees' adding-up constraints (published fixed)."""
    known, unknown = m.known, m.unknown
    lo = np.where(known, m.values, 0.0)
    hi = np.where(known, m.values, np.inf)
    act_i = _active(m.present, industries)
    act_r = np.swapaxes(_active(np.swapaxes(m.present, 1, 2), regions), 1, 2)
    for _ in range(rounds):
        before = lo.copy(), hi.copy()
        _propagate_axis(lo, hi, unknown, act_i, industries)
        lo_t, hi_t = np.swapaxes(lo, 1, 2), np.swapaxes(hi, 1, 2)
        _propagate_axis(lo_t, hi_t, np.swapaxes(unknown, 1, 2), np.swapaxes(act_r, 1, 2), regions)
        if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
            break
    # inconsistent published totals can cross the bounds: keep a valid interval
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    return lo, hi


# --------------------------------------------------------------------------- priors


def _interpolate(values: Floats, known: Bools, years: Floats) -> tuple[Floats, Bools, npt.NDArray[np.intp]]:
    """Per cell and year: linear interpolation of its values in the other (known) years,
    constant beyond the first and last; also whether it exists and the nearest known year."""
    n = len(years)
    idx = np.arange(n).reshape(n, *([1] * (values.ndim - 1)))
    prev = np.maximum.accumulate(np.where(known, idx, -1), axis=0)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(known, idx, n), 0), axis=0), 0)
    out = np.full(values.shape, np.nan)
    nearest = np.full(values.shape, -1, dtype=np.intp)
    for y in range(n):
        p = prev[y - 1] if y > 0 else np.full(values.shape[1:], -1)
        q = nxt[y + 1] if y < n - 1 else np.full(values.shape[1:], n)
        vp = np.take_along_axis(values, np.clip(p, 0, n - 1)[None], 0)[0]
        vq = np.take_along_axis(values, np.clip(q, 0, n - 1)[None], 0)[0]
        yp, yq = years[np.clip(p, 0, n - 1)], years[np.clip(q, 0, n - 1)]
        has_p, has_q = p >= 0, q < n
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(has_p & has_q, (years[y] - yp) / np.where(yq > yp, yq - yp, 1.0), 0.0)
        out[y] = np.where(has_p & has_q, vp + t * (vq - vp), np.where(has_p, vp, vq))
        out[y][~(has_p | has_q)] = np.nan
        closer_q = has_q & (~has_p | (yq - years[y] < years[y] - yp))
        nearest[y] = np.where(closer_q, q, np.where(has_p, p, -1))
    return out, ~np.isnan(out), nearest


def _group_ratio(num: Floats, den: Floats, ok: Bools, group: npt.NDArray[np.intp],
                 pooled: Floats | None = None) -> Floats:
    """Σ num / Σ den over cells ``ok`` of the same (year, group of regions, industry);
    where a group has none, the same over all regions (*pooled*, per year and industry,
    when the regions are estimated apart: :class:`Pooled`); NaN where neither exists."""
    n_year, _, n_ind = num.shape
    n_group = int(group.max(initial=-1)) + 1
    a = np.where(ok, num, 0.0)
    b = np.where(ok, den, 0.0)
    sa = np.zeros((n_year, n_group, n_ind))
    sb = np.zeros((n_year, n_group, n_ind))
    for g in np.unique(group):
        sa[:, g] = a[:, group == g].sum(axis=1)
        sb[:, g] = b[:, group == g].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        local = (sa / sb)[:, group, :]
        overall = (a.sum(axis=1) / b.sum(axis=1) if pooled is None else pooled)[:, None, :]
    local = np.where(np.isfinite(local) & (local > 0), local, np.nan)
    overall = np.where(np.isfinite(overall) & (overall > 0), overall, np.nan)
    return np.where(np.isnan(local), np.broadcast_to(overall, local.shape), local)


def _roots(regions: _Tree) -> npt.NDArray[np.intp]:
    """Index of each region's root (its country for NUTS codes)."""
    root = np.arange(len(regions.codes))
    for _ in range(int(regions.depth.max(initial=0))):
        up = regions.parent[root] >= 0
        root = np.where(up, regions.parent[root], root)
    return root.astype(np.intp)


# --------------------------------------------------------------------------- balancing


def _rake_axis(x: Floats, known: Bools, unknown: Bools, active: Bools, tree: _Tree) -> None:
    """Scale the unknown children of each active parent to its residual, top-down (in place)."""
    for d in range(1, int(tree.depth.max(initial=0)) + 1):
        cols = tree.at_depth(d)
        if len(cols) == 0:
            continue
        ks = tree.child_sum(np.where(known, x, 0.0))
        us = tree.child_sum(np.where(unknown, x, 0.0))
        nu = tree.child_sum(unknown.astype(np.float64))
        settle = unknown & active
        parent = np.where(settle & (nu > 0), np.maximum((x + ks + us) / 2.0, ks), x)
        parent = np.where(settle & (nu == 0), ks, parent)
        target = np.maximum(parent - ks, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(us > 0, target / us, np.nan)
        even = target / np.maximum(nu, 1.0)
        pc = tree.parent[cols]
        act = active[..., pc] & unknown[..., cols]
        scaled = np.where(np.isnan(factor[..., pc]), even[..., pc], x[..., cols] * factor[..., pc])
        x[..., cols] = np.where(act, scaled, x[..., cols])
        owners = np.unique(pc)
        x[..., owners] = np.where(settle[..., owners], parent[..., owners], x[..., owners])


def _balance(m: _Measure, prior: Floats, lo: Floats, hi: Floats, industries: _Tree,
             regions: _Tree, rounds: int) -> Floats:
    """RAS over both trees from ``prior``, unknown cells kept in ``[lo, hi]``.

    The trees never join two countries (roots of the region tree), so each country is
    balanced on its own: it stops at the first round that leaves it unchanged (within
    1e-6), whichever other countries share the arrays; a country estimated alone gets the
    same values as among all of them (:class:`Pooled`)."""
    known, unknown = m.known, m.unknown
    x = np.where(known, m.values, np.clip(np.nan_to_num(prior), lo, hi))
    act_i = _active(m.present, industries)
    act_r = np.swapaxes(_active(np.swapaxes(m.present, 1, 2), regions), 1, 2)
    xt = np.swapaxes(x, 1, 2)
    kt, ut, at = (np.swapaxes(a, 1, 2) for a in (known, unknown, act_r))
    country = _roots(regions)
    done = np.zeros(len(regions.codes), dtype=bool)  # per region: its country has settled
    for _ in range(rounds):
        before = x.copy()
        _rake_axis(xt, kt, ut, at, regions)
        np.copyto(x, np.clip(x, lo, hi), where=unknown)
        _rake_axis(x, known, unknown, act_i, industries)
        np.copyto(x, np.clip(x, lo, hi), where=unknown)
        x[:, done] = before[:, done]
        moved = ~np.isclose(before, x, rtol=1e-6, atol=1e-6).all(axis=(0, 2))
        unsettled = np.zeros(len(regions.codes), dtype=bool)
        unsettled[np.unique(country[moved])] = True
        done |= ~unsettled[country]
        if done.all():
            break
    _rake_axis(x, known, unknown, act_i, industries)
    return x


# --------------------------------------------------------------------------- driver


def _cube_values(out: pd.DataFrame, cube_flat: npt.NDArray[np.intp], shape: tuple[int, ...]) -> Floats:
    arr = np.full(shape, np.nan)
    arr.flat[cube_flat] = pd.to_numeric(out["value"]).to_numpy(dtype=np.float64, na_value=np.nan)
    return arr


@dataclass(frozen=True)
class Pooled:
    """What the estimate of a country takes from all countries (§5.2b), so that countries
    estimated apart (an engine's groups: :func:`pooled_sums`, :func:`wage_per_person`) get
    the values they get estimated together.

    ``ratios``: ``year, industry, pair, num, den`` — per pair of measures (:data:`PAIRS`) the
    sums, over every region where both are published, that a country without its own
    ratio falls back to (:func:`pooled_sums` of each group, added up). ``wage_range``:
    ``industry, low, high`` — the :data:`WAGE_PERCENTILES` of the wage per person over all
    countries (:func:`wage_range`); None until known.
    """

    ratios: pd.DataFrame
    wage_range: pd.DataFrame | None = None


#: the measure pairs of the pooled ratios: wages per person, persons per local unit
PAIRS = {"wage": (WAGES, EMPLOYMENT), "size": (EMPLOYMENT, ESTABLISHMENTS)}


@dataclass
class _Prepared:
    """The cube of one call: trees, the measures' (year, region, industry) arrays."""

    industries: _Tree
    regions: _Tree
    split: pd.DataFrame
    cube: object
    measures: list[str]
    years: Floats
    order: npt.NDArray[np.intp]
    shape4: tuple[int, ...]
    data: dict[str, _Measure]
    eq: list[npt.NDArray[np.generic]]
    country: npt.NDArray[np.intp]

    def find(self, names: frozenset[str]) -> str | None:
        return next((n for n in self.measures if n in names), None)

    def ok(self, pair: str) -> tuple[Floats, Floats, Bools] | None:
        """:func:`_pair_cells` of a :data:`PAIRS` ratio; None when a measure is missing."""
        num, den = (self.find(names) for names in PAIRS[pair])
        if num is None or den is None:
            return None
        return _pair_cells(self.data[num], self.data[den])

    def pooled(self, pooled: Pooled | None, pair: str) -> Floats | None:
        """The pooled ratio of *pair* on this cube's (year, industry) axes (NaN where none)."""
        if pooled is None:
            return None
        r = pooled.ratios[pooled.ratios["pair"] == pair]
        y = pd.Index(self.years.astype(np.int64)).get_indexer(pd.Index(r["year"].astype(np.int64)))
        i = self.industries.codes.get_indexer(pd.Index(r["industry"]))
        keep = (y >= 0) & (i >= 0)
        out = np.full((len(self.years), len(self.industries.codes)), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[y[keep], i[keep]] = (r["num"].to_numpy(dtype=np.float64) / r["den"].to_numpy(dtype=np.float64))[keep]
        return out


def _prepare(obs: pd.DataFrame, industry_hierarchy: pd.DataFrame,
             region_hierarchy: pd.DataFrame | None) -> _Prepared:
    industries = _build_tree(industry_hierarchy, "industry", pd.Index([], dtype=object))
    _check_table(obs, industries.codes)
    region_codes = pd.Index(pd.unique(obs["region"].astype(str)))
    pairs = region_hierarchy if region_hierarchy is not None else nuts_region_hierarchy(region_codes)
    regions = _build_tree(pairs, "region", region_codes)
    split = split_missing(obs, industry_hierarchy, regions=pairs)
    cube = _to_cube(obs, regions, industries)
    years_f = pd.factorize(obs["year"])[1]
    measures = list(pd.factorize(obs["measure"])[1].astype(str))
    order = np.argsort(np.asarray(years_f, dtype=np.float64), kind="stable")
    years = np.asarray(years_f, dtype=np.float64)[order]
    shape4 = (len(years_f), len(measures), len(regions.codes), len(industries.codes))

    def per_measure(a: npt.NDArray[np.generic]) -> list[npt.NDArray[np.generic]]:
        b = a.reshape(shape4)[order]
        return [b[:, k] for k in range(len(measures))]

    vals, pres = per_measure(cube.values), per_measure(cube.present)
    eq = per_measure(_cube_values(split, cube.flat, cube.values.shape))
    data = {name: _Measure(np.ascontiguousarray(v), np.ascontiguousarray(p))
            for name, v, p in zip(measures, vals, pres, strict=True)}
    return _Prepared(industries, regions, split, cube, measures, years, order, shape4, data, eq,
                     _roots(regions))


def _checked(method: str, rounds: int) -> None:
    if method not in METHODS:
        raise MethodError(f"method is {method!r}: expected one of {list(METHODS)}")
    if rounds < 1:
        raise MethodError(f"rounds is {rounds}: expected at least 1")


def estimate_missing(
    obs: pd.DataFrame,
    industry_hierarchy: pd.DataFrame,
    region_hierarchy: pd.DataFrame | None = None,
    method: Literal["constrained", "equal"] = "constrained",
    *,
    rounds: int = 40,
    pooled: Pooled | None = None,
) -> pd.DataFrame:
    """Fill confidential and missing cells (methodology §5.2b); see the module note.

    Parameters
    ----------
    obs:
        Long table ``region, industry, year, measure, value, flag`` (one row per key),
        ``value`` NaN where missing or confidential; additive measures only.
    industry_hierarchy:
        Columns ``industry, parent``, e.g. :func:`~clusterobs.core.imputation.sbs_industry_hierarchy`.
    region_hierarchy:
        Columns ``region, parent``; default :func:`~clusterobs.core.imputation.nuts_region_hierarchy`.
    method:
        ``"constrained"`` (default: priors from trends, local units and wages balanced to
        both trees) or ``"equal"`` (the ECO equal split of :func:`split_missing`).
    rounds:
        Most balancing rounds (each one pass along each tree).
    pooled:
        When *obs* holds some of the countries of a dataset: what they take from all of them
        (:class:`Pooled`), so that their estimates are the ones they get estimated together.

    Returns
    -------
    pandas.DataFrame
        The rows of ``obs`` in order, ``value`` filled (a published value never changes),
        the columns of :func:`split_missing` plus ``lower``, ``upper``, ``method``, ``prior``.
    """
    _checked(method, rounds)
    p = _prepare(obs, industry_hierarchy, region_hierarchy)
    results = _estimates(p, method, rounds, pooled)
    out = _output(p.split, p.cube, results, p.measures, p.order, p.shape4, method)
    if method == "constrained":
        industries, regions, cube = p.industries, p.regions, p.cube
        ind_parent = industries.codes.to_numpy(dtype=object)[industries.parent[cube.industry]]  # type: ignore[attr-defined]
        reg_parent = regions.codes.to_numpy(dtype=object)[regions.parent[cube.region]]  # type: ignore[attr-defined]
        has_ind = industries.parent[cube.industry] >= 0  # type: ignore[attr-defined]
        has_reg = regions.parent[cube.region] >= 0  # type: ignore[attr-defined]
        parent = np.full(len(out), None, dtype=object)
        parent[has_reg] = reg_parent[has_reg]
        parent[has_ind] = ind_parent[has_ind]
        parent[~out["imputed"].to_numpy(dtype=bool)] = None
        out["impute_parent"] = pd.Series(parent, index=out.index, dtype="object")
    return out


_Results = dict[str, tuple[Floats, Floats, Floats, npt.NDArray[np.int8]]]


def _estimates(p: _Prepared, method: str, rounds: int, pooled: Pooled | None,
               only: str | None = None) -> _Results:
    """Estimate, range and prior code of every measure (employment and local units first;
    with *only*, that measure and the ones before it)."""
    results: _Results = {}
    emp, est, wag = p.find(EMPLOYMENT), p.find(ESTABLISHMENTS), p.find(WAGES)
    ordered = [n for n in (emp, est) if n] + [n for n in p.measures if n not in (emp, est)]
    ratios = {pair: p.pooled(pooled, pair) for pair in PAIRS}
    for name in ordered:
        m = p.data[name]
        k = p.measures.index(name)
        lo, hi = _bounds(m, p.industries, p.regions)
        if method == "equal":
            x = np.where(m.known, m.values, p.eq[k])
            src = np.where(m.unknown & ~np.isnan(p.eq[k]), 4, 0).astype(np.int8)
            results[name] = (x, lo, hi, src)
        else:
            equal = np.asarray(p.eq[k], dtype=np.float64)
            prior, src = _prior(name, m, p.data, results, equal, p.years, p.country, emp, est, wag, ratios)
            fill = m.unknown & (np.isfinite(hi) | (src > 0))
            src = np.where(fill, src, 0).astype(np.int8)
            x = _balance(m, np.where(fill, prior, np.nan), lo, hi, p.industries, p.regions, rounds)
            if name == wag and emp is not None:
                band = None if pooled is None or pooled.wage_range is None else _band(p, pooled.wage_range)
                x = _bound_wages(x, m, results[emp][0], lo, hi, p.country, p.industries, p.regions, rounds, band)
            x = np.where(m.known | fill, x, np.nan)
            results[name] = (x, lo, hi, src)
        if name == only:
            break
    return results


def _band(p: _Prepared, wage_range: pd.DataFrame) -> tuple[Floats, Floats]:
    """The pooled wage-per-person range on this cube's industries (0 to inf where none)."""
    low, high = np.full(len(p.industries.codes), 0.0), np.full(len(p.industries.codes), np.inf)
    i = p.industries.codes.get_indexer(pd.Index(wage_range["industry"]))
    keep = i >= 0
    low[i[keep]] = wage_range["low"].to_numpy(dtype=np.float64)[keep]
    high[i[keep]] = wage_range["high"].to_numpy(dtype=np.float64)[keep]
    return low, high


def pooled_sums(obs: pd.DataFrame, industry_hierarchy: pd.DataFrame,
                region_hierarchy: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sums behind the pooled ratios (:class:`Pooled`) over the regions of *obs*:
    ``year, industry, pair, num, den``, one row per (year, industry, pair) with published
    cells. Summed over the groups of a dataset's countries they give ``Pooled.ratios``.

    >>> from clusterobs.core.imputation import sbs_industry_hierarchy
    >>> obs = pd.DataFrame({"region": "AT11", "industry": "C10", "year": 2020,
    ...     "measure": ["employment", "establishments"], "value": [30.0, 3.0], "flag": None})
    >>> pooled_sums(obs, sbs_industry_hierarchy(["C10"])).to_dict("records")
    [{'year': 2020, 'industry': 'C10', 'pair': 'size', 'num': 30.0, 'den': 3.0}]
    """
    p = _prepare(obs, industry_hierarchy, region_hierarchy)
    parts = []
    for pair in PAIRS:
        found = p.ok(pair)
        if found is None:
            continue
        num, den, ok = found
        a, b = np.where(ok, num, 0.0).sum(axis=1), np.where(ok, den, 0.0).sum(axis=1)
        y, i = np.nonzero(ok.any(axis=1))
        parts.append(pd.DataFrame({"year": p.years[y].astype(np.int64), "industry": p.industries.codes[i],
                                   "pair": pair, "num": a[y, i], "den": b[y, i]}))
    columns = ["year", "industry", "pair", "num", "den"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def pooled_ratios(sums: pd.DataFrame) -> pd.DataFrame:
    """:func:`pooled_sums` of every group of countries added up (``Pooled.ratios``), in a
    fixed order whatever order the groups came in."""
    ordered = sums.sort_values(["pair", "year", "industry", "num", "den"], kind="stable")
    return ordered.groupby(["year", "industry", "pair"], as_index=False, sort=True)[["num", "den"]].sum()


def wage_per_person(obs: pd.DataFrame, industry_hierarchy: pd.DataFrame,
                    region_hierarchy: pd.DataFrame | None = None, *, pooled: Pooled,
                    rounds: int = 40) -> pd.DataFrame:
    """``industry, wage_per_person``: the published wages over the estimated employment of
    every cell of *obs* that has both (employment estimated with *pooled* ratios), the
    values whose percentiles bound a wage estimate (:func:`wage_range`)."""
    p = _prepare(obs, industry_hierarchy, region_hierarchy)
    emp, wag = p.find(EMPLOYMENT), p.find(WAGES)
    if emp is None or wag is None:
        return pd.DataFrame({"industry": pd.Series(dtype=object), "wage_per_person": pd.Series(dtype=float)})
    e_hat = _estimates(p, "constrained", rounds, pooled, only=emp)[emp][0]
    wpp = _wage_per_person(p.data[wag], e_hat)
    y, r, i = np.nonzero(~np.isnan(wpp))
    return pd.DataFrame({"industry": p.industries.codes[i], "wage_per_person": wpp[y, r, i]})


def wage_range(values: pd.DataFrame) -> pd.DataFrame:
    """``industry, low, high``: the :data:`WAGE_PERCENTILES` of the wage per person
    (:func:`wage_per_person` of every group of countries) of each industry with at least 20
    values, the range a wage estimate is kept in."""
    rows = []
    for industry, v in values.groupby("industry", sort=True)["wage_per_person"]:
        if len(v) >= MIN_WAGE_VALUES:
            low, high = np.percentile(v.to_numpy(dtype=np.float64), WAGE_PERCENTILES)
            rows.append((industry, float(low), float(high)))
    return pd.DataFrame(rows, columns=["industry", "low", "high"])


#: the values of wage per person an industry needs for its percentiles to bound estimates
MIN_WAGE_VALUES = 20


def _pair_cells(num: _Measure, den: _Measure) -> tuple[Floats, Floats, Bools]:
    """(numerator, denominator, cells where both are published and the denominator
    positive): what a ratio prior is summed over, here and pooled (:func:`pooled_sums`)."""
    return num.values, den.values, num.known & den.known & (den.values > 0)


def _prior(name: str, m: _Measure, data: dict[str, _Measure], results: _Results,
           equal: Floats, years: Floats, country: npt.NDArray[np.intp],
           emp: str | None, est: str | None, wag: str | None,
           pooled: dict[str, Floats | None]) -> tuple[Floats, npt.NDArray[np.int8]]:
    """Prior level of every cell and its source code (index into :data:`PRIORS`); *pooled*:
    the pooled ratio of each of :data:`PAIRS` (None: pooled over the regions here)."""
    known = m.known
    shape = m.values.shape
    prior = np.full(shape, np.nan)
    src = np.zeros(shape, dtype=np.int8)

    def take(candidate: Floats, code: int) -> None:
        use = m.unknown & np.isnan(prior) & np.isfinite(candidate) & (candidate >= 0)
        prior[use] = candidate[use]
        src[use] = code

    units = data[est] if est is not None and est != name else None
    if name == wag and emp is not None:
        e_hat = results[emp][0]
        ratio = np.where(known & (e_hat > 0), m.values / np.where(e_hat > 0, e_hat, 1.0), np.nan)
        own, _, _ = _interpolate(ratio, ~np.isnan(ratio), years)
        take(e_hat * own, 1)
        take(e_hat * _group_ratio(*_pair_cells(m, data[emp]), country, pooled["wage"]), 2)
    else:
        trend, _, nearest = _interpolate(m.values, known, years)
        if units is not None:
            n_now = units.values
            n_then = np.take_along_axis(units.values, np.clip(nearest, 0, None), 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                change = np.where(units.known & (nearest >= 0) & (n_then > 0), n_now / n_then, np.nan)
            change = np.where(np.isfinite(change), np.clip(change, 0.5, 2.0), 1.0)
            trend = trend * change
        take(trend, 1)
        if name == emp and wag is not None:
            w = data[wag]
            take(w.values / _group_ratio(*_pair_cells(w, m), country, pooled["wage"]), 2)
        if name == emp and units is not None:
            take(units.values * _group_ratio(*_pair_cells(m, units), country, pooled["size"]), 3)
        if name == est and emp is not None:
            e = data[emp]
            take(e.values / _group_ratio(*_pair_cells(e, m), country, pooled["size"]), 2)
    take(equal, 4)
    return prior, src


def _wage_per_person(m: _Measure, e_hat: Floats) -> Floats:
    """Published wages over estimated employment, where both (else NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m.known & (e_hat > 0), m.values / e_hat, np.nan)


def _bound_wages(x: Floats, m: _Measure, e_hat: Floats, lo: Floats, hi: Floats,
                 country: npt.NDArray[np.intp], industries: _Tree, regions: _Tree,
                 rounds: int, band: tuple[Floats, Floats] | None = None) -> Floats:
    """Rebalance wages with wage per person kept in the industry's published range (its
    :data:`WAGE_PERCENTILES` here, or *band*: low and high per industry, pooled)."""
    if band is None:
        flat = np.moveaxis(_wage_per_person(m, e_hat), 2, 0).reshape(x.shape[2], -1)
        q_lo, q_hi = np.full(flat.shape[0], 0.0), np.full(flat.shape[0], np.inf)
        has = (~np.isnan(flat)).sum(axis=1) >= MIN_WAGE_VALUES
        if has.any():
            q = np.nanpercentile(flat[has], WAGE_PERCENTILES, axis=1)
            q_lo[has], q_hi[has] = q[0], q[1]
    else:
        q_lo, q_hi = band
    e = np.where(np.isfinite(e_hat), e_hat, np.nan)
    plaus_lo = np.nan_to_num(e * q_lo[None, None, :], nan=0.0)
    with np.errstate(invalid="ignore"):
        plaus_hi = np.nan_to_num(e * q_hi[None, None, :], nan=np.inf)
    new_lo = np.minimum(np.maximum(lo, plaus_lo), hi)
    new_hi = np.maximum(np.minimum(hi, plaus_hi), new_lo)
    return _balance(m, np.where(m.unknown, x, np.nan), new_lo, new_hi, industries, regions, rounds)


def _output(split: pd.DataFrame, cube: object, results: _Results, measures: list[str], order: npt.NDArray[np.intp],
            shape4: tuple[int, ...], method: str) -> pd.DataFrame:
    """The rows of ``split`` with the estimates, ranges, method and prior written in."""
    n_year = shape4[0]
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n_year)
    x4 = np.full(shape4, np.nan)
    lo4, hi4 = np.full(shape4, np.nan), np.full(shape4, np.nan)
    src4 = np.zeros(shape4, dtype=np.int8)
    for k, name in enumerate(measures):
        x, lo, hi, src = results[name]
        x4[:, k], lo4[:, k], hi4[:, k], src4[:, k] = x[inverse], lo[inverse], hi[inverse], src[inverse]
    flat = cube.flat  # type: ignore[attr-defined]
    value = x4.reshape(-1)[flat]
    src = src4.reshape(-1)[flat]
    out = split.copy()
    original = pd.to_numeric(out["value"].where(~out["imputed"])).to_numpy(dtype=np.float64,
                                                                            na_value=np.nan)
    published = ~np.isnan(original)
    filled = ~published & ~np.isnan(value) & (src > 0)
    out["value"] = np.where(published, original, np.where(filled, value, np.nan))
    out["imputed"] = filled
    if method == "constrained":
        out["impute_method"] = _labels(filled, "constrained", out.index)
        out["impute_inconsistent"] = out["impute_inconsistent"] & filled
    out["impute_parent"] = out["impute_parent"].where(filled, None)
    out["lower"] = np.where(published, original, np.where(filled, lo4.reshape(-1)[flat], np.nan))
    out["upper"] = np.where(published, original, np.where(filled, hi4.reshape(-1)[flat], np.nan))
    out["method"] = _labels(filled, method, out.index)
    out["prior"] = pd.Series(PRIORS[np.where(filled, src, 0)], index=out.index, dtype="object")
    return out


def _labels(where: Bools, label: str, index: pd.Index) -> pd.Series:
    """``label`` where ``where``, else None (object column)."""
    arr = np.full(len(where), None, dtype=object)
    arr[where] = label
    return pd.Series(arr, index=index, dtype="object")


# --------------------------------------------------------------------------- hold-out

#: Share of the confidential employment cells of ``sbs_r_nuts06_r2`` with no published
#: employment in any year (38%), whose local units are not published (45%) and whose wages
#: are not published (91%): hidden cells mimic them.
P_SERIES_HIDDEN = 0.38
P_UNITS_HIDDEN = 0.45
P_WAGES_HIDDEN = 0.91


def holdout_cells(obs: pd.DataFrame, industry_hierarchy: pd.DataFrame,
                  region_hierarchy: pd.DataFrame | None = None, *, n_like: int = 4000,
                  n_random: int = 2000, seed: int = 0,
                  p_series_hidden: float = P_SERIES_HIDDEN) -> pd.DataFrame:
    """Published employment cells to hide, chosen to resemble the confidential ones.

    ``n_like`` cells are drawn with weights that give them the distribution of the
    confidential (``c``) employment cells over (industry, NUTS level, local-unit class:
    log2 of the published local units, or "none"; a stratum without published cells
    lends its weight to its industry and level); ``n_random`` more uniformly among all
    published positive employment cells. Confidential cells have no published year at all
    in 38% of cases: with probability ``p_series_hidden`` a ``like`` cell's whole series is
    hidden (kind ``series`` for its other years). Then, like a statistical office's secondary
    suppression, a hidden cell that would be the only unknown child of its industry parent
    or of its region parent gets a complement: its smallest positive published sibling
    (kind ``complement``), so that no hidden cell follows from one subtraction.

    Returns the keys ``region, industry, year`` and ``kind`` (``like``, ``series``,
    ``random``, ``complement``).
    """
    rng = np.random.default_rng(seed)
    keys = ["region", "industry", "year"]
    emp = obs[obs["measure"].isin(EMPLOYMENT)]
    units = obs[obs["measure"].isin(ESTABLISHMENTS)].set_index(keys)["value"]
    units = units[~units.index.duplicated()]
    t = emp[keys + ["value", "flag"]].reset_index(drop=True)
    n = units.reindex(pd.MultiIndex.from_frame(t[keys])).to_numpy(dtype=np.float64, na_value=np.nan)
    size = np.where(n > 0, np.floor(np.log2(np.where(n > 0, n, 1.0))).astype(str), "none")
    level = t["region"].astype(str).str.len().astype(str)
    t["stratum"] = t["industry"].astype(str) + "|" + level + "|" + size
    conf = t["flag"].fillna("").astype(str).str.contains("c") & t["value"].isna()
    t["coarse"] = t["industry"].astype(str) + "|" + level
    pub = t[t["value"].notna() & (t["value"] > 0)]
    want = t.loc[conf, "stratum"].value_counts()
    have = pub["stratum"].value_counts()
    # confidential cells of a stratum without published cells count at (industry, level)
    orphan = want[~want.index.isin(have.index)]
    coarse_of = t.drop_duplicates("stratum").set_index("stratum")["coarse"]
    want_coarse = orphan.groupby(coarse_of.reindex(orphan.index).to_numpy()).sum()
    have_coarse = pub["coarse"].value_counts()
    weight = (pub["stratum"].map(want).fillna(0.0) / pub["stratum"].map(have)
              + pub["coarse"].map(want_coarse).fillna(0.0) / pub["coarse"].map(have_coarse)
              ).to_numpy(dtype=np.float64)
    chosen: list[pd.DataFrame] = []
    if n_like and weight.sum() > 0:
        pick = rng.choice(len(pub), size=min(n_like, int((weight > 0).sum())), replace=False,
                          p=weight / weight.sum())
        like = pub.iloc[pick][keys]
        chosen.append(like.assign(kind="like"))
        whole = like[rng.random(len(like)) < p_series_hidden][["region", "industry"]]
        series = pub[keys].merge(whole.drop_duplicates(), on=["region", "industry"])
        chosen.append(series.assign(kind="series"))
    taken = pd.concat(chosen).drop_duplicates(keys)[keys] if chosen else pub.iloc[:0][keys]
    rest = pub[~pd.MultiIndex.from_frame(pub[keys]).isin(pd.MultiIndex.from_frame(taken))]
    if n_random:
        pick = rng.choice(len(rest), size=min(n_random, len(rest)), replace=False)
        chosen.append(rest.iloc[pick][keys].assign(kind="random"))
    hidden = pd.concat(chosen, ignore_index=True).drop_duplicates(keys)
    ind_parent = industry_hierarchy.set_index("industry")["parent"]
    regions = region_hierarchy if region_hierarchy is not None else nuts_region_hierarchy(
        t["region"].astype(str).unique())
    reg_parent = regions.set_index("region")["parent"]
    t["ind_parent"] = t["industry"].map(ind_parent)
    t["reg_parent"] = t["region"].map(reg_parent)
    for _ in range(3):
        extra = pd.concat([_complements(t, hidden, ["region", "year", "ind_parent"]),
                           _complements(t, hidden, ["industry", "year", "reg_parent"])])
        extra = extra.drop_duplicates(keys)
        if extra.empty:
            break
        hidden = pd.concat([hidden, extra], ignore_index=True).drop_duplicates(keys)
    return hidden.reset_index(drop=True)


def _complements(t: pd.DataFrame, hidden: pd.DataFrame, family: list[str]) -> pd.DataFrame:
    """Smallest positive published sibling of each hidden cell alone in its ``family``."""
    keys = ["region", "industry", "year"]
    mark = pd.MultiIndex.from_frame(t[keys]).isin(pd.MultiIndex.from_frame(hidden[keys]))
    t = t.assign(unknown=t["value"].isna() | mark, hidden=mark)
    t = t[t[family[-1]].notna()]
    n_unknown = t.groupby(family)["unknown"].transform("sum")
    alone = t[t["hidden"] & (n_unknown == 1)][family].drop_duplicates()
    cand = t[~t["unknown"] & (t["value"] > 0)].merge(alone, on=family)
    comp = cand.sort_values("value", kind="stable").drop_duplicates(family)
    return comp[keys].assign(kind="complement")


def holdout_run(obs: pd.DataFrame, hidden: pd.DataFrame, industry_hierarchy: pd.DataFrame,
                region_hierarchy: pd.DataFrame | None = None,
                methods: tuple[str, ...] = ("equal", "constrained"), *, seed: int = 0,
                p_units_hidden: float = P_UNITS_HIDDEN,
                p_wages_hidden: float = P_WAGES_HIDDEN) -> pd.DataFrame:
    """Hide the employment of ``hidden`` (keys ``region, industry, year``) as if confidential
    (its wages and local units too, with the given probabilities), estimate with each
    method and return one row per hidden cell: keys, ``kind``, ``truth`` and per method
    its estimate, ``<method>_lower``, ``<method>_upper`` and ``<method>_prior``."""
    rng = np.random.default_rng(seed)
    keys = ["region", "industry", "year"]
    h = hidden.drop_duplicates(keys).reset_index(drop=True)
    hide_units = rng.random(len(h)) < p_units_hidden
    hide_wages = rng.random(len(h)) < p_wages_hidden
    idx = pd.MultiIndex.from_frame(obs[keys])
    emp, units, wages = (obs["measure"].isin(s).to_numpy() for s in (EMPLOYMENT, ESTABLISHMENTS, WAGES))
    mask = emp & idx.isin(pd.MultiIndex.from_frame(h[keys]))
    mask |= units & idx.isin(pd.MultiIndex.from_frame(h.loc[hide_units, keys]))
    mask |= wages & idx.isin(pd.MultiIndex.from_frame(h.loc[hide_wages, keys]))
    test = obs.copy()
    test.loc[mask, "value"] = np.nan
    test.loc[mask, "flag"] = "c"
    truth = obs[emp].set_index(keys)["value"]
    out = h.copy()
    out["truth"] = truth.reindex(pd.MultiIndex.from_frame(h[keys])).to_numpy()
    for name in methods:
        est = estimate_missing(test, industry_hierarchy, region_hierarchy,
                               method=name)  # type: ignore[arg-type]
        est = est[emp].set_index(keys)
        at = pd.MultiIndex.from_frame(h[keys])
        out[name] = est["value"].reindex(at).to_numpy()
        out[f"{name}_lower"] = est["lower"].reindex(at).to_numpy()
        out[f"{name}_upper"] = est["upper"].reindex(at).to_numpy()
        out[f"{name}_prior"] = est["prior"].reindex(at).to_numpy()
    return out


def holdout_summary(cells: pd.DataFrame, methods: tuple[str, ...] = ("equal", "constrained"),
                    ) -> pd.DataFrame:
    """Per method, on the same cells (positive truth, estimated by every method): number of
    cells, median absolute percentage error, share within ±25%, share of truths inside the
    range, median relative width of the range."""
    ok = cells["truth"] > 0
    for name in methods:
        ok &= cells[name].notna()
    c = cells[ok]
    rows = []
    for name in methods:
        ape = (c[name] - c["truth"]).abs() / c["truth"]
        inside = (c[f"{name}_lower"] <= c["truth"] * (1 + 1e-9) + 1e-9) & (
            c["truth"] <= c[f"{name}_upper"] * (1 + 1e-9) + 1e-9)
        width = (c[f"{name}_upper"] - c[f"{name}_lower"]) / c["truth"]
        rows.append({"method": name, "cells": len(c), "mdape": float(ape.median()),
                     "within_25": float((ape <= 0.25).mean()),
                     "range_contains": float(inside.mean()),
                     "range_width_median": float(width.median())})
    return pd.DataFrame(rows)
