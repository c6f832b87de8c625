"""Matchmaking scores from a region x category matrix: peers to learn from, partners to work with.

Two regions are **peers** when their cluster portfolios look alike: the cosine similarity of
their vectors of category employment shares (``share_region``), 1 for identical mixes, 0
for regions with no category in common.

Two regions are **partners** when their strengths complement each other. A region is
*specialised* in a category when its location quotient is at least ``LQ_STRONG`` (1.25) or
its cluster has at least ``STARS_STRONG`` (2) stars. Region *a* can offer category *c* to
region *b* when *a* is specialised in *c* and *b* is not, but has some employment in it
(LQ > 0: the activity is present, related but weak). The complementarity of the pair is::

    2 * min(offers_ab, offers_ba) / (strengths_a + strengths_b)

0 when one side has nothing to offer, 1 when the two sets of strengths are disjoint, equal
in number, and each is present (weakly) in the other region. Using the minimum rewards
partnerships that give in both directions.

Shared interests between two people are the Jaccard index of their sets of categories.

Pure functions over numpy arrays: no store, no Django.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: a location quotient at or above this marks a specialisation (European Cluster Observatory)
LQ_STRONG = 1.25
#: a cluster with at least this many stars is a strength
STARS_STRONG = 2

Matrix = NDArray[np.float64]
Mask = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Peer:
    """A region whose portfolio resembles the reference region's."""

    index: int
    similarity: float
    #: column indexes of the categories that contribute most to the similarity
    shared: tuple[int, ...]


@dataclass(frozen=True)
class Partner:
    """A region whose strengths complement the reference region's."""

    index: int
    score: float
    #: categories where the reference region is specialised and the partner is weak
    offers: tuple[int, ...]
    #: categories where the partner is specialised and the reference region is weak
    receives: tuple[int, ...]


def unit_rows(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1 (zero rows stay zero), so dot products are cosines.

    >>> unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    values = np.nan_to_num(np.asarray(matrix, dtype=np.float64))
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    out: Matrix = np.divide(values, norms, out=np.zeros_like(values), where=norms > 0)
    return out


def similarities(shares: Matrix, i: int) -> Matrix:
    """Cosine similarity of every row of *shares* with row *i* (0 for empty rows).

    >>> similarities(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), 0).round(4).tolist()
    [1.0, 0.7071, 0.0]
    """
    unit = unit_rows(shares)
    out: Matrix = unit @ unit[i]
    return out


#: decimals of the cosines that rank peers: equal to them, two regions tie (the lower index first)
TIE_DECIMALS = 12


def peers(shares: Matrix, i: int, limit: int = 5, top_shared: int = 3) -> list[Peer]:
    """The *limit* rows most similar to row *i* (ties by index), with the categories behind it.

    The shared categories are those with the largest product of the two unit rows, i.e.
    the largest contributions to the cosine.
    """
    unit = unit_rows(shares)
    scores = unit @ unit[i]
    candidates = [j for j in range(unit.shape[0]) if j != i and unit[j].any()]
    candidates.sort(key=lambda j: (-round(float(scores[j]), TIE_DECIMALS), j))
    result = []
    for j in candidates[:limit]:
        contrib = unit[i] * unit[j]
        order = [int(k) for k in np.argsort(-contrib, kind="stable")[:top_shared] if contrib[k] > 0]
        result.append(Peer(index=j, similarity=float(scores[j]), shared=tuple(order)))
    return result


#: rows of the cosine matrix computed at a time by :func:`nearest_pairs`
_BLOCK = 1024


def nearest_pairs(shares: Matrix, limit: int = 5) -> tuple[IntArray, IntArray, IntArray, Matrix]:
    """For every row, the *limit* other non-empty rows with the highest cosine similarity
    (what :func:`peers` ranks, for all rows at once; an empty row has none and is nobody's),
    as flat arrays ``(row, other, rank, similarity)`` sorted by row and rank (1 = best).

    The candidates come from the cosine matrix in single precision (half the memory traffic
    of the partition and the comparisons; 8,870 regions x 88 categories: 0.95 -> 0.58 s): every pair
    within a rigorous bound of a row's *limit*-th best single-precision score, so that the
    exact best are always among them. Their similarities are then computed in double
    precision and sorted by (similarity descending, index): every candidate tied with a
    row's *limit*-th best is kept until that sort, so ties fall to the lower index.

    >>> row, other, rank, sim = nearest_pairs(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), 1)
    >>> row.tolist(), other.tolist(), rank.tolist(), sim.round(4).tolist()
    ([0, 1, 2], [1, 0, 1], [1, 1, 1], [0.7071, 0.7071, 0.7071])
    """
    unit = unit_rows(shares)
    n = unit.shape[0]
    filled = np.asarray(unit.any(axis=1), dtype=bool)
    k = min(limit, n - 1)
    if k <= 0 or not filled.any():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    single = unit.astype(np.float32)
    # |single-precision cosine - cosine| <= (d + 2) u for unit rows (u = 2^-24, the products'
    # error bound gamma_d with the rounding of the rows); the k-th best single score is then
    # at most that above the exact k-th best, and a true best at most that below it
    slack = 2 * (unit.shape[1] + 4) * 2.0 ** -24
    # the matrix a block of rows at a time: bounded memory (8,800 regions: 36 MB a block)
    rows, others = [], []
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        scores = single[lo:hi] @ single.T
        if not filled.all():  # an empty row has no peer and is nobody's peer
            scores[~filled[lo:hi], :] = -np.inf
            scores[:, ~filled] = -np.inf
        scores[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf  # nor its own
        kth = np.partition(scores, n - k, axis=1)[:, n - k]  # each row's k-th largest
        cut = kth.astype(np.float64) - slack
        low = cut.astype(np.float32)  # rounded down, so that the comparison stays in single precision
        low = np.where(low > cut, np.nextafter(low, np.float32(-np.inf)), low)
        # a row with fewer than k candidates keeps all of its finite ones
        low = np.where(np.isfinite(kth), low, np.finfo(np.float32).min).astype(np.float32)
        r, o = np.nonzero(scores >= low[:, None])
        rows.append(r + lo)
        others.append(o)
    row, other = np.concatenate(rows), np.concatenate(others)
    sim = np.einsum("ij,ij->i", unit[row], unit[other])  # the candidates' exact cosines
    # ranked on 12 decimals: cosines equal but for rounding (identical mixes) are ties
    order = np.lexsort((other, -np.round(sim, TIE_DECIMALS), row))
    row, other, sim = row[order], other[order], sim[order]
    first = np.searchsorted(row, np.arange(n))
    rank = np.arange(len(row)) - first[row] + 1
    keep = rank <= limit
    return row[keep], other[keep], rank[keep], sim[keep]


def strengths(lq: Matrix, stars: Matrix, lq_min: float = LQ_STRONG, stars_min: int = STARS_STRONG) -> Mask:
    """Specialised clusters: LQ >= *lq_min* or stars >= *stars_min* (missing values are not).

    >>> strengths(np.array([[1.3, 0.5]]), np.array([[0.0, 2.0]])).tolist()
    [[True, True]]
    """
    lq_ = np.nan_to_num(np.asarray(lq, dtype=np.float64), nan=0.0)
    stars_ = np.nan_to_num(np.asarray(stars, dtype=np.float64), nan=0.0)
    out: Mask = (lq_ >= lq_min) | (stars_ >= stars_min)
    return out


def complement(strong: Mask, lq: Matrix, i: int, j: int) -> Partner:
    """What regions *i* and *j* can offer each other, and the pair's complementarity score.

    >>> strong = np.array([[True, False], [False, True]])
    >>> lq = np.array([[2.0, 0.5], [0.4, 1.5]])
    >>> p = complement(strong, lq, 0, 1)
    >>> (p.score, p.offers, p.receives)
    (1.0, (0,), (1,))
    """
    present = np.nan_to_num(np.asarray(lq, dtype=np.float64), nan=0.0) > 0
    offers = strong[i] & ~strong[j] & present[j]
    receives = strong[j] & ~strong[i] & present[i]
    total = int(strong[i].sum() + strong[j].sum())
    n_offers, n_receives = int(offers.sum()), int(receives.sum())
    score = 2.0 * min(n_offers, n_receives) / total if total else 0.0
    return Partner(index=j, score=score, offers=tuple(int(k) for k in np.flatnonzero(offers)),
                   receives=tuple(int(k) for k in np.flatnonzero(receives)))


def partners(strong: Mask, lq: Matrix, i: int, limit: int = 5) -> list[Partner]:
    """The *limit* rows with the highest complementarity to row *i* (score > 0; ties by index)."""
    found = [complement(strong, lq, i, j) for j in range(strong.shape[0]) if j != i]
    found = [p for p in found if p.score > 0]
    found.sort(key=lambda p: (-p.score, p.index))
    return found[:limit]


def shared_interests(a: Set[str], b: Set[str]) -> float:
    """Jaccard index of two sets of interests (0 when both are empty).

    >>> shared_interests({"1", "2"}, {"2", "3"})
    0.3333333333333333
    """
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def names(indexes: Sequence[int], labels: Sequence[str]) -> list[str]:
    """The labels of *indexes* (for explanations)."""
    return [labels[k] for k in indexes]
