"""One computation, several engines: the same Ibis expressions on DuckDB and on local Spark."""

from __future__ import annotations

import os
import shutil

import ibis
import numpy as np
import pandas as pd
import pytest

from clusterobs.core import indicators, stars
from clusterobs.core.methodology import Methodology

pytestmark = pytest.mark.spark


def small_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    regions = [f"R{i:02d}" for i in range(12)]
    rows = [(r, 2, y, c, float(rng.integers(0, 5000)), float(rng.integers(1, 90)), float(rng.uniform(1, 90)), 0.0)
            for r in regions for y in (2013, 2014) for c in ("a", "b", "c")]
    clusters = pd.DataFrame(rows, columns=["region", "level", "year", "category", "employment",
                                           "establishments", "wages", "uncertain_share"])
    totals = clusters.groupby(["region", "level", "year"], as_index=False).agg(
        employment_total=("employment", "sum"), wages_total=("wages", "sum"))
    totals["employment_total"] += 1000.0
    return clusters, totals


def run(con: ibis.BaseBackend) -> pd.DataFrame:
    clusters, totals = small_tables()
    c = con.create_view("clusters_t", ibis.memtable(clusters), overwrite=True)
    t = con.create_view("totals_t", ibis.memtable(totals), overwrite=True)
    m = Methodology(size_share=0.25, focus_share=0.25, productivity_share=0.25)
    ind = indicators.cluster_indicators(c, t, m)
    rated = stars.eco_and_panorama(ind, m)
    out = con.execute(rated).sort_values(["region", "year", "category"], ignore_index=True)
    return out[["region", "year", "category", "lq", "share_ref", "growth_1y", "eco_stars", "panorama_stars"]]


def test_duckdb_and_spark_give_identical_results(tmp_path) -> None:
    assert shutil.which("java") or os.environ.get("JAVA_HOME"), "Java is needed for the Spark engine test"
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.warehouse.dir", str(tmp_path / "warehouse"))
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={tmp_path}")
             .getOrCreate())
    try:
        on_spark = run(ibis.pyspark.connect(spark))
    finally:
        spark.stop()
    on_duckdb = run(ibis.duckdb.connect())
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False, rtol=1e-12)
    assert on_duckdb["eco_stars"].sum() > 0
