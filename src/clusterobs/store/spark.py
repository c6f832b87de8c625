"""Spark as the compute engine of a build (``clusterobs build --engine spark``; issue 19).

A Spark session (local, ``spark://``, YARN, Kubernetes: any ``--master``) wrapped as an Ibis
backend, and the hand-over of tables between the results file (DuckDB) and Spark through
Parquet files, which is how a cluster reads its inputs (object storage) and how its outputs
come back (docs/deploy.md §7). pyspark is imported only here, and only when asked for (the
``[spark]`` extra; Java 17).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from clusterobs import config
from clusterobs.errors import ConfigError
from clusterobs.store.engine import Connection


@contextmanager
def session(master: str, scratch: Path) -> Iterator[ibis.BaseBackend]:
    """An Ibis backend over a new Spark session on *master*, stopped at the end; *scratch*
    holds its warehouse and the Parquet hand-over files."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise ConfigError("--engine spark needs Java 17 (Debian: openjdk-17-jre-headless)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("--engine spark needs pyspark: install the [spark] extra") from None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    scratch.mkdir(parents=True, exist_ok=True)
    builder: Any = SparkSession.builder
    if master != "submit":  # "submit": the master spark-submit (or the platform) has set
        builder = builder.master(master)
    local = master.startswith("local")
    spark = (builder.appName("clusterobs-build")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions",
                     config.get("CLUSTEROBS_SPARK_PARTITIONS") or ("4" if local else "200"))
             .config("spark.sql.session.timeZone", "UTC")
             # the rated clusters come back through the driver (a local JVM's default 1 GB
             # dies on 5M rows); with spark-submit its --driver-memory applies instead
             .config("spark.driver.memory", config.get("CLUSTEROBS_SPARK_DRIVER_MEMORY") or "4g")
             .config("spark.driver.maxResultSize", "0")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield ibis.pyspark.connect(spark)
    finally:
        spark.stop()


def share(con: Connection, backend: ibis.BaseBackend, name: str, scratch: Path) -> ibis.Table:
    """Table *name* of the DuckDB connection *con*, written as Parquet under *scratch* and
    read by the Spark *backend* as a table of the same name."""
    path = scratch / f"table-{name}.parquet"  # Spark skips names starting with "_" or "."
    shutil.rmtree(path, ignore_errors=True)
    path.unlink(missing_ok=True)
    con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
    return backend.read_parquet(str(path), table_name=name)


def fetch(backend: ibis.BaseBackend, expr: ibis.Table) -> pa.Table:
    """The rows of *expr* computed on Spark, as Arrow (collected by the driver)."""
    return backend.to_pyarrow(expr)
