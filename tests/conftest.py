"""Shared fixtures: the real data mirror and a store loaded from it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterobs import pipeline

DEFAULT_MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The folder of real source files (CLUSTEROBS_MIRROR, else ../shared/data)."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or DEFAULT_MIRROR)
    if not (path / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz").exists():
        pytest.fail(f"the real data mirror is missing at {path}: set CLUSTEROBS_MIRROR")
    return path


@pytest.fixture(scope="session")
def sbs_path(mirror: Path) -> Path:
    return mirror / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz"


@pytest.fixture(scope="session")
def loaded_store(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the core datasets loaded from the real mirror (built once)."""
    var = tmp_path_factory.mktemp("var")
    env = {"CLUSTEROBS_MIRROR": str(mirror), "CLUSTEROBS_VAR": str(var)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        store = var / "store" / "observatory.duckdb"
        pipeline.load(store=store)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return store


@pytest.fixture()
def isolated_var(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CLUSTEROBS_VAR with the mirror set, for tests that write a store."""
    monkeypatch.setenv("CLUSTEROBS_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(mirror))
    monkeypatch.delenv("CLUSTEROBS_STORE", raising=False)
    return tmp_path / "var"


@pytest.fixture(scope="session")
def built_store(loaded_store: Path) -> Path:
    """The loaded real-data store after `clusterobs build` and `clusterobs scoreboard`
    (built once per session).

    Tests must open it read-only (``clusterobs.store.reader.connect``) and never change it.
    """
    from clusterobs.sources import declarations

    # where the portal looks for the default dataset's results when CLUSTEROBS_STORE names
    # the loaded store (config.results_path)
    built = loaded_store.parent / "datasets" / f"{declarations.default_id()}.duckdb"
    if not built.exists():
        import warnings

        from clusterobs.pipeline.scoreboard import build_scoreboard
        from clusterobs.store.writer import StoreWriter

        pipeline.build(store=loaded_store, out=built)
        mirror = Path(os.environ.get("CLUSTEROBS_MIRROR") or DEFAULT_MIRROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # regions of non-EU countries the crosswalk lacks
            with StoreWriter(built) as writer:
                build_scoreboard(writer.con, mirror)
                writer.commit()
    return built


@pytest.fixture(scope="session")
def built_datasets(built_store: Path, loaded_store: Path) -> dict[str, Path]:
    """Every built-in dataset built next to the default one (Great Britain, US: seconds each)."""
    from clusterobs.sources import declarations

    out = {}
    for ds in declarations.builtin().values():
        path = built_store.with_name(f"{ds.id}.duckdb")
        if not path.exists():
            pipeline.build(dataset=ds.id, store=loaded_store, out=path)
        out[ds.id] = path
    return out
