"""Tests of clusterobs.core.scoreboard (methodology §8) on tiny hand-computed tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterobs.core import scoreboard as sb
from clusterobs.errors import MethodError

PLAIN = sb.ScoreboardMethod(outlier_z=None, skew_limit=None, runs=20)
CATALOGUE = pd.DataFrame({
    "indicator": ["a", "b", "c", "d"],
    "dimension": ["K", "K", "K", "G"],
    "sub_dimension": ["edu", "edu", "rd", "gov"],
    "direction": [1, 1, -1, 1],
})


def _values() -> pd.DataFrame:
    rows = {
        # region: a, b, c (lower is better), d
        "R1": (2.0, 10.0, 1.0, 5.0),
        "R2": (4.0, 30.0, 3.0, 7.0),
        "R3": (10.0, 20.0, 5.0, np.nan),
    }
    return pd.DataFrame([
        {"region": r, "indicator": i, "year": 2014, "value": v}
        for r, vals in rows.items() for i, v in zip("abcd", vals, strict=True)
    ])


def test_minmax_and_direction_by_hand() -> None:
    cells = sb.impute(_values(), ["R1", "R2", "R3"], dict.fromkeys("abcd", 2014), PLAIN)
    s = sb.indicator_scores(cells, _values(), dict(zip("abcd", [1, 1, -1, 1], strict=True)), PLAIN)
    # a: (x - 2) / (10 - 2) -> 0, 2/8 = 0.25, 1
    assert s["a"].tolist() == [0.0, 0.25, 1.0]
    # b: (x - 10) / 20 -> 0, 1, 0.5
    assert s["b"].tolist() == [0.0, 1.0, 0.5]
    # c, lower is better: -x in [-5, -1]: (-1 + 5) / 4 = 1, (-3 + 5) / 4 = 0.5, 0
    assert s["c"].tolist() == [1.0, 0.5, 0.0]
    # d: R3 has no value at all (no parent, no country) -> NaN, not invented
    assert s["d"].iloc[:2].tolist() == [0.0, 1.0] and np.isnan(s["d"].iloc[2])


def test_composites_by_hand() -> None:
    cells = sb.impute(_values(), ["R1", "R2", "R3"], dict.fromkeys("abcd", 2014), PLAIN)
    s = sb.indicator_scores(cells, _values(), dict(zip("abcd", [1, 1, -1, 1], strict=True)), PLAIN)
    comp = sb.composite(s, CATALOGUE, PLAIN, dimensions=["K", "G", "F"])
    # R2: edu = (0.25 + 1) / 2 = 0.625; rd = 0.5; K = (0.625 + 0.5) / 2 = 0.5625
    #     G = 1; F has no data; overall = (0.5625 + 1) / 2 = 0.78125
    assert comp.loc["R2", "K"] == pytest.approx(0.5625)
    assert comp.loc["R2", "G"] == 1.0
    assert comp.loc["R2", "overall"] == pytest.approx(0.78125)
    # R3: edu = (1 + 0.5) / 2 = 0.75, rd = 0 -> K = 0.375; G missing (0 of 1 indicator < 50%)
    #     overall: 1 of 2 dimensions with data = 50% -> 0.375
    assert comp.loc["R3", "K"] == pytest.approx(0.375)
    assert np.isnan(comp.loc["R3", "G"])
    assert comp.loc["R3", "overall"] == pytest.approx(0.375)
    assert comp["F"].isna().all()  # a dimension without data stays empty


def test_dimension_needs_half_of_its_indicators() -> None:
    s = pd.DataFrame({"a": [0.4], "b": [np.nan], "c": [np.nan], "d": [0.2]}, index=["R"])
    comp = sb.composite(s, CATALOGUE, PLAIN)
    # K has 1 of 3 indicators (33% < 50%) -> NaN; overall needs 1 of 2 dimensions -> G = 0.2
    assert np.isnan(comp.loc["R", "K"]) and comp.loc["R", "overall"] == pytest.approx(0.2)


def test_imputation_order_and_flags() -> None:
    v = pd.DataFrame({
        "region": ["DE21", "DE21", "DE2", "DE", "FR10"],
        "indicator": "x", "year": [2011, 2013, 2014, 2014, 2017], "value": [9.0, 1.0, 2.0, 3.0, 4.0],
    })
    t = sb.impute(v, ["DE21", "DE22", "DE30", "FR10"], {"x": 2014}, sb.ScoreboardMethod())
    t = t.set_index("region")
    # DE21: 2013 is within ±2 (2011 is not nearer) -> 1.0 from 2013
    assert (t.loc["DE21", "value"], t.loc["DE21", "value_year"]) == (1.0, 2013)
    assert t.loc["DE22", "imputation"] == "nuts1" and t.loc["DE22", "value"] == 2.0
    assert t.loc["DE30", "imputation"] == "country" and t.loc["DE30", "value"] == 3.0
    assert np.isnan(t.loc["FR10", "value"])  # 2017 is 3 years away: no value, not invented
    assert t["imputed"].tolist() == [True, True, True, False]
    off = sb.impute(v, ["DE22"], {"x": 2014}, sb.ScoreboardMethod(impute=False))
    assert off["value"].isna().all() and not off["imputed"].any()


def test_region_at_the_maximum_scores_one() -> None:
    rng = np.random.default_rng(1)
    regions = [f"R{i:02d}" for i in range(30)]
    rows = [{"region": r, "indicator": ind, "year": year, "value": v}
            for ind in "abcd" for year in (2012, 2013, 2014)
            for r, v in zip(regions, rng.lognormal(0, 1.5, len(regions)), strict=True)]
    # R00 in 2014: 3 x the maximum of all regions and years (a 1/3 of the minimum for c,
    # where lower is better); skewed data, so capping and sqrt/log are applied
    for row in rows:
        if row["region"] == "R00" and row["year"] == 2014:
            same = [x["value"] for x in rows if x["indicator"] == row["indicator"]]
            row["value"] = min(same) / 3 if row["indicator"] == "c" else max(same) * 3
    values = pd.DataFrame(rows)
    m = sb.ScoreboardMethod(runs=10)
    result = sb.compute(values, pd.DataFrame({"region": regions, "level": 2, "eu": True}),
                        CATALOGUE, ["K", "G"], 2014, m)
    top = result.indicators[result.indicators["region"] == "R00"]
    assert top["score"].tolist() == [1.0, 1.0, 1.0, 1.0]
    s = result.scores[result.scores["region"] == "R00"].set_index("dimension")["score"]
    assert s.tolist() == [1.0, 1.0, 1.0]
    assert (result.scores.loc[result.scores["region"] == "R00", "rank"] == 1).all()


def test_relative_strengths_and_peers() -> None:
    scores = pd.DataFrame({"K": [0.6, 0.4, 0.5, 0.3]}, index=["A", "B", "C", "D"])
    peers = pd.DataFrame({"region": ["A", "A"], "peer": ["B", "D"]})
    rel = sb.relative(scores, ["A", "B", "C", "D"], peers, PLAIN).set_index("region")
    # EU mean = 0.45: A 0.6/0.45 = 133 strength; B 88.9 weakness; C 111 strength; D 66.7
    assert rel.loc["A", "rel_eu"] == pytest.approx(133.333, abs=1e-3)
    assert rel["status_eu"].tolist() == ["strength", "weakness", "strength", "weakness"]
    # A against peers B, D: mean 0.35 -> 171.4
    assert rel.loc["A", "rel_peers"] == pytest.approx(171.428, abs=1e-3)


def test_suggested_peers_are_the_nearest_same_level() -> None:
    regions = pd.DataFrame({"region": list("ABCDE"), "level": [2, 2, 2, 2, 1]})
    features = pd.DataFrame({"gdp": [1.0, 1.1, 5.0, 9.0, 1.0]}, index=list("ABCDE"))
    p = sb.suggest_peers(regions, features, None, 2)
    assert p[p["region"] == "A"]["peer"].tolist() == ["B", "C"]  # E is another level
    assert p[p["region"] == "E"].empty


def test_robustness_is_reproducible_with_a_seed() -> None:
    rng = np.random.default_rng(7)
    regions = [f"R{i}" for i in range(12)]
    values = pd.DataFrame([{"region": r, "indicator": i, "year": 2014, "value": rng.normal()}
                           for r in regions for i in "abcd"])
    reg = pd.DataFrame({"region": regions, "level": 2, "eu": True})
    m = sb.ScoreboardMethod(runs=60, seed=3)
    one = sb.compute(values, reg, CATALOGUE, ["K", "G"], 2014, m).scores
    two = sb.compute(values, reg, CATALOGUE, ["K", "G"], 2014, m).scores
    pd.testing.assert_frame_equal(one, two)
    assert (one["rank_p05"] <= one["rank_median"]).all()
    assert (one["rank_median"] <= one["rank_p95"]).all()
    other = sb.compute(values, reg, CATALOGUE, ["K", "G"], 2014, m.with_(seed=4)).scores
    assert not one["rank_p95"].equals(other["rank_p95"])


def test_method_is_validated_and_serialised() -> None:
    with pytest.raises(MethodError):
        sb.ScoreboardMethod(normalisation="median")  # type: ignore[arg-type]
    assert '"outlier_z": 3.0' in sb.ScoreboardMethod().to_json()
