"""The ``clusterobs`` command line: each command a few lines calling the pipeline or the reader."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from clusterobs import config, pipeline
from clusterobs.cli_support import console, err, friendly, progress_bar
from clusterobs.errors import ClusterObsError
from clusterobs.sources import catalog, declarations
from clusterobs.store import reader

DatasetOption = Annotated[str | None, typer.Option(
    "--dataset", help="Dataset id (see `clusterobs data status`); default: the default dataset.")]


def results(dataset: str | None) -> Path:
    """The results file of *dataset* (checked to be declared)."""
    return config.results_path(declarations.get(dataset or declarations.default_id()).id)

app = typer.Typer(help="Cluster Observatory: cluster mapping, Panorama editions and cluster policy tools.",
                  no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Fetch source data and load it into the store.", no_args_is_help=True)
app.add_typer(data_app, name="data")

@data_app.command("fetch")
@friendly
def data_fetch(
    datasets: Annotated[list[str] | None, typer.Argument(help="Dataset ids; default: the core datasets.")] = None,
    refresh: Annotated[bool, typer.Option(help="Download again even when cached.")] = False,
) -> None:
    """Download datasets into the cache, or find them in CLUSTEROBS_MIRROR."""
    with progress_bar() as step:
        paths = pipeline.fetch(datasets or catalog.core_ids(), refresh=refresh, progress=step)
    table = Table("dataset", "file", title="Fetched")
    for dataset_id, path in paths.items():
        table.add_row(dataset_id, str(path))
    console.print(table)


@data_app.command("load")
@friendly
def data_load(
    datasets: Annotated[list[str] | None, typer.Argument(help="Dataset ids; default: the core datasets.")] = None,
    strict: Annotated[bool, typer.Option(help="Fail (store unchanged) on unknown NUTS or NACE codes.")] = False,
) -> None:
    """Fetch and load datasets into the store (atomically), then print a summary."""
    with progress_bar() as step:
        report = pipeline.load(datasets, strict=strict, progress=step)
    _print_unknown(report.unknown)
    _print_summary()
    console.print(f"loaded {len(report.datasets)} datasets in {report.seconds:.1f} s "
                  f"into {config.store_path()}")


@data_app.command("status")
@friendly
def data_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: value counts per dataset, measure and year.")] = False,
) -> None:
    """Show what the store holds."""
    with reader.connect(config.store_path()) as con:
        if as_json:
            sources = {
                d["dataset"]: {"rows": d["rows"], "values": d["values"], "regions": d["regions"],
                               "first_year": d["first_year"], "last_year": d["last_year"],
                               "flagged": d["flagged"], "confidential": d["confidential"]}
                for d in reader.dataset_summary(con)
            }
            payload = {
                "store": str(config.store_path()),
                "datasets": _dataset_status(sources),
                "sources": sources,
                "value_counts": reader.value_counts(con),
                "reference_tables": reader.table_counts(con, ["regions", "geometries", "industries", "nuts_crosswalk"]),
                "provenance": reader.provenance(con),
            }
            typer.echo(json.dumps(payload, indent=2, default=str))
            return
    _print_summary()


@data_app.command("add")
@friendly
def data_add(
    file: Annotated[Path, typer.Argument(help="The table: CSV, CSV.gz or XLSX, one row per region x industry x year.")],
    name: Annotated[str, typer.Option(help="Dataset id (lower case, digits, '-').")],
    columns: Annotated[str, typer.Option(
        help="region=COL,industry=COL,year=COL,employment=COL[,establishments=COL][,wages=COL][,country=COL]")],
    classification: Annotated[str, typer.Option(help="nace-r2, naics-2017, sic-2007, isic-4 or own.")],
    scheme: Annotated[Path | None, typer.Option(help="Scheme CSV (industry,category,weight[,category_name,traded]).")] = None,
    geography: Annotated[Path | None, typer.Option(help="GeoJSON or GeoPackage: region, name, parent, level, country.")] = None,
    year: Annotated[int | None, typer.Option(help="The year of every row, when the table has no year column.")] = None,
    title: Annotated[str | None, typer.Option(help="Title shown in the portal.")] = None,
    total_code: Annotated[str | None, typer.Option(help="Industry code of the table's region total rows.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
) -> None:
    """Add your own table as a dataset (checked whole; nothing written on an error)."""
    from clusterobs.pipeline import userdata

    added = userdata.add(file, name, columns, classification, year=year, scheme=scheme,
                         geography_file=geography, title=title, total_code=total_code, sheet=sheet)
    years = f"{added.years[0]}-{added.years[-1]}" if added.years else "-"
    console.print(f"added dataset {added.dataset}: {added.rows:,} values, {added.regions} regions, "
                  f"{added.industries} industries, years {years}; declaration {added.declaration}. "
                  f"Next: clusterobs build --dataset {added.dataset}")


@data_app.command("generate")
@friendly
def data_generate(
    name: Annotated[str, typer.Option(help="Dataset id (lower case, digits, '-').")],
    rows: Annotated[int, typer.Option(help="Rows (region x class x year) to generate, exactly.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and sizes give the same rows.")] = 1,
    regions: Annotated[str | None, typer.Option(
        help="COUNTRIES,LARGER,SMALL regions, e.g. 30,300,1500; default: sized for about 55% of cells filled.")] = None,
    years: Annotated[str, typer.Option(help="FIRST-LAST year, e.g. 2004-2023.")] = "2004-2023",
) -> None:
    """Generate a seeded synthetic fine-geography dataset and register it (docs/datasets.md)."""
    from clusterobs.pipeline import generate

    made = generate.generate(name, rows, seed, sizes=generate.parse_sizes(rows, regions, years))
    s = made.sizes
    console.print(f"generated dataset {made.dataset}: {made.rows:,} rows ({made.confidential:,} confidential), "
                  f"{s.small:,} small regions in {s.larger:,} larger in {s.countries} countries, years "
                  f"{s.first_year}-{s.last_year}; data {made.file}. Next: clusterobs build --dataset {made.dataset}")


def _dataset_status(sources: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per declared dataset: title, its sources' loaded rows, years, and whether it is built."""
    out: dict[str, dict[str, object]] = {}
    for ds in declarations.all_datasets().values():
        loaded = [sources[i] for i in ds.source_ids if i in sources]
        path = config.results_path(ds.id)
        out[ds.id] = {
            "title": ds.title, "default": ds.default, "user": ds.user,
            "sources": ds.source_ids, "loaded": bool(loaded),
            "rows": sum(int(str(x["rows"])) for x in loaded),
            "values": sum(int(str(x["values"])) for x in loaded),
            "first_year": min((x["first_year"] for x in loaded), default=None),  # type: ignore[type-var]
            "last_year": max((x["last_year"] for x in loaded), default=None),  # type: ignore[type-var]
            "geography": f"{ds.geography.kind} {ds.geography.version}",
            "classification": ds.classification, "schemes": list(ds.schemes),
            "built": path.exists(), "results": str(path),
        }
    return out


def _print_unknown(unknown: dict[str, list[tuple[str, int]]]) -> None:
    for kind, codes in unknown.items():
        if codes:
            shown = ", ".join(f"{c} ({n})" for c, n in codes[:12])
            more = f" and {len(codes) - 12} more" if len(codes) > 12 else ""
            err.print(f"[yellow]warning:[/] {len(codes)} {kind.replace('_', ' ')} codes "
                      f"(cells): {shown}{more}; use --strict to refuse them", highlight=False)


def _print_summary() -> None:
    with reader.connect(config.store_path()) as con:
        table = Table("dataset", "rows", "values", "years", "regions", "flagged", "confidential",
                      title="Store summary")
        for d in reader.dataset_summary(con):
            table.add_row(d["dataset"], f"{d['rows']:,}", f"{d['values']:,}",
                          f"{d['first_year']}-{d['last_year']}", f"{d['regions']:,}",
                          f"{d['flagged']:,}", f"{d['confidential']:,}")
        for name, n in reader.table_counts(con, ["regions", "geometries", "industries", "nuts_crosswalk"]).items():
            table.add_row(name, f"{n:,}", "", "", "", "", "")
    console.print(table)


def _has_read_model(path: Path) -> bool:
    """Whether the results file *path* holds the read model the portal reads (cluster_view, one
    row per cluster)."""
    with reader.connect(path) as con:
        return reader.has_read_model(con)


@app.command()
@friendly
def setup() -> None:
    """Load the core datasets and build the results when the store lacks them."""
    path = config.store_path()
    before: set[str] = set()
    if path.exists():
        with reader.connect(path) as con:
            before = {p["dataset"] for p in reader.provenance(con)}
    missing = [i for i in catalog.core_ids() if i not in before]
    if missing:  # sources the mirror lacks (optional ones) stay missing without a rebuild
        data_load(missing, strict=False)
    with reader.connect(path) as con:
        loaded = {p["dataset"] for p in reader.provenance(con)}
    new = loaded - before
    for ds in declarations.all_datasets().values():
        if not any(i in loaded for i in ds.source_ids):
            continue
        out = config.results_path(ds.id)
        # a results file built before the read models is rebuilt once (the portal would read
        # it through the slower joins)
        fresh = bool(new & set(ds.source_ids)) or not out.exists() or not _has_read_model(out)
        if fresh:
            build_cmd(ds.id)
        if ds.scoreboard and config.mirror_dir() is not None:
            with reader.connect(out) as con:
                scored = reader.has_table(con, "scoreboard_scores")
            if fresh or not scored:
                scoreboard_cmd(None, ds.id)
    if config.mirror_dir() is not None:
        from clusterobs.pipeline import editions as pipeline_editions

        made = pipeline_editions.first_editions()
        if made:
            console.print(f"Panorama editions {', '.join(made)} built; {made[-1]} published")
    console.print(f"store {path} is ready")
    from django.core.management import call_command

    _django()
    call_command("migrate", interactive=False, verbosity=0)
    if config.mirror_dir() is not None:
        call_command("load_showcases", verbosity=0)


def main() -> None:
    """Entry point for ``python -m clusterobs``."""
    app()


def _register_subcommands() -> None:
    """Command groups kept in their own modules (each a few lines per command)."""
    try:
        from clusterobs.cli_panorama import panorama_app
    except ModuleNotFoundError:  # pragma: no cover - during development of the module
        return
    app.add_typer(panorama_app, name="panorama")


_register_subcommands()


@app.command("build")
@friendly
def build_cmd(
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help="Dataset to build; default: every dataset whose sources are loaded.")] = None,
    engine: Annotated[str, typer.Option(
        help="Where the table stages run: duckdb (in process) or spark (needs Java and pyspark).")] = "duckdb",
    master: Annotated[str, typer.Option(
        help="Spark master for --engine spark: local[2], spark://HOST:7077, yarn, k8s://...")] = "local[2]",
    keep_inputs: Annotated[bool, typer.Option(
        "--keep-inputs", help="Copy the dataset's observations into the results file (as an edition does); "
                              "by default they stay in the loaded store only.")] = False,
) -> None:
    """Compute indicators and ratings of a dataset for every scheme and method."""
    if dataset is None:
        with reader.connect(config.store_path()) as con:
            loaded = {p["dataset"] for p in reader.provenance(con)}
        for ds in declarations.all_datasets().values():
            if any(i in loaded for i in ds.source_ids):
                build_cmd(ds.id, engine, master, keep_inputs)
        return
    with progress_bar() as step:
        report = pipeline.build(dataset=dataset, progress=step, engine=engine, master=master,
                                keep_inputs=keep_inputs)
    table = Table("table", "rows", title=f"Build {dataset} {report.fingerprint}")
    for name, n in report.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print("steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()))


@app.command("scoreboard")
@friendly
def scoreboard_cmd(
    year: Annotated[int | None, typer.Option(help="Scoreboard year (default: latest year with good SBS coverage).")] = None,
    dataset: DatasetOption = None,
) -> None:
    """Compute the Regional Ecosystem Scoreboard into a dataset's results (methodology §8)."""
    from clusterobs.pipeline.scoreboard import build_scoreboard
    from clusterobs.store.writer import StoreWriter

    mirror = config.mirror_dir()
    if mirror is None:
        raise ClusterObsError("the scoreboard reads indicator files from the mirror: set CLUSTEROBS_MIRROR")
    ds = declarations.get(dataset or declarations.default_id())
    if not ds.scoreboard:
        raise ClusterObsError(f"dataset {ds.id} has no scoreboard (its regions have no "
                              "regional indicators); use the default dataset")
    path = config.results_path(ds.id)
    if not path.exists():
        raise ClusterObsError(f"dataset {ds.id} is not built: run `clusterobs build --dataset {ds.id}`")
    import warnings

    with warnings.catch_warnings(record=True) as caught, StoreWriter(path) as writer:
        warnings.simplefilter("always")
        rows = build_scoreboard(writer.con, mirror, year)
        writer.commit()
    for line in warning_summary(caught):  # a line per kind instead of a warning per file
        err.print(f"[yellow]note:[/] {line}", highlight=False)
    table = Table("table", "rows", title="Scoreboard")
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


def warning_summary(caught: list[Any]) -> list[str]:
    """One line per kind of warning: the unknown region codes of the indicator files (each
    code once), and any other warning once with its count.

    >>> from types import SimpleNamespace as W
    >>> from clusterobs.sources.indicators import UnknownRegionWarning as U
    >>> warning_summary([W(category=U, message="a.tsv: 2 region code(s) ..., left out: TR10, MK00"),
    ...                  W(category=U, message="b.tsv: 1 region code(s) ..., left out: MK00"),
    ...                  W(category=RuntimeWarning, message="All-NaN slice encountered"),
    ...                  W(category=RuntimeWarning, message="All-NaN slice encountered")])
    ['2 indicator files name 2 region codes that are not NUTS 2016 regions, left out: MK00, TR10', 'RuntimeWarning (2 times): All-NaN slice encountered (regions or years without data are left out)']
    """
    from clusterobs.sources.indicators import UnknownRegionWarning

    files, codes, other = 0, set[str](), Counter[tuple[str, str]]()
    for w in caught:
        if issubclass(w.category, UnknownRegionWarning):
            files += 1
            listed = str(w.message).rsplit("left out: ", 1)[-1].replace(" ...", "")
            codes.update(c.strip() for c in listed.split(",") if c.strip())
        else:
            other[(w.category.__name__, str(w.message))] += 1
    lines = []
    if files:
        shown = sorted(codes)
        lines.append(f"{files} indicator files name {len(shown)} region codes that are not NUTS 2016 "
                     f"regions, left out: {', '.join(shown[:30])}{' ...' if len(shown) > 30 else ''}")
    for (kind, message), n in other.items():
        hint = " (regions or years without data are left out)" if "NaN" in message else ""
        lines.append(f"{kind} ({n} time{'s' if n > 1 else ''}): {message}{hint}")
    return lines


@app.command("validate")
@friendly
def validate_cmd(
    target: Annotated[str, typer.Argument(help="uscmp-2016 or eurostat-derived")],
) -> None:
    """Compare the engine with published results and print the agreement rates."""
    from clusterobs.pipeline import validate

    runs: dict[str, Callable[[], list[validate.Agreement]]] = {
        "uscmp-2016": validate.uscmp_2016, "eurostat-derived": validate.eurostat_derived}
    if target not in runs:
        raise typer.BadParameter(f"unknown target {target!r}: expected {', '.join(runs)}")
    table = Table("comparison", "cells", "agree", "rate", "computed", "published",
                  title=f"Validation {target}")
    for a in runs[target]():
        table.add_row(a.name, f"{a.cells:,}", f"{a.agree:,}", f"{a.rate:.4%}",
                      "" if a.computed_true is None else f"{a.computed_true:,}",
                      "" if a.published_true is None else f"{a.published_true:,}")
    console.print(table)


EXPORT_FORMATS = ("csv", "parquet", "xlsx")


@app.command("export")
@friendly
def export_cmd(
    table: Annotated[str, typer.Option(
        help="Table to export: clusters, shift_share, opportunities, scoreboard.")] = "clusters",
    scheme: Annotated[str | None, typer.Option(help="Category scheme id (default: the dataset's).")] = None,
    method: Annotated[str, typer.Option(help="Rating method: eco-classic, panorama, uscmp-strong.")] = "eco-classic",
    year: Annotated[int | None, typer.Option(help="Only this data year.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or xlsx.")] = "csv",
    out: Annotated[str, typer.Option(help="Output file.")] = "clusters.csv",
    dataset: DatasetOption = None,
) -> None:
    """Write a tidy table of a dataset's results to a file."""
    from pathlib import Path

    from clusterobs.reports import downloads

    if fmt not in EXPORT_FORMATS:
        raise typer.BadParameter(f"--format {fmt!r}: expected one of {', '.join(EXPORT_FORMATS)}")
    from clusterobs.store import scoreboard_queries, trends_queries

    ds = declarations.get(dataset or declarations.default_id())
    scheme = scheme or ds.default_scheme
    with reader.connect(config.results_path(ds.id)) as con:
        if table == "shift_share":
            frame = trends_queries.shift_share(con, scheme=scheme)
        elif table == "opportunities":
            frame = trends_queries.opportunities(con, scheme=scheme)
        elif table == "scoreboard":
            frame = scoreboard_queries.export_scoreboard(con)
        elif table == "clusters":
            frame = reader.clusters(con, scheme, method, year=year)
            frame = frame.drop(columns=["rating_level"] if method != "panorama" else [])
        else:
            raise typer.BadParameter(
                f"--table {table!r}: expected clusters, shift_share, opportunities or scoreboard")
    about = {"dataset": ds.id, "edition": "live", "dataset_title": ds.title,
             "source": ds.attribution.strip(), "scheme": scheme, "method": method}
    path = downloads.write_table(frame, Path(out), fmt, about)
    console.print(f"wrote {len(frame):,} rows to {path}")


@app.command("serve")
@friendly
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    dev: Annotated[bool, typer.Option("--dev", help="Django's development server instead of gunicorn.")] = False,
    workers: Annotated[int | None, typer.Option(help="gunicorn worker processes (default: one per core, 10 threads each).")] = None,
) -> None:
    """Serve the portal with gunicorn (deploy/gunicorn.conf.py); ``--dev`` for Django's runserver."""
    import os
    import sys

    from django.conf import settings
    from django.core.management import call_command

    _django()
    call_command("migrate", interactive=False, verbosity=0)
    if dev:
        call_command("runserver", f"{host}:{port}", use_reloader=False)
        return
    if not settings.DEBUG:  # whitenoise serves the collected, pre-compressed files
        call_command("obs_collectstatic")
    conf = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
    args = [sys.executable, "-m", "gunicorn", *(["-c", str(conf)] if conf.is_file() else []),
            "--bind", f"{host}:{port}", *(["--workers", str(workers)] if workers else []),
            "clusterobs.portal.wsgi:application"]
    console.print(f"Serving on http://{host}:{port}/ with gunicorn (Ctrl-C stops)")
    sys.stdout.flush()
    os.execv(sys.executable, args)  # gunicorn takes over the process and its signals


@app.command("manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `clusterobs manage check --deploy`."""
    from django.core.management import execute_from_command_line

    _django()
    execute_from_command_line(["clusterobs manage", *ctx.args])


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterobs.portal.settings")
    django.setup()


@app.command("backup")
@friendly
def backup_cmd(
    out: Annotated[str, typer.Option(help="Archive to write (.tar.gz).")] = "clusterobs-backup.tar.gz",
) -> None:
    """Back up the portal database, the store and the Panorama editions into one archive."""
    from django.core.management import call_command

    _django()
    call_command("obs_backup", out=out)


@app.command("restore")
@friendly
def restore_cmd(
    archive: Annotated[str, typer.Argument(help="Archive written by `clusterobs backup`.")],
) -> None:
    """Restore a backup (checked first: a bad archive changes nothing)."""
    from django.core.management import CommandError, call_command

    _django()
    try:
        call_command("obs_restore", archive)
    except CommandError as exc:
        raise ClusterObsError(str(exc)) from None
