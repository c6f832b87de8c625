"""Tests of clusterobs.sources.uscmp (methodology §2b, §4c)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources import uscmp


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The real data mirror: CLUSTEROBS_MIRROR, else /work/shared/data when it exists."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or "/work/shared/data")
    if not (path / "us_cluster_mapping" / "uscmp_clusters.csv").exists():
        pytest.skip(f"no data mirror at {path}")
    return path


def test_clusters(mirror: Path) -> None:
    table = uscmp.read_clusters(mirror / "us_cluster_mapping" / "uscmp_clusters.csv")
    assert int(table["traded"].sum()) == 51
    assert int((~table["traded"]).sum()) == 16
    assert sorted(table.loc[table["traded"], "cluster_code"]) == list(range(1, 52))
    assert sorted(table.loc[~table["traded"], "cluster_code"]) == list(range(101, 117))


def test_crosswalk(mirror: Path) -> None:
    table = uscmp.read_crosswalk(
        mirror / "us_cluster_mapping" / "naics_to_uscmp_cluster_crosswalk.csv"
    )
    assert len(table) == 992
    assert int(table["emsi_specific"].sum()) == 37
    assert int(table["cluster_code"].isna().sum()) == 6
    traded = table[table["traded_local"] == "Traded"]
    assert traded["cluster_code"].nunique() == 51
    assert table.loc[table["traded_local"] == "Local", "cluster_code"].nunique() == 16
    # DPS publish 778 traded industries (NAICS 2007 basis); this NAICS 2012/2017 crosswalk
    # holds 680 traded rows, 660 of them standard USCMP rows.
    assert len(traded) == 680
    assert int((~traded["emsi_specific"]).sum()) == 660


def test_cluster_by_region(mirror: Path) -> None:
    table = uscmp.read_cluster_by_region(
        mirror / "us_cluster_mapping" / "uscmp_cluster_by_region_2016.csv.gz"
    )
    assert len(table) == 65124
    assert table["region_type"].value_counts().to_dict() == {
        "msa": 61439,
        "state": 3350,
        "economic": 335,
    }
    assert str(table["strong"].dtype) == "boolean"
    assert table["emp"].dtype == "int64"


def test_related_clusters(mirror: Path) -> None:
    table = uscmp.read_related_clusters(
        mirror / "us_cluster_mapping" / "uscmp_related_clusters.csv.gz"
    )
    assert len(table) == 2601
    assert table["clustera"].dtype == "int64"
    assert table["rel_all_90_v3"].dtype == "float64"


def test_cbp(mirror: Path) -> None:
    table = uscmp.read_cbp(mirror / "us_cbp" / "cbp2019_cbsa_naics2017.csv.gz")
    assert (table["naics_level"] == 6).all()
    assert table["naics_code"].nunique() == 961
    assert int(table["emp"].sum()) == 115_591_806  # methodology §2b: 115.6 m


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "clusters.csv", "cluster_code,cluster_name,traded\n1,A,True\n")
    with pytest.raises(SchemaError) as info:
        uscmp.read_clusters(path)
    assert info.value.line == 1 and "cluster_type" in str(info.value)


def test_bad_integer_names_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cbp.csv",
        "cbsa_code,naics_code,naics_level,emp,estab\n1,111111,6,5,1\n1,111112,6,x,1\n",
    )
    with pytest.raises(DataError) as info:
        uscmp.read_cbp(path)
    assert info.value.line == 3 and "'emp'" in str(info.value) and "integer" in str(info.value)


def test_bad_boolean_and_inconsistent_type(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "clusters.csv",
        "cluster_code,cluster_name,traded,cluster_type\n1,A,True,traded\n2,B,maybe,traded\n",
    )
    with pytest.raises(DataError, match="True or False") as info:
        uscmp.read_clusters(path)
    assert info.value.line == 3
    path = _write(
        tmp_path,
        "clusters2.csv",
        "cluster_code,cluster_name,traded,cluster_type\n1,A,True,local\n",
    )
    with pytest.raises(DataError, match="consistent with cluster_type"):
        uscmp.read_clusters(path)


def test_crosswalk_rejects_bad_naics(tmp_path: Path) -> None:
    header = ",".join(uscmp.CROSSWALK_COLUMNS)
    path = _write(tmp_path, "x.csv", f"{header}\n11111,A,Traded,1,A,a,False\n")
    with pytest.raises(DataError) as info:
        uscmp.read_crosswalk(path)
    assert info.value.line == 2 and "6-digit" in str(info.value)


def test_nullable_integer() -> None:
    frame = pd.DataFrame({"x": ["1", None, "3"]})
    values = uscmp.to_int(frame, "x", Path("f.csv"), nullable=True)
    assert values.tolist()[0] == 1 and pd.isna(values.tolist()[1])
    with pytest.raises(DataError) as info:
        uscmp.to_int(frame, "x", Path("f.csv"))
    assert info.value.line == 3
