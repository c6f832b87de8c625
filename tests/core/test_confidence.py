"""Confidence of ratings: certain ratings score 1, borderline ones less, reproducibly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusterobs.core.confidence import star_confidence, uniform
from clusterobs.core.methodology import Methodology
from clusterobs.core.star_arrays import descending_within


def frame() -> pd.DataFrame:
    # 20 regions of one category; R0 is far above every cut, R19 far below,
    # R1 sits just at the top-10% cut (k = 2) and R2 has LQ exactly 2.0
    emp = [1000.0, 100.0, 99.0] + [10.0] * 16 + [0.0]
    lq = [5.0, 1.0, 2.0] + [0.5] * 16 + [0.0]
    df = pd.DataFrame({"level": 2, "year": 2014, "category": "x", "employment": emp, "lq": lq,
                       "share_region": [e / 1e4 for e in emp], "wage_per_employee": 1.0,
                       "establishments": 1.0, "uncertain_share": 0.0})
    df["size"] = df["employment"] >= 100.0
    df["focus"] = df["share_region"] >= 0.01
    df["specialisation"] = df["lq"] >= 2.0
    df["stars"] = df[["size", "focus", "specialisation"]].sum(axis=1)
    return df


def test_certain_and_borderline_ratings() -> None:
    conf = star_confidence(frame(), "eco-classic", Methodology())
    assert conf[0] == 1.0  # 3 stars whatever the perturbation
    assert conf[-1] == 1.0  # 0 employment: never rated
    assert 0.0 < conf[1] < 1.0  # on the size cut: +/-5% employment flips it
    assert 0.0 < conf[2] < 1.0  # LQ 2.0 with a threshold drawn in [1.8, 2.2]
    assert np.all(conf[3:-1] == 1.0)  # far below every cut


def test_reproducible_and_uncertain_cells_are_less_sure() -> None:
    m = Methodology()
    a, b = star_confidence(frame(), "eco-classic", m), star_confidence(frame(), "eco-classic", m)
    assert np.array_equal(a, b)
    loose = frame().assign(uncertain_share=1.0)
    flagged = star_confidence(loose, "eco-classic", m)
    assert flagged[1] <= a[1] + 0.1  # wider noise never makes a borderline rating much surer


def test_a_group_rated_alone_gets_the_confidence_it_gets_among_all() -> None:
    """The draws are keyed per cluster (core.confidence.uniform): an engine's worker that rates
    some groups gets, for each, what the whole table gives, whatever the rows' order."""
    m = Methodology()
    one, two = frame(), frame().assign(category="y", employment=lambda d: d["employment"] * 1.01)
    both = pd.concat([one, two], ignore_index=True).assign(key=np.arange(40) * 7919)
    whole = star_confidence(both, "eco-classic", m)
    assert 0.0 < whole[1] < 1.0 and 0.0 < whole[21] < 1.0
    shuffled = both.sample(frac=1.0, random_state=3)
    again = pd.Series(star_confidence(shuffled, "eco-classic", m), index=shuffled.index).sort_index()
    assert np.array_equal(again.to_numpy(), whole)
    for category in ("x", "y"):
        part = both[both["category"] == category]
        assert np.array_equal(star_confidence(part, "eco-classic", m), whole[part.index])


def test_keyed_uniforms_are_uniform_and_independent_of_their_neighbours() -> None:
    keys = np.arange(200_000, dtype=np.uint64) * np.uint64(2654435761)
    u = uniform(keys, 3, 42)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert counts.min() > 19_000 and counts.max() < 21_000
    assert np.array_equal(uniform(keys[::-1], 3, 42), u[::-1])
    assert not np.array_equal(uniform(keys, 4, 42), u) and not np.array_equal(uniform(keys, 3, 43), u)
    # consecutive draws of one key are uncorrelated
    draws = np.stack([uniform(keys[:5000], d, 42) for d in range(2)])
    assert abs(np.corrcoef(draws)[0, 1]) < 0.05


def test_group_sort_orders_like_lexsort() -> None:
    rng = np.random.default_rng(5)
    for groups in (7, 70_000):
        group = rng.integers(0, groups, 50_000)
        v = rng.integers(0, 50, 50_000).astype(float)  # many ties
        count = np.bincount(group, minlength=groups)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        expected = np.lexsort((-v, group))
        assert np.array_equal(descending_within(group, v, start, count), v[expected])


def test_threads_give_the_same_numbers() -> None:
    m = Methodology()
    many = pd.concat([frame().assign(category=c, employment=lambda d, k=k: d["employment"] * (1 + k / 50))
                      for k, c in enumerate("abcdefg")], ignore_index=True).assign(key=lambda d: d.index * 31)
    alone = star_confidence(many, "eco-classic", m)
    assert ((alone > 0) & (alone < 1)).sum() >= 7
    for workers in (2, 3):
        assert np.array_equal(star_confidence(many, "eco-classic", m, workers=workers), alone)
