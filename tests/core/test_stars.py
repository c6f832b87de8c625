"""Ratings (methodology §4): ECO stars, Panorama levels and the US strong rule."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterobs.core import stars
from clusterobs.core.methodology import Methodology


def table(rows: list[dict]) -> ibis.Table:
    base = {"level": 2, "year": 2014, "wage_per_employee": 1.0, "growth_5y": 0.0,
            "relative_wage": 1.0, "establishments": 1.0}
    return ibis.memtable(pd.DataFrame([{**base, **r} for r in rows]))


def eco_example() -> ibis.Table:
    # §4a: A (x 200, y 50, total 1,000), B (x 100, y 450, total 3,000)
    return table([
        {"region": "A", "category": "x", "employment": 200.0, "share_region": 0.2, "lq": 2.6667},
        {"region": "A", "category": "y", "employment": 50.0, "share_region": 0.05, "lq": 0.4},
        {"region": "B", "category": "x", "employment": 100.0, "share_region": 100 / 3000, "lq": 0.4444},
        {"region": "B", "category": "y", "employment": 450.0, "share_region": 0.15, "lq": 1.2},
    ])


def test_eco_classic_methodology_example() -> None:
    out = stars.eco_classic(eco_example(), Methodology()).to_pandas().set_index(["region", "category"])
    # n = 2 per category, k = ceil(0.2) = 1: the larger region meets size and focus
    assert out.loc[("A", "x"), ["size", "specialisation", "focus"]].tolist() == [True, True, True]
    assert out.loc[("A", "x"), "stars"] == 3
    assert out.loc[("B", "y"), ["size", "specialisation", "focus"]].tolist() == [True, False, True]
    assert out.loc[("B", "y"), "stars"] == 2
    assert out.loc[("A", "y"), "stars"] == 0 and out.loc[("B", "x"), "stars"] == 0


def test_top_share_ties_zero_and_missing() -> None:
    rows = [{"region": f"R{i}", "category": "x", "v": v} for i, v in
            enumerate([5.0, 5.0, 3.0, 0.0, None, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])]
    t = table(rows)
    out = stars.with_top_share(t, "v", 0.10, "top").to_pandas().set_index("region")
    # 10 non-missing values (zero included): k = ceil(1.0) = 1, cut = 5; both tied 5s qualify
    assert sorted(out.index[out.top]) == ["R0", "R1"]
    zeros = table([{"region": f"R{i}", "category": "x", "v": 0.0} for i in range(5)])
    assert not stars.with_top_share(zeros, "v", 0.5, "top").to_pandas()["top"].any()  # > 0 required


def test_panorama_h2_levels() -> None:
    t = table([
        {"region": "A", "category": "x", "employment": 900.0, "share_region": .1, "lq": 3.0, "wage_per_employee": 90.0},
        {"region": "B", "category": "x", "employment": 800.0, "share_region": .1, "lq": 2.5, "wage_per_employee": 10.0},
        {"region": "C", "category": "x", "employment": 10.0, "share_region": .1, "lq": 2.1, "wage_per_employee": 20.0},
        {"region": "D", "category": "x", "employment": 5.0, "share_region": .1, "lq": 1.0, "wage_per_employee": 95.0},
    ] + [{"region": f"Z{i}", "category": "x", "employment": 1.0, "share_region": .1, "lq": .5,
          "wage_per_employee": 1.0} for i in range(16)])
    out = stars.panorama(t, Methodology(size_share=0.1, productivity_share=0.1)).to_pandas().set_index("region")
    # 20 regions: k = 2. size: A, B; productivity: D (95), A (90)
    assert out.loc["A", "rating_level"] == "high"  # specialised + size + productivity
    assert out.loc["B", "rating_level"] == "medium"  # specialised + size
    assert out.loc["C", "rating_level"] == "basic"  # specialised only
    assert pd.isna(out.loc["D", "rating_level"])  # not specialised: not a Panorama cluster
    assert out.loc["D", "stars"] == 1


def test_uscmp_strong_rule_on_a_tiny_group() -> None:
    # five regions with E > 0 and one with E = 0; linear quantiles over the five
    rows = [{"region": r, "category": "1", "employment": e, "establishments": n, "lq": lq, "share_region": 0.0}
            for r, e, n, lq in [("A", 100.0, 10.0, 3.0), ("B", 50.0, 5.0, 1.5), ("C", 10.0, 1.0, 4.0),
                                ("D", 30.0, 3.0, 0.8), ("E", 40.0, 4.0, 1.2), ("F", 0.0, 0.0, 0.0)]]
    out = stars.uscmp_strong(table(rows), Methodology(), ["1"]).to_pandas().set_index("region")
    # LQ over E>0: [0.8,1.2,1.5,3,4]: q.75 = 3.0 (h = 3); E q.25 = 30 (h = 1); N q.25 = 3
    # A: 3.0 >= 3.0, 100 > 30, 10 > 3, LQ >= 1 -> strong. C: LQ 4 but E 10 <= 30 -> not strong
    assert out["strong"].to_dict() == {"A": True, "B": False, "C": False, "D": False, "E": False, "F": False}
    # significant: LQ > q.5 = 1.5 -> A only (C fails the floor)
    assert out.loc["A", "significant"] and not out.loc["B", "significant"]
    local = stars.uscmp_strong(table(rows), Methodology(), ["2"]).to_pandas()
    assert not local["strong"].any()  # local categories get no flags


@settings(deadline=None, max_examples=6)
@given(st.permutations(list(range(12))), st.lists(st.floats(0, 1e5), min_size=12, max_size=12))
def test_ratings_do_not_depend_on_row_order(order, values) -> None:
    rows = [{"region": f"R{i}", "category": "x" if i % 2 else "y", "employment": v,
             "share_region": v / 1e5, "lq": v / 2e4} for i, v in enumerate(values)]
    a = stars.eco_classic(table(rows), Methodology()).to_pandas().set_index("region").sort_index()
    b = stars.eco_classic(table([rows[i] for i in order]), Methodology()).to_pandas().set_index("region").sort_index()
    assert np.array_equal(a["stars"].to_numpy(), b["stars"].to_numpy())
