"""The rating rules of :mod:`clusterobs.core.stars` (methodology §4) on numpy arrays, per group.

The build rates clusters in pandas (per whole groups of (scheme, level, year, category),
on whichever engine, :func:`clusterobs.pipeline.builder.rate_groups`), where it also draws
their confidence; there the criteria come from one sort of each criterion's values per
group instead of an ordered SQL window each (5M generated rows: 2.1 s of windows for 0.9M
clusters, against 0.1 s to read the columns). The rules are those of ``stars``, which
stays the reference; ``tests/core/test_star_arrays.py`` checks both give the same ratings
on the real European data.

- top share (§4a): within the group's population (values present; with
  ``population="positive"`` only values > 0), k = ceil(share·n); a cluster qualifies when
  its value >= the k-th largest and > 0 (ties included);
- US rule (§4c): numpy's "linear" quantiles of the group's clusters with E > 0.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.core.methodology import Methodology

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Sorted:
    """Per-group sorted values (descending, NaN excluded) for fast k-th largest lookups."""

    values: FloatArray
    start: IntArray
    count: IntArray

    @classmethod
    def build(cls, group: IntArray, v: FloatArray, n_groups: int, positive: bool) -> Sorted:
        keep = ~np.isnan(v) & ((v > 0) if positive else True)
        g = group[keep]
        count = np.bincount(g, minlength=n_groups).astype(np.int64)
        start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        return cls(descending_within(g, v[keep], start, count), start, count)

    def kth_cut(self, share: float) -> FloatArray:
        """Per group: the k-th largest value, k = ceil(share·n) (inf for empty groups)."""
        k = np.ceil(self.count * share).astype(np.int64)
        ok = (k >= 1) & (self.count > 0) & (k <= self.count)
        if not len(self.values):
            return np.full(len(self.count), np.inf)
        idx = np.clip(self.start + np.maximum(k, 1) - 1, 0, len(self.values) - 1)
        return np.where(ok, self.values[idx], np.inf)

    def linear_quantile(self, p: float) -> FloatArray:
        """Per group: numpy 'linear' quantile p (values are sorted descending here)."""
        n = self.count
        if not len(self.values):
            return np.full(len(n), np.nan)
        h = (n - 1) * p
        lo = np.floor(h).astype(np.int64)
        frac = h - lo
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        last = len(self.values) - 1
        # ascending position i is descending position n-1-i
        va = self.values[np.clip(self.start + n - 1 - lo, 0, last)]
        vb = self.values[np.clip(self.start + n - 1 - hi, 0, last)]
        return np.where(n > 0, va + frac * (vb - va), np.nan)


#: per-group sorted values already built, by (column, population), for one frame's group
#: ids: a rating's criteria and its confidence sort the same values
SortCache = dict[tuple[str, str], Sorted]


def sorted_values(cache: SortCache | None, column_name: str, group: IntArray, v: FloatArray, n_groups: int,
                  positive: bool) -> Sorted:
    """:meth:`Sorted.build` of *v* (the values of *column_name*, its population all values
    present, or those > 0 when *positive*), from *cache* when it holds them."""
    key = (column_name, "positive" if positive else "present")
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = Sorted.build(group, v, n_groups, positive)
        if cache is not None:
            cache[key] = found
    return found


def sort_all(cache: SortCache, group: IntArray, n_groups: int,
             wanted: list[tuple[str, FloatArray, bool]], workers: int) -> None:
    """Fill *cache* with the sorts of *wanted* ((column, values, positive)), in *workers*
    threads (numpy's sorts release the GIL)."""
    if workers <= 1 or len(wanted) <= 1:
        for name, v, positive in wanted:
            sorted_values(cache, name, group, v, n_groups, positive)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda w: sorted_values(cache, w[0], group, w[1], n_groups, w[2]), wanted))


def employed_sorts(cache: SortCache | None, group: IntArray, n_groups: int, lq: FloatArray, e: FloatArray,
                   n: FloatArray, workers: int = 1) -> tuple[Sorted, Sorted, Sorted]:
    """The US rule's populations (§4c): LQ, employment and establishments of the group's
    clusters with employment > 0, sorted per group (from *cache* when it holds them)."""
    with np.errstate(invalid="ignore"):
        pos = e > 0
    wanted = [(f"{name} where employment > 0", np.where(pos, v, np.nan), False)
              for name, v in (("lq", lq), ("employment", e), ("establishments", n))]
    cache = {} if cache is None else cache
    sort_all(cache, group, n_groups, wanted, workers)
    lq_s, e_s, n_s = (sorted_values(cache, name, group, v, n_groups, False) for name, v, _ in wanted)
    return lq_s, e_s, n_s


def descending_within(group: IntArray, v: FloatArray, start: IntArray, count: IntArray) -> FloatArray:
    """The values *v* by group (*start*, *count*: each group's place and size in that order),
    each group's descending: the rows put in group order by a stable radix sort, then each
    group's values sorted on their own (4M values in 1,760 groups: 0.2 s, against 0.9 s for
    one global sort of the values then stable radix sorts by group; 12M: 0.9 s against 3.7 s).

    >>> descending_within(np.array([1, 0, 1, 0]), np.array([1.0, 2.0, 3.0, 4.0]),
    ...                   np.array([0, 2]), np.array([2, 2])).tolist()
    [4.0, 2.0, 3.0, 1.0]
    """
    small = len(count) <= 0x10000
    order = np.argsort(group.astype(np.uint16) if small else group, kind="stable")
    negated = -v[order]  # ascending sorts of the negated values: descending values
    for first, n in zip(start.tolist(), count.tolist(), strict=True):
        if n > 1:
            negated[first:first + n].sort()
    out: FloatArray = -negated
    return out


def column(df: pd.DataFrame, name: str) -> FloatArray:
    """Column *name* as floats, missing values as NaN."""
    return df[name].to_numpy(dtype=np.float64, na_value=np.nan)


def top_share(group: IntArray, n_groups: int, v: FloatArray, share: float, *,
              positive_only: bool = False, cache: SortCache | None = None, name: str = "") -> BoolArray:
    """:func:`clusterobs.core.stars.top_share` on arrays: *v* >= the k-th largest value of
    its group's population (k = ceil(share·n)) and > 0.

    >>> top_share(np.zeros(11, dtype=np.int64), 1, np.arange(1.0, 12.0), 0.10).nonzero()[0].tolist()
    [9, 10]
    """
    cut = sorted_values(cache if name else None, name, group, v, n_groups, positive_only).kth_cut(share)[group]
    with np.errstate(invalid="ignore"):
        return np.asarray((v >= cut) & (v > 0))


def eco_and_panorama(df: pd.DataFrame, group: IntArray, n_groups: int, m: Methodology, *,
                     cache: SortCache | None = None, workers: int = 1) -> pd.DataFrame:
    """:func:`clusterobs.core.stars.eco_and_panorama` on a frame of whole groups (*group*:
    each row's group id): the criteria, ``eco_stars``, ``panorama_stars`` and ``rating_level``.
    The sorts go to *cache* (built in *workers* threads), for the confidence to reuse."""
    cache = {} if cache is None else cache
    positive = m.population == "positive"
    tops = [("employment", m.size_share, positive), ("share_region", m.focus_share, positive),
            ("wage_per_employee", m.productivity_share, positive)]
    if m.panorama_dynamism:
        tops.append(("growth_5y", m.dynamism_share, False))
    values = {name: column(df, name) for name, _, _ in tops}
    sort_all(cache, group, n_groups, [(name, values[name], pos) for name, _, pos in tops], workers)
    flag = {name: top_share(group, n_groups, values[name], share, positive_only=pos, cache=cache, name=name)
            for name, share, pos in tops}
    lq = column(df, "lq")
    out = pd.DataFrame(index=df.index)
    out["size"], out["focus"] = flag["employment"], flag["share_region"]
    out["productivity"] = flag["wage_per_employee"]
    out["dynamism"] = flag.get("growth_5y", np.zeros(len(df), dtype=bool))
    with np.errstate(invalid="ignore"):
        out["specialisation"] = lq >= m.specialisation_lq
    flags = {c: out[c].to_numpy(dtype=np.int8) for c in ("size", "specialisation", "focus", "productivity", "dynamism")}
    out["eco_stars"] = (flags["size"] + flags["specialisation"] + flags["focus"]).astype(np.int8)
    stars = (flags["size"] + flags["specialisation"] + flags["productivity"] + flags["dynamism"]).astype(np.int8)
    out["panorama_stars"] = stars
    out["rating_level"] = _level(out, stars, column(df, "relative_wage") if "relative_wage" in df else None, m)
    return out


def _level(c: pd.DataFrame, stars: npt.NDArray[np.int8], relative_wage: FloatArray | None,
           m: Methodology) -> npt.NDArray[np.object_]:
    """The Panorama level by hypothesis H1, H2 (default) or H3 of §4b (None: no level)."""
    size, spec, prod = (c[k].to_numpy(dtype=bool) for k in ("size", "specialisation", "productivity"))
    if m.panorama_levels == "H1":
        choices = [stars >= 3, stars == 2, stars == 1]
    elif m.panorama_levels == "H2":
        extra = size.astype(np.int8) + prod.astype(np.int8)
        choices = [spec & (extra == 2), spec & (extra == 1), spec]
    else:
        core = spec & size
        with np.errstate(invalid="ignore"):
            medium = (relative_wage >= 1) if relative_wage is not None else np.zeros(len(c), dtype=bool)
        choices = [core & prod, core & medium, core]
    levels = np.full(len(c), None, dtype=object)
    for chosen, name in reversed(list(zip(choices, ("high", "medium", "basic"), strict=True))):
        levels[chosen] = name  # the first case that holds wins
    return levels


def uscmp_strong(df: pd.DataFrame, group: IntArray, n_groups: int, m: Methodology, *,
                 cache: SortCache | None = None, workers: int = 1) -> pd.DataFrame:
    """:func:`clusterobs.core.stars.uscmp_strong` on a frame of whole groups, ``traded`` a
    column: ``strong``, ``strong10``, ``significant``, ``qualifying`` and ``stars``. The
    sorts go to *cache* (built in *workers* threads), for the confidence to reuse."""
    q_strong, q_strong10, q_sig, q_qual, q_floor = m.uscmp_quantiles
    e, n, lq = column(df, "employment"), column(df, "establishments"), column(df, "lq")
    s_lq, s_e, s_n = employed_sorts(cache, group, n_groups, lq, e, n, workers)
    with np.errstate(invalid="ignore"):
        floor = (e > s_e.linear_quantile(q_floor)[group]) & (n > s_n.linear_quantile(q_floor)[group])
        ok = floor & df["traded"].fillna(False).to_numpy(dtype=bool)
        out = pd.DataFrame(index=df.index)
        out["strong"] = ok & (lq >= s_lq.linear_quantile(q_strong)[group]) & (lq >= 1)
        out["strong10"] = ok & (lq >= s_lq.linear_quantile(q_strong10)[group]) & (lq >= 1)
        out["significant"] = ok & (lq > s_lq.linear_quantile(q_sig)[group])
        out["qualifying"] = ok & (lq > s_lq.linear_quantile(q_qual)[group])
    out["stars"] = out["strong"].to_numpy(dtype=np.int8)
    return out
