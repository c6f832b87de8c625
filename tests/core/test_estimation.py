"""Tests of the constrained estimation of confidential cells (methodology §5.2b).

Tiny tables are hand-computed with the arithmetic in comments; one hold-out on a real
country of the Eurostat SBS file checks that the estimator beats the ECO equal split.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from clusterobs.core.estimation import (
    estimate_missing,
    holdout_cells,
    holdout_run,
    holdout_summary,
)
from clusterobs.core.imputation import sbs_industry_hierarchy, split_missing
from clusterobs.errors import MethodError
from clusterobs.sources import eurostat

NAN = math.nan
COLUMNS = ["region", "industry", "year", "measure", "value", "flag"]


def table(cells: dict[tuple[str, str, int, str], float]) -> pd.DataFrame:
    """Long table from {(region, industry, year, measure): value}; NaN is confidential."""
    rows = [(r, i, y, m, v, "c" if math.isnan(v) else None) for (r, i, y, m), v in cells.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def grid(values: dict[str, dict[str, float]], year: int = 2014,
         measure: str = "employment") -> pd.DataFrame:
    return table({(r, i, year, measure): v for r, row in values.items() for i, v in row.items()})


def value(out: pd.DataFrame, region: str, industry: str, year: int = 2014,
          measure: str = "employment", column: str = "value") -> float:
    hit = (out["region"] == region) & (out["industry"] == industry) & (out["year"] == year) & (
        out["measure"] == measure)
    got = out.loc[hit, column].iloc[0]
    return got if isinstance(got, str) else float(got)  # type: ignore[return-value]


H = sbs_industry_hierarchy(["C", "C10", "C11"])

# Country XX = XX1 + XX2; section C = C10 + C11.
#            C     C10    C11
#   XX     100      70     30
#   XX1     50      35      ?      -> 50 - 35 = 15 (industry)
#   XX2     50       ?      ?      -> C10: 70 - 35 = 35, C11: 30 - 15 = 15 (region)
# The equal split sees only one tree at a time: XX2 gets (50 - 0) / 2 = 25 and 25.
DETERMINED = grid({"XX": {"C": 100, "C10": 70, "C11": 30},
                   "XX1": {"C": 50, "C10": 35, "C11": NAN},
                   "XX2": {"C": 50, "C10": NAN, "C11": NAN}})


def test_both_trees_determine_the_cells() -> None:
    out = estimate_missing(DETERMINED, H)
    assert value(out, "XX1", "C11") == pytest.approx(15)
    assert value(out, "XX2", "C10") == pytest.approx(35)
    assert value(out, "XX2", "C11") == pytest.approx(15)
    # the ranges are the points: each cell follows from subtraction
    for r, i, v in [("XX1", "C11", 15), ("XX2", "C10", 35), ("XX2", "C11", 15)]:
        assert value(out, r, i, column="lower") == pytest.approx(v)
        assert value(out, r, i, column="upper") == pytest.approx(v)
    assert out["imputed"].sum() == 3
    assert set(out.loc[out["imputed"], "method"]) == {"constrained"}
    equal = estimate_missing(DETERMINED, H, method="equal")
    assert value(equal, "XX2", "C10") == pytest.approx(25)  # (50 - 0) / 2
    assert set(equal.loc[equal["imputed"], "method"]) == {"equal"}


def test_published_values_and_rows_unchanged() -> None:
    out = estimate_missing(DETERMINED, H)
    assert list(out[COLUMNS[:4]].itertuples(index=False)) == list(
        DETERMINED[COLUMNS[:4]].itertuples(index=False))
    known = DETERMINED["value"].notna()
    assert (out.loc[known, "value"] == DETERMINED.loc[known, "value"]).all()
    assert (out.loc[known, "lower"] == out.loc[known, "value"]).all()
    assert out.loc[known, "method"].isna().all()
    for col in ("imputed", "impute_method", "impute_parent", "impute_inconsistent", "lower",
                "upper", "method", "prior"):
        assert col in out.columns
    assert out.loc[out["imputed"], "impute_parent"].eq("C").all()


# Undetermined: four unknown cells, two free dimensions.
#            C     C10    C11
#   XX     100      60     40
#   XX1     70       ?      ?     truth 50 / 20
#   XX2     30       ?      ?     truth 10 / 20
# Ranges: XX1 C10 in [max(0, 70 - 40), min(70, 60)] = [30, 60]; XX1 C11 in [10, 40];
#         XX2 C10 in [0, 30]; XX2 C11 in [0, 30] (each at most its parents' residuals).
TRUTH = {("XX1", "C10"): 50, ("XX1", "C11"): 20, ("XX2", "C10"): 10, ("XX2", "C11"): 20}
OPEN = grid({"XX": {"C": 100, "C10": 60, "C11": 40},
             "XX1": {"C": 70, "C10": NAN, "C11": NAN},
             "XX2": {"C": 30, "C10": NAN, "C11": NAN}})


def test_ranges_contain_the_truth_and_respect_the_parents() -> None:
    out = estimate_missing(OPEN, H)
    expected = {("XX1", "C10"): (30, 60), ("XX1", "C11"): (10, 40), ("XX2", "C10"): (0, 30),
                ("XX2", "C11"): (0, 30)}
    for (r, i), (lo, hi) in expected.items():
        assert value(out, r, i, column="lower") == pytest.approx(lo)
        assert value(out, r, i, column="upper") == pytest.approx(hi)
        assert lo <= TRUTH[(r, i)] <= hi
        assert lo <= value(out, r, i) <= hi
    # both margins hold: XX1 row 70, C10 column 60
    assert value(out, "XX1", "C10") + value(out, "XX1", "C11") == pytest.approx(70)
    assert value(out, "XX1", "C10") + value(out, "XX2", "C10") == pytest.approx(60, rel=1e-4)


# Trend: C10/C11 were 80/20 in 2013 and 2015 (interpolated share 0.8 in 2014); C = 110 in
# 2014 -> 110 * 0.8 = 88 and 22. The equal split gives 55 and 55.
TREND = table({
    **{("AA", "C", y, "employment"): c for y, c in [(2013, 100), (2014, 110), (2015, 100)]},
    **{("AA", "C10", y, "employment"): v for y, v in [(2013, 80), (2014, NAN), (2015, 80)]},
    **{("AA", "C11", y, "employment"): v for y, v in [(2013, 20), (2014, NAN), (2015, 20)]},
})


def test_own_published_years_are_the_prior() -> None:
    out = estimate_missing(TREND, H)
    assert value(out, "AA", "C10") == pytest.approx(88)
    assert value(out, "AA", "C11") == pytest.approx(22)
    assert value(out, "AA", "C10", column="prior") == "trend"
    assert value(estimate_missing(TREND, H, method="equal"), "AA", "C10") == pytest.approx(55)


# Local units: in BB both published, 10 persons per unit in C10 and C11. In AA employment is
# confidential, C = 120, units C10 10, C11 2 -> priors 100 and 20, which already add to 120.
UNITS = table({
    ("BB", "C", 2014, "employment"): 70, ("BB", "C10", 2014, "employment"): 50,
    ("BB", "C11", 2014, "employment"): 20, ("BB", "C10", 2014, "establishments"): 5,
    ("BB", "C11", 2014, "establishments"): 2, ("BB", "C", 2014, "establishments"): 7,
    ("AA", "C", 2014, "employment"): 120, ("AA", "C10", 2014, "employment"): NAN,
    ("AA", "C11", 2014, "employment"): NAN, ("AA", "C10", 2014, "establishments"): 10,
    ("AA", "C11", 2014, "establishments"): 2, ("AA", "C", 2014, "establishments"): 12,
})


def test_local_units_times_average_size() -> None:
    out = estimate_missing(UNITS, H)
    assert value(out, "AA", "C10") == pytest.approx(100)
    assert value(out, "AA", "C11") == pytest.approx(20)
    assert value(out, "AA", "C10", column="prior") == "units"


# Wages with employment: in BB wage per person is 0.05 in C10 and C11 (EUR m). In AA wages of
# C10 and C11 are confidential, total 5.0; employment 90 and 10 -> priors 4.5 and 0.5, which
# add to 5.0. The equal split gives 2.5 and 2.5 (EUR 0.25 m per person in C11).
WAGES = table({
    ("BB", "C", 2014, "employment"): 60, ("BB", "C10", 2014, "employment"): 40,
    ("BB", "C11", 2014, "employment"): 20, ("BB", "C", 2014, "wages"): 3.0,
    ("BB", "C10", 2014, "wages"): 2.0, ("BB", "C11", 2014, "wages"): 1.0,
    ("AA", "C", 2014, "employment"): 100, ("AA", "C10", 2014, "employment"): 90,
    ("AA", "C11", 2014, "employment"): 10, ("AA", "C", 2014, "wages"): 5.0,
    ("AA", "C10", 2014, "wages"): NAN, ("AA", "C11", 2014, "wages"): NAN,
})


def test_wages_follow_employment() -> None:
    out = estimate_missing(WAGES, H)
    assert value(out, "AA", "C10", measure="wages") == pytest.approx(4.5)
    assert value(out, "AA", "C11", measure="wages") == pytest.approx(0.5)
    equal = estimate_missing(WAGES, H, method="equal")
    assert value(equal, "AA", "C11", measure="wages") == pytest.approx(2.5)


def test_equal_method_is_the_eco_split() -> None:
    out = estimate_missing(OPEN, H, method="equal")
    ref = split_missing(OPEN, H)
    assert np.allclose(out["value"], ref["value"])
    assert (out["imputed"] == ref["imputed"]).all()


def test_unknown_method_refused() -> None:
    with pytest.raises(MethodError, match="method"):
        estimate_missing(OPEN, H, method="magic")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- real data


def read_country(path: Path, country: str) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        eurostat.load_bulk_tsv(con, path, "sbs")
        df = con.execute(
            """SELECT geo AS region, nace_r2 AS industry, year, indic_sb AS measure, value, flag
               FROM sbs WHERE indic_sb IN ('V16110', 'V11210', 'V13320') AND year IS NOT NULL
               AND starts_with(geo, ?) AND NOT regexp_full_match(geo, '[A-Z]{2}[0-9A-Z]*Z')""",
            [country]).df()
    finally:
        con.close()
    return df


def test_holdout_on_one_country_beats_equal_split(sbs_path: Path) -> None:
    df = read_country(sbs_path, "ES")
    hierarchy = sbs_industry_hierarchy(df["industry"].unique())
    hidden = holdout_cells(df, hierarchy, n_like=400, n_random=200, seed=1)
    assert set(hidden["kind"]) >= {"like", "random"}
    cells = holdout_run(df, hidden, hierarchy, seed=1)
    summary = holdout_summary(cells).set_index("method")
    assert summary.loc["equal", "cells"] >= 500
    assert summary.loc["constrained", "mdape"] <= 0.5 * summary.loc["equal", "mdape"]
    assert summary.loc["constrained", "within_25"] > summary.loc["equal", "within_25"]
    # ranges hold the truth up to the rounding of the published totals
    assert summary.loc["constrained", "range_contains"] >= 0.95


def test_pooled_ratios_add_up_the_groups_sums() -> None:
    """Countries estimated apart fall back to the ratio of the sums over all of them: the
    sums of each group, added up (Σ num / Σ den, not the mean of the groups' ratios)."""
    from clusterobs.core.estimation import pooled_ratios

    sums = pd.DataFrame({"year": [2020, 2020, 2020], "industry": ["C10", "C10", "C11"],
                         "pair": ["size", "size", "size"], "num": [30.0, 10.0, 8.0], "den": [3.0, 2.0, 4.0]})
    out = pooled_ratios(sums.iloc[::-1])
    assert out.to_dict("records") == [
        {"year": 2020, "industry": "C10", "pair": "size", "num": 40.0, "den": 5.0},
        {"year": 2020, "industry": "C11", "pair": "size", "num": 8.0, "den": 4.0}]


def test_wage_range_is_the_percentiles_of_industries_with_enough_values() -> None:
    from clusterobs.core.estimation import MIN_WAGE_VALUES, wage_range

    values = pd.DataFrame({"industry": ["C10"] * 20 + ["C11"] * (MIN_WAGE_VALUES - 1),
                           "wage_per_person": [float(v) for v in range(1, 21)] + [5.0] * (MIN_WAGE_VALUES - 1)})
    out = wage_range(values.sample(frac=1.0, random_state=3))
    assert out["industry"].tolist() == ["C10"]  # C11 has 19 values: no range
    # 1st and 99th percentile of 1..20, linear: 1 + 0.19 and 20 - 0.19
    assert out["low"].iloc[0] == pytest.approx(1.19) and out["high"].iloc[0] == pytest.approx(19.81)
