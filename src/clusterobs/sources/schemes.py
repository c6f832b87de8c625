"""Read category schemes: the committed tables of ``clusterobs/data/schemes`` and user CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusterobs.core.schemes import Scheme
from clusterobs.errors import SchemeError
from clusterobs.sources import scheme_build
from clusterobs.sources.declarations import Dataset
from clusterobs.sources.nace import read_csv_checked

USER_COLUMNS = ["industry", "category", "weight"]


def builtin_schemes() -> dict[str, Scheme]:
    """Every committed scheme, validated, by id (methodology §2)."""
    meta = scheme_build.load_metadata()
    out = {}
    for scheme_id, entry in meta.items():
        table = scheme_build.read_scheme_table(scheme_build.SCHEMES_DIR / entry["file"])
        out[scheme_id] = Scheme.from_table(
            table, id=scheme_id, version=str(entry["version"]), title=entry["title"],
            partitioning=bool(entry["partitioning"]),
        )
    return out


def class_level(meta: dict[str, object], division_table: pd.DataFrame, scheme_id: str) -> pd.DataFrame | None:
    """The class-level table of a scheme that has one (``class_file`` in schemes.yaml).

    Published codes that are no NACE class but stand for a whole division (BRES ``01000``
    read as ``A0100``) take the division's weights, so their employment is not lost.
    """
    class_file = meta.get("class_file")
    if not class_file:
        return None
    table = scheme_build.read_scheme_table(scheme_build.SCHEMES_DIR / str(class_file))
    divisions = division_table[division_table["industry"].str.len() == 3]
    stand_ins = divisions.assign(industry=divisions["industry"] + "00")
    stand_ins = stand_ins[~stand_ins["industry"].isin(table["industry"])]
    return pd.concat([table, stand_ins], ignore_index=True)


def dataset_schemes(ds: Dataset) -> dict[str, Scheme]:
    """The schemes a dataset declares, at its industry detail; a user's scheme file when named."""
    meta = scheme_build.load_metadata()
    out: dict[str, Scheme] = {}
    for scheme_id in ds.schemes:
        if scheme_id not in meta:
            if ds.scheme_file:
                out[scheme_id] = read_user_scheme(Path(ds.scheme_file), id=scheme_id,
                                                  classification=ds.classification)
                continue
            raise SchemeError(f"dataset {ds.id} names scheme {scheme_id!r}, which is not one of "
                              f"{', '.join(meta)} (and no scheme file is given)")
        entry = meta[scheme_id]
        table = scheme_build.read_scheme_table(scheme_build.SCHEMES_DIR / entry["file"])
        title = entry["title"]
        if ds.scheme_detail == "class":
            fine = class_level(entry, table, scheme_id)
            if fine is not None:
                table, title = fine, f"{title} (NACE class level)"
        out[scheme_id] = Scheme.from_table(
            table, id=scheme_id, version=str(entry["version"]), title=title,
            partitioning=bool(entry["partitioning"]),
        )
    return out


def read_user_scheme(path: Path, *, id: str, classification: str = "NACE_R2",
                     partitioning: bool = True, known: set[str] | None = None) -> Scheme:
    """A user-defined scheme from a CSV with columns industry, category, weight
    (optional category_name, traded); codes are checked against *known* when given."""
    table = read_csv_checked(path, USER_COLUMNS)
    weight = pd.to_numeric(table["weight"], errors="coerce")
    if weight.isna().any():
        line = int(weight.index[weight.isna()][0]) + 2
        raise SchemeError(f"{path}:{line}: weight {table['weight'].iloc[line - 2]!r} is not a number")
    table = table.assign(weight=weight, classification=classification)
    if "category_name" not in table:
        table["category_name"] = table["category"]
    if "traded" in table:
        table["traded"] = table["traded"].str.lower().map({"true": True, "false": False})
    scheme = Scheme.from_table(table, id=id, version="user", title=f"User scheme {id}",
                               partitioning=partitioning)
    scheme.validate(known)
    return scheme
