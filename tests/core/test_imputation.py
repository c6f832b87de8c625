"""Tests of the ECO splitting rule and our extensions (methodology §5.2, ECO48).

Tiny tables are hand-computed with the arithmetic in comments; invariants with hypothesis;
one check on the real Eurostat SBS file (employment V16110, 2014).
"""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterobs.core.imputation import (
    GEOGRAPHY_SPLIT,
    INDUSTRY_SPLIT,
    SBS_TOTAL,
    nuts_region_hierarchy,
    sbs_industry_hierarchy,
    split_missing,
)
from clusterobs.errors import DataError, MethodError, UnknownCodeError

NAN = math.nan


def table(cells: dict[tuple[str, str], float], year: int = 2014) -> pd.DataFrame:
    """Long table from {(region, industry): value}; NaN cells are flagged confidential."""
    rows = [
        (r, i, year, "V16110", v, "c" if math.isnan(v) else None) for (r, i), v in cells.items()
    ]
    return pd.DataFrame(rows, columns=["region", "industry", "year", "measure", "value", "flag"])


def run(cells: dict[tuple[str, str], float], **kw: Any) -> pd.DataFrame:
    t = table(cells)
    out = split_missing(t, sbs_industry_hierarchy(sorted(t["industry"].unique())), **kw)
    return out.set_index(["region", "industry"])


# ----------------------------------------------------------------------------- hierarchy


def test_sbs_hierarchy_links_sections_divisions_groups_to_the_total() -> None:
    h = sbs_industry_hierarchy(["B", "B05", "G", "G45", "G451", "G47", "S95"])
    parent = dict(zip(h["industry"], h["parent"], strict=True))
    assert parent == {
        SBS_TOTAL: None,
        "B": SBS_TOTAL,
        "B05": "B",
        "G": SBS_TOTAL,
        "G45": "G",
        "G451": "G45",
        "G47": "G",
        "S95": SBS_TOTAL,  # section S is not in SBS: S95 hangs under the total
    }


def test_sbs_hierarchy_skips_absent_levels_and_rejects_unknown_codes() -> None:
    parent = dict(sbs_industry_hierarchy(["G", "G451"]).to_numpy().tolist())
    assert parent["G451"] == "G"  # G45 absent: nearest present ancestor
    with pytest.raises(UnknownCodeError, match="C10-C12"):
        sbs_industry_hierarchy(["C", "C10-C12"])


def test_nuts_hierarchy_from_code_length() -> None:
    h = nuts_region_hierarchy(["AT", "AT1", "AT11", "AT12", "CY00", "CY"])
    assert dict(h.to_numpy().tolist()) == {
        "AT": None,
        "AT1": "AT",
        "AT11": "AT1",
        "AT12": "AT1",
        "CY": None,
        "CY00": "CY",  # CY0 absent: straight to the country
    }


# ------------------------------------------------------------------ industry split (ECO48)


def test_one_missing_division_gets_the_section_residual() -> None:
    # C = 100; C10 = 60, C11 = 25 known -> C12 = 100 - 60 - 25 = 15
    out = run({("AT11", "C"): 100, ("AT11", "C10"): 60, ("AT11", "C11"): 25, ("AT11", "C12"): NAN})
    row = out.loc[("AT11", "C12")]
    assert row["value"] == 15
    assert row["imputed"]
    assert row["impute_method"] == INDUSTRY_SPLIT
    assert row["impute_parent"] == "C"
    assert not row["impute_inconsistent"]
    assert out["imputed"].sum() == 1


def test_two_missing_divisions_split_equally() -> None:
    # C = 100; C10 = 70 -> residual 30 over K = {C11, C12}: 15 each
    out = run({("AT11", "C"): 100, ("AT11", "C10"): 70, ("AT11", "C11"): NAN, ("AT11", "C12"): NAN})
    assert out.loc[("AT11", "C11"), "value"] == 15
    assert out.loc[("AT11", "C12"), "value"] == 15


def test_known_group_below_a_missing_division() -> None:
    # G = 100; G46 = 50 known; G45 missing with G451 = 10 known below it, G452 missing;
    # G47 missing, G471 missing.
    # Divisions: known under G at the highest known level = G46 + G451 = 60;
    #   residual = 100 - 60 = 40, K = {G45, G47}: 20 each; G45 keeps its known detail:
    #   G45 = 10 + 20 = 30, G47 = 0 + 20 = 20  (30 + 50 + 20 = 100)
    # Groups, level below: G452 = G45 - G451 = 30 - 10 = 20; G471 = G47 = 20
    out = run(
        {
            ("AT11", "G"): 100,
            ("AT11", "G45"): NAN,
            ("AT11", "G451"): 10,
            ("AT11", "G452"): NAN,
            ("AT11", "G46"): 50,
            ("AT11", "G47"): NAN,
            ("AT11", "G471"): NAN,
        }
    )
    value = out["value"].xs("AT11")
    assert value.to_dict() == {
        "G": 100, "G45": 30, "G451": 10, "G452": 20, "G46": 50, "G47": 20, "G471": 20,
    }  # fmt: skip
    assert out.loc[("AT11", "G452"), "impute_parent"] == "G45"
    assert out.loc[("AT11", "G45"), "impute_parent"] == "G"


def test_negative_residual_becomes_zero_and_is_flagged() -> None:
    # C = 100 but C10 + C11 = 80 + 30 = 110 -> residual -10 -> C12 = 0, inconsistent
    out = run({("AT11", "C"): 100, ("AT11", "C10"): 80, ("AT11", "C11"): 30, ("AT11", "C12"): NAN})
    row = out.loc[("AT11", "C12")]
    assert row["value"] == 0
    assert row["imputed"]
    assert row["impute_inconsistent"]
    assert out["impute_inconsistent"].sum() == 1


def test_nothing_changes_when_nothing_is_missing() -> None:
    cells = {("AT1", "C"): 100.0, ("AT1", "C10"): 60.0, ("AT11", "C"): 70.0, ("AT11", "C10"): 40.0}
    t = table(cells)
    out = split_missing(t, sbs_industry_hierarchy(["C", "C10"]))
    pd.testing.assert_frame_equal(out[t.columns], t)
    assert not out["imputed"].any()
    assert out["impute_method"].isna().all()
    assert out["impute_parent"].isna().all()
    assert out.attrs["impute_rounds"] == 1


# ------------------------------------------------------------- geography split (ours)


def test_geography_split_nuts2_from_nuts1_then_nuts0() -> None:
    # AT C = 300; AT1 C missing, AT2 C = 150, AT3 C = 50 -> AT1 C = 300 - 200 = 100
    # NUTS-2 under AT1: AT11 C = 60 known -> AT12 = AT13 = (100 - 60) / 2 = 20
    cells = {
        ("AT", "C"): 300, ("AT1", "C"): NAN, ("AT2", "C"): 150, ("AT3", "C"): 50,
        ("AT11", "C"): 60, ("AT12", "C"): NAN, ("AT13", "C"): NAN,
    }  # fmt: skip
    out = run(cells)
    assert out.loc[("AT1", "C"), "value"] == 100
    assert out.loc[("AT1", "C"), "impute_parent"] == "AT"
    for region in ("AT12", "AT13"):
        row = out.loc[(region, "C")]
        assert row["value"] == 20
        assert row["impute_method"] == GEOGRAPHY_SPLIT
        assert row["impute_parent"] == "AT1"
    # without the extension nothing can be filled (no industry ancestor has a value)
    assert not run(cells, geography=False)["imputed"].any()


def test_industry_pass_comes_first() -> None:
    # AT11: C = 50, C10 missing, C11 = 20 -> industry: C10 = 30 (not the NUTS-1 share)
    # AT1: C = 100, C10 = 70, C11 = 30; AT12: C = 50, C10 = 40, C11 = 10
    cells = {
        ("AT1", "C"): 100, ("AT1", "C10"): 70, ("AT1", "C11"): 30,
        ("AT11", "C"): 50, ("AT11", "C10"): NAN, ("AT11", "C11"): 20,
        ("AT12", "C"): 50, ("AT12", "C10"): 40, ("AT12", "C11"): 10,
    }  # fmt: skip
    row = run(cells).loc[("AT11", "C10")]
    assert (row["value"], row["impute_method"]) == (30, INDUSTRY_SPLIT)


def test_passes_alternate_until_stable() -> None:
    # The AT1 x C10 row is absent, so AT11 x C10 has no geography parent.
    # Round 1, industry: AT11 C and C10 have no valued ancestor -> nothing.
    # Round 1, geography: AT11 C = AT1 C - AT12 C = 70 - 30 = 40.
    # Round 2, industry: AT11 C10 = 40 - C11 10 = 30.  Round 3: nothing new -> stop.
    cells = {
        ("AT1", "C"): 70, ("AT1", "C11"): 30,
        ("AT11", "C"): NAN, ("AT11", "C10"): NAN, ("AT11", "C11"): 10,
        ("AT12", "C"): 30, ("AT12", "C10"): 10, ("AT12", "C11"): 20,
    }  # fmt: skip
    out = run(cells)
    assert out.loc[("AT11", "C"), "value"] == 40
    assert out.loc[("AT11", "C"), "impute_method"] == GEOGRAPHY_SPLIT
    assert out.loc[("AT11", "C10"), "value"] == 30
    assert out.loc[("AT11", "C10"), "impute_method"] == INDUSTRY_SPLIT
    assert out.attrs["impute_rounds"] == 3
    assert np.isnan(run(cells, max_rounds=1).loc[("AT11", "C10"), "value"])


def test_unpublished_region_is_neither_filled_nor_a_share() -> None:
    # AT13 has no value and no 'c' flag at all (a code of another NUTS version):
    # AT12 C = 100 - 60 = 40 alone, AT13 stays missing.
    t = table({("AT1", "C"): 100, ("AT11", "C"): 60, ("AT12", "C"): NAN, ("AT13", "C"): NAN})
    t.loc[t["region"] == "AT13", "flag"] = None
    out = split_missing(t, sbs_industry_hierarchy(["C"])).set_index("region")
    assert out.loc["AT12", "value"] == 40
    assert np.isnan(out.loc["AT13", "value"])


def test_input_errors() -> None:
    t = table({("AT1", "C"): 1.0, ("AT1", "C10"): NAN})
    h = sbs_industry_hierarchy(["C", "C10"])
    with pytest.raises(DataError, match="duplicated key"):
        split_missing(pd.concat([t, t]), h)
    with pytest.raises(UnknownCodeError, match="C10"):
        split_missing(t, sbs_industry_hierarchy(["C"]))
    with pytest.raises(MethodError):
        split_missing(t, h, max_rounds=0)


# ------------------------------------------------------------------------ invariants

REGIONS = {"AT": None, "AT1": "AT", "AT2": "AT", "AT11": "AT1", "AT12": "AT1", "AT21": "AT2"}
INDUSTRIES = [SBS_TOTAL, "C", "C10", "C11", "C12", "G", "G45", "G451", "G452", "G46"]
HIERARCHY = sbs_industry_hierarchy(INDUSTRIES)
_IPARENT = dict(HIERARCHY.to_numpy().tolist())


def consistent_table(leaves: list[int]) -> pd.DataFrame:
    """Sum leaf values (NUTS-2 x leaf industries) up both trees: an additive table."""
    leaf_regions = [r for r in REGIONS if len(r) == 4]
    leaf_inds = [i for i in INDUSTRIES if i not in _IPARENT.values()]
    cube = pd.DataFrame(
        np.reshape(leaves, (len(leaf_regions), len(leaf_inds))),
        index=leaf_regions,
        columns=leaf_inds,
        dtype=float,
    )
    for code in reversed(INDUSTRIES):  # parents after children in reverse order
        kids = [i for i in INDUSTRIES if _IPARENT[i] == code]
        if kids:
            cube[code] = cube[kids].sum(axis=1)
    for code in ("AT1", "AT2", "AT"):
        kids = [r for r, p in REGIONS.items() if p == code]
        cube.loc[code] = cube.loc[kids].sum()
    cells = {(r, i): float(cube.loc[r, i]) for r in REGIONS for i in INDUSTRIES}
    return table(cells)


def split_groups(out: pd.DataFrame, method: str) -> list[tuple[float, float]]:
    """(parent value, sum of its children) for every parent split by ``method``."""
    if method == INDUSTRY_SPLIT:
        node, other, parent_of = "industry", "region", _IPARENT
    else:
        node, other, parent_of = "region", "industry", REGIONS
    value = out.set_index([other, node])["value"]
    done = out[(out["impute_method"] == method)]
    bad = set(map(tuple, out.loc[out["impute_inconsistent"], [other, "impute_parent"]].to_numpy()))
    pairs = []
    for key, parent in set(map(tuple, done[[other, "impute_parent"]].to_numpy())) - bad:
        kids = [c for c, p in parent_of.items() if p == parent]
        pairs.append((value[(key, parent)], sum(value[(key, c)] for c in kids)))
    return pairs


cells_and_masks = st.tuples(
    st.lists(st.integers(0, 1000), min_size=3 * 6, max_size=3 * 6),
    st.lists(
        st.booleans(),
        min_size=len(REGIONS) * len(INDUSTRIES),
        max_size=len(REGIONS) * len(INDUSTRIES),
    ),
)


@settings(max_examples=40, deadline=None)
@given(cells_and_masks, st.booleans())
def test_split_preserves_known_values_and_adds_up(
    data: tuple[list[int], list[bool]], geo: bool
) -> None:
    leaves, mask = data
    truth = consistent_table(leaves)
    t = truth.copy()
    t.loc[mask, "value"] = NAN
    t.loc[mask, "flag"] = "c"
    out = split_missing(t, HIERARCHY, geography=geo)
    known = t["value"].notna()
    assert (out.loc[known, "value"] == t.loc[known, "value"]).all()  # never changed
    assert (out["imputed"] == (t["value"].isna() & out["value"].notna())).all()
    assert (out.loc[out["imputed"], "value"] >= 0).all()
    if not geo:  # consistent input, industry split only: never a negative residual
        assert not out["impute_inconsistent"].any()
    for method in (INDUSTRY_SPLIT, GEOGRAPHY_SPLIT):
        for parent, total in split_groups(out, method):
            assert total == pytest.approx(parent, rel=1e-9, abs=1e-9)


def test_industry_split_only_tree_is_fully_additive() -> None:
    # geography off, consistent input: every valued parent with all children valued adds up
    truth = consistent_table(list(range(1, 19)))
    t = truth.copy()
    hide = t["industry"].isin(["C", "C10", "G45", "G451"]) & t["region"].isin(["AT11", "AT2"])
    t.loc[hide, ["value", "flag"]] = [NAN, "c"]
    out = split_missing(t, HIERARCHY, geography=False).set_index(["region", "industry"])["value"]
    for region in REGIONS:
        for parent in INDUSTRIES:
            kids = [c for c in INDUSTRIES if _IPARENT[c] == parent]
            values = [out[(region, c)] for c in kids]
            if kids and not np.isnan(out[(region, parent)]) and not np.isnan(values).any():
                assert sum(values) == pytest.approx(out[(region, parent)], rel=1e-9)


# ------------------------------------------------------------------------- real data


def read_sbs(path: Path, measure: str, year: int) -> pd.DataFrame:
    """One measure and year of the Eurostat bulk TSV, parsed with gzip + csv."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        col = [h.strip() for h in next(reader)].index(str(year))
        for line in reader:
            industry, indicator, region = line[0].split(",")
            if indicator != measure:
                continue
            token, _, flag = line[col].strip().partition(" ")
            value = NAN if token == ":" else float(token)
            rows.append((region, industry, year, measure, value, flag or None))
    return pd.DataFrame(rows, columns=["region", "industry", "year", "measure", "value", "flag"])


def test_real_sbs_employment_2014(sbs_path: Path) -> None:
    t = read_sbs(sbs_path, "V16110", 2014)
    out = split_missing(t, sbs_industry_hierarchy(sorted(t["industry"].unique())))
    # golden counts of this implementation (8,682 cells missing; the rest stay missing:
    # whole countries or regions without data, or no valued ancestor anywhere)
    assert int(t["value"].isna().sum()) == 8682
    assert out["impute_method"].value_counts().to_dict() == {
        INDUSTRY_SPLIT: 2848,
        GEOGRAPHY_SPLIT: 576,
    }
    known = t["value"].notna()
    assert (out.loc[known, "value"] == t.loc[known, "value"]).all()
    # sections whose missing divisions were all filled by the rule from the section
    div = out[out["industry"].str.fullmatch(r"[A-S]\d\d") & (out["industry"] != "S95")]
    div = div.assign(section=div["industry"].str[0])
    by_rule = (div["impute_method"] == INDUSTRY_SPLIT) & ~div["impute_inconsistent"]
    div = div.assign(by_rule=by_rule, was_missing=t.loc[div.index, "value"].isna())
    g = div.groupby(["region", "section"]).agg(
        total=("value", "sum"), n_rule=("by_rule", "sum"), n_missing=("was_missing", "sum")
    )
    g = g[(g["n_rule"] > 0) & (g["n_rule"] == g["n_missing"])]
    section = out.set_index(["region", "industry"])["value"]
    expected = section.loc[list(g.index)].to_numpy()
    assert len(g) > 500
    np.testing.assert_allclose(g["total"].to_numpy(), expected, rtol=1e-9)


def test_empty_key_is_rejected() -> None:
    t = table({("AT1", "C"): 1.0})
    t["year"] = None
    with pytest.raises(DataError, match="year"):
        split_missing(t, sbs_industry_hierarchy(["C"]))
