"""Tests of clusterobs.sources.scheme_build and the committed scheme tables (methodology §2)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from clusterobs.errors import SchemeError
from clusterobs.sources import scheme_build as sb

METADATA = sb.load_metadata()
FILES = {key: entry["file"] for key, entry in METADATA.items()}
FILES["eu-clusters-classes"] = METADATA["eu-clusters"]["class_file"]


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The real data mirror: CLUSTEROBS_MIRROR, else /work/shared/data when it exists."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or "/work/shared/data")
    if not (path / "us_cbp" / "cbp2019_cbsa_naics2017.csv.gz").exists():
        pytest.skip(f"no data mirror at {path}")
    return path


@pytest.fixture(scope="module")
def rebuilt(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return sb.build_scheme_tables(mirror, tmp_path_factory.mktemp("schemes"))


def committed(key: str) -> pd.DataFrame:
    return sb.read_scheme_table(sb.SCHEMES_DIR / FILES[key])


@pytest.mark.parametrize("key", sorted(FILES))
def test_committed_tables_equal_a_fresh_rebuild(key: str, rebuilt: dict[str, Path]) -> None:
    fresh = sb.read_scheme_table(rebuilt[key])
    old = committed(key)
    assert list(old.columns) == sb.SCHEME_COLUMNS
    pd.testing.assert_frame_equal(
        old.drop(columns=["weight", "purity"]), fresh.drop(columns=["weight", "purity"])
    )
    pd.testing.assert_series_equal(old["weight"], fresh["weight"], atol=1e-9, rtol=0)
    pd.testing.assert_series_equal(old["purity"], fresh["purity"], atol=1e-9, rtol=0)


@pytest.mark.parametrize("key", sorted(FILES))
def test_weights_in_unit_interval_and_partitioning_sums(key: str) -> None:
    table = committed(key)
    assert ((table["weight"] > 0) & (table["weight"] <= 1)).all()
    assert not table.duplicated(["industry", "category"]).any()
    meta = METADATA["eu-clusters" if key == "eu-clusters-classes" else key]
    assert (table["scheme"] == meta["id"]).all()
    if meta["partitioning"]:
        assert table.groupby("industry")["weight"].sum().max() <= 1 + 1e-9


def test_scheme_sizes() -> None:
    divisions = committed("nace-division")
    assert len(divisions) == 88 and (divisions["industry"] == divisions["category"]).all()
    us = committed("uscmp")
    assert us["category"].nunique() == 67
    assert us.loc[us["traded"] == "true", "category"].nunique() == 51
    eu = committed("eu-clusters")
    assert eu["industry"].nunique() == 103  # 82 divisions + 21 groups of G45-G47 with weights
    assert {"G451", "G471", "C29"} <= set(eu["industry"])
    assert eu["purity"].notna().all()
    assert committed("emerging")["category"].nunique() == 10
    assert committed("ecosystems")["category"].nunique() == 14


def test_eu_clusters_c29_mostly_automotive() -> None:
    eu = committed("eu-clusters")
    c29 = eu[(eu["industry"] == "C29") & (eu["category"] == "4")]
    assert float(c29["weight"].iloc[0]) == pytest.approx(0.70, abs=0.01)


def test_tourism_is_the_published_list() -> None:
    eco = committed("ecosystems")
    tourism = eco[eco["category"] == "E14"]
    assert sorted(tourism["industry"]) == [
        "H49", "H50", "H51", "I55", "I56", "N79", "N82", "R90", "R91", "R92", "R93",
    ]  # fmt: skip
    assert (tourism["weight"] == 1).all()


def test_metadata_complete() -> None:
    assert set(METADATA) == {"nace-division", "uscmp", "eu-clusters", "emerging", "ecosystems"}
    for entry in METADATA.values():
        for field in ("version", "title", "classification", "base_level", "partitioning", "status"):
            assert field in entry, (entry["id"], field)
        assert entry["status"] in {"published", "our default"}
    assert METADATA["emerging"]["partitioning"] is False
    assert METADATA["ecosystems"]["partitioning"] is False


def test_expand_specs() -> None:
    classes = ["A012", "A0121", "A0122", "C2011", "C2012", "C2013", "J5811", "J5813", "J5821"]
    assert sb.expand_specs(["01.2"], classes) == ["A012", "A0121", "A0122"]
    assert sb.expand_specs(["58.11-58.19"], classes) == ["J5811", "J5813"]
    assert sb.expand_specs(["20", "20.11"], classes) == ["C2011", "C2012", "C2013"]
    assert sb.expand_specs(["J"], classes) == ["J5811", "J5813", "J5821"]
    with pytest.raises(SchemeError, match="matches no NACE class"):
        sb.expand_specs(["99.00"], classes)


def test_purity_report() -> None:
    report = sb.purity_report()
    assert "| quantile |" in report and "| [0.9, 1.0] |" in report
    assert report.count("| employment |") + report.count("| count |") == 15
