"""SDMX-CSV reader: Eurostat's current dissemination API format.

Eurostat serves every dataset (``sbs_r_nuts2021`` and its successors) as SDMX-CSV 1.0
(``DATAFLOW,LAST UPDATE,freq,<dims...>,TIME_PERIOD,OBS_VALUE,OBS_FLAG``) or 2.0
(``STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME?,freq,<dims...>,TIME_PERIOD,OBS_VALUE,OBS_FLAG,
CONF_STATUS``). Cells may carry labels (``AT11: Burgenland``) when requested with
``labels=both``; only the code is kept. The result has the same shape as
:func:`clusterobs.sources.eurostat.load_bulk_tsv`, so both feed the store the same way.
A confidential observation (``CONF_STATUS`` = ``C``) gets flag ``c`` as in the bulk files.

The checks are those of the bulk reader: a header column named twice or not a plain name,
an OBS_VALUE that is not a plain decimal number or not finite, an unknown flag, a duplicated
observation, no annual TIME_PERIOD, and (with :class:`~clusterobs.sources.eurostat.Limits`)
a negative count or a value of implausible magnitude.
"""

from __future__ import annotations

from pathlib import Path

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.eurostat import (
    KNOWN_FLAGS,
    NUMBER_SQL,
    Limits,
    TsvHeader,
    check_dimension_names,
    check_limits,
    duckdb_error_line,
    open_text,
    read_first_line,
    sql_ident,
)
from clusterobs.store import engine
from clusterobs.store.engine import Connection

#: Columns that describe the file or the observation rather than a dimension.
META_COLUMNS = frozenset(
    {"dataflow", "last update", "structure", "structure_id", "structure_name", "action",
     "freq", "time_period", "obs_value", "obs_flag", "conf_status", "obs_status"}
)


def parse_sdmx_header(first_line: str, path: Path) -> tuple[list[str], list[str]]:
    """Return (all column names, dimension names) of an SDMX-CSV header line."""
    if "," not in first_line:
        raise SchemaError(
            "no comma in the header: expected comma-separated SDMX-CSV", path=str(path), line=1
        )
    cols = [c.strip().strip('"') for c in first_line.rstrip("\r\n").split(",")]
    lower = [c.split(":", 1)[0].strip().lower() for c in cols]
    for required in ("time_period", "obs_value"):
        if required not in lower:
            raise SchemaError(
                f"header has no {required.upper()} column: expected SDMX-CSV with "
                "TIME_PERIOD and OBS_VALUE",
                path=str(path),
                line=1,
            )
    twice = next((c for i, c in enumerate(lower) if c in lower[:i]), None)
    if twice is not None:
        raise SchemaError(f"header column {twice!r} appears twice: expected each column once",
                          path=str(path), line=1)
    dims = [c for c in lower if c not in META_COLUMNS]
    if not dims:
        raise SchemaError("header names no dimension column", path=str(path), line=1)
    check_dimension_names(dims, "header", path)
    return lower, dims


def load_sdmx_csv(con: Connection, path: Path, relation: str, *,
                  limits: Limits | None = None) -> TsvHeader:
    """Parse an SDMX-CSV file (optionally gzip) into the temporary table *relation*.

    Raises
    ------
    DataError
        Naming the file and line of a malformed header, value, flag or duplicated key.
    """
    lower, dims = parse_sdmx_header(read_first_line(path), path)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(lower)))
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _sdmx_raw AS
            SELECT row_number() OVER () + 1 AS line, *
            FROM read_csv(?, delim=',', header=true, quote='"', strict_mode=true,
                          columns={{{columns}}}, auto_detect=false)""",
            [str(path)],
        )
    except engine.Error as exc:
        open_text(path)  # a precise error for a broken gzip stream or a non-UTF-8 byte
        msg = str(exc).split("\n", 1)[0]
        raise DataError(f"cannot parse as SDMX-CSV: {msg}", path=str(path), line=duckdb_error_line(exc)) from None
    col = {name: f"c{i}" for i, name in enumerate(lower)}
    _materialise(con, relation, col, dims)
    _check(con, relation, dims, path)
    if limits is not None:
        check_limits(con, f"{relation}_cells", "cell", dims, limits, path,
                     lambda cell, period: f"OBS_VALUE {cell!r} ({period})")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {relation} AS SELECT * EXCLUDE (cell) FROM {relation}_cells")
    periods = tuple(r[0] for r in con.execute(f"SELECT DISTINCT period FROM {relation} ORDER BY 1").fetchall())
    return TsvHeader(dims=tuple(dims), time_dim="TIME_PERIOD", periods=periods)


def _code(expr: str) -> str:
    """SQL: the code part of a 'CODE: label' cell."""
    return f"trim(split_part({expr}, ':', 1))"


def _materialise(
    con: Connection, relation: str, col: dict[str, str], dims: list[str]
) -> None:
    dim_sql = ", ".join(f"{_code(col[d])} AS {sql_ident(d)}" for d in dims)
    flag = f"nullif(lower(trim({col['obs_flag']})), '')" if "obs_flag" in col else "NULL"
    if "conf_status" in col:
        conf = f"upper(trim({col['conf_status']}))"
        flag = f"CASE WHEN {conf} IN ('C', 'D') AND coalesce({flag}, '') NOT LIKE '%c%' THEN coalesce({flag}, '') || 'c' ELSE {flag} END"
    value = f"trim({col['obs_value']})"
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {relation}_cells AS
        SELECT {dim_sql}, {_code(col['time_period'])} AS period,
               CASE WHEN regexp_full_match({_code(col['time_period'])}, '\\d{{4}}')
                    THEN CAST({_code(col['time_period'])} AS INTEGER) END AS year,
               CASE WHEN {value} IN ('', ':') OR {value} IS NULL THEN NULL
                    ELSE TRY_CAST({value} AS DOUBLE) END AS value,
               nullif({flag}, '') AS flag, line,
               {value} AS cell
        FROM _sdmx_raw"""
    )


def _check(con: Connection, relation: str, dims: list[str], path: Path) -> None:
    known = "".join(sorted(KNOWN_FLAGS))
    bad = con.execute(
        f"""WITH c AS (
              SELECT line, cell, flag, coalesce(cell, '') NOT IN ('', ':') AND (value IS NULL
                         OR NOT regexp_full_match(cell, '{NUMBER_SQL}')) AS not_number,
                     coalesce(cell, '') NOT IN ('', ':') AND NOT isfinite(value) AS not_finite
              FROM {relation}_cells)
            SELECT line, cell, flag, not_number, not_finite FROM c
            WHERE not_number OR not_finite
               OR (flag IS NOT NULL AND NOT regexp_full_match(flag, '[{known}]+'))
            ORDER BY line LIMIT 1"""
    ).fetchone()
    if bad:
        if bad[3]:
            msg = (f"OBS_VALUE {bad[1]!r} is not a number: expected a plain decimal number "
                   "or an empty cell")
        elif bad[4]:
            msg = (f"OBS_VALUE {bad[1]!r} is not a finite number (it overflows a double): "
                   "expected a number of plausible size")
        else:
            msg = f"unknown OBS_FLAG {bad[2]!r}: expected letters of '{known}' (Eurostat flags)"
        raise DataError(msg, path=str(path), line=int(bad[0]))
    keys = ", ".join([*(sql_ident(d) for d in dims), "period"])
    dup = con.execute(
        f"""SELECT list(line ORDER BY line) FROM {relation}_cells GROUP BY {keys}
            HAVING count(*) > 1 ORDER BY min(line) LIMIT 1"""
    ).fetchone()
    if dup:
        raise DataError(
            f"duplicated observation (same dimensions and period as line {dup[0][0]}): "
            "expected each observation once",
            path=str(path),
            line=int(dup[0][1]),
        )
    annual = con.execute(
        f"SELECT count(year), min(line), arg_min(period, line) FROM {relation}_cells").fetchone()
    if annual and annual[0] == 0 and annual[1] is not None:
        raise SchemaError(f"TIME_PERIOD {annual[2]!r}: no observation is annual; expected years "
                          "like 2021", path=str(path), line=int(annual[1]))
