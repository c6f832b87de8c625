"""Eurostat bulk TSV and SDMX-CSV readers.

Both formats are parsed by DuckDB into one long relation with a column per dimension plus
``period``, ``year``, ``value``, ``flag`` and ``line`` (the 1-based line of the cell in the
file), so that every later error can name the line. Flags are kept verbatim in ``flag``
(methodology §5.1, EFLAGS): ``:`` becomes a missing value, never a zero, and a cell that is
missing *and* flagged ``c`` stays recognisable as confidential.

Validation (all fatal, each a one-line :class:`~clusterobs.errors.DataError`): unreadable or
truncated gzip, a header without the packed ``dims\\time`` key or without tabs, a key with the
wrong number of parts, a non-numeric value, an unknown flag letter, a duplicated key.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from clusterobs.errors import DataError, SchemaError
from clusterobs.store import engine
from clusterobs.store.engine import Connection

#: Flag letters published by Eurostat (EFLAGS), plus ``i`` (see metadata) found in the files.
KNOWN_FLAGS = frozenset("bcdefinprsuz")

#: Eurostat SBS indicator codes -> the observatory's measure vocabulary (methodology §1).
MEASURES = {
    "V16110": "employment",
    "V11210": "establishments",
    "V13320": "wages",
    "V91290": "employment_growth_pct",
    "V94310": "manufacturing_share_pct",
}

_PERIOD = re.compile(r"^\d{4}(?:-?(?:Q[1-4]|S[12]|M?\d{2}))?$")
_TIME_DIMS = ("time", "time_period")


@dataclass(frozen=True)
class TsvHeader:
    """The parsed first line of a bulk TSV file."""

    dims: tuple[str, ...]
    time_dim: str
    periods: tuple[str, ...]


def open_text(path: Path) -> str:
    """Return the whole text of *path*, decompressing gzip; name the line where it breaks."""
    raw = path.read_bytes()
    if not path.name.endswith(".gz"):
        return _decode(raw, path)
    try:
        return _decode(gzip.decompress(raw), path)
    except (EOFError, OSError, zlib.error) as exc:
        partial = _partial_gzip(raw)
        line = partial.count(b"\n") + 1
        raise DataError(
            f"truncated or corrupt gzip data after {len(partial):,} bytes ({exc}); "
            "expected a complete gzip file (download again)",
            path=str(path),
            line=line,
        ) from None


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError("text is not UTF-8", path=str(path), line=line) from None


def _partial_gzip(raw: bytes) -> bytes:
    """Decompress as much of a broken gzip stream as possible."""
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return decomp.decompress(raw)
    except zlib.error:
        return b""


def parse_tsv_header(first_line: str, path: Path) -> TsvHeader:
    """Parse ``nace_r2,indic_sb,geo\\time<TAB>2015 <TAB>2014 ...``.

    >>> h = parse_tsv_header("unit,geo\\\\time\\t2014 \\t2013 ", Path("x.tsv"))
    >>> h.dims, h.time_dim, h.periods
    (('unit', 'geo'), 'time', ('2014', '2013'))
    """
    where = str(path)
    if "\t" not in first_line:
        raise SchemaError(
            "no tab in the header: expected a tab-separated Eurostat bulk file "
            f"(header starts {first_line[:60]!r})",
            path=where,
            line=1,
        )
    cells = [c.strip() for c in first_line.rstrip("\r\n").split("\t")]
    key = cells[0]
    if "\\" not in key:
        raise SchemaError(
            f"header key {key!r} has no time dimension: expected 'dim1,dim2,...\\time'",
            path=where,
            line=1,
        )
    dims_part, time_dim = key.rsplit("\\", 1)
    if time_dim.lower() not in _TIME_DIMS:
        raise SchemaError(
            f"header key {key!r} ends in {time_dim!r}: expected '\\time' or '\\TIME_PERIOD'",
            path=where,
            line=1,
        )
    dims = tuple(d.strip().lower() for d in dims_part.split(","))
    periods = tuple(cells[1:])
    bad = [p for p in periods if not _PERIOD.match(p)]
    if bad or not periods:
        raise SchemaError(
            f"header column {bad[0] if bad else '(none)'!r} is not a period: expected years like 2015",
            path=where,
            line=1,
        )
    if len(set(periods)) != len(periods):
        raise SchemaError("a period appears twice in the header", path=where, line=1)
    return TsvHeader(dims=dims, time_dim=time_dim, periods=periods)


def load_bulk_tsv(con: Connection, path: Path, relation: str) -> TsvHeader:
    """Parse and check a Eurostat bulk TSV file; *relation* becomes a view of its cells.

    The view has one column per dimension (lower case), then ``period``, ``year``
    (NULL for sub-annual periods), ``value`` (DOUBLE, NULL for ``:``), ``flag`` (letters,
    NULL when none) and ``line``. The file is read once into a wide temporary table; the
    view unpivots it lazily, so checking every cell and inserting the rows are two
    streaming passes with no long intermediate table.

    Raises
    ------
    DataError
        Naming the file and the first offending line, for any malformed content.
    """
    header = parse_tsv_header(read_first_line(path), path)
    cols = ", ".join(f"'p{i}': 'VARCHAR'" for i in range(len(header.periods)))
    con.execute("DROP TABLE IF EXISTS _tsv_raw")
    try:
        con.execute(
            f"""CREATE TEMP TABLE _tsv_raw AS
            SELECT row_number() OVER () + 1 AS line, column0 AS key, * EXCLUDE (column0)
            FROM read_csv(?, delim='\t', header=true, quote='', escape='', strict_mode=true,
                          columns={{'column0': 'VARCHAR', {cols}}}, auto_detect=false)""",
            [str(path)],
        )
    except engine.Error as exc:
        if path.name.endswith(".gz"):
            open_text(path)  # raises a precise error for a broken gzip stream
        raise DataError(_duckdb_message(exc), path=str(path), line=duckdb_error_line(exc)) from None
    _check_keys(con, header, path)
    _unpivot(con, header, relation)
    _check_cells(con, relation, path)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {relation} AS "
                f"SELECT * EXCLUDE (token, cell) FROM {relation}_cells")
    return header


def read_first_line(path: Path) -> str:
    """The first line of a text file, decompressing gzip when the name ends in .gz."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
                return fh.readline()
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.readline()
    except FileNotFoundError:
        raise DataError("file not found", path=str(path)) from None
    except (EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the header ({exc}); expected gzip-compressed UTF-8 text", path=str(path), line=1) from None


def _duckdb_message(exc: engine.Error) -> str:
    msg = str(exc).split("\n", 1)[0]
    return f"cannot parse as tab-separated values: {msg}; expected the same number of columns on every line"


def duckdb_error_line(exc: engine.Error) -> int | None:
    m = re.search(r"[Ll]ine:? (\d+)", str(exc))
    return int(m.group(1)) if m else None


def _check_keys(con: Connection, header: TsvHeader, path: Path) -> None:
    n = len(header.dims)
    bad = con.execute(
        "SELECT line, key FROM _tsv_raw WHERE len(string_split(key, ',')) <> ? ORDER BY line LIMIT 1",
        [n],
    ).fetchone()
    if bad:
        raise DataError(
            f"key {bad[1]!r} has {len(str(bad[1]).split(','))} parts: expected {n} "
            f"({','.join(header.dims)})",
            path=str(path),
            line=int(bad[0]),
        )
    dup = con.execute(
        """SELECT key, list(line ORDER BY line) FROM _tsv_raw GROUP BY key
           HAVING count(*) > 1 ORDER BY min(line) LIMIT 1"""
    ).fetchone()
    if dup:
        lines = dup[1]
        raise DataError(
            f"duplicated key {dup[0]!r} (also on line {lines[0]}): expected each key once",
            path=str(path),
            line=int(lines[1]),
        )


def _unpivot(con: Connection, header: TsvHeader, relation: str) -> None:
    """Create the view ``<relation>_cells``: one row per cell, value and flag split."""
    dims = ", ".join(f"k[{i + 1}] AS {sql_ident(d)}" for i, d in enumerate(header.dims))
    positions = ", ".join(f"p{i}" for i in range(len(header.periods)))
    period = "CASE pos " + " ".join(f"WHEN 'p{i}' THEN '{p}'" for i, p in enumerate(header.periods)) + " END"
    year = "CASE pos " + " ".join(
        f"WHEN 'p{i}' THEN {int(p)}" for i, p in enumerate(header.periods) if len(p) == 4) + " END"
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {relation}_cells AS
        WITH u AS (
          UNPIVOT (SELECT line, string_split(key, ',') AS k, * EXCLUDE (line, key) FROM _tsv_raw)
          ON {positions} INTO NAME pos VALUE cell
        ), v AS (
          SELECT line, k, pos, trim(cell) AS c, strpos(trim(cell), ' ') AS sp FROM u
        ), w AS (
          SELECT line, k, pos, c,
                 CASE WHEN sp = 0 THEN c ELSE c[:sp - 1] END AS token,
                 CASE WHEN sp = 0 THEN NULL ELSE trim(c[sp + 1:]) END AS flag
          FROM v
        )
        SELECT {dims}, {period} AS period, ({year})::INTEGER AS year,
               CASE WHEN token IN ('', ':') THEN NULL ELSE TRY_CAST(token AS DOUBLE) END AS value,
               flag, line::INTEGER AS line, token, c AS cell
        FROM w"""
    )


def _check_cells(con: Connection, relation: str, path: Path) -> None:
    known = "".join(sorted(KNOWN_FLAGS))
    bad = con.execute(
        f"""SELECT line, period, cell, flag,
                   token NOT IN ('', ':') AND value IS NULL AS not_number,
                   count(*) OVER () AS n
            FROM {relation}_cells
            WHERE (token NOT IN ('', ':') AND value IS NULL)
               OR (flag IS NOT NULL AND NOT regexp_full_match(flag, '[{known}]+'))
            ORDER BY line, period LIMIT 1"""
    ).fetchone()
    if bad:
        line, period, cell, flag, not_number, n = bad
        more = f"; {n - 1} more bad cells" if n > 1 else ""
        if not_number:
            msg = (f"value {cell!r} in column {period} is not a number: expected a number "
                   f"or ':', optionally followed by flags{more}")
        else:
            msg = (f"unknown flag {flag!r} in column {period}: expected letters of "
                   f"'{known}' (Eurostat flags){more}")
        raise DataError(msg, path=str(path), line=int(line))


def sql_ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SchemaError(f"dimension name {name!r} is not a plain identifier")
    return name
