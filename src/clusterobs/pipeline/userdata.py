"""A user's own table as a dataset: ``clusterobs data add FILE --name NAME --columns ...``.

The table (CSV or XLSX, one row per region x industry x year) is checked whole, with its
geography (GeoJSON or GeoPackage, optional) and scheme (CSV, required for the user's own
codes), then loaded into the store and declared in ``$CLUSTEROBS_VAR/datasets/NAME.yaml``
in one step: on any error nothing is written (docs/datasets.md "Your own table").
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clusterobs import config
from clusterobs.errors import ConfigError, DataError, SchemaError
from clusterobs.pipeline import loader
from clusterobs.sources import declarations, generic, geography
from clusterobs.sources.declarations import CLASSIFICATIONS, Dataset, Geography, Measure, Source
from clusterobs.sources.schemes import read_user_scheme
from clusterobs.store.writer import StoreWriter

#: what a column mapping may name
MAPPING_KEYS = ("region", "industry", "year", "employment", "establishments", "wages", "country")
#: the built-in schemes a user's NACE-like table is rated with
NACE_SCHEMES = ("nace-division", "eu-clusters", "emerging", "ecosystems")


@dataclass(frozen=True)
class Added:
    """What ``data add`` did."""

    dataset: str
    rows: int
    regions: int
    industries: int
    years: tuple[int, ...]
    declaration: Path


def parse_columns(text: str) -> dict[str, str]:
    """``region=COL,industry=COL,...`` as a dict; a one-line error for a malformed mapping."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, column = part.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or not column:
            raise ConfigError(f"--columns: {part!r} is not KEY=COLUMN")
        if key not in MAPPING_KEYS:
            raise ConfigError(f"--columns: unknown key {key!r}: expected {', '.join(MAPPING_KEYS)}")
        if key in out:
            raise ConfigError(f"--columns: {key} is given twice")
        out[key] = column
    for needed in ("region", "industry", "employment"):
        if needed not in out:
            raise ConfigError(f"--columns names no {needed} column (e.g. {needed}=COLUMN)")
    return out


def declaration(name: str, file: Path, columns: dict[str, str], classification: str, *,
                year: int | None = None, scheme: Path | None = None,
                geography_file: Path | None = None, title: str | None = None,
                total_code: str | None = None, sheet: str | None = None) -> Dataset:
    """The declaration of a user's table (checked; nothing written)."""
    if name in declarations.builtin():
        raise ConfigError(f"--name {name}: a built-in dataset has that name; choose another")
    if classification not in CLASSIFICATIONS:
        raise ConfigError(f"--classification {classification!r}: expected one of {', '.join(CLASSIFICATIONS)}")
    if "year" not in columns and year is None:
        raise ConfigError("--columns names no year column: add year=COLUMN or give --year")
    kind = CLASSIFICATIONS[classification]
    if kind == "OWN" and scheme is None:
        raise ConfigError("--classification own needs --scheme SCHEME.csv (industry,category,weight)")
    schemes = (f"{name}-scheme",) if scheme else (("uscmp",) if kind == "NAICS2017" else NACE_SCHEMES)
    keep = {k: v for k, v in columns.items() if k != "country"}
    src = Source(
        id=name, title=title or f"{name} (user table {file.name})", file=str(file.resolve()),
        format="table", columns=keep, year=year, industry_codes=classification, sheet=sheet,
        total_code=total_code,
        measures={m: Measure(measure=m, unit="EUR" if m == "wages" else "count")
                  for m in ("employment", "establishments", "wages") if m in columns},
    )
    return Dataset(
        id=name, title=title or name,
        geography=Geography(kind="user", version=1, levels=(2,),
                            path=str(geography_file.resolve()) if geography_file else None),
        classification=kind, sources=(src,), schemes=schemes, default_scheme=schemes[0],
        total_industries=(total_code,) if total_code else (),
        total_note=(f"rows with industry {total_code}" if total_code
                    else "the sum of the table's top-level rows"),
        trends_scheme=schemes[0] if kind != "OWN" and len(schemes) > 1 else None,
        derive_levels=kind == "NACE_R2", user=True,
        scheme_file=str(scheme.resolve()) if scheme else None,
        description=f"A user's table ({file.name}), added with `clusterobs data add`.",
        attribution=f"Data: {file.name}, supplied by the user.",
    )


def add(file: Path, name: str, columns: str, classification: str, *, year: int | None = None,
        scheme: Path | None = None, geography_file: Path | None = None, title: str | None = None,
        total_code: str | None = None, sheet: str | None = None,
        store: Path | None = None) -> Added:
    """Check a user's table and load it as dataset *name* (all or nothing)."""
    for path, what in ((file, "table"), (scheme, "scheme"), (geography_file, "geography")):
        if path is not None and not path.is_file():
            raise DataError(f"the {what} file does not exist", path=str(path))
    mapping = parse_columns(columns)
    ds = declaration(name, file, mapping, classification, year=year, scheme=scheme,
                     geography_file=geography_file, title=title, total_code=total_code, sheet=sheet)
    if scheme is not None:  # checked now so that a bad scheme stops the add, not the build
        read_user_scheme(scheme, id=ds.default_scheme, classification=ds.classification)
    regions, geoms = _geography(ds, file, mapping, geography_file)
    folder = declarations.user_dir()
    with StoreWriter(store or config.store_path()) as writer:
        con = writer.con
        key = loader.geography_key(ds)
        loader.replace(con, "regions", regions.assign(geography=key), f"WHERE geography = '{key}'")
        loader.replace(con, "geometries", geoms.assign(geography=key), f"WHERE geography = '{key}'")
        src = ds.sources[0]
        frame = generic.read_table(file, src, loader.normaliser(con, ds, src), set(regions["region"]))
        generic.check_positive_total(frame, file)
        rows = loader.insert_observations(con, ds, src, frame)
        loader.record(con, src.id, file, rows)
        folder.mkdir(parents=True, exist_ok=True)
        if scheme is not None:
            kept = folder / f"{name}.scheme.csv"
            shutil.copyfile(scheme, kept)
            ds = _with_scheme_file(ds, kept)
        path = commit_with_declaration(writer, ds)
    config.results_path(name).unlink(missing_ok=True)  # results of an earlier table of that name
    emp = frame[frame["measure"] == "employment"]
    return Added(dataset=name, rows=rows, regions=int(emp["region"].nunique()),
                 industries=int(emp["industry"].nunique()),
                 years=tuple(sorted(int(y) for y in emp["year"].unique())), declaration=path)


def commit_with_declaration(writer: StoreWriter, ds: Dataset) -> Path:
    """Save *ds*'s declaration and commit the store: both or neither (the declaration is
    removed again when the commit fails), so a dataset is never registered half-written.
    Returns the declaration's path."""
    path = declarations.save_user(ds)
    try:
        writer.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _with_scheme_file(ds: Dataset, path: Path) -> Dataset:
    from dataclasses import replace

    return replace(ds, scheme_file=str(path))


def _geography(ds: Dataset, file: Path, mapping: dict[str, str],
               geography_file: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regions (and geometries) of the user's table: from the geography file, else the table."""
    if geography_file is not None:
        return geography.user_geography(geography_file, ds.geography.version)
    frame = generic.read_frame(file, ds.sources[0].sheet)
    for key in ("region", "country"):
        if key in mapping and mapping[key] not in frame.columns:
            raise SchemaError(f"the mapping {key}={mapping[key]} names no column of the table: "
                              f"expected one of {', '.join(frame.columns[:15])}", path=str(file), line=1)
    codes = sorted({c.strip() for c in frame[mapping["region"]].astype(str) if c.strip()})
    if "country" in mapping:
        pairs = frame[[mapping["region"], mapping["country"]]].astype(str).drop_duplicates()
        country = dict(zip(pairs.iloc[:, 0].str.strip(), pairs.iloc[:, 1].str.strip(), strict=True))
    else:
        country = dict.fromkeys(codes, ds.id)
    geoms = pd.DataFrame(columns=geography.GEOMETRY_COLUMNS)
    return geography.plain_regions(codes, ds.geography.version, country), geoms
