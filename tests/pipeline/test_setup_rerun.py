"""`make run` a second time (issue 18): `clusterobs setup` rebuilds nothing when every source
the mirror has is loaded and every dataset is built, even though an optional source (the
current Eurostat file) is missing from the mirror; a newly loaded source rebuilds its dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clusterobs import cli
from clusterobs.sources import declarations


@pytest.fixture()
def calls(loaded_store: Path, built_store: Path, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    store = tmp_path / "store" / "observatory.duckdb"
    store.parent.mkdir(parents=True)
    shutil.copyfile(loaded_store, store)
    (store.parent / "datasets").mkdir()
    for ds in declarations.all_datasets():
        shutil.copyfile(built_store, store.parent / "datasets" / f"{ds}.duckdb")
    monkeypatch.setenv("CLUSTEROBS_STORE", str(store))
    seen: dict[str, list[object]] = {"load": [], "build": [], "scoreboard": []}
    monkeypatch.setattr(cli, "data_load", lambda ids, strict=True: seen["load"].append(list(ids)))
    monkeypatch.setattr(cli, "build_cmd", lambda ds: seen["build"].append(ds))
    monkeypatch.setattr(cli, "scoreboard_cmd", lambda year, ds: seen["scoreboard"].append(ds))
    from clusterobs.pipeline import editions

    monkeypatch.setattr(editions, "first_editions", lambda: [])
    import django.core.management

    monkeypatch.setattr(django.core.management, "call_command", lambda *a, **k: None)
    return seen


def test_a_second_setup_rebuilds_nothing(calls: dict[str, list[object]]) -> None:
    result = CliRunner().invoke(cli.app, ["setup"])
    assert result.exit_code == 0, result.output
    assert calls["build"] == [] and calls["scoreboard"] == []
    # the optional current-Eurostat source is absent from the mirror: asked for, not a rebuild
    assert calls["load"] and "sbs_r_nuts2021" in calls["load"][0]


def test_a_results_file_without_the_read_model_is_rebuilt_once(calls: dict[str, list[object]]) -> None:
    """A file built before cluster_view (issue 16) would be served through the slower joins."""
    import duckdb

    from clusterobs import config

    old = config.results_path(declarations.default_id())
    with duckdb.connect(str(old)) as con:
        con.execute("DROP TABLE cluster_view")
    result = CliRunner().invoke(cli.app, ["setup"])
    assert result.exit_code == 0, result.output
    assert calls["build"] == [declarations.default_id()]
