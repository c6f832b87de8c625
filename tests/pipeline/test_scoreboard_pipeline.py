"""The scoreboard stage on a copy of the real-data built store (methodology §8)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import duckdb
import pytest

from clusterobs.core.scoreboard import ScoreboardMethod
from clusterobs.pipeline.scoreboard import build_scoreboard
from clusterobs.store import scoreboard_queries as q


@pytest.fixture(scope="module")
def scoreboard_store(built_store: Path, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scoreboard") / "store.duckdb"
    shutil.copyfile(built_store, path)
    con = duckdb.connect(str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = build_scoreboard(con, mirror, method=ScoreboardMethod(runs=100))
    finally:
        con.close()
    assert rows["scoreboard_scores"] > 0
    return path


@pytest.fixture()
def con(scoreboard_store: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(scoreboard_store), read_only=True)
    yield c
    c.close()


def test_tables_and_coverage(con: duckdb.DuckDBPyConnection) -> None:
    cov = q.coverage(con)
    assert cov["year"] == 2014  # latest SBS year with >= 90% of the best NUTS-2 coverage
    dims = cov["dimensions"]
    assert dims["demand_conditions"]["lacking_data"] == ["public_demand"]
    assert dims["access_to_finance"]["proxy"] == ["innovation_expenditure"]
    assert dims["overall"]["regions"] >= 270
    # QoG EQI has no UK regions: governance is not scored there, never invented
    uk = con.execute("""SELECT count(score) FROM scoreboard_scores
                        WHERE region LIKE 'UK%' AND dimension = 'quality_of_governance'""").fetchone()
    assert uk == (0,)
    assert any("not known as NUTS" in w for w in cov["warnings"])
    meta = json.loads(con.execute("SELECT value FROM scoreboard_meta WHERE key = 'method'").fetchone()[0])
    assert meta["runs"] == 100


def test_scores_ranks_and_imputation_flags(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute("""SELECT count(*) FROM scoreboard_scores
                         WHERE score < 0 OR score > 1 OR rank_p05 > rank_p95""").fetchone()
    assert bad == (0,)
    imputed = con.execute("""SELECT imputation, count(*) FROM scoreboard_indicators
                             WHERE imputed GROUP BY ALL""").fetchall()
    assert {k for k, _ in imputed} <= {"year", "nuts1", "country"}
    # Bavaria's EQI comes from the NUTS-1 value (QoG surveys Germany at NUTS-1)
    row = con.execute("""SELECT imputed, imputation FROM scoreboard_indicators
                         WHERE region = 'DE21' AND indicator = 'eqi'""").fetchone()
    assert row == (True, "nuts1")


def test_region_profile_and_ranking(con: duckdb.DuckDBPyConnection) -> None:
    p = q.region_profile(con, "DE21")
    assert len(p["peers"]) == 5 and "DE21" not in p["peers"]
    assert {d["dimension"] for d in p["dimensions"]} >= {"overall", "knowledge_skills"}
    assert any("EU average" in s for s in p["sentences"])
    chosen = q.region_profile(con, "DE21", peers=["FR10", "ITC4"])
    assert chosen["peers"] == ["FR10", "ITC4"]
    top = q.ranking(con)
    assert top[0]["rank"] == 1 and top[0]["rank_p05"] <= top[0]["rank_median"] <= top[0]["rank_p95"]
