"""Tests of clusterobs.sources.nace (methodology §1, §2b)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources import nace


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The real data mirror: CLUSTEROBS_MIRROR, else /work/shared/data when it exists."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or "/work/shared/data")
    if not (path / "nace" / "nace_rev2_structure.csv").exists():
        pytest.skip(f"no data mirror at {path}")
    return path


@pytest.mark.parametrize(
    ("dotted", "eurostat"),
    [("20.11", "C2011"), ("20.1", "C201"), ("20", "C20"), ("C", "C"), ("01.11", "A0111"),
     ("46.1", "G461"), ("99.00", "U9900"), ("05", "B05")],
)  # fmt: skip
def test_code_conversion_round_trip(dotted: str, eurostat: str) -> None:
    assert nace.nace_code_to_eurostat(dotted) == eurostat
    assert nace.eurostat_to_nace_code(eurostat) == dotted


@pytest.mark.parametrize("bad", ["2011", "20.111", "04", "X20", ""])
def test_code_conversion_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        nace.nace_code_to_eurostat(bad)


def test_eurostat_code_must_match_section() -> None:
    with pytest.raises(ValueError, match="not in section"):
        nace.eurostat_to_nace_code("B20")


def test_aggregates() -> None:
    assert nace.eurostat_aggregate_members("B-N_X_K") == list("BCDEFGHIJLMN")
    assert nace.eurostat_aggregate_members("C10-C12") == ["C10", "C11", "C12"]
    assert nace.eurostat_aggregate_members("G461") == ["G461"]
    assert nace.eurostat_aggregate_members("B-C", divisions=["B05", "C10", "D35", "C101"]) == [
        "B05",
        "C10",
    ]
    with pytest.raises(ValueError):
        nace.eurostat_aggregate_members("B-12")


def test_structure(mirror: Path) -> None:
    table = nace.read_nace_structure(mirror / "nace" / "nace_rev2_structure.csv")
    assert list(table.columns) == nace.COLUMNS
    assert table["level"].value_counts().to_dict() == {1: 21, 2: 88, 3: 272, 4: 615}
    parent = table.set_index("code")["parent"]
    assert [parent["C2011"], parent["C201"], parent["C20"]] == ["C201", "C20", "C"]
    assert parent["C"] is None
    assert (table["classification"] == "NACE_R2").all()
    divisions = table[table["level"] == 2]
    assert divisions["code"].str.fullmatch(r"[A-U]\d{2}").all()
    # every Eurostat code agrees with its section
    assert (table["code"].str[0] == table["section"]).all()


def test_naics(mirror: Path) -> None:
    table = nace.read_naics(mirror / "nace" / "naics2017.csv")
    assert table["level"].value_counts().to_dict() == {6: 1057, 5: 709, 4: 311, 3: 99, 2: 20}
    row = table.set_index("code")
    assert row.loc["311", "parent"] == "31-33"
    assert row.loc["311111", "parent"] == "31111"
    assert row.loc["31-33", "parent"] is None
    assert row.loc["541715", "section"] == "54"


def test_concordance(mirror: Path) -> None:
    links = nace.read_naics_nace_concordance(mirror / "nace" / "naics2017_to_nace_rev2.csv")
    assert len(links) == 1790
    assert links["naics"].nunique() == 1058
    assert links["nace"].nunique() == 616  # 615 classes + one link to group 01.2
    assert "A012" in set(links["nace"])
    assert links.loc[0, "line"] == 2


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_column_names_file_and_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "naics2017,nace_rev2\n111110,01.11\n")
    with pytest.raises(SchemaError) as info:
        nace.read_naics_nace_concordance(path)
    assert f"{path}:1" in str(info.value) and "nace_rev2_title" in str(info.value)


def test_bad_value_names_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "naics2017,nace_rev2,nace_rev2_title,notes\n111110,01.11,x,\n111120,0111,y,\n",
    )
    with pytest.raises(DataError) as info:
        nace.read_naics_nace_concordance(path)
    assert info.value.line == 3 and "'0111'" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        nace.read_nace_structure(tmp_path / "absent.csv")


def test_structure_level_mismatch(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "order,level,code,parent,section,eurostat_code,title,isic_rev4\n"
        "1,1,C,,C,C,MANUFACTURING,C\n2,2,20,C,C,C201,Chemicals,20\n",
    )
    with pytest.raises(DataError) as info:
        nace.read_nace_structure(path)
    assert info.value.line == 3
