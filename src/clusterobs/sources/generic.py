"""Any country's table: a long CSV or XLSX of region x industry x year values.

One reader serves every declared table source (Great Britain's BRES, US County Business
Patterns) and a user's own table (``clusterobs data add``). A column map names the columns
holding ``region``, ``industry``, ``year`` and the measures (``employment``, optionally
``establishments`` and ``wages``); a constant ``year`` may be declared instead of a column.
Industry codes are read in the source's classification and normalised by
:mod:`clusterobs.sources.codes`.

Everything is checked before anything is written, and the first problem is a one-line
:class:`~clusterobs.errors.DataError` naming the file, the line (as an editor shows it) and
the field: an HTML page instead of data, no data rows, a mapping naming a missing column,
a year that is not a year, a value that is not a finite non-negative number of plausible
size, an unknown industry code, a duplicated region x industry x year key.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.codes import Normaliser
from clusterobs.sources.declarations import CORE_MEASURES, Source

#: a count above this is an error in the data, not an industry (the world has 3.5e9 workers)
MAX_VALUE = 5e9
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
OBSERVATION_COLUMNS = ["region", "industry", "year", "measure", "value", "flag", "line"]


def sniff_html(path: Path) -> None:
    """Refuse an HTML page (an error page saved instead of the data)."""
    head = path.read_bytes()[:512]
    if head[:2] == b"\x1f\x8b":
        import gzip

        with gzip.open(path, "rb") as fh:
            head = fh.read(512)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n").lower()
    if text.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise DataError("the file is an HTML or XML page, not a data table "
                        "(a download that answered with an error page?)", path=str(path), line=1)


def read_frame(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """The table as text cells (CSV, CSV.gz, XLSX or Parquet), header on line 1."""
    sniff_html(path)
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            typed = pd.read_parquet(path)
            frame = typed.astype(str).where(typed.notna(), "")
        elif name.endswith((".xlsx", ".xlsm")):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                skipinitialspace=True)
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()
        line = raw[: exc.start].count(b"\n") + 1 if not name.endswith(".gz") else None
        raise DataError("text is not UTF-8", path=str(path), line=line) from None
    except (ValueError, pd.errors.ParserError, OSError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        found = re.search(r"line (\d+)", message)
        raise DataError(f"cannot read the table: {message}", path=str(path),
                        line=int(found.group(1)) if found else None) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError("the table has a header but no data rows", path=str(path), line=2)
    return frame


def _column(frame: pd.DataFrame, name: str, field: str, path: Path) -> pd.Series:
    if name not in frame.columns:
        shown = ", ".join(frame.columns[:15])
        raise SchemaError(f"the mapping {field}={name} names no column of the table: "
                          f"expected one of {shown}", path=str(path), line=1)
    return frame[name].astype(str).str.strip()


def _years(values: pd.Series, column: str, path: Path) -> pd.Series:
    parsed = values.str.extract(_YEAR)[0]
    bad = parsed.isna() | ~parsed.fillna("0").astype(int).between(1900, 2100)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"field {column}: {values.iloc[i]!r} is not a year (expected e.g. 2019)",
                        path=str(path), line=i + 2)
    return parsed.astype(int)


def _numbers(values: pd.Series, column: str, path: Path) -> pd.Series:
    """Finite, non-negative numbers of plausible size; empty cells are missing values."""
    text = values.str.replace(",", "", regex=False) if values.str.contains(r"^\d{1,3}(?:,\d{3})+$").any() else values
    empty = text.isin(["", "NA", "NaN", "nan", "..", ":", "-"])
    wellformed = text.str.match(_NUMBER)
    bad = ~empty & ~wellformed
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"field {column}: {values.iloc[i]!r} is not a number", path=str(path), line=i + 2)
    out = pd.to_numeric(text.where(~empty), errors="coerce")
    present = out.notna().to_numpy()
    values_np = out.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        checks = ((present & ~np.isfinite(values_np), "not a finite number"),
                  (present & (values_np < 0), "negative (counts and wages cannot be)"),
                  (present & (values_np > MAX_VALUE), f"implausibly large (above {MAX_VALUE:,.0f})"))
    for hit, what in checks:
        if hit.any():
            i = int(np.flatnonzero(hit)[0])
            raise DataError(f"field {column}: {values.iloc[i]!r} is {what}", path=str(path), line=i + 2)
    return out


def read_table(path: Path, source: Source, codes: Normaliser,
               regions: set[str] | None = None) -> pd.DataFrame:
    """The observations of a table source, in the store's long form.

    Returns columns ``region, industry, year, measure, value, flag, line`` with industry
    codes normalised (NACE in Eurostat form ``C2910``, NAICS digits, or the user's codes).
    *regions*, when given, are the geography's codes: a region outside it is an error.
    """
    frame = read_frame(path, source.sheet)
    cols = source.columns
    for needed in ("region", "industry"):
        if needed not in cols:
            raise SchemaError(f"the column mapping names no {needed} column", path=str(path))
    if "year" not in cols and source.year is None:
        raise SchemaError("the column mapping names no year column (and no year is declared)",
                          path=str(path))
    measures = [m for m in CORE_MEASURES if m in cols]
    if "employment" not in measures:
        raise SchemaError("the column mapping names no employment column", path=str(path))
    region = _column(frame, cols["region"], "region", path)
    industry = _column(frame, cols["industry"], "industry", path)
    year = (_years(_column(frame, cols["year"], "year", path), cols["year"], path)
            if "year" in cols else pd.Series(int(source.year or 0), index=frame.index))
    keep = np.ones(len(frame), dtype=bool)
    if source.industry_filter:
        keep = industry.str.fullmatch(source.industry_filter).to_numpy()
    empty_region = (region == "") & keep
    if empty_region.any():
        i = int(np.flatnonzero(empty_region.to_numpy())[0])
        raise DataError(f"field {cols['region']}: empty region code", path=str(path), line=i + 2)
    normalised = codes.normalise_many(industry.where(keep, ""), path, cols["industry"], source.extra_codes)
    lines = pd.Series(np.arange(2, len(frame) + 2), index=frame.index)
    # duplicates are checked on the codes as written (SIC subclasses of one class are not)
    key = pd.DataFrame({"region": region, "industry": industry, "year": year})[keep]
    dup = key.duplicated(keep="first").to_numpy()
    if dup.any():
        idx = key.index[int(np.flatnonzero(dup)[0])]
        row = key.loc[idx]
        first = key.index[(key == row).all(axis=1).to_numpy()][0]
        raise DataError(f"duplicated key region={row['region']} industry={row['industry']} "
                        f"year={row['year']} (first on line {int(lines[first])})",
                        path=str(path), line=int(lines[idx]))
    dropped: dict[str, int] = {}
    if regions is not None:
        unknown = sorted(set(region[keep]) - regions)
        if unknown and source.unknown_regions == "drop":
            dropped = {str(k): int(v) for k, v in region[keep & region.isin(unknown).to_numpy()]
                       .value_counts().items()}
            keep = keep & ~region.isin(unknown).to_numpy()
        elif unknown:
            i = int(np.flatnonzero((region.isin(unknown) & keep).to_numpy())[0])
            raise DataError(f"field {cols['region']}: region {region.iloc[i]!r} is not in the geography "
                            f"({len(unknown)} such codes, e.g. {', '.join(unknown[:5])})",
                            path=str(path), line=i + 2)
    parts = []
    for measure in measures:
        values = _numbers(_column(frame, cols[measure], measure, path), cols[measure], path)
        parts.append(pd.DataFrame({"region": region, "industry": normalised, "year": year,
                                   "measure": measure, "value": values, "flag": None,
                                   "line": lines})[keep])
    out = pd.concat(parts, ignore_index=True)
    out.attrs["dropped_regions"] = dropped
    # subclasses that normalise to one class (SIC 5-digit -> NACE class) are summed
    grouped = out.groupby(["region", "industry", "year", "measure"], sort=False, dropna=False)
    if grouped.ngroups < len(out):
        out = grouped.agg(value=("value", lambda v: v.sum(min_count=1)), flag=("flag", "first"),
                          line=("line", "min")).reset_index()
        out.attrs["dropped_regions"] = dropped
    return out[OBSERVATION_COLUMNS]


def check_positive_total(frame: pd.DataFrame, path: Path) -> None:
    """At least one positive employment value: a table of zeros or blanks maps nothing."""
    employment = frame.loc[frame["measure"] == "employment", "value"]
    if not (employment.fillna(0) > 0).any():
        raise DataError("the table has no positive employment value", path=str(path))

