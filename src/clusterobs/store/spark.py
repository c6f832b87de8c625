"""Spark as the compute engine of a build (``clusterobs build --engine spark``; issue 19).

A Spark session (local, ``spark://``, YARN, Kubernetes: any ``--master``) wrapped as an Ibis
backend, and the hand-over of tables between the results file (DuckDB) and Spark through
Parquet files, which is how a cluster reads its inputs (object storage) and how its outputs
come back (docs/deploy.md §7). pyspark is imported only here, and only when asked for (the
``[spark]`` extra; Java 17).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from clusterobs import config
from clusterobs.errors import ConfigError, StoreError
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
    # the executors' Python runs the per-group steps (map_groups): this interpreter, with
    # clusterobs, unless the platform names another (docs/deploy.md §7)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    check_master(master)
    reachable(master)
    scratch.mkdir(parents=True, exist_ok=True)
    builder: Any = SparkSession.builder
    if master != "submit":  # "submit": the master spark-submit (or the platform) has set
        builder = builder.master(master)
    local = master.startswith("local")
    try:
        spark = _start(builder, local, scratch)
    except Exception as exc:
        raise StoreError(f"--master {master}: the Spark session did not start ({_first_line(exc)})") from None
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield ibis.pyspark.connect(spark)
    except Exception as exc:
        failure = driver_failure(exc)
        if failure is None:
            raise
        raise StoreError(failure) from None
    finally:
        with contextlib.suppress(Exception):  # a JVM that died (out of memory) cannot be stopped
            spark.stop()


#: the masters Spark accepts (its own check: "yarn or start with spark, k8s, or local"):
#: local threads, a local test cluster, a standalone cluster (one or more HOST:PORT), YARN,
#: Kubernetes, and "submit" (the master spark-submit has set)
_MASTERS = (r"local(\[(\d+|\*)(,\d+)?\])?", r"local-cluster\[\d+,\d+,\d+\]",
            r"spark://[^\s:/,]+:\d+(,[^\s:/,]+:\d+)*", r"yarn", r"k8s://\S+", r"submit")


def check_master(master: str) -> None:
    """A ConfigError (one line) unless *master* is a Spark master URL.

    >>> check_master("local[2]"); check_master("spark://a:7077,b:7077")
    >>> check_master("bogus://x")
    Traceback (most recent call last):
    ...
    clusterobs.errors.ConfigError: --master 'bogus://x': expected local[N], spark://HOST:PORT, yarn, \
k8s://https://HOST:PORT, local-cluster[N,CORES,MB] or submit (under spark-submit)
    """
    if not any(re.fullmatch(pattern, master) for pattern in _MASTERS):
        raise ConfigError(f"--master {master!r}: expected local[N], spark://HOST:PORT, yarn, "
                          "k8s://https://HOST:PORT, local-cluster[N,CORES,MB] or submit (under spark-submit)")
    if master == "yarn" and not (os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")):
        raise ConfigError("--master yarn: set HADOOP_CONF_DIR or YARN_CONF_DIR to the cluster's "
                          "configuration (docs/deploy.md section 7)")


def reachable(master: str, timeout: float = 5.0) -> None:
    """A StoreError (one line) when no master of a standalone cluster (``spark://HOST:PORT``,
    several for a cluster with standby masters) accepts a connection: Spark itself retries
    for a minute and then fails with pages of Java stack traces."""
    if not master.startswith("spark://"):
        return
    failures = []
    for address in master.removeprefix("spark://").split(","):
        host, port = address.rsplit(":", 1)
        try:
            with socket.create_connection((host, int(port)), timeout=timeout):
                return
        except OSError as exc:
            failures.append(f"{address}: {exc.strerror or exc}")
    raise StoreError(f"--master {master}: no Spark master answers ({'; '.join(failures)})")


def _start(builder: Any, local: bool, scratch: Path) -> Any:
    """The Spark session of a build (*builder* with its master set)."""
    return (builder.appName("clusterobs-build")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")  # the build reports its own steps
             .config("spark.sql.shuffle.partitions",
                     config.get("CLUSTEROBS_SPARK_PARTITIONS") or ("4" if local else "200"))
             .config("spark.sql.session.timeZone", "UTC")
             # results come back as Parquet files (land), not through the driver's JVM; with
             # spark-submit its --driver-memory applies instead
             .config("spark.driver.memory", config.get("CLUSTEROBS_SPARK_DRIVER_MEMORY") or "4g")
             .config("spark.driver.maxResultSize", "0")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
             .getOrCreate())


def _first_line(exc: BaseException) -> str:
    """What a failed session start says, in one line: the Java exception's own message when
    the JVM threw, else the Python error's first line (Java's exit reason is printed above
    it by spark-submit)."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        with contextlib.suppress(Exception):
            return str(java.toString()).splitlines()[0][:200]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def driver_failure(exc: BaseException) -> str | None:
    """The one-line message of a Spark driver that failed under a build (*exc*: py4j's error
    when the JVM threw, or its lost connection once the JVM died; most often the driver's
    heap), or None for any other error.

    >>> from py4j.protocol import Py4JNetworkError
    >>> driver_failure(Py4JNetworkError("Answer from Java side is empty")).split(":")[0]
    'the Spark driver failed (Py4JNetworkError'
    >>> driver_failure(ValueError("no")) is None
    True
    """
    from py4j.protocol import Py4JError

    if not isinstance(exc, Py4JError | ConnectionError):
        return None
    memory = config.get("CLUSTEROBS_SPARK_DRIVER_MEMORY") or "4g"
    return (f"the Spark driver failed ({_first_line(exc)}): most often "
            f"its memory is too small; set CLUSTEROBS_SPARK_DRIVER_MEMORY (now {memory}) or spark-submit's "
            "--driver-memory (docs/deploy.md section 7)")


def share(con: Connection, backend: ibis.BaseBackend, name: str, scratch: Path) -> ibis.Table:
    """Table *name* of the DuckDB connection *con*, written as Parquet under *scratch* and
    read by the Spark *backend* as a table of the same name."""
    path = scratch / f"table-{name}.parquet"  # Spark skips names starting with "_" or "."
    shutil.rmtree(path, ignore_errors=True)
    path.unlink(missing_ok=True)
    con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
    return backend.read_parquet(str(path), table_name=name)


def map_groups(backend: ibis.BaseBackend, expr: ibis.Table, by: list[str],
               fn: Callable[[pd.DataFrame], pd.DataFrame], schema: pa.Schema, scratch: Path) -> pads.Dataset:
    """*fn* run by the executors on the rows of *expr* partitioned by *by* (each partition
    whole groups, its Arrow batches joined into one frame), the results written as Parquet
    under *scratch* (:func:`land`)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    backend._run_pre_execute_hooks(expr)  # as Ibis's own execute does (memtables, UDFs)
    frame = backend.raw_sql(backend.compile(expr))
    names = list(schema.names)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        parts = list(batches)
        if parts:
            out = fn(pd.concat(parts, ignore_index=True))[names]
            # pandas' Arrow-backed text columns reach pyspark's serializer as chunked arrays
            yield out.astype({c: object for c in names if pd.api.types.is_string_dtype(out[c])})

    mapped = frame.repartition(*by).mapInPandas(run, from_arrow_schema(schema))
    return land(mapped, scratch, schema)


def fetch(backend: ibis.BaseBackend, expr: ibis.Table, scratch: Path) -> pads.Dataset:
    """The rows of *expr* computed on Spark, written as Parquet under *scratch* (:func:`land`)."""
    backend._run_pre_execute_hooks(expr)
    return land(backend.raw_sql(backend.compile(expr)), scratch)


_landed = itertools.count()


def land(frame: Any, scratch: Path, schema: pa.Schema | None = None) -> pads.Dataset:
    """The rows of the Spark DataFrame *frame*, written by the executors as Parquet files in
    a new folder of *scratch* (the hand-over folder, which the driver sees), as a dataset the
    results file reads lazily: nothing passes through the driver's JVM, whose memory no longer
    grows with the results (it collected them before: 20M generated rows needed a 10 GB heap)."""
    path = scratch / f"result-{next(_landed)}.parquet"
    frame.write.mode("overwrite").parquet(str(path))
    files = part_files(path)
    if not files:
        # no file here: no rows, or the executors wrote them where this machine does not see
        if not frame.isEmpty():
            raise StoreError(f"the Spark executors wrote results this machine does not see ({path}): "
                             "CLUSTEROBS_SPARK_WORK must be a folder the driver and the executors share "
                             "(docs/deploy.md section 7)")
        return pads.dataset(pa.Table.from_batches([], schema=schema or _arrow_schema(frame)))
    return pads.dataset(files, schema=schema, format="parquet")


def part_files(path: Path) -> list[str]:
    """The Parquet files Spark wrote into the folder *path*, as this machine sees them."""
    return sorted(str(f) for f in path.glob("*.parquet"))


def _arrow_schema(frame: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(frame.schema)
