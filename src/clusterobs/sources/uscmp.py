"""Readers for the US Cluster Mapping files and US County Business Patterns.

Methodology §2b (51 traded + 16 local categories; US employment ``e(n)``) and §4c (the
published 2016 results). Files: ``us_cluster_mapping/`` and ``us_cbp/`` of the data mirror,
described in ``shared/data/PROVENANCE.md`` sections 8 and 9.

Every reader checks the columns it needs and the type of each value, and raises
:class:`~clusterobs.errors.DataError` (or :class:`~clusterobs.errors.SchemaError`) naming
the file, the 1-based line and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusterobs.errors import DataError
from clusterobs.sources.nace import check_pattern, read_csv_checked

CLUSTER_COLUMNS = ["cluster_code", "cluster_name", "traded", "cluster_type"]
CROSSWALK_COLUMNS = [
    "naics", "naics_title", "traded_local", "cluster_code", "cluster_name", "subcluster_name",
    "emsi_specific",
]  # fmt: skip
REGION_COLUMNS = [
    "cluster_code", "cluster_name", "year", "region_type", "region_code", "region_name", "traded",
    "emp", "emp_reported", "qp1", "est", "ap", "private_wage", "supression", "lq",
    "region_emp_per", "cluster_emp_per", "emp_rank", "lq_rank", "strong", "cluster_type",
]  # fmt: skip
RELATED_COLUMNS = ["clustera", "clusterb", "cluster_name", "cluster_name_2", "rel_all_90_v3"]
CBP_COLUMNS = ["cbsa_code", "naics_code", "naics_level", "emp", "estab"]

_BOOL = {"true": True, "false": False, "1": True, "0": False}


def _fail(frame: pd.DataFrame, bad: pd.Series, column: str, path: Path, what: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().argmax())
        value = frame[column].iloc[row]
        raise DataError(f"column {column!r}: {value!r} is not {what}", path=str(path), line=row + 2)


def to_int(frame: pd.DataFrame, column: str, path: Path, *, nullable: bool = False) -> pd.Series:
    """Column *column* as integers (``Int64`` when *nullable*); errors name the line."""
    if not nullable:
        try:  # fast path; the checks below only run to find the offending line
            return frame[column].astype("int64")
        except (ValueError, TypeError, OverflowError):
            pass
    values = pd.to_numeric(frame[column], errors="coerce")
    allowed = frame[column].isna() & nullable
    bad = (values.isna() & ~allowed) | (values.notna() & (values.round() != values))
    _fail(frame, bad, column, path, "an integer" + (" or empty" if nullable else ""))
    return values.astype("Int64") if nullable else values.astype("int64")


def to_float(frame: pd.DataFrame, column: str, path: Path, *, nullable: bool = False) -> pd.Series:
    """Column *column* as floats; empty cells are NaN only when *nullable*."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & ~(frame[column].isna() & nullable)
    _fail(frame, bad, column, path, "a number" + (" or empty" if nullable else ""))
    return values.astype("float64")


def to_bool(frame: pd.DataFrame, column: str, path: Path, *, nullable: bool = False) -> pd.Series:
    """Column *column* (True/False in any case, or 1/0) as booleans (``boolean`` if nullable)."""
    values = frame[column].astype(str).str.strip().str.lower().map(_BOOL)
    bad = values.isna() & ~(frame[column].isna() & nullable)
    _fail(frame, bad, column, path, "True or False" + (" or empty" if nullable else ""))
    return values.astype("boolean") if nullable else values.astype(bool)


def read_clusters(path: Path) -> pd.DataFrame:
    """Read ``uscmp_clusters.csv``: the 67 categories (§2b).

    Columns ``cluster_code`` (int; 1-51 traded, 101-116 local), ``cluster_name``,
    ``traded`` (bool) and ``cluster_type`` ('traded' or 'local').
    """
    raw = read_csv_checked(path, CLUSTER_COLUMNS)
    check_pattern(raw, "cluster_type", r"traded|local", path, "'traded' or 'local'")
    table = raw[CLUSTER_COLUMNS].copy()
    table["cluster_code"] = to_int(raw, "cluster_code", path)
    table["traded"] = to_bool(raw, "traded", path)
    inconsistent = table["traded"] != (table["cluster_type"] == "traded")
    _fail(raw, inconsistent, "traded", path, "consistent with cluster_type")
    duplicated = table["cluster_code"].duplicated()
    _fail(raw, duplicated, "cluster_code", path, "unique")
    return table.reset_index(drop=True)


def read_crosswalk(path: Path) -> pd.DataFrame:
    """Read ``naics_to_uscmp_cluster_crosswalk.csv`` (NAICS 6-digit -> category, §2b).

    ``cluster_code`` is a nullable integer: the six rows of non-USCMP "government" groups
    have none. ``emsi_specific`` flags Emsi pseudo-codes and a few NAICS-2017 additions.
    """
    raw = read_csv_checked(path, CROSSWALK_COLUMNS)
    check_pattern(raw, "naics", r"\d{6}", path, "a 6-digit NAICS code")
    check_pattern(raw, "traded_local", r"Traded|Local", path, "'Traded' or 'Local'")
    table = raw[CROSSWALK_COLUMNS].copy()
    table["cluster_code"] = to_int(raw, "cluster_code", path, nullable=True)
    table["emsi_specific"] = to_bool(raw, "emsi_specific", path)
    _fail(raw, table["naics"].duplicated(), "naics", path, "unique (one category per code)")
    return table.reset_index(drop=True)


def read_cluster_by_region(path: Path) -> pd.DataFrame:
    """Read ``uscmp_cluster_by_region_2016.csv.gz``, the published 2016 results (§4c).

    Keeps every column; numbers become int/float, flags booleans (``strong`` nullable:
    empty for local categories and unranked cells).
    """
    raw = read_csv_checked(path, REGION_COLUMNS, dtype={"region_code": str, "cluster_name": str})
    check_pattern(raw, "region_type", r"state|msa|economic", path, "'state', 'msa' or 'economic'")
    table = raw[REGION_COLUMNS].copy()
    for column in ("cluster_code", "year", "emp", "emp_reported", "qp1", "est", "ap"):
        table[column] = to_int(raw, column, path)
    for column in ("private_wage", "lq", "region_emp_per", "cluster_emp_per"):
        table[column] = to_float(raw, column, path)
    for column in ("emp_rank", "lq_rank"):
        table[column] = to_float(raw, column, path, nullable=True)
    table["traded"] = to_bool(raw, "traded", path)
    table["supression"] = to_bool(raw, "supression", path)
    table["strong"] = to_bool(raw, "strong", path, nullable=True)
    table["region_code"] = table["region_code"].astype(str)
    return table.reset_index(drop=True)


def read_related_clusters(path: Path) -> pd.DataFrame:
    """Read ``uscmp_related_clusters.csv.gz``: 2,601 category pairs with relatedness scores.

    ``clustera``/``clusterb`` become integers; every other numeric column becomes float
    (empty cells NaN). Text columns are kept as read.
    """
    raw = read_csv_checked(path, RELATED_COLUMNS)
    table = raw.copy()
    table["clustera"] = to_int(raw, "clustera", path)
    table["clusterb"] = to_int(raw, "clusterb", path)
    text = {"pair_cluster", "cluster_name", "cluster_name_2", "clustera", "clusterb"}
    for column in [c for c in raw.columns if c not in text]:
        table[column] = to_float(raw, column, path, nullable=True)
    return table.reset_index(drop=True)


def read_cbp(path: Path, naics_level: int | None = 6) -> pd.DataFrame:
    """Read ``cbp2019_cbsa_naics2017.csv.gz``: CBP 2019 employment by CBSA x NAICS (§2b).

    Parameters
    ----------
    path:
        The gzipped CSV.
    naics_level:
        Keep only rows of this NAICS level (default 6, the level §2b uses); None keeps all.

    Returns
    -------
    DataFrame with ``cbsa_code`` and ``naics_code`` (str), ``naics_level``, ``emp`` and
    ``estab`` (int). Suppressed cells come as 0 or are absent (PROVENANCE §9).
    """
    typed = {"cbsa_code": str, "naics_code": str, "naics_level": "int64", "emp": "int64"}
    try:  # fast path; a value of the wrong type sends us to the line-precise checks below
        raw = read_csv_checked(path, CBP_COLUMNS, dtype=typed | {"estab": "int64"})
    except DataError:
        raw = read_csv_checked(path, CBP_COLUMNS)
    check_pattern(raw, "naics_code", r"\d{2}(-\d{2})?|\d{3,6}", path, "a NAICS code of 2-6 digits")
    table = raw[CBP_COLUMNS].copy()
    for column in ("naics_level", "emp", "estab"):
        table[column] = to_int(raw, column, path)
    _fail(raw, table["emp"] < 0, "emp", path, "a non-negative count")
    if naics_level is not None:
        table = table[table["naics_level"] == naics_level]
    return table.reset_index(drop=True)
