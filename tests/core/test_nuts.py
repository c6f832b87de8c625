"""NUTS version conversion (methodology §5.3): tiny hand-computed crosswalks and invariants."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterobs.core.nuts import (
    convert_regions,
    detect_nuts_version,
    harmonise,
    nuts_level,
)
from clusterobs.errors import DataError, MethodError, SchemaError


def crosswalk(rows: list[tuple[str, str, float]], fv: int = 2013, tv: int = 2016) -> pd.DataFrame:
    """Flows (from_code, to_code, pop21) of one version pair; areaKm = 1 for every flow."""
    df = pd.DataFrame(rows, columns=["from_code", "to_code", "pop21"])
    return df.assign(from_version=fv, to_version=tv, level=nuts_level(df["from_code"]), areaKm=1.0)


def table(rows: list[tuple[str, int, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "year", "value", "flag"])


# UKM2 splits into UKM7 (pop 3) and UKM9 (pop 1); UKM3 splits into UKM8 (pop 1) and
# UKM9 (pop 1), so UKM9 is also a merge; DE41 + DE42 merge into DE40; FR24 is renamed FRB0.
CW = crosswalk(
    [
        ("UKM2", "UKM7", 3.0),
        ("UKM2", "UKM9", 1.0),
        ("UKM3", "UKM8", 1.0),
        ("UKM3", "UKM9", 1.0),
        ("DE41", "DE40", 1.0),
        ("DE42", "DE40", 3.0),
        ("FR24", "FRB0", 5.0),
        ("DE4", "DE4", 4.0),
    ]
)


def values(result_table: pd.DataFrame) -> dict[str, float]:
    return dict(zip(result_table["region"], result_table["value"], strict=True))


def test_split_by_population_share() -> None:
    # share(UKM2 -> UKM7) = 3 / (3 + 1) = 0.75, share(UKM2 -> UKM9) = 0.25
    # 100 * 0.75 = 75, 100 * 0.25 = 25
    r = convert_regions(table([("UKM2", 2014, 100.0, "e")]), CW, 2013, 2016)
    assert values(r.table) == {"UKM7": 75.0, "UKM9": 25.0}
    assert r.split == ("UKM2",)
    assert r.merged == () and r.renamed == () and r.unmatched == ()
    assert r.table["flag"].tolist() == ["e", "e"]
    assert r.table["nuts_converted"].all()


def test_merge_of_counts_and_flag_union() -> None:
    # DE40 = 10 * 1 + 20 * 1 = 30 (each source goes wholly to DE40); flags c and e -> "ce"
    t = table([("DE41", 2014, 10.0, "e"), ("DE42", 2014, 20.0, "c")])
    r = convert_regions(t, CW, 2013, 2016)
    assert values(r.table) == {"DE40": 30.0}
    assert r.table["flag"].tolist() == ["ce"]
    assert r.merged == ("DE40",) and r.split == ()
    assert bool(r.table["nuts_converted"].iloc[0])


def test_merge_of_ratios_weights_by_flow() -> None:
    # ratio DE40 = (0.1 * w(DE41,DE40) + 0.5 * w(DE42,DE40)) / (1 + 3) = (0.1 + 1.5) / 4 = 0.4
    t = table([("DE41", 2014, 0.1, ""), ("DE42", 2014, 0.5, "")])
    r = convert_regions(t, CW, 2013, 2016, kind="ratio")
    assert r.table["value"].iloc[0] == pytest.approx(0.4)


def test_split_and_merge_together() -> None:
    # UKM9 = 100 * 1/4 (from UKM2) + 40 * 1/2 (from UKM3) = 25 + 20 = 45; UKM8 = 40 / 2 = 20
    t = table([("UKM2", 2014, 100.0, ""), ("UKM3", 2014, 40.0, "")])
    r = convert_regions(t, CW, 2013, 2016)
    assert values(r.table) == {"UKM7": 75.0, "UKM8": 20.0, "UKM9": 45.0}
    assert r.split == ("UKM2", "UKM3") and r.merged == ("UKM9",)
    # ratio UKM9 = (0.2 * 1 + 0.6 * 1) / (1 + 1) = 0.4; UKM7 keeps UKM2's ratio 0.2
    t = table([("UKM2", 2014, 0.2, ""), ("UKM3", 2014, 0.6, "")])
    ratio = values(convert_regions(t, CW, 2013, 2016, kind="ratio").table)
    assert ratio["UKM9"] == pytest.approx(0.4) and ratio["UKM7"] == pytest.approx(0.2)


def test_rename_is_one_to_one_and_not_flagged_converted() -> None:
    r = convert_regions(table([("FR24", 2014, 7.0, "p")]), CW, 2013, 2016)
    assert values(r.table) == {"FRB0": 7.0}
    assert r.renamed == (("FR24", "FRB0"),)
    assert not r.table["nuts_converted"].any()
    assert r.table["flag"].tolist() == ["p"]


def test_unmatched_codes_are_reported_and_left_out() -> None:
    t = table([("FR24", 2014, 7.0, ""), ("XX99", 2014, 1.0, ""), ("DE41", 2014, 2.0, "")])
    r = convert_regions(t, CW, 2016, 2021)  # no flows at all for 2016 -> 2021
    assert r.unmatched == ("DE41", "FR24", "XX99") and r.table.empty
    r = convert_regions(t, CW, 2013, 2016)
    assert r.unmatched == ("XX99",)
    assert set(r.table["region"]) == {"FRB0", "DE40"}


def test_mixed_levels_use_their_own_rows_and_countries_pass_through() -> None:
    # DE4 (level 1) -> DE4 via the level-1 row; DE41 (level 2) -> DE40; DE (level 0) unchanged
    t = table([("DE", 2014, 9.0, ""), ("DE4", 2014, 5.0, ""), ("DE41", 2014, 2.0, "")])
    r = convert_regions(t, CW, 2013, 2016)
    assert values(r.table) == {"DE": 9.0, "DE4": 5.0, "DE40": 2.0}
    assert r.unmatched == ()


def test_nan_contribution_makes_target_nan() -> None:
    # DE40 = 10 + NaN: unknown, not 10
    t = table([("DE41", 2014, 10.0, ""), ("DE42", 2014, math.nan, "c")])
    r = convert_regions(t, CW, 2013, 2016)
    assert math.isnan(r.table["value"].iloc[0]) and r.table["flag"].iloc[0] == "c"


def test_keys_keep_years_apart() -> None:
    t = table([("DE41", 2013, 1.0, ""), ("DE41", 2014, 2.0, ""), ("DE42", 2014, 3.0, "")])
    r = convert_regions(t, CW, 2013, 2016, keys=["year"])
    assert r.table[["region", "year", "value"]].values.tolist() == [
        ["DE40", 2013, 1.0],
        ["DE40", 2014, 5.0],
    ]


def test_slivers_and_zero_weight_flows_are_dropped() -> None:
    # CZ02 -> CZ03 carries 5 / 10000 = 0.05 % < min_share 0.1 %: dropped, CZ02 keeps 100 %.
    # EL30 -> EL64 has weight 0: never a flow.
    cw = crosswalk([("CZ02", "CZ02", 9995.0), ("CZ02", "CZ03", 5.0), ("EL30", "EL30", 10.0),
                    ("EL30", "EL64", 0.0)])  # fmt: skip
    t = table([("CZ02", 2014, 1000.0, ""), ("EL30", 2014, 10.0, "")])
    r = convert_regions(t, cw, 2013, 2016)
    assert values(r.table) == {"CZ02": 1000.0, "EL30": 10.0} and r.split == ()
    # with min_share = 0 the sliver stays: 1000 * 5 / 10000 = 0.5
    r = convert_regions(t, cw, 2013, 2016, min_share=0.0)
    assert values(r.table)["CZ03"] == pytest.approx(0.5) and r.split == ("CZ02",)


def test_valid_targets_drop_artefact_codes() -> None:
    # JRC 2016 has a level-2 "UKN1": without it UKN0 goes wholly to UKN0
    cw = crosswalk([("UKN0", "UKN0", 852.0), ("UKN0", "UKN1", 933.0)])
    t = table([("UKN0", 2014, 10.0, "")])
    r = convert_regions(t, cw, 2013, 2016, valid_targets={"UKN0"})
    assert values(r.table) == {"UKN0": 10.0} and not r.table["nuts_converted"].any()


def test_equal_split_when_all_weights_are_zero() -> None:
    cw = crosswalk([("NO0B", "NO0B", 0.0)])
    r = convert_regions(table([("NO0B", 2014, 4.0, "")]), cw, 2013, 2016)
    assert values(r.table) == {"NO0B": 4.0}


def test_other_weight_column() -> None:
    # areaKm = 1 for both flows: UKM2 splits 50 / 50
    r = convert_regions(table([("UKM2", 2014, 100.0, "")]), CW, 2013, 2016, weight="areaKm")
    assert values(r.table) == {"UKM7": 50.0, "UKM9": 50.0}


def test_harmonise_keeps_newest_source_per_cell() -> None:
    # DE41, DE42 exist in NUTS 2006, DE40 in 2010: in 2008 both are given -> DE40 only (3);
    # in 2007 only the old codes -> 4 + 5 = 9; in 2009 DE40 is missing -> old codes 1 + 1 = 2
    cw = pd.concat(
        [crosswalk([("DE41", "DE40", 1.0), ("DE42", "DE40", 1.0)], fv=2006),
         crosswalk([("DE40", "DE40", 2.0)], fv=2010)]
    )  # fmt: skip
    t = table(
        [("DE41", 2008, 1.0, ""), ("DE42", 2008, 2.0, ""), ("DE40", 2008, 3.0, "e"),
         ("DE41", 2007, 4.0, ""), ("DE42", 2007, 5.0, ""),
         ("DE41", 2009, 1.0, ""), ("DE42", 2009, 1.0, ""), ("DE40", 2009, math.nan, "")]
    )  # fmt: skip
    r = harmonise(t, cw, 2016, keys=["year"])
    assert r.table[["year", "value", "flag"]].values.tolist() == [
        [2007, 9.0, ""],
        [2008, 3.0, "e"],
        [2009, 2.0, ""],
    ]
    assert r.merged == ("DE40",) and r.unmatched == ()
    assert r.table["nuts_converted"].tolist() == [True, False, True]


def test_harmonise_versions_limit_candidates() -> None:
    # FR24 exists in 2013 (-> FRB0); an unknown code is unmatched
    t = table([("FR24", 2014, 7.0, ""), ("ZZ99", 2014, 1.0, "")])
    r = harmonise(t, CW, 2016, keys=["year"], versions=(2006, 2010, 2013))
    assert values(r.table) == {"FRB0": 7.0} and r.unmatched == ("ZZ99",)
    assert harmonise(t, CW, 2016, versions=(2006,)).unmatched == ("FR24", "ZZ99")


def test_harmonise_chooses_the_version_before_dropping_invalid_targets() -> None:
    # DE41 is newest in 2010, where it flows only to the artefact UKN1: unmatched, even
    # though its 2006 flow goes to a valid code
    cw = pd.concat([crosswalk([("DE41", "DE40", 1.0)], fv=2006),
                    crosswalk([("DE41", "UKN1", 1.0)], fv=2010)])  # fmt: skip
    r = harmonise(table([("DE41", 2014, 1.0, "")]), cw, 2016, valid_targets={"DE40"})
    assert r.unmatched == ("DE41",) and r.table.empty


def test_detect_nuts_version() -> None:
    names = pd.DataFrame(
        {"nuts_version": [2013, 2016, 2013, 2016], "region": ["DE40", "DE40", "FR24", "FRB0"]}
    )
    assert detect_nuts_version({"DE40", "FRB0", "DE41"}, names) == {
        "DE40": (2013, 2016),
        "DE41": (),
        "FRB0": (2016,),
    }
    assert detect_nuts_version(["UKM2"], CW) == {"UKM2": (2013,)}


def test_bad_input() -> None:
    t = table([("FR24", 2014, 7.0, "")])
    with pytest.raises(SchemaError, match="crosswalk: missing columns"):
        convert_regions(t, CW.drop(columns="to_code"), 2013, 2016)
    with pytest.raises(SchemaError, match="table: missing columns"):
        convert_regions(t.drop(columns="value"), CW, 2013, 2016)
    with pytest.raises(MethodError, match="unknown weight"):
        convert_regions(t, CW, 2013, 2016, weight="people")
    with pytest.raises(MethodError, match="unknown kind"):
        convert_regions(t, CW, 2013, 2016, kind="mean")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="several rows"):
        convert_regions(pd.concat([t, t]), CW, 2013, 2016)


# --- invariants -----------------------------------------------------------------------

SOURCES = [f"AA{i}{j}" for i in range(1, 4) for j in range(1, 4)]
TARGETS = [f"BB{i}{j}" for i in range(1, 4) for j in range(1, 4)]


@st.composite
def random_conversion(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for code in SOURCES:
        targets = draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=4, unique=True))
        rows += [(code, t, draw(st.floats(0.5, 1e6))) for t in targets]
    values_ = draw(st.lists(st.floats(0, 1e6), min_size=len(SOURCES), max_size=len(SOURCES)))
    t = pd.DataFrame({"region": SOURCES, "value": values_, "year": 2014})
    return t, crosswalk(rows)


@settings(max_examples=12, deadline=None)
@given(random_conversion())
def test_counts_keep_their_total(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    t, cw = case
    r = convert_regions(t, cw, 2013, 2016, min_share=0.0)
    assert r.unmatched == ()
    assert r.table["value"].sum() == pytest.approx(t["value"].sum(), rel=1e-9, abs=1e-6)


@settings(max_examples=12, deadline=None)
@given(random_conversion(), st.floats(-1e3, 1e3))
def test_constant_ratio_stays_constant(
    case: tuple[pd.DataFrame, pd.DataFrame], constant: float
) -> None:
    t, cw = case
    r = convert_regions(t.assign(value=constant), cw, 2013, 2016, kind="ratio")
    assert r.table["value"].to_numpy() == pytest.approx(constant, rel=1e-9, abs=1e-9)


# --- the vectorised implementation against a plain-Python reference --------------------


_CROSSWALK = ["from_code", "to_code", "from_version", "pop21"]


def reference_harmonise(
    t: pd.DataFrame, cw: pd.DataFrame, target: int, keys: list[str], kind: str
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """harmonise, one dict at a time (min_share 0, positive weights, countries pass through)."""
    flows: dict[tuple[str, int], list[tuple[str, float]]] = {}
    cols = [cw.loc[cw["to_version"] == target, c].tolist() for c in _CROSSWALK]
    for code, to, version, w in zip(*cols, strict=True):
        flows.setdefault((code, version), []).append((to, w))
    newest: dict[str, int] = {}
    for code, version in flows:
        newest[code] = max(newest.get(code, 0), version)
    cells: dict[tuple[object, ...], list[tuple[int, str, float, float, float, str, int]]] = {}
    for r in t.to_dict("records"):
        code, flag = str(r["region"]), "" if pd.isna(r["flag"]) else str(r["flag"])
        if len(code) == 2:
            version, out = target, [(code, 1.0)]
        elif code in newest:
            version, out = newest[code], flows[(code, newest[code])]
        else:
            continue
        total = sum(w for _, w in out)
        for to, w in out:
            cell = cells.setdefault((to, *(r[k] for k in keys)), [])
            cell.append((version, code, r["value"], w, w / total, flag, len(out)))
    rows, split, merged = [], set(), set()
    for cell_key, entries in sorted(cells.items()):
        valued = [e[0] for e in entries if not math.isnan(e[2])]
        best = max(valued or [e[0] for e in entries])
        es = [e for e in entries if e[0] == best]
        if kind == "count":
            value = sum(e[2] * e[4] for e in es)
        else:
            value = sum(e[2] * e[3] for e in es) / sum(e[3] for e in es)
        flag = "".join(sorted(set("".join(e[5] for e in es)) - {" "}))
        converted = len({e[1] for e in es}) > 1 or max(e[6] for e in es) > 1
        rows.append((*cell_key, value, flag, converted))
        split |= {e[1] for e in es if e[6] > 1}
        merged |= {str(cell_key[0])} if len(es) > 1 else set()
    columns = ["region", *keys, "value", "flag", "nuts_converted"]
    return pd.DataFrame(rows, columns=columns), tuple(sorted(split)), tuple(sorted(merged))


def random_case(seed: int, n_keys: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Codes of NUTS 2006 and 2010 split and merged at random into 2016; many key cells."""
    rng = np.random.default_rng(seed)
    targets = [f"BB{i}{j}" for i in range(1, 4) for j in range(1, 4)]
    old = [f"AA{i}{j}" for i in range(1, 4) for j in range(1, 5)]
    flows = [
        crosswalk([(s, t, float(rng.integers(1, 9))) for s in codes
                   for t in rng.choice(targets, rng.integers(1, 4), replace=False)], fv=fv)
        for codes, fv in ((old, 2006), (old[::3], 2010))
    ]  # fmt: skip
    n = 3000
    t = pd.DataFrame({"region": rng.choice([*old, "AA", "ZZ99"], n)})
    keys = [f"k{i}" for i in range(n_keys)]
    for i, k in enumerate(keys):
        t[k] = rng.integers(0, 40, n) if i % 2 else rng.choice(["x", "y", "zz", "b"], n)
    t["value"] = np.where(rng.random(n) < 0.05, np.nan, rng.random(n) * 1000)
    t["flag"] = rng.choice(np.array(["", "b", "p", "pb ", "e", None], dtype=object), n)
    return t.drop_duplicates(["region", *keys], ignore_index=True), pd.concat(flows), keys


@pytest.mark.parametrize("kind", ["count", "ratio"])
@pytest.mark.parametrize(("seed", "n_keys"), [(1, 3), (2, 4), (3, 20)])
def test_harmonise_matches_plain_reference(
    kind: Literal["count", "ratio"], seed: int, n_keys: int
) -> None:
    # 20 key columns: the combined key code would overflow an int64 and is made dense
    t, cw, keys = random_case(seed, n_keys)
    expected, split, merged = reference_harmonise(t, cw, 2016, keys, kind)
    for rows in (t, t.sample(frac=1, random_state=seed)):  # any row order
        r = harmonise(rows, cw, 2016, keys=keys, kind=kind, min_share=0.0)
        assert r.unmatched == ("ZZ99",) and r.split == split and r.merged == merged
        assert r.table.drop(columns="value").equals(expected.drop(columns="value"))
        assert np.allclose(r.table["value"], expected["value"], rtol=1e-9, equal_nan=True)
