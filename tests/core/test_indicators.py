"""Cluster indicators (methodology §3) on hand-computed tables, and their invariants."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterobs.core.indicators import cluster_indicators
from clusterobs.core.methodology import Methodology


def frames(rows: list[tuple], totals: dict[tuple[str, int], float]) -> tuple[ibis.Table, ibis.Table]:
    """rows: (region, year, category, employment, establishments, wages)."""
    c = pd.DataFrame(rows, columns=["region", "year", "category", "employment", "establishments", "wages"])
    c = c.assign(level=2, uncertain_share=0.0)
    r = pd.DataFrame([(k[0], k[1], v) for k, v in totals.items()],
                     columns=["region", "year", "employment_total"]).assign(level=2, wages_total=1.0)
    return ibis.memtable(c), ibis.memtable(r)


def compute(rows, totals, m: Methodology | None = None, traded=None) -> pd.DataFrame:
    c, r = frames(rows, totals)
    out = cluster_indicators(c, r, m or Methodology(), traded).to_pandas()
    return out.set_index(["region", "category", "year"]).sort_index()


def test_eco_example_shares_lq_and_wages() -> None:
    # methodology §4a: A (x 200, y 50, total 1,000), B (x 100, y 450, total 3,000)
    rows = [("A", 2014, "x", 200, 10, 10e6), ("A", 2014, "y", 50, 5, 1e6),
            ("B", 2014, "x", 100, 4, 4e6), ("B", 2014, "y", 450, 9, 9e6)]
    out = compute(rows, {("A", 2014): 1000, ("B", 2014): 3000})
    ax = out.loc[("A", "x", 2014)]
    assert ax["share_region"] == pytest.approx(0.2)  # 200 / 1000
    assert ax["share_ref"] == pytest.approx(200 / 300)  # E(c) = 200 + 100
    # LQ = (200/1000) / (300/4000) = 2.6667; B-x = (100/3000)/(300/4000) = 0.4444
    assert ax["lq"] == pytest.approx(8 / 3)
    assert out.loc[("B", "x", 2014), "lq"] == pytest.approx(4 / 9)
    assert out.loc[("A", "y", 2014), "lq"] == pytest.approx(0.4)  # (50/1000)/(500/4000)
    assert out.loc[("B", "y", 2014), "lq"] == pytest.approx(1.2)  # (450/3000)/(500/4000)
    # wages in EUR (the build scales Eurostat's EUR million): 10e6 / 200 = 50,000 per person; category x: 14e6/300 = 46,667
    assert ax["wage_per_employee"] == pytest.approx(50_000)
    assert ax["relative_wage"] == pytest.approx(50_000 / (14e6 / 300))


def test_growth_one_and_five_years_and_gaps() -> None:
    rows = [("A", y, "x", e, n, 1.0) for y, e, n in
            [(2008, 100, 10), (2009, 110, 11), (2010, 121, 11), (2012, 150, 12), (2013, 161.051, 12)]]
    rows += [("B", y, "x", 50.0, 5, 1.0) for y in (2008, 2009, 2010, 2012, 2013)]
    totals = {(r, y): 1000.0 for r in "AB" for y in (2008, 2009, 2010, 2012, 2013)}
    out = compute(rows, totals)
    a = out.loc["A", "x"]
    assert np.isnan(a.loc[2008, "growth_1y"])
    assert a.loc[2009, "growth_1y"] == pytest.approx(0.10)  # 110/100 - 1
    assert a.loc[2009, "establishment_growth_1y"] == pytest.approx(0.10)  # 11/10 - 1
    assert np.isnan(a.loc[2012, "growth_1y"])  # 2011 missing: no 1-year growth across the gap
    # 5-year CAGR 2008 -> 2013: (161.051/100)^(1/5) - 1 = 0.10
    assert a.loc[2013, "growth_5y"] == pytest.approx(0.10, rel=1e-9)


def test_zero_base_gives_no_growth_and_zero_total_no_share() -> None:
    rows = [("A", 2008, "x", 0, 0, 0.0), ("A", 2009, "x", 5, 1, 1.0)]
    out = compute(rows, {("A", 2008): 0.0, ("A", 2009): 10.0})
    assert np.isnan(out.loc[("A", "x", 2009), "growth_1y"])  # base 0 -> NaN (entry)
    assert np.isnan(out.loc[("A", "x", 2008), "share_region"])  # total 0 -> NaN


def test_traded_base_uses_traded_and_local_employment() -> None:
    # region A: traded t1 30, t2 10, local l 60; region B: t1 10, t2 30, l 60
    rows = [("A", 2014, "t1", 30, 1, 1.0), ("A", 2014, "t2", 10, 1, 1.0), ("A", 2014, "l", 60, 1, 1.0),
            ("B", 2014, "t1", 10, 1, 1.0), ("B", 2014, "t2", 30, 1, 1.0), ("B", 2014, "l", 60, 1, 1.0)]
    out = compute(rows, {("A", 2014): 100, ("B", 2014): 100}, Methodology(lq_base="traded"), ["t1", "t2"])
    # LQ A-t1 = (30/40) / (40/80) = 1.5; local: (60/60)/(120/120) = 1
    assert out.loc[("A", "t1", 2014), "lq"] == pytest.approx(1.5)
    assert out.loc[("A", "l", 2014), "lq"] == pytest.approx(1.0)


def test_explicit_reference_shares() -> None:
    rows = [("A", 2014, "x", 20, 1, 1.0), ("B", 2014, "x", 20, 1, 1.0)]
    c, r = frames(rows, {("A", 2014): 100, ("B", 2014): 100})
    ref = ibis.memtable(pd.DataFrame({"year": [2014], "category": ["x"], "reference_share": [0.1]}))
    out = cluster_indicators(c, r, Methodology(), reference=ref).to_pandas()
    assert out["lq"].tolist() == pytest.approx([2.0, 2.0])  # (20/100) / 0.1


cells = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=6, max_size=6)


@settings(deadline=None, max_examples=8)
@given(a=cells, b=cells, c=cells, scale=st.floats(min_value=0.01, max_value=1000))
def test_invariants_weighted_mean_lq_is_one_and_scale_free(a, b, c, scale) -> None:
    regions = ["R1", "R2", "R3"]
    rows, totals = [], {}
    for region, values in zip(regions, (a, b, c), strict=True):
        totals[(region, 2014)] = sum(values) + 1.0  # an unassigned remainder keeps totals > 0
        rows += [(region, 2014, f"c{i}", v, 1, 1.0) for i, v in enumerate(values)]
    out = compute(rows, totals).reset_index()
    out["total"] = out["region"].map({k[0]: v for k, v in totals.items()})
    for _, g in out.groupby("category"):
        if g["employment"].sum() > 0:
            # base-weighted mean LQ of a category is exactly 1 (§3)
            assert (g["lq"] * g["total"]).sum() / g["total"].sum() == pytest.approx(1.0, rel=1e-9)
    scaled = compute([(r, y, k, e * scale, n, w) for r, y, k, e, n, w in rows],
                     {k: v * scale for k, v in totals.items()}).reset_index()
    assert np.allclose(scaled["lq"].fillna(-1), out["lq"].fillna(-1), rtol=1e-9)


def test_growth_needs_the_same_industries_with_data() -> None:
    # 2013: only one of the cluster's two industries published (coverage 0.5); 2014: both
    c = pd.DataFrame({"region": "A", "level": 2, "year": [2013, 2014], "category": "x",
                      "employment": [100.0, 250.0], "establishments": 1.0, "wages": 1.0,
                      "uncertain_share": 0.0, "coverage": [0.5, 1.0]})
    r = pd.DataFrame({"region": "A", "level": 2, "year": [2013, 2014], "employment_total": 1000.0,
                      "wages_total": 1.0})
    out = cluster_indicators(ibis.memtable(c), ibis.memtable(r), Methodology()).to_pandas()
    assert out["growth_1y"].isna().all()  # +150 % would be an artefact of coverage
