"""Fixtures of the trends and scoreboard tests: the built store plus the scoreboard stage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from clusterobs.store import reader


@pytest.fixture(scope="session")
def scoreboard_store(built_store: Path) -> Path:
    """The session's built store, which includes the scoreboard tables."""
    return built_store


@pytest.fixture(scope="module", autouse=True)
def insights_store(scoreboard_store: Path, loaded_store: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the portal at the scoreboard store (the default dataset's results next to the
    loaded store) and a private var folder for reports."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CLUSTEROBS_STORE", str(loaded_store))
    patch.setenv("CLUSTEROBS_VAR", str(tmp_path_factory.mktemp("var")))
    yield scoreboard_store
    patch.undo()


@pytest.fixture(scope="session")
def sb(scoreboard_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An independent read-only connection to the scoreboard store."""
    connection = reader.connect(scoreboard_store)
    yield connection
    connection.close()
