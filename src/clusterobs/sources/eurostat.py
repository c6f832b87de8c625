"""Eurostat bulk TSV and SDMX-CSV readers.

Both formats are parsed by DuckDB into one long relation with a column per dimension plus
``period``, ``year``, ``value``, ``flag`` and ``line`` (the 1-based line of the cell in the
file), so that every later error can name the line. Flags are kept verbatim in ``flag``
(methodology §5.1, EFLAGS): ``:`` becomes a missing value, never a zero, and a cell that is
missing *and* flagged ``c`` stays recognisable as confidential.

Validation (all fatal, each a one-line :class:`~clusterobs.errors.DataError`): unreadable or
truncated gzip, text that is not UTF-8 (naming the line of the first bad byte), a header
without the packed ``dims\\time`` key or without tabs, an empty, duplicated or reserved
dimension name, no annual column, a key with the wrong number of parts, a value that is not
a plain decimal number (``nan``, ``inf``, ``1_000``), a value that overflows to infinity
(``1e400``), an unknown flag letter, a duplicated key. With :class:`Limits` (the loader
passes the declaration's) a count below 0 or any value of implausible magnitude is refused.
A UTF-8 byte order mark before the header is accepted.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.declarations import Source
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
#: a value as Eurostat writes it: a plain decimal number (no ``nan``, ``inf``, ``1_000``, ``0x1``)
NUMBER_SQL = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
#: columns of the parsed relation that a dimension must not shadow
RESERVED = frozenset({"period", "year", "value", "flag", "line", "token", "cell", "key", "pos", "k",
                      "c", "sp"})
#: a count (persons, local units) above this is an error in the data (the world has 3.5e9 workers)
MAX_COUNT = 5e9
#: wages above this many EUR are an error in the data: about the world's yearly GDP
MAX_WAGES_EUR = 1e14


@dataclass(frozen=True)
class Limits:
    """Plausible values per measure code, for the cells of one file.

    ``bounds`` maps a code of the ``dimension`` (e.g. ``indic_sb`` = ``V16110``) to
    ``(lowest, highest, what)``; every other code is held to ``-default``..``default``.
    """

    dimension: str
    bounds: Mapping[str, tuple[float, float, str]] = field(default_factory=dict)
    default: float = MAX_COUNT


def measure_limits(src: Source) -> Limits | None:
    """The :class:`Limits` of a declared Eurostat source.

    Employment and local units are counts: 0 to :data:`MAX_COUNT`. Wages are bounded by
    :data:`MAX_WAGES_EUR` in their declared scale (1e8 in EUR million: a 5e9 bound would allow
    5e15 EUR there); they may be negative, as Eurostat publishes them (personnel costs of
    Norway's B06 in 2014: -8.3 EUR million). Other measures (percentages) get +-MAX_COUNT.
    """
    dim = src.dimensions.get("measure")
    if not dim:
        return None
    bounds: dict[str, tuple[float, float, str]] = {}
    for code, m in src.measures.items():
        if m.measure in ("employment", "establishments"):
            bounds[code] = (0.0, MAX_COUNT, m.measure)
        elif m.measure == "wages":
            top = MAX_WAGES_EUR / (m.scale or 1.0)
            unit = {1e6: "EUR million", 1e3: "EUR thousand", 1.0: "EUR"}.get(m.scale, f"EUR x {m.scale:g}")
            bounds[code] = (-top, top, f"wages in {unit}")
    return Limits(dim, bounds)


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
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(f"text is not UTF-8: byte {raw[exc.start]:#04x} at byte {column} of the "
                        "line (Latin-1?); expected UTF-8 text", path=str(path), line=line) from None


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
    check_dimension_names(dims, f"header key {key!r}", path)
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


def check_dimension_names(dims: tuple[str, ...] | list[str], where: str, path: Path) -> None:
    """Refuse an empty, duplicated, reserved or non-identifier dimension name (header, line 1)."""
    for i, name in enumerate(dims):
        if not name:
            problem = f"dimension {i + 1} has no name"
        elif not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            problem = f"dimension {name!r} is not a plain name (letters, digits, _)"
        elif name in dims[:i]:
            problem = f"dimension {name!r} appears twice"
        elif name in RESERVED:
            problem = f"dimension {name!r} is a reserved column name ({', '.join(sorted(RESERVED))})"
        else:
            continue
        raise SchemaError(f"{where}: {problem}; expected distinct dimension names such as geo",
                          path=str(path), line=1)


def load_bulk_tsv(con: Connection, path: Path, relation: str, *,
                  limits: Limits | None = None) -> TsvHeader:
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
    if not any(len(p) == 4 for p in header.periods):
        shown = ", ".join(header.periods[:3]) + (", ..." if len(header.periods) > 3 else "")
        raise SchemaError(f"header has no annual column (only {shown}): expected years like 2015",
                          path=str(path), line=1)
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
        open_text(path)  # raises a precise error for a broken gzip stream or a non-UTF-8 byte
        raise DataError(_duckdb_message(exc), path=str(path), line=duckdb_error_line(exc)) from None
    _check_keys(con, header, path)
    _unpivot(con, header, relation)
    _check_cells(con, relation, path)
    if limits is not None:
        check_limits(con, f"{relation}_cells", "token", header.dims, limits, path,
                     lambda cell, period: f"value {cell!r} in column {period}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {relation} AS "
                f"SELECT * EXCLUDE (token, cell) FROM {relation}_cells")
    return header


def read_first_line(path: Path) -> str:
    """The first line of a text file, decompressing gzip when the name ends in .gz."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.readline()
        else:
            with path.open("rb") as fh:
                raw = fh.readline()
    except FileNotFoundError:
        raise DataError("file not found", path=str(path)) from None
    except (EOFError, OSError, zlib.error) as exc:
        raise DataError(f"cannot read the header ({exc}); expected gzip-compressed UTF-8 text", path=str(path), line=1) from None
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"text is not UTF-8 (byte {raw[exc.start]:#04x} in the header)",
                        path=str(path), line=1) from None


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
        f"""WITH c AS (
              SELECT line, period, cell, token, flag, value,
                     token NOT IN ('', ':') AND (value IS NULL
                         OR NOT regexp_full_match(token, '{NUMBER_SQL}')) AS not_number,
                     token NOT IN ('', ':') AND NOT isfinite(value) AS not_finite
              FROM {relation}_cells)
            SELECT line, period, token, flag, not_number, not_finite, count(*) OVER () AS n
            FROM c
            WHERE not_number OR not_finite
               OR (flag IS NOT NULL AND NOT regexp_full_match(flag, '[{known}]+'))
            ORDER BY line, period LIMIT 1"""
    ).fetchone()
    if bad:
        line, period, token, flag, not_number, not_finite, n = bad
        more = f"; {n - 1} more bad cells" if n > 1 else ""
        if not_number:
            msg = (f"value {token!r} in column {period} is not a number: expected a plain decimal "
                   f"number or ':', optionally followed by flags{more}")
        elif not_finite:
            msg = (f"value {token!r} in column {period} is not a finite number (it overflows a "
                   f"double): expected a number of plausible size{more}")
        else:
            msg = (f"unknown flag {flag!r} in column {period}: expected letters of "
                   f"'{known}' (Eurostat flags){more}")
        raise DataError(msg, path=str(path), line=int(line))


def check_limits(con: Connection, cells: str, text: str, dims: tuple[str, ...] | list[str],
                 limits: Limits, path: Path, field_of: Callable[[str, str], str]) -> None:
    """Refuse the first cell of view *cells* outside *limits* (a count below 0, a huge value).

    *text* is the column holding the value as written; *field_of(text, period)* names the
    cell in the message.
    """
    dim = sql_ident(limits.dimension) if limits.dimension in dims else None
    rows = [(code, lo, hi, what) for code, (lo, hi, what) in limits.bounds.items()]
    if dim is None or not rows:
        join, code_sql = "", "NULL"
        lo_sql, hi_sql, what_sql = f"-{limits.default!r}", repr(limits.default), "NULL"
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _limits (code VARCHAR, lo DOUBLE, hi DOUBLE, what VARCHAR)")
        con.executemany("INSERT INTO _limits VALUES (?, ?, ?, ?)", rows)
        join, code_sql = f"LEFT JOIN _limits b ON c.{dim} = b.code", f"c.{dim}"
        lo_sql, hi_sql, what_sql = (f"coalesce(b.lo, -{limits.default!r})",
                                    f"coalesce(b.hi, {limits.default!r})", "b.what")
    bad = con.execute(
        f"""SELECT c.line, c.period, c.{text}, {code_sql}, {lo_sql} AS lo, {hi_sql} AS hi,
                   {what_sql}, c.value, count(*) OVER () AS n
            FROM {cells} c {join}
            WHERE c.value < {lo_sql} OR c.value > {hi_sql}
            ORDER BY c.line, c.period LIMIT 1"""
    ).fetchone()
    con.execute("DROP TABLE IF EXISTS _limits")
    if bad:
        line, period, cell, code, lo, hi, what, value, n = bad
        more = f"; {n - 1} more such cells" if n > 1 else ""
        measure = f"{code} ({what})" if what else (str(code) if code else "a value")
        if value < lo and lo == 0:
            msg = f"{field_of(cell, period)} is negative: {measure} cannot be below 0{more}"
        else:
            msg = (f"{field_of(cell, period)} has an implausible magnitude: {measure} must lie "
                   f"between {lo:,.0f} and {hi:,.0f}{more}")
        raise DataError(msg, path=str(path), line=int(line))


def check_nuts_version(con: Connection, dataset: str, version: int | None, field_name: str,
                       path: Path) -> None:
    """Refuse region codes of *dataset* that exist only in NUTS versions newer than *version*.

    Uses the loaded ``regions`` (geography ``nuts``, one row per code and version) and the
    crosswalk (which also knows NUTS 2006 and 2010): a code known in no version up to the
    declared one but in a newer version (``HR06``, ``NL36`` are NUTS 2021 codes) means the
    file mixes versions or its declared ``nuts_version`` is wrong. Older codes are fine:
    harmonisation converts them. Countries (two letters) are not checked: a country's code
    does not depend on the version, and the names file lacks some non-EU countries in NUTS
    2013 (``NO``). Without loaded regions nothing is checked.
    """
    if version is None:
        return
    rows = con.execute(
        """WITH codes AS (SELECT region, min(line) AS line FROM observations
                          WHERE dataset = ? GROUP BY region),
                known AS (SELECT region, min(nuts_version) AS first FROM regions
                          WHERE geography = 'nuts' GROUP BY region),
                older AS (SELECT from_code AS code FROM nuts_crosswalk WHERE from_version <= ?
                          UNION SELECT to_code FROM nuts_crosswalk WHERE to_version <= ?
                          UNION SELECT region FROM regions
                          WHERE geography = 'nuts' AND nuts_version <= ?)
           SELECT c.region, c.line, k.first FROM codes c JOIN known k USING (region)
           WHERE k.first > ? AND length(c.region) > 2 AND c.region NOT IN (SELECT code FROM older)
           ORDER BY c.line""",
        [dataset, version, version, version, version],
    ).fetchall()
    if rows:
        shown = ", ".join(f"{code} (NUTS {first})" for code, _, first in rows[:10])
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        raise DataError(
            f"field {field_name}: {len(rows)} region code(s) exist only in NUTS versions newer than "
            f"{version}, the version {dataset} is declared in: {shown}{more}; expected NUTS "
            f"{version} codes (or older): fix the file or the declaration's nuts_version",
            path=str(path), line=int(rows[0][1]))


def sql_ident(name: str, path: Path | None = None) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SchemaError(f"dimension name {name!r} is not a plain identifier",
                          path=None if path is None else str(path), line=None if path is None else 1)
    return name
