"""`clusterobs build --engine spark` gives the DuckDB build's results (issue 19).

On a small real subset, so that it runs in CI within the time limit: the European data of
Austria and Slovenia, and the Great Britain class-level data of North East and North West
England (NUTS-2016 UKC*, UKD*). Both builds start from the same store; the Spark build runs the
aggregation, indicators and rating criteria on a local[2] Spark session, and the confidence of
the ratings per group on its executors (mapInPandas). Asserted: the same stars, criteria and
confidence of every rating, and the same indicators rounded to 9 significant digits.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from clusterobs import pipeline
from clusterobs.errors import ConfigError
from clusterobs.pipeline import builder
from clusterobs.sources import declarations
from clusterobs.store import reader
from clusterobs.store.engine import connect

pytestmark = pytest.mark.spark

SUBSET = {"europe": "region LIKE 'AT%' OR region LIKE 'SI%'",
          "gb-bres": "region LIKE 'UKC%' OR region LIKE 'UKD%'"}
INDICATORS = ["employment", "establishments", "wages", "employment_lower", "employment_upper", "coverage",
              "uncertain_share", "share_region", "share_ref", "lq", "wage_per_employee", "relative_wage",
              "growth_1y", "growth_5y", "establishment_growth_1y", "lq_traded"]


@pytest.fixture(scope="module")
def subset_store(loaded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "subset.duckdb"
    shutil.copyfile(loaded_store, path)
    con = connect(path)
    try:
        for dataset, keep in SUBSET.items():
            ids = ", ".join(f"'{s}'" for s in declarations.get(dataset).source_ids)
            con.execute(f"DELETE FROM observations WHERE dataset IN ({ids}) AND NOT ({keep})")
    finally:
        con.close()
    return path


def _results(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with reader.connect(path) as con:
        ratings = con.execute("SELECT * FROM ratings "
                              "ORDER BY scheme, method, region, year, category").df()
        clusters = con.execute("SELECT * FROM clusters ORDER BY scheme, region, year, category").df()
    for col in INDICATORS:
        clusters[col] = clusters[col].map(lambda v: float(f"{v:.9g}") if pd.notna(v) else v)
    return ratings, clusters


@pytest.mark.parametrize("dataset", sorted(SUBSET))
def test_spark_build_equals_duckdb_build(dataset: str, subset_store: Path, tmp_path: Path) -> None:
    on_duckdb, on_spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    pipeline.build(dataset=dataset, store=subset_store, out=on_duckdb)
    pipeline.build(dataset=dataset, store=subset_store, out=on_spark, engine="spark", master="local[2]")
    (r1, c1), (r2, c2) = _results(on_duckdb), _results(on_spark)
    assert len(r1) > 1000 and r1["stars"].max() == 3
    pd.testing.assert_frame_equal(r1, r2, check_dtype=False)
    pd.testing.assert_frame_equal(c1, c2, check_dtype=False)
    assert set(r1["region"].str[:2]) == ({"AT", "SI"} if dataset == "europe" else {"UK"})


def test_unknown_engine_is_a_one_line_error(subset_store: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected one of duckdb, spark"):
        pipeline.build(dataset="europe", store=subset_store, out=tmp_path / "x.duckdb", engine="flink")
    assert builder.ENGINES == ("duckdb", "spark")


def test_a_failed_spark_driver_is_a_one_line_error(tmp_path: Path) -> None:
    """The JVM running out of memory while it collects results surfaces in Python as py4j's
    error, then as lost connections: the build reports one line naming the setting."""
    from py4j.protocol import Py4JNetworkError

    from clusterobs.errors import StoreError
    from clusterobs.store import spark as spark_store

    with pytest.raises(StoreError, match="CLUSTEROBS_SPARK_DRIVER_MEMORY") as caught, \
            spark_store.session("local[1]", tmp_path / "scratch"):
        raise Py4JNetworkError("Answer from Java side is empty")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("the Spark driver failed (Py4JNetworkError: Answer from Java side is empty)")


def test_results_come_back_as_parquet_and_unseen_ones_are_an_error(tmp_path: Path, monkeypatch) -> None:
    """Spark's results land as Parquet files in the hand-over folder (not through the
    driver's JVM); rows the driver cannot see there (a folder the executors do not share
    with it) stop the build with one line instead of an empty table."""
    import ibis

    from clusterobs.errors import StoreError
    from clusterobs.store import spark as spark_store

    scratch = tmp_path / "scratch"
    with spark_store.session("local[1]", scratch) as backend:
        rows = ibis.memtable(pd.DataFrame({"region": ["AT11", "SI03", "AT12"], "n": [3, 1, 2]}))
        landed = spark_store.fetch(backend, rows.filter(rows.n > 1), scratch)
        assert sorted(landed.to_table().to_pylist(), key=lambda r: r["n"]) == [
            {"region": "AT12", "n": 2}, {"region": "AT11", "n": 3}]
        assert all(f.startswith(str(scratch)) for f in landed.files)
        assert spark_store.fetch(backend, rows.filter(rows.n > 5), scratch).count_rows() == 0
        monkeypatch.setattr(spark_store, "part_files", lambda path: [])
        with pytest.raises(StoreError, match="CLUSTEROBS_SPARK_WORK must be a folder the driver and the executors"):
            spark_store.fetch(backend, rows, scratch)
        assert spark_store.fetch(backend, rows.filter(rows.n > 5), scratch).count_rows() == 0


def test_a_session_that_does_not_start_is_a_one_line_error(tmp_path: Path) -> None:
    """A master Spark accepts but cannot use (here: no Kubernetes API at that address) is one
    line naming the master and Java's reason, not py4j's stack trace."""
    from clusterobs.errors import StoreError
    from clusterobs.store import spark as spark_store

    with pytest.raises(StoreError) as caught, spark_store.session("k8s://https://127.0.0.1:1", tmp_path / "s"):
        pass
    message = str(caught.value)
    assert message.startswith("--master k8s://https://127.0.0.1:1: the Spark session did not start (")
    assert "Kubernetes" in message and "\n" not in message


def test_a_hand_over_folder_that_cannot_be_made_is_a_one_line_error(subset_store: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from clusterobs.errors import StoreError

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLUSTEROBS_SPARK_WORK", str(blocker / "work"))
    out = tmp_path / "out.duckdb"
    with pytest.raises(StoreError) as caught:
        pipeline.build(dataset="europe", store=subset_store, out=out, engine="spark", master="local[1]")
    assert str(caught.value) == (f"CLUSTEROBS_SPARK_WORK={blocker / 'work'}: cannot make the Spark hand-over "
                                 "folder out-spark-work there (Not a directory)")
    assert not out.exists()
