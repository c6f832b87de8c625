"""Fetch and load source datasets into the store (atomically)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from clusterobs import __version__, config
from clusterobs.errors import DataError, FetchError, SchemaError, UnknownCodeError
from clusterobs.sources import (
    catalog,
    declarations,
    eurostat,
    generic,
    geography,
    gisco,
    nace,
    sdmx,
)
from clusterobs.sources import fetch as fetching
from clusterobs.sources.codes import Normaliser, isic_to_nace
from clusterobs.store import reader
from clusterobs.store.engine import Connection, write_table
from clusterobs.store.writer import StoreWriter

Progress = Callable[[str], None]

#: the order of loading: reference tables first, so that data codes can be checked against them
_KIND_ORDER = {"nuts_names": 0, "nuts_crosswalk": 0, "nace_structure": 0, "naics_codes": 0,
               "cbsa_lookup": 0, "gisco_geojson": 1, "eurostat_tsv": 2, "sdmx_csv": 2, "table": 2}


@dataclass
class LoadReport:
    """What a load did: per dataset rows, plus the unknown codes it found."""

    datasets: list[dict[str, Any]] = field(default_factory=list)
    unknown: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    seconds: float = 0.0
    #: optional sources that could not be had (e.g. a current Eurostat file with no mirror copy)
    skipped: list[str] = field(default_factory=list)


def expand(ids: list[str]) -> list[str]:
    """Source-file ids for *ids*, which may name datasets (``europe``) or source files."""
    out: list[str] = []
    known = declarations.all_datasets()
    for i in ids:
        if i in known:
            ds = known[i]
            out += [*ds.source_ids, *_reference_for(ds)]
        else:
            catalog.get(i)  # raises the error listing the known names
            out.append(i)
    return list(dict.fromkeys(out))


def _reference_for(ds: declarations.Dataset) -> list[str]:
    """The reference files a dataset's load and build need."""
    refs = ["nace", "naics2017"]
    if ds.geography.kind == "nuts":
        refs += ["nuts-names", "nuts-crosswalks", *(d.id for d in catalog.REFERENCE if "geometry" in d.tags)]
    elif ds.geography.kind == "cbsa":
        refs.append("cbsa-lookup")
    return refs


def fetch(
    ids: list[str],
    *,
    transport: httpx.BaseTransport | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Fetch datasets into the cache (or find them in the mirror); return their paths."""
    mirror = config.mirror_dir()
    out = {}
    for dataset_id in ids:
        if progress:
            progress(f"fetch {dataset_id}")
        ds = catalog.get(dataset_id)
        if Path(ds.file_name).is_absolute():  # a user's table, read where it is
            out[dataset_id] = Path(ds.file_name)
            continue
        try:
            out[dataset_id] = fetching.fetch(
                ds, cache=config.cache_dir(), mirror=mirror, transport=transport, refresh=refresh
            )
        except FetchError:
            if "optional" not in ds.tags:
                raise
    return out


def load(
    ids: list[str] | None = None,
    *,
    strict: bool = False,
    store: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Fetch and load datasets into a new copy of the store, then swap it in.

    Unknown region or industry codes are listed in the report (and the store's
    ``load_issues`` table); with ``strict`` they are fatal and the store is unchanged.
    """
    started = time.perf_counter()
    ids = expand(ids or catalog.core_ids())
    paths = fetch(ids, transport=transport, progress=progress)
    report = LoadReport(skipped=[i for i in ids if i not in paths])
    order = sorted(paths, key=lambda i: _KIND_ORDER.get(catalog.get(i).kind, 3))
    with StoreWriter(store or config.store_path()) as writer:
        for dataset_id in order:
            if progress:
                progress(f"load {dataset_id}")
            rows = _load_one(writer.con, catalog.get(dataset_id), paths[dataset_id])
            record(writer.con, dataset_id, paths[dataset_id], rows)
            report.datasets.append({"dataset": dataset_id, "rows": rows})
        report.unknown = _check_codes(writer.con, [i for i in order if catalog.get(i).kind in ("eurostat_tsv", "sdmx_csv")])
        if strict and any(report.unknown.values()):
            first = next(k for k, v in report.unknown.items() if v)
            codes = [c for c, _ in report.unknown[first]]
            raise UnknownCodeError(
                f"{len(codes)} {first.replace('_', ' ')} codes (e.g. {', '.join(codes[:5])}); "
                "the store is unchanged (--strict)",
                codes=codes,
            )
        writer.commit()
    report.seconds = time.perf_counter() - started
    return report


def _load_one(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    loaders: dict[str, Callable[[Connection, catalog.Dataset, Path], int]] = {
        "eurostat_tsv": _load_eurostat,
        "sdmx_csv": _load_eurostat,
        "nuts_names": _load_names,
        "nuts_crosswalk": _load_crosswalk,
        "gisco_geojson": _load_geometries,
        "nace_structure": _load_nace,
        "naics_codes": _load_naics,
        "cbsa_lookup": _load_cbsa,
        "table": _load_table,
    }
    return loaders[ds.kind](con, ds, path)


def _declared(source_id: str) -> tuple[declarations.Dataset, declarations.Source]:
    owner = declarations.of_source(source_id)
    if owner is None:
        raise SchemaError(f"{source_id} is not declared by any dataset (clusterobs/data/datasets)")
    return owner, owner.source(source_id)


def _load_eurostat(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    """A Eurostat TSV or SDMX-CSV source, read as its declaration says (dimensions, measures)."""
    owner, src = _declared(ds.id)
    if path.name.endswith((".csv", ".csv.gz")):
        header = sdmx.load_sdmx_csv(con, path, "_parsed", limits=eurostat.measure_limits(src))
    else:
        header = eurostat.load_bulk_tsv(con, path, "_parsed", limits=eurostat.measure_limits(src))
    dims = src.dimensions
    expected = {dims.get("region", "geo"), dims.get("industry", ""), dims.get("measure", ""), *src.ignore}
    extra = [d for d in header.dims if d not in expected]
    missing = [d for d in (dims.get("region"), dims.get("industry"), dims.get("measure"))
               if d and d not in header.dims]
    if extra or missing:
        raise SchemaError(
            f"dimensions {','.join(header.dims)} do not match the declaration of {src.id}: "
            + (f"unexpected {', '.join(extra)}" if extra else f"missing {', '.join(missing)}")
            + f" (expected {', '.join(d for d in expected if d)})", path=str(path), line=1)
    named = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in src.measure_map().items())
    measure = eurostat.sql_ident(dims["measure"])
    industry = eurostat.sql_ident(dims["industry"]) if dims.get("industry") else "NULL"
    con.execute("DELETE FROM observations WHERE dataset = ?", [ds.id])
    con.execute(
        f"""INSERT INTO observations
        SELECT ?, {eurostat.sql_ident(dims.get('region', 'geo'))}, ?, {industry}, ?, year,
               CASE {measure} {named} ELSE {measure} END, value, flag, line
        FROM _parsed
        WHERE year IS NOT NULL AND (value IS NOT NULL OR flag IS NOT NULL)""",
        [ds.id, src.nuts_version, owner.classification],
    )
    eurostat.check_nuts_version(con, ds.id, src.nuts_version, dims.get("region", "geo"), path)
    row = con.execute("SELECT count(*) FROM observations WHERE dataset = ?", [ds.id]).fetchone()
    for name in ("VIEW _parsed", "VIEW _parsed_cells", "TABLE _tsv_raw", "TABLE _sdmx_raw"):
        con.execute(f"DROP {name.split()[0]} IF EXISTS {name.split()[1]}")
    if not row or not row[0]:
        raise SchemaError(f"no observations in {src.id}: the file has a header but no values",
                          path=str(path))
    return int(row[0])


def normaliser(con: Connection, owner: declarations.Dataset,
               src: declarations.Source) -> Normaliser:
    """The industry-code reader of a table source, from the loaded classifications."""
    kind = src.industry_codes or {"NACE_R2": "nace-r2", "NAICS2017": "naics-2017"}.get(
        owner.classification, "own")
    nace_codes = frozenset(r[0] for r in con.execute(
        "SELECT code FROM industries WHERE classification = 'NACE_R2'").fetchall())
    naics = frozenset(r[0] for r in con.execute(
        "SELECT code FROM industries WHERE classification = 'NAICS2017'").fetchall())
    isic: dict[str, str] = {}
    if kind == "isic-4":
        mirror = config.mirror_dir()
        name = catalog.get("nace").file_name
        structure = fetching.find_in_mirror(mirror, name) if mirror else config.cache_dir() / name
        if structure is None or not structure.exists():
            raise FetchError("ISIC codes need the NACE structure file: run `clusterobs data load nace`")
        isic = isic_to_nace(nace.read_nace_isic(structure))
    return Normaliser(kind, nace=nace_codes, naics=naics, isic=isic,
                      extra=frozenset([*owner.total_industries, *(src.total_code or "").split()]))


def _geography_codes(con: Connection, owner: declarations.Dataset) -> set[str] | None:
    """Region codes a table source may use: its geography's (None: any, for a plain table)."""
    key = geography_key(owner)
    rows = con.execute("SELECT region FROM regions WHERE geography = ? AND nuts_version = ?",
                       [key, owner.geography.version]).fetchall()
    return {r[0] for r in rows} if rows else None


def geography_key(owner: declarations.Dataset) -> str:
    """The ``regions.geography`` value of a dataset's geography."""
    return f"user:{owner.id}" if owner.geography.kind == "user" else owner.geography.kind


def _load_table(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    """A long table (BRES, CBP, a user's own table) through :mod:`clusterobs.sources.generic`;
    a Parquet file (a generated dataset of tens of millions of rows) through SQL."""
    owner, src = _declared(ds.id)
    if path.name.lower().endswith(".parquet"):
        return load_parquet(con, owner, src, path, _geography_codes(con, owner) is not None)
    frame = generic.read_table(path, src, normaliser(con, owner, src), _geography_codes(con, owner))
    generic.check_positive_total(frame, path)
    con.execute("DELETE FROM load_issues WHERE dataset = ? AND kind = 'unknown_region'", [ds.id])
    for code, rows in frame.attrs.get("dropped_regions", {}).items():
        con.execute("INSERT INTO load_issues VALUES (?, 'unknown_region', ?, ?)", [ds.id, code, rows])
    return insert_observations(con, owner, src, frame)


def load_parquet(con: Connection, owner: declarations.Dataset, src: declarations.Source,
                 path: Path, check_regions: bool = True) -> int:
    """Replace source *src*'s observations by the Parquet table *path*, read and checked in
    the database (never as Python objects: tens of millions of rows load in seconds).

    The checks of :func:`clusterobs.sources.generic.read_table`, as one-line errors: the
    column mapping names existing columns, industry codes are codes of the classification
    (normalised as there), regions are in the geography (*check_regions*), no key is
    duplicated, every value is a finite non-negative number of plausible size.
    """
    cols = src.columns
    table = f"read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')"
    present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()}
    measures = [m for m in declarations.CORE_MEASURES if m in cols]
    for key in ("region", "industry", "year", *measures, *(["flag"] if "flag" in cols else [])):
        if key not in cols:
            raise SchemaError(f"the column mapping names no {key} column", path=str(path))
        if cols[key] not in present:
            raise SchemaError(f"the mapping {key}={cols[key]} names no column of the table: expected one "
                              f"of {', '.join(sorted(present)[:15])}", path=str(path))
    q = {k: '"' + v.replace('"', '""') + '"' for k, v in cols.items()}
    raw = [r[0] for r in con.execute(f"SELECT DISTINCT {q['industry']}::VARCHAR FROM {table}").fetchall()]
    codes = normaliser(con, owner, src).normalise_many(pd.Series([c or "" for c in raw]), path, cols["industry"],
                                                        src.extra_codes)
    write_table(con, "_codes", pd.DataFrame({"raw": raw, "code": codes}), temp=True)
    if check_regions:
        row = con.execute(f"""SELECT {q['region']}::VARCHAR, count(*) OVER () FROM {table}
            WHERE {q['region']}::VARCHAR NOT IN (SELECT region FROM regions WHERE geography = ?) LIMIT 1""",
                          [geography_key(owner)]).fetchall()
        if row:
            raise DataError(f"field {cols['region']}: region {row[0][0]!r} is not in the geography",
                            path=str(path))
    dup = con.execute(f"""SELECT {q['region']}, {q['industry']}, {q['year']} FROM {table}
                          GROUP BY ALL HAVING count(*) > 1 LIMIT 1""").fetchall()
    if dup:
        region, industry, year = dup[0]
        raise DataError(f"duplicated key region={region} industry={industry} year={year}", path=str(path))
    for m in measures:
        bad = con.execute(f"""SELECT {q[m]} FROM {table} WHERE {q[m]} IS NOT NULL AND
            (NOT isfinite({q[m]}::DOUBLE) OR {q[m]} < 0 OR {q[m]} > {generic.MAX_VALUE}) LIMIT 1""").fetchall()
        if bad:
            raise DataError(f"field {cols[m]}: {bad[0][0]!r} is not a finite non-negative number of "
                            "plausible size", path=str(path))
    con.execute("DELETE FROM observations WHERE dataset = ?", [src.id])
    flag = f"NULLIF({q['flag']}::VARCHAR, '')" if "flag" in cols else "NULL"
    for m in measures:
        con.execute(f"""INSERT INTO observations
            SELECT ?, t.{q['region']}::VARCHAR, ?, c.code, ?, t.{q['year']}::SMALLINT, ?,
                   t.{q[m]}::DOUBLE, {flag}, NULL
            FROM {table} t JOIN _codes c ON t.{q['industry']}::VARCHAR = c.raw""",
                    [src.id, src.nuts_version, owner.classification, m])
    con.execute("DROP TABLE _codes")
    return int(con.execute("SELECT count(*) FROM observations WHERE dataset = ?", [src.id]).fetchall()[0][0])


def insert_observations(con: Connection, owner: declarations.Dataset,
                        src: declarations.Source, frame: pd.DataFrame) -> int:
    """Replace source *src*'s observations by *frame* (long form of :mod:`generic`)."""
    frame = frame.assign(dataset=src.id, nuts_version=src.nuts_version,
                         classification=owner.classification)
    cols = ["dataset", "region", "nuts_version", "industry", "classification", "year",
            "measure", "value", "flag", "line"]
    return replace(con, "observations", frame[cols], "WHERE dataset = '" + src.id.replace("'", "''") + "'")


def _load_cbsa(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    version = next((d.geography.version for d in declarations.all_datasets().values()
                    if d.geography.kind == "cbsa"), 2019)
    df = geography.cbsa_regions(path, version).assign(geography="cbsa")
    return replace(con, "regions", df, "WHERE geography = 'cbsa'")


def replace(con: Connection, table: str, df: pd.DataFrame, where: str = "") -> int:
    """Delete the rows of *table* that *where* selects (all without it), insert *df*."""
    return write_table(con, table, df, where=where.strip().removeprefix("WHERE").strip())


def _load_names(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    df = gisco.read_nuts_names(path)
    df = df.assign(name=df["name_latn"].replace("", None).fillna(df["name"]))
    # the file lists NUTS-2013 FR7 twice (the 2016 label, then the 2013 one): the later row wins
    df = df.drop_duplicates(["region", "nuts_version"], keep="last")
    df = df.assign(parent=geography.nuts_parents(df), geography="nuts")
    return replace(con, "regions", df[["region", "nuts_version", "level", "country", "name",
                                        "parent", "geography"]], "WHERE geography = 'nuts'")


def _load_crosswalk(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    return replace(con, "nuts_crosswalk", gisco.read_nuts_crosswalk(path))


def _load_geometries(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    df = gisco.simplify_for_web(gisco.read_nuts_geometries(path))
    version, level = int(df["nuts_version"].iloc[0]), int(df["level"].iloc[0])
    cols = ["region", "nuts_version", "level", "country", "name", "geojson", "geography"]
    return replace(con, "geometries", df.assign(geography="nuts")[cols],
                    f"WHERE geography = 'nuts' AND nuts_version = {version} AND level = {level}")


def _load_nace(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    df = nace.read_nace_structure(path)
    cols = ["classification", "code", "level", "parent", "section", "title"]
    return replace(con, "industries", df[cols], "WHERE classification = 'NACE_R2'")


def _load_naics(con: Connection, ds: catalog.Dataset, path: Path) -> int:
    df = nace.read_naics(path)
    cols = ["classification", "code", "level", "parent", "section", "title"]
    return replace(con, "industries", df[cols], "WHERE classification = 'NAICS2017'")


def record(con: Connection, dataset_id: str, path: Path, rows: int) -> None:
    con.execute("DELETE FROM provenance WHERE dataset = ?", [dataset_id])
    con.execute(
        "INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?)",
        [dataset_id, path.name, str(path), fetching.sha256(path), rows,
         datetime.now(UTC).replace(tzinfo=None), __version__],
    )


def _check_codes(con: Connection, datasets: list[str]) -> dict[str, list[tuple[str, int]]]:
    """Codes of observations that no loaded classification knows (extra-regio ``..Z`` aside)."""
    con.execute("DELETE FROM load_issues WHERE dataset IN (SELECT unnest(?))", [datasets])
    unknown: dict[str, list[tuple[str, int]]] = {"unknown_region": [], "unknown_industry": []}
    if reader.table_counts(con, ["regions"]).get("regions"):
        con.execute(
            """INSERT INTO load_issues
            SELECT dataset, 'unknown_region', region, count(*) FROM observations o
            WHERE dataset IN (SELECT unnest(?)) AND NOT regexp_full_match(region, '[A-Z]{2}Z*')
              AND region NOT IN (SELECT region FROM regions)
              AND region NOT IN (SELECT from_code FROM nuts_crosswalk)
              AND NOT regexp_full_match(region, '[A-Z]{2}[0-9A-Z]*Z')
            GROUP BY ALL""",
            [datasets],
        )
    if con.execute("SELECT count(*) FROM industries WHERE classification = 'NACE_R2'").fetchone()[0]:  # type: ignore[index]
        con.execute(
            """INSERT INTO load_issues
            SELECT dataset, 'unknown_industry', industry, count(*) FROM observations
            WHERE dataset IN (SELECT unnest(?)) AND classification = 'NACE_R2'
              AND industry NOT IN (SELECT code FROM industries WHERE classification = 'NACE_R2')
            GROUP BY ALL""",
            [datasets],
        )
    for kind, code, cells in con.execute(
        "SELECT kind, code, sum(cells) FROM load_issues WHERE dataset IN (SELECT unnest(?)) "
        "GROUP BY ALL ORDER BY 3 DESC, 2",
        [datasets],
    ).fetchall():
        unknown[kind].append((code, int(cells)))
    return unknown
