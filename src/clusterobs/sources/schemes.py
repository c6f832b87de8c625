"""Read category schemes: the committed tables of ``clusterobs/data/schemes`` and user CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusterobs.core.schemes import Scheme
from clusterobs.errors import SchemeError
from clusterobs.sources import scheme_build
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
