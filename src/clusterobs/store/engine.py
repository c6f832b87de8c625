"""The one owner of the DuckDB API: connections, the errors callers catch, the Ibis backend,
and the one writer of a table.

Only :mod:`clusterobs.store` imports ``duckdb`` (an import-linter contract in
``pyproject.toml``); every other package takes its connection type, its exceptions and its
connections from here. Tables are written by :func:`write_table` (create or replace, or
replace a subset of rows with ``where``): the frame is checked against the table's declared
schema (:mod:`clusterobs.store.schema`), cast to the declared types and written sorted by
the table's sort key.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from clusterobs.errors import StoreError
from clusterobs.store.schema import SCHEMAS, TableSchema

#: a DuckDB connection (or cursor)
Connection = duckdb.DuckDBPyConnection

Error = duckdb.Error
CatalogException = duckdb.CatalogException
BinderException = duckdb.BinderException
ConversionException = duckdb.ConversionException
InvalidInputException = duckdb.InvalidInputException
IOException = duckdb.IOException
PermissionException = duckdb.PermissionException

#: the SQL dialect of the store, for ``ibis.to_sql``
DIALECT = "duckdb"

#: what a table is written from (an Arrow dataset: Parquet files read as they are written in)
Frame: TypeAlias = pd.DataFrame | pa.Table | pads.Dataset
_names = itertools.count()


def connect(path: Path | str, *, read_only: bool = False) -> Connection:
    """A connection to the DuckDB file *path* (read-only when asked)."""
    return duckdb.connect(str(path), read_only=read_only)


def memory() -> Connection:
    """A connection to a new in-memory database (parsing files, scratch work)."""
    return duckdb.connect()


def ibis_backend(con: Connection) -> ibis.BaseBackend:
    """An Ibis backend over the connection *con* (same database, same transaction)."""
    return ibis.duckdb.from_connection(con)


def ibis_memory() -> ibis.BaseBackend:
    """An Ibis backend over a new in-memory database."""
    return ibis.duckdb.connect()


def table_exists(con: Connection, name: str) -> bool:
    """True when the database of *con* holds table *name* (temporary tables included)."""
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchall()
    return bool(rows and rows[0][0])


def drop_relation(con: Connection, name: str) -> None:
    """Drop table or view *name* of the main database when it exists (either kind: a table
    may become a view between two builds of the same file)."""
    rows = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                       "AND table_schema = 'main'", [name]).fetchall()
    for (kind,) in rows:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {_quote(name)}")


def _columns(frame: Frame) -> list[str]:
    if isinstance(frame, pads.Dataset):
        return list(frame.schema.names)
    return list(frame.column_names) if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]


def _rows(frame: Frame) -> int:
    return int(frame.count_rows()) if isinstance(frame, pads.Dataset) else len(frame)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """*value* as an SQL string literal.

    >>> literal("Provence-Alpes-Côte d'Azur")
    "'Provence-Alpes-Côte d''Azur'"
    """
    return "'" + value.replace("'", "''") + "'"


def _select(frame_columns: list[str], spec: TableSchema | None) -> tuple[list[str], str]:
    """(columns in table order, their SELECT list cast to the declared types)."""
    if spec is None:
        return frame_columns, ", ".join(_quote(c) for c in frame_columns)
    spec.check_columns(frame_columns)
    return list(spec.names), ", ".join(f"CAST({_quote(c)} AS {t}) AS {_quote(c)}"
                                       for c, t in spec.columns)


def _order(spec: TableSchema | None, sort_by: Sequence[str] | None) -> str:
    keys = list(sort_by) if sort_by is not None else list(spec.sort_key if spec else ())
    return f" ORDER BY {', '.join(_quote(k) for k in keys)}" if keys else ""


def _schema(name: str, schema: TableSchema | None, temp: bool) -> TableSchema | None:
    spec = schema if schema is not None else SCHEMAS.get(name)
    if spec is None and not temp:
        raise StoreError(f"table {name} has no declared schema (clusterobs.store.schema)")
    return spec


def write_table(con: Connection, name: str, frame: Frame, *, schema: TableSchema | None = None,
                temp: bool = False, sort_by: Sequence[str] | None = None,
                where: str | None = None, params: Sequence[Any] | None = None) -> int:
    """Create or replace table *name* from *frame* (a DataFrame or Arrow table); rows written.

    *schema* defaults to the table's declaration in :data:`clusterobs.store.schema.SCHEMAS`
    (only a temporary table may have none): a missing or undeclared column is a
    :class:`StoreError` naming the table and the column, and the columns are cast to the
    declared types, in the declared order. The rows are written ordered by *sort_by*
    (default: the schema's sort key). With *where* (an SQL condition, ``?`` bound to
    *params*; ``""`` for all rows) only the rows it selects are replaced and the table keeps
    its definition: see :func:`replace_rows`.
    """
    if where is not None:
        return replace_rows(con, name, frame, where, params, schema=schema, sort_by=sort_by)
    spec = _schema(name, schema, temp)
    _, select = _select(_columns(frame), spec)
    with _registered(con, frame) as view:
        con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {name} AS "
                    f"SELECT {select} FROM {view}{_order(spec, sort_by)}")
    return _rows(frame)


def write_query(con: Connection, name: str, query: str, *, append: bool = False) -> int:
    """Create or replace table *name* from the SELECT *query* (run in the database, never
    through Python objects), cast to its declared schema and sorted by its sort key; rows
    in the table. With *append* the rows are added to the existing table instead (a table
    written in sorted parts: each part sorted, the parts in key order)."""
    spec = _schema(name, None, False)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _query_{name} AS {query}")
    try:
        cols = [r[0] for r in con.execute(f"DESCRIBE _query_{name}").fetchall()]
        _, select = _select(cols, spec)
        into = f"INSERT INTO {name}" if append else f"CREATE OR REPLACE TABLE {name} AS"
        con.execute(f"{into} SELECT {select} FROM _query_{name}{_order(spec, None)}")
    finally:
        con.execute(f"DROP VIEW IF EXISTS _query_{name}")
    return int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])


@contextmanager
def _registered(con: Connection, frame: Frame) -> Iterator[str]:
    """*frame* as a view of a unique name for the duration of the block."""
    view = f"_write_{next(_names)}"
    con.register(view, frame)
    try:
        yield view
    finally:
        con.unregister(view)


def replace_rows(con: Connection, name: str, frame: Frame, where: str | None = None,
                 params: Sequence[Any] | None = None, *, schema: TableSchema | None = None,
                 sort_by: Sequence[str] | None = None) -> int:
    """Delete the rows of table *name* that *where* selects (all rows without it), then insert
    *frame*; rows inserted.

    A table with a declared schema (*schema*, else :data:`~clusterobs.store.schema.SCHEMAS`)
    gets the checks and casts of :func:`write_table`, and is created when it does not exist
    yet; any other table (the loaded store's, declared in ``schema.sql``) must exist and
    receives the frame's columns by name.
    """
    spec = schema if schema is not None else SCHEMAS.get(name)
    if not table_exists(con, name):
        if spec is None:
            raise StoreError(f"the store has no table {name}")
        return write_table(con, name, frame, schema=spec, sort_by=sort_by)
    columns, select = _select(_columns(frame), spec)
    con.execute(f"DELETE FROM {name}" + (f" WHERE {where}" if where else ""), list(params or []))
    with _registered(con, frame) as view:
        con.execute(f"INSERT INTO {name} ({', '.join(_quote(c) for c in columns)}) "
                    f"SELECT {select} FROM {view}{_order(spec, sort_by)}")
    return _rows(frame)


def check_table(con: Connection, name: str, schema: TableSchema | None = None) -> None:
    """Check table *name* against its declared schema: a :class:`StoreError` names the table
    and the first column that is missing, undeclared or of another type."""
    spec = schema if schema is not None else SCHEMAS.get(name)
    if spec is None:
        raise StoreError(f"table {name} has no declared schema (clusterobs.store.schema)")
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    if not rows:
        raise StoreError(f"the store has no table {name}")
    actual = {str(c): str(t) for c, t in rows}
    spec.check_columns(actual)
    for column, declared in spec.columns:
        if actual[column] != declared:
            raise StoreError(f"table {name}: column {column!r} is {actual[column]}, "
                             f"declared {declared}")
