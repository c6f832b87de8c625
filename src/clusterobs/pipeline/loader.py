"""Fetch and load source datasets into the store (atomically)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pandas as pd

from clusterobs import __version__, config
from clusterobs.errors import UnknownCodeError
from clusterobs.sources import catalog, eurostat, gisco, nace, sdmx
from clusterobs.sources import fetch as fetching
from clusterobs.store import reader
from clusterobs.store.writer import StoreWriter

Progress = Callable[[str], None]

#: Eurostat dataset -> which dimension is the region, the industry, and what NUTS version.
EUROSTAT_LAYOUT: dict[str, dict[str, Any]] = {
    "sbs_r_nuts06_r2": {"region": "geo", "industry": "nace_r2", "classification": "NACE_R2",
                        "nuts_version": 2013},
}
_IGNORED_DIMS = {"freq"}


@dataclass
class LoadReport:
    """What a load did: per dataset rows, plus the unknown codes it found."""

    datasets: list[dict[str, Any]] = field(default_factory=list)
    unknown: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    seconds: float = 0.0


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
        out[dataset_id] = fetching.fetch(
            ds, cache=config.cache_dir(), mirror=mirror, transport=transport, refresh=refresh
        )
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
    ids = ids or catalog.core_ids()
    paths = fetch(ids, transport=transport, progress=progress)
    report = LoadReport()
    # reference tables first, so observation codes can be checked against them
    order = sorted(ids, key=lambda i: catalog.get(i).kind == "eurostat_tsv")
    with StoreWriter(store or config.store_path()) as writer:
        for dataset_id in order:
            if progress:
                progress(f"load {dataset_id}")
            rows = _load_one(writer.con, catalog.get(dataset_id), paths[dataset_id])
            _record(writer.con, dataset_id, paths[dataset_id], rows)
            report.datasets.append({"dataset": dataset_id, "rows": rows})
        report.unknown = _check_codes(writer.con, [i for i in ids if i in EUROSTAT_LAYOUT])
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


def _load_one(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    loaders: dict[str, Callable[[duckdb.DuckDBPyConnection, catalog.Dataset, Path], int]] = {
        "eurostat_tsv": _load_eurostat,
        "sdmx_csv": _load_eurostat,
        "nuts_names": _load_names,
        "nuts_crosswalk": _load_crosswalk,
        "gisco_geojson": _load_geometries,
        "nace_structure": _load_nace,
        "naics_codes": _load_naics,
    }
    return loaders[ds.kind](con, ds, path)


def _load_eurostat(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    if ds.kind == "sdmx_csv" or path.name.endswith((".csv", ".csv.gz")):
        header = sdmx.load_sdmx_csv(con, path, "_parsed")
    else:
        header = eurostat.load_bulk_tsv(con, path, "_parsed")
    layout = EUROSTAT_LAYOUT.get(ds.id, {"region": "geo", "industry": None,
                                         "classification": None, "nuts_version": None})
    measure_dims = [d for d in header.dims
                    if d not in {layout["region"], layout["industry"], *_IGNORED_DIMS}]
    measure_sql = " || '.' || ".join(measure_dims) or "'value'"
    named = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in eurostat.MEASURES.items())
    industry = layout["industry"] or "NULL"
    con.execute("DELETE FROM observations WHERE dataset = ?", [ds.id])
    con.execute(
        f"""INSERT INTO observations
        SELECT ?, {layout['region']}, ?, {industry}, ?, year,
               CASE {measure_sql} {named} ELSE {measure_sql} END, value, flag, line
        FROM _parsed
        WHERE year IS NOT NULL AND (value IS NOT NULL OR flag IS NOT NULL)""",
        [ds.id, layout["nuts_version"], layout["classification"]],
    )
    row = con.execute("SELECT count(*) FROM observations WHERE dataset = ?", [ds.id]).fetchone()
    for name in ("VIEW _parsed", "VIEW _parsed_cells", "TABLE _tsv_raw", "TABLE _sdmx_raw"):
        con.execute(f"DROP {name.split()[0]} IF EXISTS {name.split()[1]}")
    return int(row[0]) if row else 0


def _replace(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, where: str = "") -> int:
    con.execute(f"DELETE FROM {table} {where}")
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.register("_incoming", df)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
    finally:
        con.unregister("_incoming")
    return len(df)


def _load_names(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    df = gisco.read_nuts_names(path)
    df = df.assign(name=df["name_latn"].replace("", None).fillna(df["name"]))
    # the file lists NUTS-2013 FR7 twice (the 2016 label, then the 2013 one): the later row wins
    df = df.drop_duplicates(["region", "nuts_version"], keep="last")
    return _replace(con, "regions", df[["region", "nuts_version", "level", "country", "name"]])


def _load_crosswalk(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    return _replace(con, "nuts_crosswalk", gisco.read_nuts_crosswalk(path))


def _load_geometries(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    df = gisco.simplify_for_web(gisco.read_nuts_geometries(path))
    version, level = int(df["nuts_version"].iloc[0]), int(df["level"].iloc[0])
    cols = ["region", "nuts_version", "level", "country", "name", "geojson"]
    return _replace(con, "geometries", df[cols],
                    f"WHERE nuts_version = {version} AND level = {level}")


def _load_nace(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    df = nace.read_nace_structure(path)
    cols = ["classification", "code", "level", "parent", "section", "title"]
    return _replace(con, "industries", df[cols], "WHERE classification = 'NACE_R2'")


def _load_naics(con: duckdb.DuckDBPyConnection, ds: catalog.Dataset, path: Path) -> int:
    df = nace.read_naics(path)
    cols = ["classification", "code", "level", "parent", "section", "title"]
    return _replace(con, "industries", df[cols], "WHERE classification = 'NAICS2017'")


def _record(con: duckdb.DuckDBPyConnection, dataset_id: str, path: Path, rows: int) -> None:
    con.execute("DELETE FROM provenance WHERE dataset = ?", [dataset_id])
    con.execute(
        "INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?)",
        [dataset_id, path.name, str(path), fetching.sha256(path), rows,
         datetime.now(UTC).replace(tzinfo=None), __version__],
    )


def _check_codes(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> dict[str, list[tuple[str, int]]]:
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
