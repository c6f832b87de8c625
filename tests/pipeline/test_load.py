"""Loading real data into the store: counts, spot values, unknown codes, atomicity."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from clusterobs import pipeline
from clusterobs.cli import app
from clusterobs.errors import DataError, UnknownCodeError
from clusterobs.store import reader
from tests.sbs_counts import count_values

REFERENCE = ["nuts-names", "nuts-crosswalks", "nace"]
SBS_HEADER = "nace_r2,indic_sb,geo\\time\t2014 \t2013 \n"


def test_store_counts_equal_an_independent_count_of_the_file(loaded_store: Path, sbs_path: Path) -> None:
    expected = count_values(sbs_path)
    names = {"V16110": "employment", "V11210": "establishments", "V13320": "wages",
             "V91290": "employment_growth_pct", "V94310": "manufacturing_share_pct"}
    with reader.connect(loaded_store) as con:
        counts = reader.value_counts(con)["sbs_r_nuts06_r2"]
        got = {(code, y): counts[name][y] for code, name in names.items() for y in counts[name]
               if counts[name][y]}
        assert got == expected
        value = con.execute("""SELECT value, flag FROM observations WHERE region = 'DE21'
            AND industry = 'C' AND year = 2014 AND measure = 'employment'""").fetchone()
        assert value == (388509.0, None)  # PROVENANCE.md §1
        confidential = con.execute("""SELECT count(*) FROM observations
            WHERE flag LIKE '%c%' AND value IS NULL""").fetchone()[0]
        assert confidential > 90_000  # 'c' cells kept as missing + flag, never dropped
        prov = {p["dataset"]: p for p in reader.provenance(con)}
        assert len(prov["sbs_r_nuts06_r2"]["sha256"]) == 64
        issues = reader.load_issues(con)
        # every SBS code is a known NUTS / NACE code
        assert [i for i in issues if i["dataset"] == "sbs_r_nuts06_r2"] == []
        # CBP 2019 names 21 CBSAs of the 2017 delineation that the county lookup lacks: left
        # out (declared unknown_regions: drop) and reported with their row counts
        cbp = [i for i in issues if i["dataset"] == "us-cbp-2019"]
        assert len(cbp) == 21 and {i["kind"] for i in cbp} == {"unknown_region"}
        assert all(i["cells"] > 0 for i in cbp)


def _mirror_with(tmp_path: Path, mirror: Path, sbs_body: str) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in ("nuts_names_2013_2016_2021_2024.csv", "jrc_nuts_converter_crosswalks_2006_2024.csv.gz",
                 "nace_rev2_structure.csv"):
        (folder / name).symlink_to(next(mirror.rglob(name)))
    with gzip.open(folder / "sbs_r_nuts06_r2.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write(SBS_HEADER + sbs_body)
    return folder


def test_unknown_codes_warn_or_fail_with_strict(tmp_path, mirror, monkeypatch) -> None:
    body = "C,V16110,AT11\t5 \t6 \nC99,V16110,AT11\t1 \t2 \nC,V16110,QQ11\t1 \t2 \n"
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(_mirror_with(tmp_path, mirror, body)))
    store = tmp_path / "store.duckdb"
    report = pipeline.load([*REFERENCE, "sbs_r_nuts06_r2"], store=store)
    assert report.unknown == {"unknown_region": [("QQ11", 2)], "unknown_industry": [("C99", 2)]}
    before = store.read_bytes()
    with pytest.raises(UnknownCodeError, match=r"1 unknown region codes \(e.g. QQ11\); the store is unchanged"):
        pipeline.load([*REFERENCE, "sbs_r_nuts06_r2"], store=store, strict=True)
    assert store.read_bytes() == before


def test_bad_file_leaves_the_store_unchanged(tmp_path, mirror, monkeypatch) -> None:
    good = _mirror_with(tmp_path, mirror, "C,V16110,AT11\t5 \t6 \n")
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(good))
    store = tmp_path / "store.duckdb"
    pipeline.load([*REFERENCE, "sbs_r_nuts06_r2"], store=store)
    before = store.read_bytes()
    with gzip.open(good / "sbs_r_nuts06_r2.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write(SBS_HEADER + "C,V16110,AT11\t5 \tfive\n")
    with pytest.raises(DataError, match=r"sbs_r_nuts06_r2.tsv.gz:2: value 'five' in column 2013"):
        pipeline.load(["sbs_r_nuts06_r2"], store=store)
    assert store.read_bytes() == before
    assert [p.name for p in store.parent.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_interrupted_load_leaves_the_store_intact(tmp_path, mirror, monkeypatch) -> None:
    folder = _mirror_with(tmp_path, mirror, "C,V16110,AT11\t5 \t6 \n")
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    store = tmp_path / "store.duckdb"
    pipeline.load([*REFERENCE, "sbs_r_nuts06_r2"], store=store)
    before = store.read_bytes()
    from clusterobs.pipeline import loader as load_module

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(load_module, "record", interrupt)
    with pytest.raises(KeyboardInterrupt):
        pipeline.load(["sbs_r_nuts06_r2"], store=store)
    assert store.read_bytes() == before
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == 2


def test_cli_status_json(loaded_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTEROBS_STORE", str(loaded_store))
    result = CliRunner().invoke(app, ["data", "status", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    counts = payload["value_counts"]["sbs_r_nuts06_r2"]["employment"]
    with reader.connect(loaded_store) as con:
        direct = con.execute("""SELECT count(value) FROM observations WHERE measure = 'employment'
                                AND year = 2014 AND dataset = 'sbs_r_nuts06_r2'""").fetchone()[0]
    assert counts["2014"] == direct
    assert payload["sources"]["sbs_r_nuts06_r2"]["values"] == 1_100_929
    datasets = payload["datasets"]
    assert {"europe", "gb-bres", "us-cbp"} <= set(datasets)
    assert datasets["europe"]["default"] and datasets["europe"]["values"] == 1_100_929
    assert (datasets["gb-bres"]["first_year"], datasets["gb-bres"]["last_year"]) == (2015, 2021)
    assert datasets["us-cbp"]["geography"] == "cbsa 2019"


def test_cli_error_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTEROBS_STORE", str(tmp_path / "none.duckdb"))
    result = CliRunner().invoke(app, ["data", "status"])
    assert result.exit_code == 1
    assert "no store at" in result.output and "Traceback" not in result.output
    assert os.path.exists(tmp_path) and not (tmp_path / "none.duckdb").exists()
