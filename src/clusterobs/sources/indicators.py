"""Readers of the regional indicator files of the Regional Ecosystem Scoreboard (methodology §8).

Each reader turns one file of the data mirror (``PROVENANCE.md`` §2-4, §10-14) into a long
table ``region, year, value`` and converts it to NUTS 2016 with
:func:`clusterobs.core.nuts.harmonise` (methodology §5.3; every indicator is a ratio, so
``kind="ratio"``, except the numerator and denominator of a share, converted as counts and
divided afterwards). The catalogue of indicators is data: ``data/scoreboard_indicators.yaml``.

A region code that is not a NUTS code of the versions the file is declared in (for example a
NUTS 2013 code in a NUTS 2016 file, or a typo) is reported with an
:class:`UnknownRegionWarning` naming the file and the codes; the other rows load. Aggregates
(``EU28``, ``EA19``) and extra-regio codes (``..ZZ``, ``..XX``) are dropped silently.
Sources of the method: EIS08, JRC08, RIS21 (methodology §0).
"""

from __future__ import annotations

import html
import re
import warnings
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from clusterobs.core import nuts
from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.eurostat import load_bulk_tsv
from clusterobs.store import engine

__all__ = [
    "Catalogue",
    "UnknownRegionWarning",
    "load_catalogue",
    "read_file_indicator",
    "to_nuts2016",
]

_AGGREGATE = re.compile(r"^(EU\d*|EA\d*|EEA\d*|EFTA|EU|[A-Z]{2}(ZZ|XX)[A-Z0-9]*)$")
_VERSIONS: dict[str, tuple[int, ...]] = {
    "2013": (2006, 2010, 2013),
    "mixed": (2006, 2010, 2013, 2016),
    "2016": (2016,),
    "2021": (2021,),
}
_DIMENSION_IDS = (
    "knowledge_skills", "access_to_finance", "collaboration_internationalisation",
    "demand_conditions", "entrepreneurial_conditions", "quality_of_governance",
)  # fmt: skip
_INDICATOR_KEYS = ("id", "title", "source", "reader", "nuts_version", "dimension",
                   "sub_dimension", "direction", "unit", "is_proxy")  # fmt: skip


class UnknownRegionWarning(UserWarning):
    """Region codes of an indicator file that belong to no NUTS version it is declared in."""


@dataclass(frozen=True)
class Catalogue:
    """The indicator catalogue (``scoreboard_indicators.yaml``).

    Attributes
    ----------
    indicators:
        One row per indicator: ``indicator, title, source, reader, args, nuts_version,
        dimension, sub_dimension, direction, unit, is_proxy``.
    structure:
        One row per sub-dimension: ``dimension, dimension_title, sub_dimension,
        sub_dimension_title`` (sub-dimensions without indicators lack data).
    version:
        Version of the catalogue.
    """

    indicators: pd.DataFrame
    structure: pd.DataFrame
    version: int


def _check_indicator(item: Any, subs: set[tuple[str, str]], where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or any(k not in item for k in _INDICATOR_KEYS):
        raise SchemaError(f"{where}: an indicator needs the keys {list(_INDICATOR_KEYS)}")
    if (item["dimension"], item["sub_dimension"]) not in subs:
        raise DataError(f"{where} ({item['id']}): unknown dimension/sub-dimension "
                        f"{item['dimension']}/{item['sub_dimension']}")  # fmt: skip
    if item["direction"] not in (1, -1):
        raise DataError(f"{where} ({item['id']}): direction must be 1 or -1")
    return {**item, "nuts_version": str(item["nuts_version"]), "args": item.get("args") or {}}


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and validate the indicator catalogue (methodology §8).

    Parameters
    ----------
    path:
        A YAML file; default the packaged ``clusterobs/data/scoreboard_indicators.yaml``.

    Returns
    -------
    Catalogue
        Indicators and the dimension / sub-dimension structure.
    """
    if path is None:
        text = resources.files("clusterobs.data").joinpath("scoreboard_indicators.yaml").read_text()
        where = "scoreboard_indicators.yaml"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), str(path)
    doc = yaml.safe_load(text)
    rows = [
        {"dimension": d["id"], "dimension_title": d["title"],
         "sub_dimension": s["id"], "sub_dimension_title": s["title"]}
        for d in doc.get("dimensions", []) for s in d.get("sub_dimensions", [])
    ]  # fmt: skip
    structure = pd.DataFrame(rows)
    if structure.empty or set(structure["dimension"]) != set(_DIMENSION_IDS):
        raise SchemaError(f"{where}: expected the six dimensions {list(_DIMENSION_IDS)}")
    subs = set(zip(structure["dimension"], structure["sub_dimension"], strict=True))
    items = [_check_indicator(it, subs, where) for it in doc.get("indicators", [])]
    ind = pd.DataFrame(items).rename(columns={"id": "indicator"})
    if ind["indicator"].duplicated().any():
        raise DataError(f"{where}: indicator ids must be unique")
    return Catalogue(ind, structure, int(doc.get("version", 1)))


def _drop_aggregates(table: pd.DataFrame) -> pd.DataFrame:
    keep = ~table["region"].str.match(_AGGREGATE) & table["value"].notna()
    return table.loc[keep & table["region"].str.len().between(2, 4)]


def to_nuts2016(
    table: pd.DataFrame,
    crosswalk: pd.DataFrame,
    nuts_version: str,
    path: str,
    *,
    kind: nuts.Kind = "ratio",
    valid_targets: Collection[str] | None = None,
) -> pd.DataFrame:
    """Convert ``region, year, value`` of an indicator file to NUTS 2016 (methodology §5.3).

    Codes unknown in every declared version give one :class:`UnknownRegionWarning` naming
    ``path`` and the codes; their rows are left out, the rest is converted.
    """
    table = _drop_aggregates(table)
    result = nuts.harmonise(
        table[["region", "year", "value"]], crosswalk, 2016, value_col="value", keys=["year"],
        kind=kind, versions=_VERSIONS[nuts_version], valid_targets=valid_targets,
    )  # fmt: skip
    if result.unmatched:
        codes = ", ".join(result.unmatched[:20]) + (" ..." if len(result.unmatched) > 20 else "")
        warnings.warn(
            f"{path}: {len(result.unmatched)} region code(s) not known as NUTS "
            f"{'/'.join(map(str, _VERSIONS[nuts_version]))} codes (JRC crosswalk), "
            f"left out: {codes}",
            UnknownRegionWarning, stacklevel=2,
        )  # fmt: skip
    return result.table[["region", "year", "value", "nuts_converted"]]


def _eurostat(path: Path, filters: Mapping[str, str]) -> pd.DataFrame:
    """Rows of a Eurostat bulk TSV file matching ``filters`` (dimension -> code)."""
    con = engine.memory()
    try:
        header = load_bulk_tsv(con, path, "_ind")
        missing = [d for d in filters if d not in header.dims]
        if missing:
            raise SchemaError(f"no dimension(s) {missing}; the file has {list(header.dims)}",
                              path=str(path))  # fmt: skip
        where = " AND ".join(f'"{d}" = ?' for d in filters) or "TRUE"
        return con.execute(
            f"SELECT * EXCLUDE (line, period, flag) FROM _ind WHERE {where} AND year IS NOT NULL",
            list(filters.values()),
        ).df().rename(columns={"geo": "region"})
    finally:
        con.close()


def _read_csv(path: Path, **kw: Any) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kw)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read as CSV ({exc})", path=str(path)) from exc


def _columns(df: pd.DataFrame, cols: Collection[str], path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(f"missing columns {missing}", path=str(path))


def _long(df: pd.DataFrame, region: str, year: str, value: str) -> pd.DataFrame:
    out = pd.DataFrame({"region": df[region].astype(str).str.strip(),
                        "year": pd.to_numeric(df[year], errors="coerce"),
                        "value": pd.to_numeric(df[value], errors="coerce")})  # fmt: skip
    out = out.dropna(subset=["year", "value"])
    return out.astype({"year": "int64"}).drop_duplicates(["region", "year"])


_CELL = re.compile(
    r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(?:<f>[^<]*</f>)?'
    r'(?:<v>([^<]*)</v>|<is><t[^>]*>([^<]*)</t></is>)?</c>)'
)


def _xlsx_first_sheet(path: Path) -> pd.DataFrame:
    """The first sheet of an xlsx workbook as text cells, header from row 1.

    A fast regular-expression reader of the sheet XML (openpyxl needs ~10 s for the 650,000
    cells of the RIS database); only plain values, shared and inline strings are read.
    """
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        sst = zf.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    shared = [html.unescape(re.sub(r"<[^>]+>", "", si))
              for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]  # fmt: skip
    cols, rows, attrs, values, inline = (list(x) for x in zip(*_CELL.findall(sheet), strict=True))
    letters = {c: sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(c))) - 1
               for c in set(cols)}  # fmt: skip
    text = np.asarray(values, dtype=object)
    is_shared = np.fromiter(('t="s"' in a for a in attrs), bool, len(attrs))
    text[is_shared] = np.asarray([*shared, ""], dtype=object)[text[is_shared].astype(np.int64)]
    has_inline = np.fromiter((i != "" for i in inline), bool, len(inline))
    text[has_inline] = [html.unescape(inline[i]) for i in np.flatnonzero(has_inline)]
    r = np.asarray(rows, dtype=np.int64) - 1
    c = np.asarray([letters[x] for x in cols], dtype=np.int64)
    grid = np.full((int(r.max()) + 1, int(c.max()) + 1), None, dtype=object)
    grid[r, c] = text
    wide = pd.DataFrame(grid)
    header = wide.iloc[0]
    return wide.iloc[1:].set_axis([str(h) for h in header], axis=1).reset_index(drop=True)


@lru_cache(maxsize=2)
def _ris_table(path: Path, mtime: float) -> pd.DataFrame:
    try:
        df = _xlsx_first_sheet(path)
    except (OSError, KeyError, IndexError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read as an xlsx workbook ({exc})", path=str(path)) from exc
    _columns(df, ("Indicator", "Year", "Region", "Value"), path)
    _check_ris(df, path)
    df["code"] = df["Indicator"].astype(str).str.split(" ").str[0]
    return df


def _check_ris(df: pd.DataFrame, path: Path) -> None:
    """Content checks of the RIS sheet, so that swapped columns are refused (line = sheet row).

    Years are years, regions NUTS codes of their country, values numbers or empty, indicators
    start with their number (``1.1.1 Population ...``).
    """
    if df.empty:
        raise DataError("the sheet has a header but no rows", path=str(path), line=2)

    def text(col: str) -> pd.Series:
        return df[col].fillna("").astype(str).str.strip()

    year, region, country = text("Year"), text("Region"), text("Country") if "Country" in df else None
    value = text("Value")
    checks = [
        ("Year", ~year.str.fullmatch(r"\d{4}") | ~pd.to_numeric(year, errors="coerce").between(1990, 2100),
         year, "is not a year (expected e.g. 2021)"),
        ("Region", ~region.str.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,3}"), region,
         "is not a NUTS region code (expected e.g. AT13)"),
        ("Value", (value != "") & pd.to_numeric(value, errors="coerce").isna(), value, "is not a number"),
        ("Indicator", ~text("Indicator").str.match(r"\d"), text("Indicator"),
         "does not start with an indicator number (expected e.g. '1.1.1 ...')"),
    ]
    if country is not None:
        national = country.str.fullmatch(r"[A-Z]{2}")
        checks.append(("Country", country.str.fullmatch(r"[A-Z]{2}[0-9][0-9A-Z]{0,2}"), country,
                       "is a region code, not a country (expected e.g. AT)"))
        checks.append(("Region", national & (region.str[:2] != country), region,
                       "is not a region of the row's Country"))
    for col, bad, shown, what in checks:
        hit = bad.to_numpy(dtype=bool)
        if hit.any():
            i = int(np.flatnonzero(hit)[0])
            raise DataError(f"column {col!r}: {shown.iloc[i]!r} {what}", path=str(path), line=i + 2)


def _read_ris(path: Path, indicator: str) -> pd.DataFrame:
    df = _ris_table(path, path.stat().st_mtime)
    return _long(df[df["code"] == indicator], "Region", "Year", "Value")


def _read_rci(path: Path, regions_2016: Collection[str]) -> pd.DataFrame:
    """RCI z-scores; a merged capital area (``AT00``) gives its value to its member regions.

    The members of a merged area are the NUTS 2016 level-2 regions of its country that the
    same edition does not list (e.g. AT00 = AT12 + AT13), as stated in the RCI notes.
    """
    df = _read_csv(path)
    _columns(df, ("NUTS CODE 2016", "Year", "value"), path)
    t = _long(df, "NUTS CODE 2016", "Year", "value")
    valid = set(regions_2016)
    flagged = set(df.loc[df["merged regions_code"].notna(), "NUTS CODE 2016"].astype(str))
    merged = t[t["region"].isin(flagged - valid)]
    parts = [t[~t.index.isin(merged.index)]]
    for code, year, value in merged[["region", "year", "value"]].itertuples(index=False):
        listed = set(t.loc[t["year"] == year, "region"])
        members = sorted(c for c in valid if c[:2] == str(code)[:2] and len(c) == 4
                         and c not in listed)  # fmt: skip
        parts.append(pd.DataFrame({"region": members, "year": year, "value": value}))
    return pd.concat(parts, ignore_index=True)


def _read_share(path: Path, args: Mapping[str, Any], cw: pd.DataFrame, version: str,
                targets: Collection[str] | None) -> pd.DataFrame:  # fmt: skip
    """Numerator / denominator of a Eurostat count table, each converted as counts, in %."""
    df = _eurostat(path, args["filters"])
    part = {}
    for key in ("numerator", "denominator"):
        sub = df[df[args["dim"]] == args[key]].rename(columns={"region": "region"})
        part[key] = to_nuts2016(_long(sub, "region", "year", "value"), cw, version, str(path),
                                kind="count", valid_targets=targets).set_index(["region", "year"])  # fmt: skip
    num, den = part["numerator"], part["denominator"]
    out = (100 * num["value"] / den["value"].where(den["value"] > 0)).rename("value").dropna()
    conv = num["nuts_converted"].reindex(out.index, fill_value=False)
    return out.to_frame().assign(nuts_converted=conv).reset_index()


def _raw(reader: str, path: Path, args: Mapping[str, Any], regions_2016: Collection[str]) -> pd.DataFrame:
    if reader == "eurostat_tsv":
        return _long(_eurostat(path, args["filters"]), "region", "year", "value")
    if reader == "tgs_long":
        df = _read_csv(path)
        _columns(df, ("geo", "year", "variable", "value"), path)
        return _long(df[df["variable"] == args["variable"]], "geo", "year", "value")
    if reader == "patents":
        df = _read_csv(path)
        _columns(df, ("unit", "geo", "time", "values"), path)
        return _long(df[df["unit"] == args["unit"]], "geo", "time", "values")
    if reader == "i40":
        df = _read_csv(path, sep="\t", usecols=["NUTS2", "YEAR", args["column"]])
        return _long(df, "NUTS2", "YEAR", args["column"])
    if reader == "qog":
        df = _read_csv(path)
        _columns(df, ("region_code", "year", args["column"]), path)
        return _long(df, "region_code", "year", args["column"])
    if reader == "rci":
        return _read_rci(path, regions_2016)
    if reader == "ris":
        return _read_ris(path, str(args["indicator"]))
    raise DataError(f"unknown reader {reader!r} in the indicator catalogue")


def read_file_indicator(
    spec: Mapping[str, Any],
    mirror: Path,
    crosswalk: pd.DataFrame,
    regions_2016: Collection[str],
) -> pd.DataFrame:
    """Read one catalogue indicator from its file and convert it to NUTS 2016.

    Parameters
    ----------
    spec:
        One row of :attr:`Catalogue.indicators` (``source``, ``reader``, ``args``,
        ``nuts_version``).
    mirror:
        The data mirror folder.
    crosswalk:
        JRC NUTS-converter flows (:func:`clusterobs.sources.gisco.read_nuts_crosswalk`).
    regions_2016:
        Every NUTS 2016 code (all levels): the valid targets of the conversion.

    Returns
    -------
    pandas.DataFrame
        ``region`` (NUTS 2016, levels 0-2), ``year``, ``value``, ``nuts_converted``.
    """
    path = mirror / str(spec["source"])
    if not path.exists():
        raise DataError("indicator file not found", path=str(path))
    version, args = str(spec["nuts_version"]), spec["args"]
    if spec["reader"] == "eurostat_share":
        return _read_share(path, args, crosswalk, version, regions_2016)
    raw = _raw(str(spec["reader"]), path, args, regions_2016)
    out = to_nuts2016(raw, crosswalk, version, str(path), valid_targets=regions_2016)
    return out.astype({"year": np.int64})
