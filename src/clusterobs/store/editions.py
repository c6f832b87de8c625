"""Read-only queries on Panorama editions: the data path of ``clusterobs panorama`` and the portal.

Layout of the editions folder (``config.editions_dir()``)::

    2026-H1/                 one immutable edition (files read-only)
        store.duckdb         the built store of the edition (same tables as the main store)
        manifest.json        name, data years, sources and hashes, Methodology, row counts, files
        report.html  report.pdf
        changes.parquet  changes.csv     change log against the previous edition
        data-2026-H1.zip     the cluster table of the headline year, CSV + Parquet
    CURRENT                  the name of the published edition (written atomically)
    .2026-H2.building-123/   a build in progress: hidden, never listed

Nothing here writes; every function takes the folder as ``root`` (default: the setting).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from clusterobs import config
from clusterobs.errors import StoreError

NAME = re.compile(r"^(?P<year>\d{4})-H(?P<half>[12])(?:-r(?P<rev>[2-9]|[1-9]\d+))?$")
POINTER = "CURRENT"
MANIFEST = "manifest.json"
STORE = "store.duckdb"
CHANGES = "changes.parquet"
#: the headline of the edition's report for the home page (reports.panorama.write_headline)
HEADLINE = "headline.json"
HEADLINE_MAP = "headline.svg"
#: downloads of an edition: kind -> (file name pattern, media type)
DOWNLOADS: dict[str, tuple[str, str]] = {
    "report_html": ("report.html", "text/html; charset=utf-8"),
    "report_pdf": ("report.pdf", "application/pdf"),
    "data": ("data-{name}.zip", "application/zip"),
    "changes_csv": ("changes.csv", "text/csv; charset=utf-8"),
    "manifest": (MANIFEST, "application/json"),
}
#: change-log columns a caller can filter on
CHANGE_FILTERS = ("kind", "scheme", "method", "level", "region", "category", "criterion",
                  "change", "cause", "sub_cause")


def validate_name(name: str) -> str:
    """Return *name* if it is an edition name (``2026-H1``, revision ``2026-H1-r2``), else raise."""
    if not NAME.match(name) or not 1990 <= int(name[:4]) <= 2999:
        raise StoreError(f"invalid edition name {name!r}: expected YEAR-H1 or YEAR-H2, "
                         "e.g. 2026-H1 (a rebuild in the same half-year: 2026-H1-r2)")
    return name


def sort_key(name: str) -> tuple[int, int, int]:
    """Chronological order of edition names: year, half, revision."""
    match = NAME.match(name)
    if not match:
        raise StoreError(f"invalid edition name {name!r}")
    return int(match["year"]), int(match["half"]), int(match["rev"] or 1)


def root_dir(root: Path | None = None) -> Path:
    """The editions folder (*root* or the ``CLUSTEROBS_EDITIONS`` setting)."""
    return root if root is not None else config.editions_dir()


def names(root: Path | None = None) -> list[str]:
    """Names of the complete editions, oldest first (hidden build folders are ignored)."""
    folder = root_dir(root)
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir()
             if p.is_dir() and NAME.match(p.name) and (p / MANIFEST).is_file()]
    return sorted(found, key=sort_key)


def edition_dir(name: str, root: Path | None = None) -> Path:
    """Folder of edition *name*; :class:`StoreError` if there is no such edition."""
    path = root_dir(root) / validate_name(name)
    if not (path / MANIFEST).is_file():
        raise StoreError(f"no edition {name!r} in {root_dir(root)}: see `clusterobs panorama list`")
    return path


def manifest(name: str, root: Path | None = None) -> dict[str, Any]:
    """The manifest of edition *name* (a dict as written in manifest.json)."""
    data: dict[str, Any] = json.loads((edition_dir(name, root) / MANIFEST).read_text("utf-8"))
    return data


def current_name(root: Path | None = None) -> str | None:
    """The published edition's name, or None when none has been published."""
    pointer = root_dir(root) / POINTER
    if not pointer.is_file():
        return None
    name = pointer.read_text("utf-8").strip()
    return name if NAME.match(name) and (root_dir(root) / name / MANIFEST).is_file() else None


def current_store(root: Path | None = None) -> Path | None:
    """Path of the published edition's store file (open it read-only), or None."""
    name = current_name(root)
    return store_path(name, root) if name else None


def store_path(name: str, root: Path | None = None, dataset: str | None = None) -> Path:
    """Path of edition *name*'s results file of *dataset* (default: the edition's main dataset).

    An edition holds one results file per dataset (manifest ``datasets``): ``store.duckdb``
    for its main dataset (the one its report and change log describe), ``store-<id>.duckdb``
    for the others. Editions made before datasets were recorded hold the main one only.
    """
    folder = edition_dir(name, root)
    if dataset is None:
        return folder / STORE
    stores = dataset_stores(name, root)
    if dataset in stores:
        return stores[dataset]
    if not stores:
        return folder / STORE
    raise StoreError(f"edition {name} holds no dataset {dataset!r}: expected one of {', '.join(stores)}")


def dataset_stores(name: str, root: Path | None = None) -> dict[str, Path]:
    """Dataset id -> results file of every dataset edition *name* holds."""
    info = manifest(name, root).get("datasets") or {}
    folder = edition_dir(name, root)
    return {ds: folder / str(meta["file"]) for ds, meta in info.items()}


def headline(name: str, root: Path | None = None) -> dict[str, Any] | None:
    """The headline (year, key facts, hotspots) of edition *name*; None for an edition built
    before editions carried one."""
    path = edition_dir(name, root) / HEADLINE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    data["map"] = (edition_dir(name, root) / HEADLINE_MAP).is_file()
    return data


def headline_map(name: str, root: Path | None = None) -> Path:
    """The headline map (SVG) of edition *name*; StoreError when it has none."""
    path = edition_dir(name, root) / HEADLINE_MAP
    if not path.is_file():
        raise StoreError(f"edition {name} has no headline map")
    return path


def download_path(name: str, kind: str, root: Path | None = None) -> Path:
    """The file of download *kind* (a key of :data:`DOWNLOADS`) of edition *name*."""
    if kind not in DOWNLOADS:
        raise StoreError(f"unknown download {kind!r}: expected one of {', '.join(DOWNLOADS)}")
    path = edition_dir(name, root) / DOWNLOADS[kind][0].format(name=name)
    if not path.is_file():
        raise StoreError(f"edition {name!r} has no {kind} file")
    return path


def downloads(name: str, root: Path | None = None) -> list[dict[str, Any]]:
    """The downloads of edition *name*: kind, file name, media type and size in bytes."""
    folder = edition_dir(name, root)
    out = []
    for kind, (pattern, media) in DOWNLOADS.items():
        path = folder / pattern.format(name=name)
        if path.is_file():
            out.append({"kind": kind, "file": path.name, "media_type": media,
                        "bytes": path.stat().st_size, "path": str(path)})
    return out


def list_editions(root: Path | None = None) -> list[dict[str, Any]]:
    """Every complete edition, oldest first, with its key facts and downloads."""
    current = current_name(root)
    out = []
    for name in names(root):
        m = manifest(name, root)
        out.append({
            "name": name, "current": name == current, "created_at": m.get("created_at"),
            "headline_year": m.get("headline_year"), "max_data_year": m.get("max_data_year"),
            "data_years": m.get("data_years"), "fingerprint": m.get("fingerprint"),
            "previous": m.get("previous"), "change_log_rows": m.get("change_log", {}).get("rows"),
            "downloads": downloads(name, root),
        })
    return out


def _change_filter(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """(WHERE condition, parameters) of change-log *filters* (:data:`CHANGE_FILTERS`)."""
    unknown = sorted(set(filters) - set(CHANGE_FILTERS))
    if unknown:
        raise StoreError(f"unknown change-log filters {unknown}: expected {', '.join(CHANGE_FILTERS)}")
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    for column, value in filters.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple | set) else [value]
        where.append(f'"{column}" IN ({", ".join("?" for _ in values)})')
        params.extend(values)
    return " AND ".join(where), params


def changes(name: str, root: Path | None = None, *, limit: int | None = None, offset: int = 0,
            **filters: Any) -> pd.DataFrame:
    """Change-log rows of edition *name* (against its previous edition), filtered.

    Filters are keywords of :data:`CHANGE_FILTERS` with a value (or a list of values), e.g.
    ``changes("2026-H1", kind="rating", scheme="eu-clusters", cause="new_data_year")``.
    An edition without a previous one has an empty change log. With *limit*, one page of
    rows in the file's order (the query reads only that page).
    """
    path = edition_dir(name, root) / CHANGES
    where, params = _change_filter(filters)
    if not path.is_file():
        return pd.DataFrame()
    page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    with duckdb.connect() as con:
        return con.execute(f"SELECT * FROM read_parquet(?) WHERE {where} {page}",
                           [str(path), *params]).df()


def change_count(name: str, root: Path | None = None, **filters: Any) -> int:
    """How many change-log rows of edition *name* the *filters* select (0 without a log)."""
    path = edition_dir(name, root) / CHANGES
    where, params = _change_filter(filters)
    if not path.is_file():
        return 0
    with duckdb.connect() as con:
        row = con.execute(f"SELECT count(*) FROM read_parquet(?) WHERE {where}",
                          [str(path), *params]).fetchone()
    return int(row[0]) if row else 0


def change_values(name: str, columns: Sequence[str], root: Path | None = None) -> dict[str, list[str]]:
    """The distinct values of each change-log column in *columns* (the filter choices),
    sorted; a column the log lacks has none."""
    path = edition_dir(name, root) / CHANGES
    unknown = sorted(set(columns) - set(CHANGE_FILTERS))
    if unknown:
        raise StoreError(f"unknown change-log columns {unknown}: expected {', '.join(CHANGE_FILTERS)}")
    out: dict[str, list[str]] = {c: [] for c in columns}
    if not path.is_file():
        return out
    with duckdb.connect() as con:
        present = {r[0] for r in con.execute("SELECT name FROM parquet_schema(?)", [str(path)]).fetchall()}
        for column in columns:
            if column in present:
                rows = con.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM read_parquet(?) '
                                   f'WHERE "{column}" IS NOT NULL', [str(path)]).fetchall()
                out[column] = sorted(str(r[0]) for r in rows)
    return out


def change_summary(name: str, root: Path | None = None) -> list[dict[str, Any]]:
    """Rows of the change log by kind, change, cause and sub-cause (from the manifest)."""
    summary: list[dict[str, Any]] = manifest(name, root).get("change_log", {}).get("summary", [])
    return summary


def transitions(name: str, root: Path | None = None) -> dict[str, Any]:
    """Transition matrices stars(t0) x stars(t1) per ``scheme/method`` (from the manifest)."""
    out: dict[str, Any] = manifest(name, root).get("change_log", {}).get("transitions", {})
    return out


def headline_year(con: duckdb.DuckDBPyConnection, coverage: float = 0.9) -> int:
    """The headline year of a built store: the latest year with nearly complete NUTS-2 data.

    The latest year whose region count (default scheme, finest level) is at least *coverage* of the
    best year's: the last Eurostat year covers only part of the regions (same rule as the
    portal's default year).
    """
    scheme, level = main_view(con)
    rows = con.execute(
        """SELECT year::INTEGER, count(DISTINCT region) FROM clusters
           WHERE scheme = ? AND level = ? GROUP BY 1 ORDER BY 1""", [scheme, level]).fetchall()
    if not rows:
        raise StoreError(f"the store has no {scheme} results: run `clusterobs build`")
    best = max(n for _, n in rows)
    return max(y for y, n in rows if n >= coverage * best)


def dataset_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The declaration summary a build recorded (``build_info.dataset_meta``); {} before."""
    try:
        rows = con.execute("SELECT dataset_meta FROM build_info").fetchall()
    except duckdb.Error:
        return {}
    return json.loads(rows[0][0]) if rows and rows[0][0] else {}


def main_view(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    """(default scheme, finest level with data) of a built store, from its dataset's declaration."""
    meta = dataset_meta(con)
    scheme = meta.get("default_scheme")
    if scheme is None:
        row = con.execute("SELECT min(scheme) FROM clusters").fetchone()
        scheme = row[0] if row else None
    levels = meta.get("levels") or [r[0] for r in con.execute(
        "SELECT DISTINCT level FROM clusters WHERE scheme = ?", [scheme]).fetchall()] or [2]
    return str(scheme), int(max(levels))


def snapshot_frame(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Every rating of *year* with the values behind its criteria (input of core.changes)."""
    return con.execute(
        """SELECT r.scheme, r.method, r.level::INTEGER AS level, r.region, r.category,
                  r.stars::INTEGER AS stars, r.size, r.specialisation, r.focus, r.productivity,
                  r.dynamism, r.strong, r.strong10, r.significant, r.qualifying,
                  c.employment, c.lq, c.lq_traded, c.share_region, c.wage_per_employee,
                  c.growth_5y
           FROM ratings r JOIN clusters c USING (scheme, region, level, year, category)
           WHERE r.year = ?""", [year]).df()


def build_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Methodology dict, fingerprint, code version, data years and scheme versions of a store."""
    info = con.execute("SELECT fingerprint, methodology, code_version, built_at FROM build_info").fetchall()
    if not info:
        raise StoreError("the store has not been built: run `clusterobs build`")
    fingerprint, methodology, code_version, built_at = info[0]
    years = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year::INTEGER FROM clusters ORDER BY 1").fetchall()]
    schemes = dict(con.execute("SELECT scheme, version::VARCHAR FROM schemes").fetchall())
    return {"fingerprint": fingerprint, "methodology": json.loads(methodology),
            "code_version": code_version, "built_at": str(built_at), "data_years": years,
            "scheme_versions": schemes}


def region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Region code -> name in the store's NUTS version."""
    version = json.loads(con.execute("SELECT methodology FROM build_info").fetchall()[0][0])
    return dict(con.execute("SELECT region, name FROM regions WHERE nuts_version = ?",
                            [int(version.get("nuts_version", 2016))]).fetchall())


def category_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """scheme, category, category_name, traded of every category."""
    return con.execute("SELECT scheme, category, category_name, traded FROM categories").df()


def provenance(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The source files of a store: dataset, file name, SHA-256, rows, load time."""
    cur = con.execute("""SELECT dataset, file_name, sha256, rows, loaded_at::VARCHAR AS loaded_at
                         FROM provenance ORDER BY dataset""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every table of a store."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    return {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) for t in tables}


def geometries(con: duckdb.DuckDBPyConnection, level: int) -> dict[str, str]:
    """Region code -> GeoJSON geometry text (EPSG:4326) of every region of NUTS *level*."""
    version = json.loads(con.execute("SELECT methodology FROM build_info").fetchall()[0][0])
    rows = con.execute("SELECT region, geojson FROM geometries WHERE level = ? AND nuts_version = ?",
                       [level, int(version.get("nuts_version", 2016))]).fetchall()
    return {str(r): str(g) for r, g in rows}
