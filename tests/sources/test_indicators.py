"""Tests of clusterobs.sources.indicators: catalogue, readers, unknown region codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clusterobs.sources import indicators as si
from clusterobs.sources.gisco import read_nuts_crosswalk

DIMENSIONS = {"knowledge_skills", "access_to_finance", "collaboration_internationalisation",
              "demand_conditions", "entrepreneurial_conditions", "quality_of_governance"}


@pytest.fixture(scope="module")
def crosswalk(mirror: Path) -> pd.DataFrame:
    cw = read_nuts_crosswalk(mirror / "nuts_classification" / "jrc_nuts_converter_crosswalks_2006_2024.csv.gz")
    return cw[(cw["to_version"] == 2016) & (cw["level"] <= 2)]


def test_catalogue_assigns_every_indicator_to_a_dimension() -> None:
    cat = si.load_catalogue()
    assert set(cat.structure["dimension"]) == DIMENSIONS
    assert set(cat.indicators["dimension"]) <= DIMENSIONS
    assert set(cat.indicators["direction"]) == {1, -1}
    assert cat.indicators.loc[cat.indicators["is_proxy"], "indicator"].tolist() == ["innovation_expenditure"]
    used = set(cat.indicators["sub_dimension"])
    assert "public_demand" not in used  # shown as lacking data, never filled


def test_catalogue_rejects_a_bad_direction(tmp_path: Path) -> None:
    text = Path(si.__file__).parent.parent.joinpath("data", "scoreboard_indicators.yaml").read_text()
    bad = tmp_path / "cat.yaml"
    bad.write_text(text.replace("direction: -1", "direction: 2", 1))
    with pytest.raises(si.DataError, match="direction must be 1 or -1"):
        si.load_catalogue(bad)


def test_unknown_nuts_code_warns_and_the_rest_loads(tmp_path: Path) -> None:
    # a NUTS 2016 long file with FR24 (a NUTS 2013 code) and a made-up XX99
    path = tmp_path / "long.csv"
    pd.DataFrame({
        "geo": ["DE21", "FRB0", "FR24", "XX99", "EU28"], "country": ["DE", "FR", "FR", "XX", "EU"],
        "year": 2014, "variable": "x", "value": [1.0, 2.0, 3.0, 4.0, 5.0],
    }).to_csv(path, index=False)
    cw = pd.DataFrame({"from_code": ["DE21", "FRB0"], "to_code": ["DE21", "FRB0"],
                       "from_version": 2016, "to_version": 2016, "level": 2, "pop21": 1.0})
    spec = {"source": "long.csv", "reader": "tgs_long", "args": {"variable": "x"},
            "nuts_version": "2016"}
    with pytest.warns(si.UnknownRegionWarning, match=r"long\.csv: 2 region code.*FR24, XX99"):
        t = si.read_file_indicator(spec, tmp_path, cw, {"DE21", "FRB0"})
    assert t.sort_values("region")[["region", "value"]].values.tolist() == [["DE21", 1.0], ["FRB0", 2.0]]


def test_ris_reader_real_file(mirror: Path, crosswalk: pd.DataFrame) -> None:
    cat = si.load_catalogue().indicators.set_index("indicator")
    spec = dict(cat.loc["smes_collaborating"]) | {"args": {"indicator": "0"}}  # the SII
    with pytest.warns(si.UnknownRegionWarning):  # RS11-RS22, NO0B are not in the crosswalk
        t = si.read_file_indicator(spec, mirror, crosswalk, set(crosswalk["to_code"]) | {"CY"})
    # PROVENANCE §14: DE21 Oberbayern SII 2023 = 164.29; FR1 = 140.51 (NUTS-1)
    got = t.set_index(["region", "year"])["value"]
    assert got[("DE21", 2023)] == pytest.approx(164.29)
    assert got[("FR1", 2023)] == pytest.approx(140.51)


def test_rci_merged_capital_area_goes_to_its_members(mirror: Path, crosswalk: pd.DataFrame) -> None:
    spec = dict(si.load_catalogue().indicators.set_index("indicator").loc["rci"])
    t = si.read_file_indicator(spec, mirror, crosswalk, set(crosswalk["to_code"]))
    got = t.set_index(["region", "year"])["value"]
    # AT00 = Wien and its commuting area (AT12 + AT13), 2019 = 0.61; DE21 2019 = 0.92
    assert got[("AT13", 2019)] == got[("AT12", 2019)] == pytest.approx(0.61)
    assert got[("DE21", 2019)] == pytest.approx(0.92)
    # HU10 (a NUTS 2013 code in the file) is converted to HU11 and HU12
    assert got[("HU11", 2019)] == pytest.approx(-0.02)
    assert got[("HU12", 2019)] == pytest.approx(-0.02)


def test_tertiary_share_from_counts(mirror: Path, crosswalk: pd.DataFrame) -> None:
    spec = dict(si.load_catalogue().indicators.set_index("indicator").loc["tertiary_share"])
    with pytest.warns(si.UnknownRegionWarning, match="TR10"):
        t = si.read_file_indicator(spec, mirror, crosswalk, set(crosswalk["to_code"]))
    share = t.set_index(["region", "year"])["value"]
    assert share.min() > 0 and share.max() < 100
    assert share[("DE21", 2014)] == pytest.approx(share[("DE21", 2014)])  # present
    assert ("FRB0", 2014) in share.index  # FR24 (NUTS 2013) renamed to FRB0
