"""Write the store: every change goes to a new file that replaces the old one atomically.

:class:`StoreWriter` copies the current store (if any) to a temporary file next to it,
lets the caller change that copy, and on :meth:`StoreWriter.commit` checkpoints it and
renames it over the store with :func:`os.replace`, which is atomic on POSIX. Readers that
opened the old file keep reading it; a failure or an interrupt before the rename leaves
the old store untouched and the temporary file removed. A lock file keeps two writers apart.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO

import duckdb

from clusterobs import config
from clusterobs.errors import StoreError


def schema_sql() -> str:
    """The DDL of the store's base tables."""
    return resources.files("clusterobs.store").joinpath("schema.sql").read_text("utf-8")


def _pid_alive(pid: int) -> bool:
    """True when a process with id *pid* exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class StoreWriter:
    """A transaction over a whole store file.

    Parameters
    ----------
    path:
        The store file to replace.
    fresh:
        Start from an empty store instead of a copy of the current one.
    """

    def __init__(self, path: Path, *, fresh: bool = False) -> None:
        self.path = path
        self.fresh = fresh
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._lock: IO[bytes] | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self.committed = False

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection to the new file."""
        if self._con is None:
            raise StoreError("the store writer is not open")
        return self._con

    def __enter__(self) -> StoreWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock").open("wb")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StoreError(f"another process is writing {self.path}; try again when it ends") from None
        self._lock = lock
        self.remove_orphans()
        self.tmp.unlink(missing_ok=True)
        if self.path.exists() and not self.fresh:
            shutil.copyfile(self.path, self.tmp)
        self._con = duckdb.connect(str(self.tmp), config={"memory_limit": config.build_memory()})
        self._con.execute(schema_sql())
        return self

    def remove_orphans(self) -> list[Path]:
        """Delete temporary files (``.NAME.PID.tmp`` and its ``.wal``) of writers that were killed.

        Called with the lock held, on every start: a file is an orphan when the process
        whose id it carries is no longer alive. Returns the files removed.
        """
        pattern = re.compile(rf"^\.{re.escape(self.path.name)}\.(\d+)\.tmp(?:\.wal)?$")
        removed = []
        for candidate in self.path.parent.iterdir():
            match = pattern.match(candidate.name)
            if match and int(match[1]) != os.getpid() and not _pid_alive(int(match[1])):
                candidate.unlink(missing_ok=True)
                removed.append(candidate)
        return removed

    def commit(self) -> None:
        """Make the new file the store."""
        self.con.execute("CHECKPOINT")
        self.con.close()
        self._con = None
        os.replace(self.tmp, self.path)
        self.committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if not self.committed:
            self.tmp.unlink(missing_ok=True)
            self.tmp.with_name(self.tmp.name + ".wal").unlink(missing_ok=True)
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
