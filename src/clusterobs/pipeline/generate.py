"""A generated dataset: ``clusterobs data generate --name NAME --rows N --seed S``.

Writes the rows of :mod:`clusterobs.core.synthetic` (a chunk of regions at a time, so tens of
millions of rows fit in memory) to ``$CLUSTEROBS_VAR/datasets/NAME.data/NAME.parquet`` with
the region hierarchy next to it (``regions.csv``), then registers it the way ``clusterobs
data add`` registers a user's table: regions, observations (through the Parquet loader,
:func:`clusterobs.pipeline.loader.load_parquet`) and the declaration
``$CLUSTEROBS_VAR/datasets/NAME.yaml``, all or nothing. ``clusterobs build --dataset NAME``
then builds it like any dataset (docs/datasets.md "Generated data").
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clusterobs import config
from clusterobs.core import synthetic
from clusterobs.errors import ConfigError, StoreError
from clusterobs.pipeline import loader
from clusterobs.pipeline.userdata import NACE_SCHEMES, commit_with_declaration
from clusterobs.sources import declarations
from clusterobs.sources.declarations import Dataset, Geography, Measure, Source
from clusterobs.store import reader
from clusterobs.store.writer import StoreWriter

_COLUMNS = {"region": "region", "industry": "industry", "year": "year", "employment": "employment",
            "establishments": "establishments", "wages": "wages", "flag": "flag"}
_SCHEMA = pa.schema([("region", pa.string()), ("industry", pa.string()), ("year", pa.int32()),
                     ("employment", pa.float64()), ("establishments", pa.float64()),
                     ("wages", pa.float64()), ("flag", pa.string())])


@dataclass(frozen=True)
class Generated:
    """What ``data generate`` did."""

    dataset: str
    rows: int
    confidential: int
    sizes: synthetic.Sizes
    file: Path
    declaration: Path


def nace_classes(store: Path | None = None) -> list[str]:
    """The NACE Rev.2 classes of the loaded reference (615), in code order."""
    path = store or config.store_path()
    if not path.exists():
        raise StoreError(f"no store at {path}: run `clusterobs data load nace` first")
    with reader.connect(path) as con:
        rows = con.execute("SELECT code FROM industries WHERE classification = 'NACE_R2' AND level = 4 "
                           "ORDER BY code").fetchall()
    if not rows:
        raise StoreError("the store holds no NACE classes: run `clusterobs data load nace` first")
    return [r[0] for r in rows]


def declaration(name: str, file: Path, rows: int, seed: int, sizes: synthetic.Sizes) -> Dataset:
    """The declaration of a generated dataset (NACE classes at class detail, like gb-bres)."""
    src = Source(
        id=name, title=f"Generated data, {rows:,} rows, seed {seed}", file=str(file), format="table",
        columns=dict(_COLUMNS), industry_codes="nace-r2",
        measures={"employment": Measure("employment", "persons"),
                  "establishments": Measure("establishments", "local units"),
                  "wages": Measure("wages", "EUR", scale=1000.0, note="published in thousand EUR")},
        flags={"c": "confidential"},
    )
    return Dataset(
        id=name, title=f"Generated: {name}",
        geography=Geography(kind="user", version=1, levels=(2,), path=str(file.parent / "regions.csv"),
                            level_names={0: "country", 1: "larger region", 2: "small region"}),
        classification="NACE_R2", sources=(src,), schemes=NACE_SCHEMES, default_scheme="eu-clusters",
        total_note="the sum of the table's top-level rows (sections derived from the classes)",
        trends_scheme="eu-clusters", derive_levels=True, scheme_detail="class", user=True,
        description=(f"Synthetic data (clusterobs data generate --rows {rows} --seed {seed}): "
                     f"{sizes.small:,} small regions in {sizes.larger:,} larger ones in "
                     f"{sizes.countries} countries, the NACE classes, years "
                     f"{sizes.first_year}-{sizes.last_year}. Not real data."),
        attribution="Generated data (clusterobs.core.synthetic); no real statistics.",
    )


def parse_sizes(rows: int, regions: str | None, years: str) -> synthetic.Sizes:
    """Sizes from the command line: ``--regions 30,300,1500`` (else sized for *rows*) and
    ``--years 2004-2023``; a one-line ConfigError for a malformed value."""
    first, sep, last = years.partition("-")
    if not (sep and first.strip().isdigit() and last.strip().isdigit()):
        raise ConfigError(f"--years {years!r}: expected FIRST-LAST, e.g. 2004-2023")
    span = (int(first), int(last))
    if not (1900 <= span[0] <= span[1] <= 2100):
        raise ConfigError(f"--years {years!r}: expected two years 1900-2100, the first not after the last")
    if rows < 1:
        raise ConfigError(f"--rows {rows}: expected a positive number of rows")
    if regions is None:
        return synthetic.sizes_for(rows, years=span)
    parts = [p.strip() for p in regions.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ConfigError(f"--regions {regions!r}: expected COUNTRIES,LARGER,SMALL, e.g. 30,300,1500")
    countries, larger, small = (int(p) for p in parts)
    return synthetic.Sizes(countries, larger, small, span[0], span[1])


def generate(name: str, rows: int, seed: int, *, sizes: synthetic.Sizes | None = None,
             store: Path | None = None, chunk_regions: int = 200) -> Generated:
    """Generate *rows* rows with *seed*, write them and register dataset *name*."""
    if name in declarations.builtin():
        raise ConfigError(f"--name {name}: a built-in dataset has that name; choose another")
    try:
        declarations.from_dict({"id": name, "title": name, "geography": {"kind": "user", "version": 1},
                                "classification": "NACE_R2", "sources": [], "schemes": ["x"]})
    except ConfigError as exc:
        raise ConfigError(f"--name {name}: {str(exc).split(': ', 1)[1]}") from None
    store = store or config.store_path()
    classes = nace_classes(store)
    sizes = sizes or synthetic.sizes_for(rows, len(classes))
    try:
        sizes.check(rows, len(classes))
    except ValueError as exc:
        raise ConfigError(f"--rows {rows}: {exc}") from None
    folder = declarations.user_dir() / f"{name}.data"
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    regions = synthetic.regions(sizes)
    regions.to_csv(tmp / "regions.csv", index=False)
    written = confidential = 0
    with pq.ParquetWriter(tmp / f"{name}.parquet", _SCHEMA, compression="zstd") as out:
        for chunk in synthetic.generate(rows, seed, classes, sizes, chunk_regions=chunk_regions):
            out.write_table(pa.Table.from_pandas(chunk, schema=_SCHEMA, preserve_index=False))
            written += len(chunk)
            confidential += int(chunk["flag"].notna().sum())
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)
    file = folder / f"{name}.parquet"
    ds = declaration(name, file, rows, seed, sizes)
    _register(ds, regions, file, store)
    config.results_path(name).unlink(missing_ok=True)  # results of an earlier dataset of that name
    return Generated(name, written, confidential, sizes, file, declarations.user_dir() / f"{name}.yaml")


def _register(ds: Dataset, regions: pd.DataFrame, file: Path, store: Path) -> None:
    """Regions, observations and declaration of *ds*, in one transaction of the store."""
    key = loader.geography_key(ds)
    frame = regions.assign(nuts_version=ds.geography.version, geography=key)
    with StoreWriter(store) as writer:
        con = writer.con
        loader.replace(con, "regions", frame[["region", "nuts_version", "level", "country", "name", "parent",
                                              "geography"]], f"WHERE geography = '{key}'")
        con.execute("DELETE FROM geometries WHERE geography = ?", [key])
        src = ds.sources[0]
        n = loader.load_parquet(con, ds, src, file)
        loader.record(con, src.id, file, n)
        commit_with_declaration(writer, ds)
