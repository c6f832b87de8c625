"""Matchmaking scores on a tiny hand-computed region x category matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clusterobs.core import matchmaking as mm

# three regions x three categories (employment shares of each region)
#   A = (0.6, 0.8, 0.0)  |A| = 1
#   B = (0.8, 0.6, 0.0)  |B| = 1        cos(A, B) = 0.48 + 0.48 = 0.96
#   C = (0.0, 0.0, 1.0)  |C| = 1        cos(A, C) = 0
SHARES = np.array([[0.6, 0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]])


def test_similarities_are_cosines() -> None:
    assert mm.similarities(SHARES, 0).tolist() == pytest.approx([1.0, 0.96, 0.0])


def test_scale_does_not_matter() -> None:
    assert mm.similarities(SHARES * 7, 1) == pytest.approx(mm.similarities(SHARES, 1))


def test_peers_rank_and_shared_categories() -> None:
    found = mm.peers(SHARES, 0, limit=5)
    # C is a candidate (non-empty row) with similarity 0; B first with 0.96
    assert [p.index for p in found] == [1, 2]
    assert found[0].similarity == pytest.approx(0.96)
    # contributions to cos(A, B): cat0 0.6*0.8 = 0.48, cat1 0.8*0.6 = 0.48 (tie: lower index first)
    assert found[0].shared == (0, 1)
    assert found[1].shared == ()


def test_empty_rows_are_never_peers() -> None:
    shares = np.vstack([SHARES, np.zeros(3)])
    assert 3 not in [p.index for p in mm.peers(shares, 0)]


# LQ of four regions x four categories
#        c0    c1    c2    c3
#   R0  2.00  1.30  0.50  0.00      strong: c0, c1          (LQ >= 1.25)
#   R1  0.40  0.90  1.60  0.80      strong: c2, c3 (stars)  (c3 has 2 stars)
#   R2  1.50  0.20  0.00  0.00      strong: c0
#   R3  0.00  0.00  0.00  0.00      nothing
LQ = np.array([[2.0, 1.3, 0.5, 0.0], [0.4, 0.9, 1.6, 0.8], [1.5, 0.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
STARS = np.array([[3, 1, 0, 0], [0, 1, 1, 2], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=float)


def test_strengths_use_lq_or_stars() -> None:
    assert mm.strengths(LQ, STARS).tolist() == [
        [True, True, False, False],
        [False, False, True, True],
        [True, False, False, False],
        [False, False, False, False],
    ]


def test_complementarity_hand_computed() -> None:
    strong = mm.strengths(LQ, STARS)
    # R0 -> R1: c0 (R1 LQ 0.4 > 0), c1 (R1 LQ 0.9 > 0): 2 offers
    # R1 -> R0: c2 (R0 LQ 0.5 > 0); c3 not, R0 has no employment there (LQ 0): 1 offer
    # score = 2 * min(2, 1) / (2 + 2) = 0.5
    p = mm.complement(strong, LQ, 0, 1)
    assert (p.offers, p.receives) == ((0, 1), (2,))
    assert p.score == pytest.approx(0.5)
    # R0 vs R2: R2's only strength c0 is also R0's: nothing to receive -> 0
    assert mm.complement(strong, LQ, 0, 2).score == 0.0
    # R1 vs R2: R1 offers nothing R2 has (c2, c3 have LQ 0 in R2); R2 offers c0 (R1 LQ 0.4) -> min = 0
    assert mm.complement(strong, LQ, 1, 2).score == 0.0


def test_partners_rank_and_drop_zero() -> None:
    strong = mm.strengths(LQ, STARS)
    found = mm.partners(strong, LQ, 0)
    assert [p.index for p in found] == [1]
    assert found[0].score == pytest.approx(0.5)


def test_complementarity_is_symmetric_and_bounded() -> None:
    rng = np.random.default_rng(1)
    lq = rng.gamma(1.0, 1.0, size=(12, 9))
    stars = rng.integers(0, 4, size=(12, 9)).astype(float)
    strong = mm.strengths(lq, stars)
    for i in range(12):
        for j in range(12):
            if i != j:
                a, b = mm.complement(strong, lq, i, j), mm.complement(strong, lq, j, i)
                assert a.score == pytest.approx(b.score)
                assert a.offers == b.receives
                assert 0.0 <= a.score <= 1.0


def test_shared_interests_jaccard() -> None:
    # {1, 2, 3} & {2, 3, 4} = {2, 3}; union has 4 -> 0.5
    assert mm.shared_interests({"1", "2", "3"}, {"2", "3", "4"}) == 0.5
    assert mm.shared_interests(set(), set()) == 0.0
    assert math.isclose(mm.shared_interests({"a"}, {"a"}), 1.0)


def _nearest(shares: np.ndarray, limit: int) -> list[list[tuple[int, float]]]:
    """nearest_pairs as one list of (index, similarity) per row, best first."""
    out: list[list[tuple[int, float]]] = [[] for _ in range(len(shares))]
    for i, j, _, score in zip(*mm.nearest_pairs(shares, limit), strict=True):
        out[int(i)].append((int(j), float(score)))
    return out


def test_nearest_ranks_every_row_as_peers_does() -> None:
    # hand-computed: A's best is B (0.96) then C (0); C's are A and B at 0, ties by index
    found = _nearest(SHARES, 2)
    assert [j for j, _ in found[0]] == [1, 2]
    assert found[0][0][1] == pytest.approx(0.96)
    assert [j for j, _ in found[2]] == [0, 1]
    rng = np.random.default_rng(7)
    shares = rng.random((40, 6)) * (rng.random((40, 6)) > 0.4)
    shares[5] = 0.0  # an empty row has no peers and is nobody's peer
    shares[9] = shares[3] * 2  # identical mixes: cosine 1, ties broken by index
    shares[11] = shares[3]
    for i, row in enumerate(_nearest(shares, 5)):
        expected = [(p.index, p.similarity) for p in mm.peers(shares, i, 5)] if i != 5 else []
        assert [j for j, _ in row] == [j for j, _ in expected]
        assert [s for _, s in row] == pytest.approx([s for _, s in expected])
        assert 5 not in [j for j, _ in row]
    assert [j for j, _ in _nearest(shares, 2)[3]] == [9, 11]


def test_nearest_in_blocks_of_rows_ranks_as_peers_does() -> None:
    """More rows than one block of the cosine matrix (mm._BLOCK): rows of every block, empty
    rows and ties across blocks give what ``peers`` gives row by row."""
    rng = np.random.default_rng(11)
    n = 2 * mm._BLOCK + 37
    shares = rng.random((n, 8)) * (rng.random((n, 8)) > 0.5)
    shares[[3, mm._BLOCK + 1]] = 0.0
    shares[n - 1] = shares[2] * 3  # a tie with row 2's mix, two blocks apart
    found = _nearest(shares, 5)
    for i in list(range(0, n, 7)) + [2, n - 1, mm._BLOCK, mm._BLOCK - 1]:
        expected = [(p.index, p.similarity) for p in mm.peers(shares, i, 5)] if shares[i].any() else []
        assert [j for j, _ in found[i]] == [j for j, _ in expected], i
        assert [s for _, s in found[i]] == pytest.approx([s for _, s in expected])
    assert found[2][0] == (n - 1, pytest.approx(1.0)) and found[n - 1][0] == (2, pytest.approx(1.0))
    assert found[3] == [] and all(3 not in [j for j, _ in row] for row in found)


def test_nearest_ranks_ties_of_rounding_as_peers_does() -> None:
    """Small integer mixes and repeated rows: many cosines equal but for their last bits,
    which the single-precision candidates and the double-precision products must not order
    differently from peers (ties by index on 12 decimals)."""
    rng = np.random.default_rng(3)
    shares = rng.integers(0, 3, (300, 5)).astype(float)
    shares[100:150] = shares[0]
    found = _nearest(shares, 5)
    for i in range(len(shares)):
        expected = [p.index for p in mm.peers(shares, i, 5)] if shares[i].any() else []
        assert [j for j, _ in found[i]] == expected, i
