"""Shared pieces of the command-line modules: consoles, one-line errors, progress."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from clusterobs.errors import ClusterObsError

console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which file, and what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.filename2:
        where = f"{exc.filename} -> {exc.filename2}: "
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{where}permission denied ({os.strerror(exc.errno)}); the folder is read-only "
                "for this user: check CLUSTEROBS_VAR and the folder's owner")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}no space left on the device; free some space and run again"
    return f"{where}{exc.strerror or exc.__class__.__name__}"


def expected_failure(exc: BaseException) -> str | None:
    """The one-line message of an expected failure, or None for a bug (which keeps its traceback).

    Expected: deliberate errors (:class:`ClusterObsError`), operating-system errors (a
    read-only folder, a full disk, a missing file), DuckDB's I/O errors (a file it cannot
    open or write) and the application database refusing to write (read-only or locked
    SQLite file, PostgreSQL down), each reported with the file or database concerned.
    """
    if isinstance(exc, ClusterObsError):
        return str(exc)
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.IOException | duckdb.PermissionException):
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        full = "No space left" in str(exc) or "ENOSPC" in str(exc)
        return f"the store could not be written ({first})" + (
            "; free some space and run again" if full else "")
    db = sys.modules.get("django.db")
    if db is not None and isinstance(exc, db.OperationalError | db.InterfaceError):
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        return f"the portal database failed: {first} (check DATABASE_URL or that CLUSTEROBS_VAR is writable)"
    management = sys.modules.get("django.core.management.base")
    if management is not None and isinstance(exc, management.CommandError):
        return str(exc)
    return None


def friendly(fn: F) -> F:
    """Print an expected failure (see :func:`expected_failure`) as one line and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            message = expected_failure(exc)
            if message is None:
                raise
            err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar() -> Iterator[Callable[[str], None]]:
    """A Rich spinner whose description follows the pipeline's steps."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("starting", total=None)
        yield lambda step: bar.update(task, description=step)
