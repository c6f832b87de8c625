"""Panorama editions on real data: immutable builds, exact change logs, interrupted builds, publishing.

Two editions are cut from a copy of the session's built store (data up to 2013 and up to
2014; ``rebuild=False`` keeps the module fast, the stars are those of a full build) once
per module; reports are left out here (tests/reports covers them).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from clusterobs.cli_panorama import panorama_app
from clusterobs.errors import StoreError
from clusterobs.pipeline import editions as pe
from clusterobs.store import editions as se


@pytest.fixture(scope="module")
def root(built_store: Path, loaded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Editions 2025-H1 (data to 2013, published) and 2025-H2 (data to 2014)."""
    folder = tmp_path_factory.mktemp("editions")
    source = folder.parent / "edition_source.duckdb"
    shutil.copyfile(built_store, source)
    # the loaded store the results were built from: a cut edition copies its observations
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLUSTEROBS_STORE", str(loaded_store))
        for name, year in (("2025-H1", 2013), ("2025-H2", 2014)):
            pe.build_edition(name, source=source, root=folder, max_year=year, rebuild=False, formats=())
    pe.publish("2025-H1", folder)
    return folder


def stars_at(store: Path, year: int) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT scheme, method, region, category, stars FROM ratings WHERE year = ?",
                           [year]).df()


def test_change_log_lists_exactly_the_changed_ratings(root: Path) -> None:
    # independent: plain pandas over both editions' ratings (absent = 0 stars)
    a = stars_at(se.store_path("2025-H1", root), 2013)
    b = stars_at(se.store_path("2025-H2", root), 2014)
    keys = ["scheme", "method", "region", "category"]
    both = a.merge(b, on=keys, how="outer", suffixes=("_0", "_1")).fillna({"stars_0": 0, "stars_1": 0})
    expected = both[both["stars_0"] != both["stars_1"]]
    log = se.changes("2025-H2", root, kind="rating")
    assert len(expected) > 1000
    got = log[keys + ["stars_t0", "stars_t1"]].astype({"stars_t0": int, "stars_t1": int})
    want = expected.rename(columns={"stars_0": "stars_t0", "stars_1": "stars_t1"})[got.columns]
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True),
        want.astype({"stars_t0": int, "stars_t1": int}).sort_values(keys).reset_index(drop=True))
    assert set(log["cause"]) == {"new_data_year"}
    assert se.manifest("2025-H2", root)["change_log"]["rows"] == len(se.changes("2025-H2", root))


def test_criterion_rows_match_the_flags(root: Path) -> None:
    with duckdb.connect(str(se.store_path("2025-H1", root)), read_only=True) as con:
        a = con.execute("""SELECT region, category, size FROM ratings WHERE year = 2013
                           AND scheme = 'eu-clusters' AND method = 'eco-classic'""").df()
    with duckdb.connect(str(se.store_path("2025-H2", root)), read_only=True) as con:
        b = con.execute("""SELECT region, category, size FROM ratings WHERE year = 2014
                           AND scheme = 'eu-clusters' AND method = 'eco-classic'""").df()
    both = a.merge(b, on=["region", "category"], how="outer").fillna(False)
    changed = both[both["size_x"] != both["size_y"]]
    log = se.changes("2025-H2", root, kind="criterion", scheme="eu-clusters", method="eco-classic",
                     criterion="size")
    assert len(log) == len(changed)
    covered = log[log["sub_cause"] != "not_covered"]
    assert covered["cut_t0"].notna().all() and covered["value_t1"].notna().all()
    assert set(covered["sub_cause"]) <= {"own_value", "threshold_shift"}


def test_edition_folder_is_complete_and_read_only(root: Path) -> None:
    folder = root / "2025-H2"
    manifest = se.manifest("2025-H2", root)
    assert manifest["headline_year"] == 2014 and manifest["max_data_year"] == 2014
    assert manifest["previous"] == "2025-H1" and len(manifest["fingerprint"]) == 12
    assert {s["dataset"] for s in manifest["sources"]} >= {"sbs_r_nuts06_r2", "gisco-nuts2016-l2"}
    assert "size_share" in manifest["methodology"] and manifest["nuts_version"] == 2016
    for name, info in manifest["files"].items():
        assert (folder / name).stat().st_size == info["bytes"]
        assert not (folder / name).stat().st_mode & 0o222, f"{name} is writable"
    with duckdb.connect(str(folder / se.STORE), read_only=True) as con:
        assert con.execute("SELECT max(year) FROM observations").fetchall()[0][0] == 2014
    with zipfile.ZipFile(folder / "data-2025-H2.zip") as zf:
        files = set(zf.namelist())
        frame = pd.read_parquet(zf.open("clusters_eu-clusters_uscmp-strong_2014.parquet"))
    assert "clusters_emerging_eco-classic_2014.csv" in files and len(files) == 1 + 2 * 9
    assert set(frame["year"]) == {2014}


def test_listing_and_current(root: Path) -> None:
    listed = se.list_editions(root)
    assert [e["name"] for e in listed] == ["2025-H1", "2025-H2"]
    assert [e["current"] for e in listed] == [True, False]
    kinds = {d["kind"] for d in listed[1]["downloads"]}
    assert {"data", "changes_csv", "manifest"} <= kinds
    assert se.current_store(root) == root / "2025-H1" / se.STORE
    assert se.transitions("2025-H2", root)["eu-clusters/eco-classic"]["index"][0] == "not rated"


def test_existing_and_invalid_names_are_refused(root: Path) -> None:
    with pytest.raises(StoreError, match="immutable"):
        pe.build_edition("2025-H1", source=root / "2025-H1" / se.STORE, root=root, rebuild=False)
    for bad in ("2025-H3", "2025H1", "25-H1", "2025-H1-r1", "../2025-H1"):
        with pytest.raises(StoreError, match="invalid edition name"):
            se.validate_name(bad)
    assert se.validate_name("2026-H2-r2") == "2026-H2-r2"


def test_interrupted_build_leaves_the_current_edition_serving(root: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    # halfway: after the store and the change log, before the data package and reports
    monkeypatch.setattr(pe, "data_package", interrupt)
    with pytest.raises(KeyboardInterrupt):
        pe.build_edition("2026-H1", source=root / "2025-H2" / se.STORE, root=root, rebuild=False)
    assert se.names(root) == ["2025-H1", "2025-H2"]
    assert not list(root.glob(".*building*")) and not (root / "2026-H1").exists()
    assert se.current_name(root) == "2025-H1"
    with duckdb.connect(str(se.current_store(root)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ratings").fetchall()[0][0] > 0
    # a build killed without cleanup leaves only a hidden folder: never listed
    (root / ".2026-H1.building-1").mkdir()
    assert se.names(root) == ["2025-H1", "2025-H2"]
    pe._remove_stale(root)
    assert not (root / ".2026-H1.building-1").exists()


def test_schedule_plan() -> None:
    hashes = {"sbs": "a", "nuts": "b"}
    assert pe.plan(date(2026, 3, 1), [], None, hashes) == ("2026-H1", "the half-year 2026-H1 has no edition")
    assert pe.plan(date(2026, 3, 1), ["2025-H2", "2026-H1"], hashes, hashes)[0] is None
    name, reason = pe.plan(date(2026, 3, 1), ["2026-H1"], {**hashes, "sbs": "old"}, hashes)
    assert name == "2026-H1-r2" and "sbs" in reason
    assert pe.plan(date(2026, 9, 1), ["2026-H1"], hashes, hashes)[0] == "2026-H2"


def test_schedule_does_nothing_when_up_to_date(root: Path) -> None:
    result = pe.schedule(today=date(2025, 10, 1), root=root, source=root / "2025-H2" / se.STORE)
    assert result.action == "nothing" and "up to date" in result.reason


def test_cli_list_diff_and_publish(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(root))
    runner = CliRunner()
    listed = runner.invoke(panorama_app, ["list", "--json"])
    assert listed.exit_code == 0 and [e["name"] for e in json.loads(listed.stdout)] == ["2025-H1", "2025-H2"]
    out = tmp_path / "changes.csv"
    diff = runner.invoke(panorama_app, ["diff", "2025-H1", "2025-H2", "--out", str(out)])
    assert diff.exit_code == 0 and "new_data_year" in diff.stdout
    assert len(pd.read_csv(out)) == len(se.changes("2025-H2", root))
    assert runner.invoke(panorama_app, ["publish", "2025-H2"]).exit_code == 0
    assert se.current_name(root) == "2025-H2"
    bad = runner.invoke(panorama_app, ["publish", "2031-H1"])
    assert bad.exit_code == 1 and "no edition" in bad.stderr
    pe.publish("2025-H1", root)
