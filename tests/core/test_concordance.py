"""Tests of clusterobs.core.concordance (methodology §2b, §2c)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from clusterobs.core import concordance as cc
from clusterobs.errors import MethodError

# ---------------------------------------------------------------------------------------------
# A tiny hand-computed world.
#   NAICS n1 -> C2011 ("Except x"), C2012 ("x")  k = 2, one "Except" link
#   NAICS n2 -> C2012                            k = 1
#   NAICS n3 -> C2110                            k = 1, no US employment
#   NAICS n4 -> C2110                            k = 1, not in the crosswalk (unassigned)
#   NAICS n5 -> C2120                            k = 1, no US employment
# categories: n1 -> A (traded), n2 -> B (local), n3 -> A, n5 -> B; n4 absent
# employment e(n): n1 = 100, n2 = 50, n3 = 0, n5 = 0 (n4 absent)
# ---------------------------------------------------------------------------------------------
LINKS = pd.DataFrame(
    {
        "naics": ["n1", "n1", "n2", "n3", "n4", "n5"],
        "nace": ["C2011", "C2012", "C2012", "C2110", "C2110", "C2120"],
        "notes": ["Except x", "x", "", "", "", ""],
    }
)
CATEGORIES = pd.DataFrame({"naics": ["n1", "n2", "n3", "n5"], "category": ["A", "B", "A", "B"]})
EMPLOYMENT = pd.DataFrame({"naics": ["n1", "n2", "n3", "n5"], "employment": [100, 50, 0, 0]})
DATA_CODE = {"C2011": "C20", "C2012": "C20", "C2110": "C21", "C2120": "C21"}


def _weights(method: str = "residual_major") -> tuple[pd.DataFrame, pd.DataFrame]:
    shares = cc.link_shares(LINKS, method)
    return (
        cc.class_weights(shares, CATEGORIES, EMPLOYMENT),
        cc.class_totals(shares, CATEGORIES, EMPLOYMENT),
    )


def _lookup(table: pd.DataFrame, key: str, code: str, category: str) -> float:
    row = table[(table[key] == code) & (table["category"] == category)]
    return float(row["weight"].sum())


def test_link_shares_residual_major_and_equal() -> None:
    # n1: k = 2, exactly one "Except": residual 1 - 0.05*(2-1) = 0.95, other 0.05
    shares = cc.link_shares(LINKS)
    assert shares["share"].tolist() == pytest.approx([0.95, 0.05, 1, 1, 1, 1])
    # equal: 1/k
    assert cc.link_shares(LINKS, "equal")["share"].tolist() == pytest.approx([0.5, 0.5, 1, 1, 1, 1])


def test_link_shares_two_except_links_fall_back_to_equal() -> None:
    links = pd.DataFrame(
        {"naics": ["n", "n", "n"], "nace": ["a", "b", "c"], "notes": ["Except y", "except z", None]}
    )
    assert cc.link_shares(links)["share"].tolist() == pytest.approx([1 / 3] * 3)


def test_link_shares_case_insensitive_and_k3() -> None:
    # k = 3, one " except ..." link: 1 - 0.05*2 = 0.9; others 0.05
    links = pd.DataFrame(
        {"naics": ["n"] * 3, "nace": ["a", "b", "c"], "notes": ["y", " except z", ""]}
    )
    assert cc.link_shares(links)["share"].tolist() == pytest.approx([0.05, 0.9, 0.05])


def test_link_shares_rejects_bad_parameters() -> None:
    with pytest.raises(MethodError, match="link share method"):
        cc.link_shares(LINKS, "largest")
    with pytest.raises(MethodError, match="minor_share"):
        cc.link_shares(LINKS, minor_share=0.6)  # 1 - 0.6 = 0.4 < 0.6


def test_class_weights_by_hand() -> None:
    weights, totals = _weights()
    # u(C2011,A) = 100*0.95 = 95 -> w = 95/95 = 1
    assert _lookup(weights, "nace", "C2011", "A") == pytest.approx(1.0)
    # u(C2012,A) = 100*0.05 = 5, u(C2012,B) = 50*1 = 50, U = 55 -> 5/55, 50/55
    assert _lookup(weights, "nace", "C2012", "A") == pytest.approx(5 / 55)
    assert _lookup(weights, "nace", "C2012", "B") == pytest.approx(50 / 55)
    assert totals.loc["C2012", "U"] == pytest.approx(55)
    # C2110: U = 0 -> count basis, e := 1: n3 -> A (1), n4 unassigned (1): w(A) = 1/2
    assert _lookup(weights, "nace", "C2110", "A") == pytest.approx(0.5)
    # C2120: U = 0 -> count basis: n5 -> B: w(B) = 1
    assert _lookup(weights, "nace", "C2120", "B") == pytest.approx(1.0)
    basis = weights.groupby("nace")["basis"].first().to_dict()
    assert basis == {
        "C2011": "employment",
        "C2012": "employment",
        "C2110": "count",
        "C2120": "count",
    }


def test_equal_split_by_hand() -> None:
    weights, _ = _weights("equal")
    # u(C2012,A) = 100*0.5 = 50, u(C2012,B) = 50 -> 0.5 each
    assert _lookup(weights, "nace", "C2012", "A") == pytest.approx(0.5)
    assert _lookup(weights, "nace", "C2012", "B") == pytest.approx(0.5)


def test_purity_and_traded_share_by_hand() -> None:
    weights, _ = _weights()
    summary = cc.summarise(weights, "nace", {"A"}).set_index("nace")
    # C2012: purity = max(5/55, 50/55); traded share = w(A) = 5/55
    assert summary.loc["C2012", "purity"] == pytest.approx(50 / 55)
    assert summary.loc["C2012", "traded_share"] == pytest.approx(5 / 55)
    # C2110: half unassigned -> assigned 0.5, purity 0.5
    assert summary.loc["C2110", "assigned"] == pytest.approx(0.5)
    assert summary.loc["C2110", "purity"] == pytest.approx(0.5)


def test_data_level_weights_by_hand() -> None:
    weights, totals = _weights()
    data = cc.data_level_weights(weights, totals, DATA_CODE)
    # C20: (95 + 5) / (95 + 55) = 100/150 for A; 50/150 for B
    assert _lookup(data, "industry", "C20", "A") == pytest.approx(100 / 150)
    assert _lookup(data, "industry", "C20", "B") == pytest.approx(50 / 150)
    # C21: U(d) = 0 -> mean of count-based class weights: A (0.5 + 0)/2, B (0 + 1)/2
    assert _lookup(data, "industry", "C21", "A") == pytest.approx(0.25)
    assert _lookup(data, "industry", "C21", "B") == pytest.approx(0.5)
    assert set(data.loc[data["industry"] == "C21", "basis"]) == {"count"}


def test_membership_weights_by_hand() -> None:
    _, totals = _weights()
    members = pd.DataFrame(
        {"category": ["X", "X", "Y"], "nace": ["C2011", "C2012", "C2110"], "fraction": [1, 0.5, 1]}
    )
    out = cc.membership_weights(totals, members, DATA_CODE)
    # X in C20: (1*95 + 0.5*55) / 150 = 122.5/150
    assert _lookup(out, "industry", "C20", "X") == pytest.approx(122.5 / 150)
    # Y in C21: U(C21) = 0 -> class count: 1 of 2 classes
    assert _lookup(out, "industry", "C21", "Y") == pytest.approx(0.5)
    with pytest.raises(MethodError, match="not in the concordance"):
        cc.membership_weights(totals, members.assign(nace="C9999"), DATA_CODE)


def test_data_level_code() -> None:
    assert cc.data_level_code("C2011") == "C20"
    assert cc.data_level_code("G4711") == "G471"
    assert cc.data_level_code("G461") == "G461"
    assert cc.data_level_code("A012") == "A01"


def test_naics_employment_sums_areas() -> None:
    cbp = pd.DataFrame({"naics_code": ["1", "2", "1"], "emp": [3, 5, 4]})
    assert cc.naics_employment(cbp).set_index("naics")["employment"].to_dict() == {"1": 7, "2": 5}


# ---------------------------------------------------------------------------------------------
# Regression values of methodology §2b on the real files.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The real data mirror: CLUSTEROBS_MIRROR, else /work/shared/data when it exists."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or "/work/shared/data")
    if not (path / "nace" / "naics2017_to_nace_rev2.csv").exists():
        pytest.skip(f"no data mirror at {path}")
    return path


@pytest.fixture(scope="module")
def real(mirror: Path) -> dict[str, pd.DataFrame]:
    from clusterobs.sources import nace, uscmp

    crosswalk = uscmp.read_crosswalk(
        mirror / "us_cluster_mapping" / "naics_to_uscmp_cluster_crosswalk.csv"
    )
    codes = crosswalk["cluster_code"].map(lambda v: None if pd.isna(v) else str(int(v)))
    cbp = uscmp.read_cbp(mirror / "us_cbp" / "cbp2019_cbsa_naics2017.csv.gz")
    return {
        "links": nace.read_naics_nace_concordance(mirror / "nace" / "naics2017_to_nace_rev2.csv"),
        "categories": pd.DataFrame({"naics": crosswalk["naics"], "category": codes.astype(object)}),
        "employment": cc.naics_employment(cbp),
    }


def _division_purity(real: dict[str, pd.DataFrame], method: str) -> tuple[pd.Series, float]:
    shares = cc.link_shares(real["links"], method)
    weights = cc.class_weights(shares, real["categories"], real["employment"])
    totals = cc.class_totals(shares, real["categories"], real["employment"])
    divisions = cc.data_level_weights(weights, totals, {j: j[:3] for j in totals.index})
    summary = cc.summarise(divisions, "industry", {str(c) for c in range(1, 52)})
    purity = summary.loc[summary["basis"] == "employment"].set_index("industry")["purity"]
    automotive = divisions[(divisions["industry"] == "C29") & (divisions["category"] == "4")]
    return purity, float(automotive["weight"].sum())


def test_real_us_employment_total(real: dict[str, pd.DataFrame]) -> None:
    # §2b: e(n) summed over CBSAs at naics_level 6 = 115.6 m
    assert real["employment"]["employment"].sum() / 1e6 == pytest.approx(115.6, abs=0.05)


def test_real_link_counts(real: dict[str, pd.DataFrame]) -> None:
    links = real["links"]
    k = links.groupby("naics").size()
    assert int((k > 1).sum()) == 362  # §2b: 362 of 1,058 codes have several links
    assert len(k) == 1058
    # residual_major departs from 1/k exactly for the residual codes
    differs = cc.link_shares(links)["share"] != cc.link_shares(links, "equal")["share"]
    assert links.loc[differs, "naics"].nunique() == 260  # §2b: 260 of 362 multi-link codes


def test_real_classes_without_employment(real: dict[str, pd.DataFrame]) -> None:
    shares = cc.link_shares(real["links"])
    totals = cc.class_totals(shares, real["categories"], real["employment"])
    assert len(totals) == 616
    assert int((totals["U"] <= 0).sum()) == 43  # §2b step 4


@pytest.mark.parametrize(
    ("method", "median", "at_least_half", "automotive"),
    [("equal", 0.79, 70, 0.37), ("residual_major", 0.83, 74, 0.70)],
)
def test_real_division_purity_regression(
    real: dict[str, pd.DataFrame], method: str, median: float, at_least_half: int, automotive: float
) -> None:
    purity, c29 = _division_purity(real, method)
    assert len(purity) == 85  # divisions with US employment (G45-G47 as divisions)
    assert purity.median() == pytest.approx(median, abs=0.006)
    assert int((purity >= 0.5).sum()) == at_least_half
    assert c29 == pytest.approx(automotive, abs=0.01)
