"""A Spark master given to ``clusterobs build --engine spark --master`` is checked before any
work (issue 19): a typo or an unreachable standalone master is one line, not a minute of
Java retries and pages of stack traces."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from clusterobs import pipeline
from clusterobs.errors import ConfigError, StoreError
from clusterobs.store import spark as spark_store


@pytest.mark.parametrize("master", ["local", "local[1]", "local[*]", "local[4,2]", "local-cluster[2,1,1024]",
                                    "spark://host:7077", "spark://a.example:7077,b.example:7077",
                                    "k8s://https://10.0.0.1:6443", "submit"])
def test_spark_master_urls_are_accepted(master: str) -> None:
    spark_store.check_master(master)


@pytest.mark.parametrize("master", ["", "bogus://x", "local[two]", "local[2", "spark://host", "spark://:7077",
                                    "spark://host:port", "yarn-client", "mesos://host:5050", "k8s://"])
def test_other_masters_are_a_one_line_error_naming_them(master: str) -> None:
    with pytest.raises(ConfigError) as caught:
        spark_store.check_master(master)
    message = str(caught.value)
    assert message.startswith(f"--master {master!r}: expected local[N], spark://HOST:PORT, yarn")
    assert "\n" not in message


def test_yarn_needs_the_cluster_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HADOOP_CONF_DIR", raising=False)
    monkeypatch.delenv("YARN_CONF_DIR", raising=False)
    with pytest.raises(ConfigError, match="HADOOP_CONF_DIR or YARN_CONF_DIR"):
        spark_store.check_master("yarn")
    monkeypatch.setenv("YARN_CONF_DIR", str(tmp_path))
    spark_store.check_master("yarn")


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_standalone_master_must_answer() -> None:
    dead = _closed_port()
    with pytest.raises(StoreError) as caught:
        spark_store.reachable(f"spark://127.0.0.1:{dead}")
    assert str(caught.value) == (f"--master spark://127.0.0.1:{dead}: no Spark master answers "
                                 f"(127.0.0.1:{dead}: Connection refused)")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        alive = listening.getsockname()[1]
        spark_store.reachable(f"spark://127.0.0.1:{alive}")
        # a standby master that is down does not matter while another one answers
        spark_store.reachable(f"spark://127.0.0.1:{dead},127.0.0.1:{alive}")
    spark_store.reachable("local[2]")  # nothing to reach


def test_a_bad_master_stops_the_build_before_it_writes(tmp_path: Path) -> None:
    out = tmp_path / "results.duckdb"
    with pytest.raises(ConfigError, match="--master 'bogus://x'"):
        pipeline.build(dataset="europe", store=tmp_path / "store.duckdb", out=out, engine="spark",
                       master="bogus://x")
    assert list(tmp_path.iterdir()) == []
