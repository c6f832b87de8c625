"""Panorama editions: build an immutable edition, compare two, publish one, schedule builds.

An edition is built in a hidden folder next to the editions (``.NAME.building-PID``):
the store (a copy of the loaded store, built with ``max_year``), the change log against
the previous edition, the data package, the reports, and finally ``manifest.json``. The
files are made read-only and the folder is renamed to ``NAME`` in one ``os.rename``. A
failure or an interrupt removes the hidden folder; a killed build leaves only a hidden
folder, which is never listed and is removed by the next build. Publishing writes the
edition's name into ``CURRENT`` (temporary file + ``os.replace``). See docs/editions.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from clusterobs import __version__, config
from clusterobs.core import changes
from clusterobs.core.methodology import Methodology
from clusterobs.errors import StoreError
from clusterobs.pipeline import builder
from clusterobs.pipeline.loader import Progress
from clusterobs.reports import downloads, panorama
from clusterobs.sources.fetch import sha256
from clusterobs.store import editions, engine, reader
from clusterobs.store.engine import Connection

#: the tables of a results file with a ``year`` column, cut to an edition's last year
#: (``ratings`` is a view of ``cluster_view`` in files built since the read model took them in)
YEAR_TABLES = ("clusters", "ratings", "cluster_view", "region_industry", "region_totals")


@dataclass
class EditionReport:
    """What an edition build made."""

    name: str
    path: Path
    previous: str | None = None
    change_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def half_year(day: date | None = None) -> str:
    """The edition name of the half-year of *day* (default today): ``2026-H1`` or ``2026-H2``.

    >>> half_year(date(2026, 7, 1))
    '2026-H2'
    """
    day = day or date.today()
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


class _Clock:
    def __init__(self, report: EditionReport, progress: Progress | None) -> None:
        self.report, self.progress = report, progress
        self.name, self.t0, self.start = "", time.perf_counter(), time.perf_counter()

    def step(self, name: str) -> None:
        if self.name:
            self.report.seconds[self.name] = time.perf_counter() - self.t0
        self.name, self.t0 = name, time.perf_counter()
        if self.progress and name:
            self.progress(f"edition: {name}")
        self.report.seconds["total"] = time.perf_counter() - self.start


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One edition build at a time per editions folder."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another edition build is running in {root}") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_edition(
    name: str | None = None,
    *,
    source: Path | None = None,
    root: Path | None = None,
    max_year: int | None = None,
    methodology: Methodology | None = None,
    rebuild: bool = True,
    formats: Sequence[str] = ("html", "pdf"),
    progress: Progress | None = None,
    datasets: Sequence[str] | None = None,
) -> EditionReport:
    """Build edition *name* (default: this half-year) from the loaded store *source*.

    The edition holds every dataset loaded in *source* (or *datasets*): the default dataset
    as its main one (report, change log) in ``store.duckdb``, each other in
    ``store-<id>.duckdb``; the manifest lists them (``datasets``).

    Parameters
    ----------
    rebuild:
        Run the full build (``pipeline.build`` with *max_year*, which limits the main
        dataset) on a copy of *source*. With
        False, *source* must already be built with the same methodology: its results are
        copied and cut at *max_year* (same stars; confidences drawn over the longer run).
    formats:
        Report formats to render (``html``, ``pdf``).
    """
    name = editions.validate_name(name or half_year())
    root = editions.root_dir(root)
    m = methodology or Methodology()
    report = EditionReport(name=name, path=root / name)
    clock = _Clock(report, progress)
    with _locked(root):
        if (root / name).exists():
            raise StoreError(f"edition {name} exists; editions are immutable (choose another name)")
        _remove_stale(root)
        tmp = root / f".{name}.building-{os.getpid()}"
        tmp.mkdir()
        try:
            plan = _stores(source, rebuild, datasets)
            _assemble(tmp, report, clock, plan, m, max_year, rebuild, formats)
            _freeze(tmp)
            os.rename(tmp, root / name)
        except BaseException:
            _remove(tmp)
            raise
    clock.step("")
    return report


def _stores(source: Path | None, rebuild: bool, datasets: Sequence[str] | None) -> dict[str, Path]:
    """Dataset -> the file it is made from, the main dataset first.

    A rebuild reads the loaded store (every dataset whose sources it holds); a cut reads
    built results (*source* for the main dataset, each other's live results file).
    """
    from clusterobs.sources import declarations

    default = declarations.default_id()
    if not rebuild:
        src = source or config.results_path(default)
        with reader.connect(src) as con:
            main = editions.dataset_meta(con).get("id") or default
        plan = {main: src}
        for ds in datasets or []:
            if ds != main:
                plan[ds] = config.results_path(ds)
        return plan
    src = source or config.store_path()
    with reader.connect(src) as con:
        loaded = {p["dataset"] for p in reader.provenance(con)}
    known = declarations.all_datasets()
    chosen = list(datasets) if datasets else [i for i, d in known.items()
                                              if any(s in loaded for s in d.source_ids)]
    if not chosen:
        raise StoreError(f"{src} holds no declared dataset: run `clusterobs data load` first")
    chosen.sort(key=lambda i: i != default)
    return dict.fromkeys(chosen, src)


def _assemble(tmp: Path, report: EditionReport, clock: _Clock, plan: dict[str, Path],
              m: Methodology, max_year: int | None, rebuild: bool, formats: Sequence[str]) -> None:
    """Every file of the edition, the manifest last."""
    stores: dict[str, Path] = {}
    for i, (dataset, source) in enumerate(plan.items()):
        clock.step(f"store {dataset}")
        stores[dataset] = tmp / (editions.STORE if i == 0 else f"store-{dataset}.duckdb")
        # "data up to max_year" is the main dataset's vintage; the others enter whole
        make_store(source, stores[dataset], m, max_year if i == 0 else None, rebuild,
                   progress=clock.progress, dataset=dataset)
    store = next(iter(stores.values()))
    with reader.connect(store) as con:
        manifest = base_manifest(con, report.name, rebuild)
    manifest["dataset"] = next(iter(stores))
    manifest["datasets"] = {}
    for dataset, path in stores.items():
        with reader.connect(path) as con:
            meta = editions.build_meta(con)
            manifest["datasets"][dataset] = {
                "file": path.name, "title": editions.dataset_meta(con).get("title", dataset),
                "data_years": meta["data_years"], "headline_year": editions.headline_year(con)}
    clock.step("change log")
    report.previous = _previous(report.name, report.path.parent)
    log, manifest["change_log"] = _edition_changes(store, report.previous, report.path.parent)
    report.change_rows = len(log)
    manifest["previous"] = report.previous
    log.to_parquet(tmp / editions.CHANGES, index=False)
    downloads.write_table(log, tmp / "changes.csv", "csv")
    clock.step("data package")
    data_package(store, tmp / f"data-{report.name}.zip", manifest,
                 {d: p for d, p in stores.items() if p != store})
    clock.step("reports")
    panorama.render(store, tmp, manifest, log if report.previous else None, formats)
    clock.step("manifest")
    manifest["files"] = {p.name: {"bytes": p.stat().st_size, "sha256": sha256(p)}
                         for p in sorted(tmp.iterdir()) if p.is_file()}
    (tmp / editions.MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), "utf-8")


def make_store(source: Path, store: Path, m: Methodology, max_year: int | None, rebuild: bool,
               progress: Progress | None = None, dataset: str | None = None) -> None:
    """The edition's results of *dataset*: built from the loaded store *source* (or, without
    rebuild, the built *source* copied and cut) to *max_year*, later data removed."""
    if not source.exists():
        raise StoreError(f"no store at {source}: run `clusterobs data load` first")
    if rebuild:
        builder.build(dataset=dataset, store=source, out=store, methodology=m, max_year=max_year,
                      progress=progress, keep_inputs=True)
        store.with_name(store.name + ".lock").unlink(missing_ok=True)
    else:
        shutil.copyfile(source, store)
    with engine.connect(store) as con:
        if not rebuild:
            from clusterobs.sources import declarations

            ds = declarations.get(editions.dataset_meta(con).get("id") or dataset
                                  or declarations.default_id())
            _require_built(con, builder.methodology_for(ds, m), source)
            # an edition cut from a build keeps the observations it was built from, as a
            # rebuilt one does (a build reads them in the loaded store without copying them)
            if config.store_path().exists():
                builder.keep_inputs(con, config.store_path(), ds)
        if max_year is not None:
            for table in YEAR_TABLES:
                if _is_table(con, table):
                    con.execute(f"DELETE FROM {table} WHERE year > ?", [max_year])
            con.execute("DELETE FROM observations WHERE year > ?", [max_year])
            if "max_year" in con.table("build_info").columns:
                con.execute("UPDATE build_info SET max_year = (SELECT max(year) FROM clusters)")
        con.execute("CHECKPOINT")


def _is_table(con: Connection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                       "AND table_type = 'BASE TABLE'", [name]).fetchall()
    return bool(rows[0][0])


def _require_built(con: Connection, m: Methodology, source: Path) -> None:
    rows = con.execute("SELECT fingerprint FROM build_info").fetchall() if reader.has_table(
        con, "build_info") else []
    if not rows or rows[0][0] != m.fingerprint:
        raise StoreError(f"{source} is not built with methodology {m.fingerprint}: "
                         "build the edition with rebuild (the default)")


def base_manifest(con: Connection, name: str, rebuild: bool) -> dict[str, Any]:
    meta = editions.build_meta(con)
    return {
        "name": name, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "headline_year": editions.headline_year(con), "data_years": meta["data_years"],
        "max_data_year": max(meta["data_years"]), "fingerprint": meta["fingerprint"],
        "methodology": meta["methodology"], "nuts_version": meta["methodology"]["nuts_version"],
        "scheme_versions": meta["scheme_versions"], "code_version": __version__,
        "build": "rebuild" if rebuild else "cut from the source store's build",
        "sources": editions.provenance(con), "row_counts": editions.row_counts(con),
    }


def _previous(name: str, root: Path) -> str | None:
    """The latest complete edition before *name*."""
    earlier = [n for n in editions.names(root) if editions.sort_key(n) < editions.sort_key(name)]
    return earlier[-1] if earlier else None


def snapshot(store: Path, name: str, year: int | None = None) -> changes.Snapshot:
    """The ratings of a built store at its headline year (or *year*) for the change log."""
    with reader.connect(store) as con:
        meta = editions.build_meta(con)
        year = year if year is not None else editions.headline_year(con)
        frame = editions.snapshot_frame(con, year)
    return changes.Snapshot(name, year, Methodology.from_dict(meta["methodology"]), frame,
                            meta["scheme_versions"])


def compare(store0: Path, store1: Path, names: tuple[str, str] = ("t0", "t1")) -> tuple[
        pd.DataFrame, dict[str, Any]]:
    """Change log from the edition in *store0* to the one in *store1*, and its summary."""
    t0, t1 = snapshot(store0, names[0]), snapshot(store1, names[1])
    with reader.connect(store1) as con:
        years = editions.build_meta(con)["data_years"]
        region_names = editions.region_names(con)
        categories = editions.category_names(con)[["scheme", "category", "category_name"]]
    t0_in_t1 = snapshot(store1, names[1], t0.year) if t0.year in years and t0.year != t1.year else None
    log = changes.change_log(t0, t1, t0_in_t1)
    log.insert(5, "region_name", log["region"].map(region_names))
    log = log.merge(categories, on=["scheme", "category"], how="left")
    pairs = t1.ratings[["scheme", "method"]].drop_duplicates().itertuples(index=False)
    info = {"rows": len(log), "from": names[0], "to": names[1], "year_t0": t0.year,
            "year_t1": t1.year, "summary": changes.summary(log).to_dict("records"),
            "transitions": {f"{s}/{mth}": _matrix(changes.transition_matrix(t0, t1, s, mth))
                            for s, mth in pairs}}
    return log, info


def _matrix(table: pd.DataFrame) -> dict[str, Any]:
    return {"index": list(table.index), "columns": list(table.columns),
            "rows": table.to_numpy().tolist()}


def _edition_changes(store: Path, previous: str | None, root: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    if previous is None:
        return pd.DataFrame(columns=changes.COLUMNS), {"rows": 0, "from": None, "summary": [],
                                                       "transitions": {}}
    return compare(editions.store_path(previous, root), store, (previous, store.parent.name))


def diff(a: str, b: str, root: Path | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The change log from edition *a* to edition *b* (any two editions)."""
    return compare(editions.store_path(a, root), editions.store_path(b, root), (a, b))


def data_package(store: Path, path: Path, manifest: dict[str, Any],
                 others: dict[str, Path] | None = None) -> None:
    """Zip of the cluster table of the headline year, per scheme and method, as CSV and Parquet;
    the tables of the edition's other datasets are prefixed with the dataset id."""
    year = manifest["headline_year"]
    tables: dict[str, pd.DataFrame] = {}
    for prefix, file in [("", store), *((f"{d}_", p) for d, p in (others or {}).items())]:
        with reader.connect(file) as con:
            y = year if not prefix else editions.headline_year(con)
            pairs = con.execute("SELECT DISTINCT scheme, method FROM ratings ORDER BY ALL").fetchall()
            tables.update({f"{prefix}clusters_{s}_{mth}_{y}": reader.clusters(con, s, mth, year=y)
                           for s, mth in pairs})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("README.txt", _readme(manifest))
        for stem, frame in tables.items():
            zf.writestr(f"{stem}.csv", downloads.table_bytes(frame, "csv"))
            zf.writestr(f"{stem}.parquet", downloads.table_bytes(frame, "parquet"))


def _readme(m: dict[str, Any]) -> str:
    return (f"Cluster Panorama {m['name']}: cluster tables of {m['headline_year']} "
            f"(data years {m['data_years'][0]}-{m['max_data_year']}), one file per scheme and "
            f"rating method (columns: docs/cli.md, `clusterobs export`).\n"
            f"Methodology fingerprint {m['fingerprint']}; code version {m['code_version']}.\n"
            f"{panorama.ATTRIBUTION['eurostat']}. Categories of {panorama.SCHEME}: "
            f"{panorama.ATTRIBUTION['uscmp']}; {panorama.ATTRIBUTION['uscmp_cite']}\n")


def _freeze(folder: Path) -> None:
    """Files read-only (0444), then the folder itself (0555)."""
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)


def _remove(folder: Path) -> None:
    if folder.exists():
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale(root: Path) -> None:
    """Hidden folders of builds that were killed (we hold the lock: none is running)."""
    for path in root.glob(".*.building-*"):
        _remove(path)


def publish(name: str, root: Path | None = None) -> Path:
    """Make edition *name* the current one: ``CURRENT`` replaced atomically."""
    folder = editions.edition_dir(name, root)
    pointer = folder.parent / editions.POINTER
    tmp = pointer.with_name(f".{editions.POINTER}.{os.getpid()}")
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)
    return folder


def first_editions(today: date | None = None, root: Path | None = None,
                   progress: Progress | None = None) -> list[str]:
    """The first two editions of a new installation, cut from the live results (seconds, not
    a rebuild): the previous half-year without the main dataset's latest year, and this
    half-year with everything; the latter is published. So a newcomer finds the Panorama,
    its report and a real change log after ``make run``. Nothing is done when editions exist.
    """
    from clusterobs.sources import declarations

    root = editions.root_dir(root)
    if editions.names(root):
        return []
    default = declarations.default_id()
    built = [d for d in declarations.all_datasets() if config.results_path(d).is_file()]
    if default not in built:
        raise StoreError(f"the default dataset {default} is not built: run `clusterobs build`")
    with reader.connect(config.results_path(default)) as con:
        years = editions.build_meta(con)["data_years"]
    now = half_year(today)
    year, half = int(now[:4]), now[-1]
    previous = f"{year}-H1" if half == "2" else f"{year - 1}-H2"
    others = [d for d in built if d != default]
    made = []
    for name, max_year in ((previous, years[-2] if len(years) > 1 else None), (now, None)):
        build_edition(name, source=config.results_path(default), root=root, max_year=max_year,
                      rebuild=False, datasets=others, progress=progress)
        made.append(name)
    publish(now, root)
    return made


@dataclass
class ScheduleResult:
    """What ``schedule`` did: ``built`` or ``nothing``, the edition and why."""

    action: str
    name: str | None
    reason: str
    report: EditionReport | None = None


def source_hashes(store: Path, check_files: bool = True) -> dict[str, str]:
    """SHA-256 per dataset of the store's sources: of the files on disk (if they exist and
    *check_files*), else as recorded in the store's provenance."""
    with reader.connect(store) as con:
        rows = con.execute("SELECT dataset, path, sha256 FROM provenance").fetchall()
    out = {}
    for dataset, path, recorded in rows:
        out[dataset] = sha256(Path(path)) if check_files and Path(path).is_file() else recorded
    return out


def plan(today: date, existing: list[str], latest_sources: dict[str, str] | None,
         sources: dict[str, str]) -> tuple[str | None, str]:
    """The edition to build (or None) and why: half-year without edition, or sources changed."""
    half = half_year(today)
    mine = [n for n in existing if n == half or n.startswith(half + "-r")]
    if not mine:
        return half, f"the half-year {half} has no edition"
    if latest_sources is not None and latest_sources != sources:
        changed = sorted(k for k in set(sources) | set(latest_sources)
                         if sources.get(k) != latest_sources.get(k))
        return f"{half}-r{len(mine) + 1}", f"source files changed since {existing[-1]}: {', '.join(changed)}"
    return None, f"edition {existing[-1]} is up to date (half-year {half}, same source files)"


def schedule(*, today: date | None = None, root: Path | None = None, source: Path | None = None,
             publish_new: bool = True, progress: Progress | None = None) -> ScheduleResult:
    """Build (and publish) a new edition when the half-year has none or the sources changed.

    The source files are those recorded in the store's provenance, hashed again on disk;
    files that changed are loaded into the store first. Otherwise nothing is done.
    """
    root = editions.root_dir(root)
    source = source or config.store_path()
    existing = editions.names(root)
    on_disk = source_hashes(source, check_files=True)
    latest = ({s["dataset"]: s["sha256"] for s in editions.manifest(existing[-1], root)["sources"]}
              if existing else None)
    name, reason = plan(today or date.today(), existing, latest, on_disk)
    if name is None:
        return ScheduleResult("nothing", None, reason)
    if on_disk != source_hashes(source, check_files=False):
        from clusterobs.pipeline.loader import load

        load(sorted(on_disk), store=source, progress=progress)
    report = build_edition(name, source=source, root=root, progress=progress)
    if publish_new:
        publish(name, root)
    return ScheduleResult("built", name, reason, report)
