"""Fault corpus of issue 17 (items 4 and 5): expected failures are one line, killed jobs leave no litter.

* a read-only var: the commands print one ``error:`` line, exit 1 and write nothing;
* a full disk (ENOSPC), a held lock, a DuckDB I/O error: one line, exit 1;
* ``/healthz`` opens the database (and writes to it), the store and the published edition;
* a writer killed with SIGKILL leaves ``.observatory.duckdb.PID.tmp``; the next writer removes it.

A read-only folder is simulated with a read-only bind mount in a private mount namespace
(``unshare -m``) when the tests run as root (root ignores permission bits), else with
``chmod a-w``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import typer
from django.test import Client
from typer.testing import CliRunner

from clusterobs.cli_support import expected_failure, friendly
from clusterobs.errors import StoreError
from clusterobs.store.writer import StoreWriter

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("clusterobs")


def _tree(folder: Path) -> dict[str, object]:
    """Every path below *folder* with its mode and, for files, a digest of its bytes."""
    return {str(p.relative_to(folder)): (stat.S_IMODE(p.stat().st_mode),
                                         hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _readonly_run(var: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run *args* with *var* read-only for the process (see the module's description)."""
    if os.geteuid() == 0:
        script = f'mount --bind "{var}" "{var}" && mount -o remount,bind,ro "{var}" && exec "$@"'
        args = ["unshare", "-m", "sh", "-c", script, "sh", *args]
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def readonly_var() -> Iterator[tuple[Path, dict[str, str]]]:
    """A var folder with a store (base tables) and a migrated portal database, then read-only."""
    base = Path(tempfile.mkdtemp(prefix="clusterobs-ro-"))
    var = base / "var"
    with StoreWriter(var / "store" / "observatory.duckdb", fresh=True) as writer:
        writer.commit()
    (var / "editions").mkdir()
    env = {**os.environ, "CLUSTEROBS_VAR": str(var), "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings",
           "DJANGO_DEBUG": "1", "COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}
    for key in ("DATABASE_URL", "CLUSTEROBS_STORE", "CLUSTEROBS_EDITIONS", "CLUSTEROBS_CACHE"):
        env.pop(key, None)
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    if os.geteuid() == 0:
        probe = _readonly_run(var, ["touch", str(var / "probe")], env)
        if probe.returncode == 0 or "Read-only" not in probe.stderr:
            shutil.rmtree(base)
            pytest.skip("cannot make a read-only mount here (unshare -m not permitted)")
    else:
        for path in [var, *var.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
    yield var, env
    for path in [var, *var.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    shutil.rmtree(base)


@pytest.mark.parametrize("command", [
    ["data", "load", "sbs_r_nuts06_r2"],
    ["panorama", "build"],
    ["backup", "--out", "{var}/backup.tar.gz"],
    ["serve", "--port", "1"],
])
def test_read_only_var_gives_one_line(readonly_var: tuple[Path, dict[str, str]], command: list[str]) -> None:
    var, env = readonly_var
    before = _tree(var)
    done = _readonly_run(var, [str(CLI), *(part.format(var=var) for part in command)],
                         {**env, "CLUSTEROBS_MIRROR": str(ROOT.parent / "shared" / "data")})
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "read-only" in lines[0].lower() or "readonly" in lines[0].lower()
    assert _tree(var) == before


def test_healthz_is_503_when_the_database_refuses_writes(readonly_var: tuple[Path, dict[str, str]]) -> None:
    """Reads work on a read-only SQLite file, sign-in does not: /healthz must say so."""
    var, env = readonly_var
    script = ("import django, json; django.setup()\n"
              "from django.test import Client\n"
              "r = Client().get('/healthz', HTTP_HOST='localhost')\n"
              "print(json.dumps([r.status_code, r.json()]))\n")
    done = _readonly_run(var, [sys.executable, "-c", script], env)
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503 and body["status"] == "unhealthy"
    assert body["checks"]["database"].startswith("error: OperationalError: attempt to write a readonly database")


# ------------------------------------------------------------------ one-line errors in-process

def _command(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @friendly
    def run() -> None:
        raise exc

    @app.command()
    def other() -> None:  # pragma: no cover - a second command keeps `run` a sub-command
        pass

    return app


@pytest.mark.parametrize(("exc", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device", "/srv/var/store/.observatory.duckdb.7.tmp"),
     "error: /srv/var/store/.observatory.duckdb.7.tmp: no space left on the device; free some space and run again"),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/var/editions/.lock"),
     "error: /srv/var/editions/.lock: permission denied (Permission denied); the folder is read-only"),
    (OSError(errno.EROFS, "Read-only file system", "/srv/var/cache"),
     "error: /srv/var/cache: permission denied (Read-only file system)"),
    (StoreError("another process is writing /srv/var/store/observatory.duckdb; try again when it ends"),
     "error: another process is writing /srv/var/store/observatory.duckdb; try again when it ends"),
    (duckdb.IOException('IO Error: Could not write file "/srv/x.duckdb.wal": No space left on device'),
     "error: the store could not be written (IO Error: Could not write file \"/srv/x.duckdb.wal\": "
     "No space left on device); free some space and run again"),
])
def test_expected_failures_are_one_line(exc: BaseException, expected: str) -> None:
    result = CliRunner().invoke(_command(exc), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_a_bug_keeps_its_traceback() -> None:
    assert expected_failure(KeyError("x")) is None
    result = CliRunner().invoke(_command(KeyError("x")), ["run"])
    assert isinstance(result.exception, KeyError)


def test_lock_held_is_one_line(isolated_var: Path) -> None:
    """A second writer of the same store, while the first holds it: one line, exit 1."""
    from clusterobs.cli import app

    store = isolated_var / "store" / "observatory.duckdb"
    with StoreWriter(store, fresh=True):
        result = CliRunner().invoke(app, ["data", "load", "sbs_r_nuts06_r2"], env={"COLUMNS": "400"})
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1
    assert lines == [f"error: another process is writing {store}; try again when it ends"]


@pytest.mark.django_db
def test_backup_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clusterobs.cli import app

    monkeypatch.setenv("CLUSTEROBS_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("CLUSTEROBS_STORE", raising=False)
    monkeypatch.delenv("CLUSTEROBS_EDITIONS", raising=False)
    out = tmp_path / "backups"
    out.mkdir()

    def full(self: tarfile.TarFile, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out / ".b.tar.gz.tmp"))

    monkeypatch.setattr(tarfile.TarFile, "addfile", full)
    result = CliRunner().invoke(app, ["backup", "--out", str(out / "b.tar.gz")], env={"COLUMNS": "400"})
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1
    assert lines[0].startswith(f"error: backup to {out / 'b.tar.gz'} failed: ")
    assert lines[0].endswith("no space left on the device; free some space and run again")
    assert list(out.iterdir()) == []  # no partial archive, no temporary file


# ----------------------------------------------------------------------------------- /healthz

@pytest.fixture()
def portal_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A live store where the portal reads it (the store, or the results file of its dataset)."""
    from clusterobs.portal import store as portal_store

    var = tmp_path / "var"
    monkeypatch.setenv("CLUSTEROBS_VAR", str(var))
    monkeypatch.setenv("CLUSTEROBS_STORE", str(var / "store" / "observatory.duckdb"))
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(var / "editions"))
    data_path = getattr(portal_store, "data_path", None)
    targets = {var / "store" / "observatory.duckdb", *([data_path()] if data_path else [])}
    for target in targets:
        with StoreWriter(target, fresh=True) as writer:
            writer.commit()
    return var


@pytest.mark.django_db
def test_healthz_opens_what_it_reports(portal_var: Path, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_the_store_is_not_a_database(portal_var: Path, client: Client) -> None:
    from clusterobs.portal import store as portal_store

    target = portal_store.data_path() if hasattr(portal_store, "data_path") else \
        portal_var / "store" / "observatory.duckdb"
    target.write_bytes(b"\x00" * 8192)  # exists, but damaged
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["store"].startswith("error: ")


@pytest.mark.django_db
def test_healthz_checks_the_published_edition(portal_var: Path, client: Client) -> None:
    edition = portal_var / "editions" / "2026-H1"
    edition.mkdir(parents=True)
    (edition / "manifest.json").write_text('{"name": "2026-H1"}', encoding="utf-8")
    (edition / "store.duckdb").write_bytes(b"not duckdb" * 100)
    (portal_var / "editions" / "CURRENT").write_text("2026-H1\n", encoding="utf-8")
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["store"] == "ok" and checks["edition"].startswith("error: ")
    shutil.copyfile(portal_var / "store" / "observatory.duckdb", edition / "store.duckdb")
    assert client.get("/healthz").json()["checks"] == {"database": "ok", "store": "ok", "edition": "ok"}


# ------------------------------------------------------------------------- killed writers

WRITER = """
import sys, time
from pathlib import Path
from clusterobs.store.writer import StoreWriter
writer = StoreWriter(Path(sys.argv[1])).__enter__()
writer.con.execute("CREATE TABLE filler AS SELECT range AS i, random() AS v FROM range(300000)")
print("writing", flush=True)
time.sleep(120)
"""


def test_killed_writer_leaves_an_orphan_that_the_next_run_removes(tmp_path: Path) -> None:
    store = tmp_path / "store" / "observatory.duckdb"
    with StoreWriter(store, fresh=True) as writer:
        writer.con.execute("INSERT INTO regions (region, nuts_version, level, name, country) "
                           "VALUES ('AT11', 2016, 2, 'Burgenland', 'AT')")
        writer.commit()
    before = store.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(store)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    orphan = store.with_name(f".{store.name}.{proc.pid}.tmp")
    wal = orphan.with_name(orphan.name + ".wal")
    assert orphan.exists() and orphan.stat().st_size + (wal.stat().st_size if wal.exists() else 0) > 1_000_000
    # a live process's file is not an orphan (its id is this test's parent process)
    alive = store.with_name(f".{store.name}.{os.getppid()}.tmp")
    alive.write_bytes(b"in use")
    with StoreWriter(store) as writer:
        assert writer.tmp.exists()
    assert not orphan.exists() and not wal.exists()
    assert alive.exists()
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == sorted(
        [store.name, store.name + ".lock", alive.name])
