"""Schemes and Methodology refuse bad definitions with clear errors; aggregation arithmetic."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from clusterobs.core.methodology import Methodology
from clusterobs.core.schemes import Scheme, aggregate
from clusterobs.errors import MethodError, SchemeError


def scheme_table(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"classification": "NACE_R2", "industry": i, "category": c,
                          "category_name": c.upper(), "weight": w, "traded": True} for i, c, w in rows])


def make(rows, partitioning=True) -> Scheme:
    return Scheme.from_table(scheme_table(rows), id="t", version="1", title="T", partitioning=partitioning)


def test_weights_outside_zero_one() -> None:
    with pytest.raises(SchemeError, match=r"weight 1.5 of industry C20 in category a is outside \(0, 1\]"):
        make([("C20", "a", 1.5)])
    with pytest.raises(SchemeError, match="weight 0.0 of industry C21"):
        make([("C20", "a", 1.0), ("C21", "a", 0.0)])


def test_partitioning_weights_must_not_exceed_one() -> None:
    with pytest.raises(SchemeError, match=r"partitioning but the weights of industry C20 sum to 1.2 > 1"):
        make([("C20", "a", 0.6), ("C20", "b", 0.6)])
    overlapping = make([("C20", "a", 0.6), ("C20", "b", 0.6)], partitioning=False)
    assert len(overlapping.mapping) == 2  # emerging industries may overlap


def test_unknown_codes_are_listed() -> None:
    s = make([("C20", "a", 1.0), ("X99", "a", 1.0)])
    with pytest.raises(SchemeError, match=r"1 industry codes unknown to NACE_R2: X99"):
        s.validate({"C20", "C21"})


def test_duplicate_rows_and_missing_columns() -> None:
    with pytest.raises(SchemeError, match="listed twice"):
        make([("C20", "a", 0.5), ("C20", "a", 0.5)])
    with pytest.raises(SchemeError, match="missing columns weight"):
        Scheme.from_table(scheme_table([("C20", "a", 1.0)]).drop(columns="weight"),
                          id="t", version="1", title="T", partitioning=True)


def test_aggregate_fractional_weights() -> None:
    s = make([("C20", "chem", 1.0), ("C21", "chem", 0.25), ("C21", "pharma", 0.75)])
    data = pd.DataFrame({"region": "A", "level": 2, "year": 2014, "industry": ["C20", "C21", "C22"],
                         "employment": [100.0, 40.0, 7.0], "establishments": [10.0, 4.0, 1.0],
                         "wages": [1.0, 2.0, 3.0], "uncertain": [False, True, False]})
    out = aggregate(ibis.memtable(data), ibis.memtable(s.mapping)).to_pandas().set_index("category")
    assert out.loc["chem", "employment"] == pytest.approx(110.0)  # 100 + 0.25*40
    assert out.loc["pharma", "employment"] == pytest.approx(30.0)  # 0.75*40
    assert out.loc["chem", "uncertain_share"] == pytest.approx(10 / 110)  # 0.25*40 uncertain
    assert set(out.index) == {"chem", "pharma"}  # C22 is in no category


@pytest.mark.parametrize(("change", "message"), [
    ({"size_share": 0.0}, r"size_share must be in \(0, 1\)"),
    ({"specialisation_lq": -1.0}, "specialisation_lq must be > 0"),
    ({"lq_base": "exports"}, "lq_base must be one of total, traded"),
    ({"specialisation_lq": 3.0}, r"confidence_lq_range \(1.8, 2.2\) must contain specialisation_lq 3.0"),
    ({"confidence_draws": 0}, "confidence_draws must be >= 1"),
    ({"uscmp_quantiles": (0.75, 1.5, 0.5, 0.25, 0.25)}, "uscmp_quantiles must lie in"),
])
def test_impossible_methodology(change, message) -> None:
    with pytest.raises(MethodError, match=message):
        Methodology(**change)


def test_methodology_round_trip_and_fingerprint() -> None:
    m = Methodology(size_share=0.05)
    again = Methodology.from_dict(m.to_dict())
    assert again == m and again.fingerprint == m.fingerprint
    assert Methodology().fingerprint != m.fingerprint
    with pytest.raises(MethodError, match="unknown Methodology fields: bogus"):
        Methodology.from_dict({**m.to_dict(), "bogus": 1})
