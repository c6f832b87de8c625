"""Confidence of each rating: the share of perturbations under which it holds (our method).

No anchor publishes this (product.md). For each of ``Methodology.confidence_draws`` draws:

- each top share s becomes s' ~ U[s - j, s + j] (j = ``confidence_share_jitter``, e.g.
  +/-2 points), one s' per draw for all categories;
- the LQ threshold becomes t' ~ U[``confidence_lq_range``] (e.g. 1.8 to 2.2);
- each cluster's employment is multiplied by f ~ U[1 - a, 1 + a], with a =
  ``confidence_noise`` (5%), or ``confidence_noise_flagged`` (15%) in proportion to the
  cluster's employment from estimated, imputed or NUTS-converted cells, and at least half
  the feasible range of its estimated employment relative to the value (methodology
  §5.2b; capped at 50%); LQ and the region share scale with f, wage per employee with 1/f.

The cuts of a draw are taken from the unperturbed distribution at the perturbed share:
the noise moves the cluster, not the whole category (a second-order effect, ignored so
that the thousands of draws stay fast). The confidence is the share of draws whose rating
(stars, or the strong flag) equals the published one: 1.0 means no plausible perturbation
changes it.

The draws are reproducible and independent of how the rows are split or ordered: the share
jitters and LQ thresholds come from one generator seeded with ``Methodology.seed``, the
same for every cluster; a cluster's noise factor in draw d is a counter-based uniform of
(seed, the cluster's ``key``, d) (the SplitMix64 finaliser, Steele, Lea and Flood 2014).
So a group of clusters (level, year, category) rated on its own, as an engine's worker
rates it, gets the confidence it gets among all groups.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.core.methodology import Methodology
from clusterobs.core.star_arrays import SortCache, column, employed_sorts, sorted_values

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
GROUP = ["level", "year", "category"]


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def uniform(key: npt.NDArray[np.uint64], draw: int, seed: int) -> FloatArray:
    """Per key: a uniform number in [0, 1) for *draw* under *seed*, a function of the three
    alone (SplitMix64's finaliser over ``key + golden * (seed * 2^32 + draw + 1)``).

    >>> a = uniform(np.array([1, 2], dtype=np.uint64), 0, 7)
    >>> b = uniform(np.array([5, 1, 2], dtype=np.uint64), 0, 7)
    >>> a.round(6).tolist() == b[1:].round(6).tolist()
    True
    """
    with np.errstate(over="ignore"):
        z = key.astype(np.uint64) + _GOLDEN * np.uint64(((seed & 0xFFFFFFFF) << 32) + draw + 1)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return np.asarray((z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53)


def _keys(df: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """Each row's cluster key: column ``key`` (any integer unique per cluster, e.g. a hash of
    scheme, region, year and category), else its row position."""
    if "key" in df:
        return df["key"].to_numpy().astype(np.uint64)
    return np.arange(len(df), dtype=np.uint64)


def _groups(df: pd.DataFrame) -> tuple[npt.NDArray[np.int64], int]:
    """Integer id of each row's (level, year, category) group; a ``group`` column wins."""
    if "group" in df:
        codes = df["group"].to_numpy(dtype=np.int64)
    else:
        codes = df.groupby(GROUP, sort=False, observed=True).ngroup().to_numpy().astype(np.int64)
    return codes, int(codes.max()) + 1 if len(codes) else 0


def _half_width(df: pd.DataFrame, m: Methodology) -> FloatArray:
    """Per row: half-width of the employment noise (wider for uncertain cells, and at least
    half the feasible range of an estimated cluster's employment relative to its value)."""
    uncertain = df["uncertain_share"].fillna(0).to_numpy(dtype=np.float64)
    flat = m.confidence_noise + (m.confidence_noise_flagged - m.confidence_noise) * uncertain
    if "employment_lower" not in df or "employment_upper" not in df:
        return flat
    # an estimate's feasible range (methodology §5.2b) widens the noise to half of it
    emp = df["employment"].to_numpy(dtype=np.float64)
    spread = (df["employment_upper"].to_numpy(dtype=np.float64)
              - df["employment_lower"].to_numpy(dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(emp > 0, spread / (2 * emp), 0.0)
    return np.maximum(flat, np.clip(np.nan_to_num(half), 0.0, 0.5))


def _certain(low: FloatArray, high: FloatArray, cut_low: FloatArray, cut_high: FloatArray) -> BoolArray:
    """A criterion ``value >= cut and value > 0`` that no draw can flip.

    ``low``/``high`` bound the perturbed value, ``cut_low``/``cut_high`` the perturbed cut.
    """
    always = (low >= cut_high) & (low > 0)
    never = ~(high >= cut_low) | ~(high > 0)  # NaN compares False: never met
    return np.asarray(always | never)



def star_confidence(df: pd.DataFrame, method: str, m: Methodology, workers: int = 1,
                    cache: SortCache | None = None) -> FloatArray:
    """Confidence of ``stars`` (eco-classic, panorama) or ``strong`` (uscmp-strong) per row.

    *df* holds the rated clusters of one scheme: ``employment, establishments, lq,
    share_region, wage_per_employee, uncertain_share``, the method's criteria and ``stars``,
    and either ``level, year, category`` or an integer ``group`` id of that triple; for
    ``uscmp-strong`` a boolean ``traded`` column (or ``category`` and ``attrs['traded']``);
    optionally each cluster's integer ``key`` (its draws; default the row position). Any
    subset of whole groups gets the confidence it gets within *df* (same keys).

    Rows whose every criterion lies beyond the reach of all perturbations are not drawn:
    their confidence is exactly 1. With *workers* > 1 the groups are shared out over that
    many threads (numpy releases the GIL in the draws): the same numbers, sooner. *cache*
    holds the per-group sorts of the criteria's values already made for *df*'s ``group`` ids
    (:func:`clusterobs.core.star_arrays.eco_and_panorama` fills it); they are not sorted again.
    """
    if len(df) == 0:
        return np.zeros(0)
    group, n_groups = _groups(df)
    if workers > 1 and n_groups > 1:
        return _in_threads(df.assign(group=group), method, m, workers, group, cache)
    rng = np.random.default_rng(m.seed)
    jitter = rng.uniform(-m.confidence_share_jitter, m.confidence_share_jitter,
                         size=m.confidence_draws)
    if method == "uscmp-strong":
        return _uscmp(df, m, group, n_groups, jitter, rng, cache)
    return _stars(df, method, m, group, n_groups, jitter, rng, cache)


def _in_threads(df: pd.DataFrame, method: str, m: Methodology, workers: int,
                group: IntArray, cache: SortCache | None) -> FloatArray:
    """:func:`star_confidence` of each share of the groups (group id modulo *workers*) in a
    thread of its own, put back in row order."""
    from concurrent.futures import ThreadPoolExecutor

    share = group % workers
    rows = [np.flatnonzero(share == w) for w in range(workers)]
    out = np.ones(len(df))
    def part(idx: IntArray) -> FloatArray:
        return star_confidence(pd.DataFrame(df.iloc[idx]), method, m, cache=cache)

    with ThreadPoolExecutor(workers) as pool:
        for idx, conf in zip(rows, pool.map(part, rows), strict=True):
            out[idx] = conf
    return out


def _stars(df: pd.DataFrame, method: str, m: Methodology, group: IntArray, n_groups: int,
           jitter: FloatArray, rng: np.random.Generator, cache: SortCache | None) -> FloatArray:
    positive, j = m.population == "positive", m.confidence_share_jitter
    a = _half_width(df, m)
    e, lq = column(df, "employment"), column(df, "lq")
    wage = method != "eco-classic"
    v3 = column(df, "wage_per_employee" if wage else "share_region")
    share3 = m.productivity_share if wage else m.focus_share
    v3_name = "wage_per_employee" if wage else "share_region"
    size, third = (sorted_values(cache, name, group, v, n_groups, positive)
                   for name, v in (("employment", e), (v3_name, v3)))
    lo3, hi3 = (v3 / (1 + a), v3 / (1 - a)) if wage else (v3 * (1 - a), v3 * (1 + a))
    lo_lq, hi_lq = m.confidence_lq_range
    decided = (
        _certain(e * (1 - a), e * (1 + a), size.kth_cut(m.size_share + j)[group],
                 size.kth_cut(m.size_share - j)[group])
        & _certain(lq * (1 - a), lq * (1 + a), np.full(len(df), lo_lq), np.full(len(df), hi_lq))
        & _certain(lo3, hi3, third.kth_cut(share3 + j)[group], third.kth_cut(share3 - j)[group])
    )
    out = np.ones(len(df))
    idx = np.flatnonzero(~decided)
    g, ei, lqi, v3i, ai = group[idx], e[idx], lq[idx], v3[idx], a[idx]
    base = df["stars"].to_numpy(dtype=np.int64)[idx]
    dyn = (df["dynamism"].to_numpy(dtype=bool)[idx] if "dynamism" in df
           else np.zeros(len(idx), bool)).astype(np.int64)
    thresholds = rng.uniform(lo_lq, hi_lq, size=len(jitter))
    keys = _keys(df)[idx]
    same = np.zeros(len(idx))
    for d, shift in enumerate(jitter):
        f = 1.0 + (uniform(keys, d, m.seed) * 2.0 - 1.0) * ai
        e2, w3 = ei * f, (v3i / f if wage else v3i * f)
        stars = ((e2 >= size.kth_cut(m.size_share + shift)[g]) & (e2 > 0)).astype(np.int64)
        stars += (lqi * f >= thresholds[d]).astype(np.int64)
        stars += ((w3 >= third.kth_cut(share3 + shift)[g]) & (w3 > 0)).astype(np.int64)
        same += (stars + dyn) == base
    out[idx] = same / len(jitter)
    return out


def _uscmp(df: pd.DataFrame, m: Methodology, group: IntArray, n_groups: int,
           jitter: FloatArray, rng: np.random.Generator, cache: SortCache | None) -> FloatArray:
    q_strong, _, _, _, q_floor = m.uscmp_quantiles
    e, n, lq = column(df, "employment"), column(df, "establishments"), column(df, "lq")
    a = _half_width(df, m)
    s_lq, s_e, s_n = employed_sorts(cache, group, n_groups, lq, e, n)
    traded = (df["traded"].to_numpy(dtype=bool) if "traded" in df
              else df["category"].isin(df.attrs.get("traded", [])).to_numpy())
    j = m.confidence_share_jitter
    # never strong: not traded, LQ below 1 or below every perturbed LQ quantile, or too small
    never = (~traded | ~(lq * (1 + a) >= 1) | ~(lq * (1 + a) >= s_lq.linear_quantile(q_strong - j)[group])
             | ~(e * (1 + a) > s_e.linear_quantile(q_floor - j)[group])
             | ~(n > s_n.linear_quantile(q_floor - j)[group]))
    base = df["strong"].to_numpy(dtype=bool)
    out = np.ones(len(df))
    idx = np.flatnonzero(~(never & ~base))
    g, ei, ni, lqi, ai, tr = group[idx], e[idx], n[idx], lq[idx], a[idx], traded[idx]
    keys = _keys(df)[idx]
    same = np.zeros(len(idx))
    for d, shift in enumerate(jitter):
        f = 1.0 + (uniform(keys, d, m.seed) * 2.0 - 1.0) * ai
        floor = (ei * f > s_e.linear_quantile(q_floor + shift)[g]) & (
            ni > s_n.linear_quantile(q_floor + shift)[g])
        lq2 = lqi * f
        strong = tr & floor & (lq2 >= s_lq.linear_quantile(q_strong + shift)[g]) & (lq2 >= 1)
        same += strong == base[idx]
    out[idx] = same / len(jitter)
    return out
