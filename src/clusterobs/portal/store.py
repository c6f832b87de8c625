"""The portal's access to the DuckDB store: one read-only connection per process and file.

Opening a DuckDB file costs ~100 ms, so each process keeps one read-only connection per
store file and hands every request its own cursor (DuckDB connections are not shared
between threads; cursors are). A rebuild replaces the file atomically: the identity of the
file (inode, size, modification time) is checked on every request and a new connection is
opened when it changed, so the next request sees the new edition.

Reference data that every page needs (schemes, categories, years, ...) is memoised per
file identity with :func:`memo`; it can never outlive the edition it came from.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from clusterobs.store import reader
from clusterobs.store.engine import Connection

T = TypeVar("T")
_lock = threading.Lock()
_open: dict[Path, tuple[tuple[int, int, int], Connection]] = {}
_memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_MEMO_SIZE = 512
_DUCKDB_THREADS = 1
_identity_now: contextvars.ContextVar[tuple[int, int, int] | None] = contextvars.ContextVar(
    "store_identity", default=None
)


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when the store file is replaced (raises FileNotFoundError if absent)."""
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _base(path: Path) -> tuple[tuple[int, int, int], Connection]:
    """The process's connection to *path*, reopened when the file was replaced."""
    try:
        ident = _identity(path)
    except FileNotFoundError:
        reader.connect(path)  # raises the StoreError that explains what to run
        raise
    with _lock:
        current = _open.get(path)
        if current is None or current[0] != ident:
            # small queries from many request threads: parallelism inside one query only adds contention
            con = reader.connect(path, threads=_DUCKDB_THREADS)
            current = (ident, con)
            _open[path] = current
        return current


def data_path() -> Path:
    """The results file the current request reads (its dataset, live or in an edition)."""
    from clusterobs.portal.editions import dataset_path, selected_store

    return selected_store.get() or dataset_path(None, None)


@contextmanager
def cursor(path: Path | None = None) -> Iterator[Connection]:
    """A cursor on the store (``CLUSTEROBS_STORE``, or the edition the visitor chose; or the
    file *path*), closed after use."""
    ident, base = _base(data_path() if path is None else path)
    cur = base.cursor()
    token = _identity_now.set(ident)
    try:
        yield cur
    finally:
        _identity_now.reset(token)
        cur.close()


def memo(con: Connection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(con, *args)``, memoised for the store file of the current :func:`cursor`.

    Only for small results; outside a :func:`cursor` block nothing is memoised.
    """
    key = (_identity_now.get(), fn.__module__, fn.__qualname__, *args)
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]  # type: ignore[no-any-return]
    value = fn(con, *args)
    if key[0] is not None:
        with _lock:
            _memo[key] = value
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
    return value
