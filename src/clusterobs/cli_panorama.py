"""``clusterobs panorama``: build, list, compare, publish and schedule Panorama editions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clusterobs.cli_support import console, err
from clusterobs.cli_support import friendly as _friendly
from clusterobs.pipeline import editions as pipeline_editions
from clusterobs.reports import downloads
from clusterobs.store import editions

panorama_app = typer.Typer(help="Cluster Panorama editions: build, list, diff, publish, schedule.",
                           no_args_is_help=True)
def _progress(step: str) -> None:
    if sys.stderr.isatty():
        err.print(f"[dim]{step}[/]", highlight=False)


@panorama_app.command("build")
@_friendly
def build(
    edition: Annotated[str | None, typer.Option(help="Edition name, e.g. 2026-H1 (default: this half-year).")] = None,
    max_year: Annotated[int | None, typer.Option(help="Use data up to this year only.")] = None,
    reuse_build: Annotated[bool, typer.Option(help="Cut the store's existing build at --max-year instead of rebuilding.")] = False,
) -> None:
    """Build an immutable edition from the loaded store: store, change log, data package, reports."""
    report = pipeline_editions.build_edition(edition, max_year=max_year, rebuild=not reuse_build,
                                             progress=_progress)
    console.print(f"built edition {report.name} in {report.seconds['total']:.1f} s: {report.path}")
    prev = f"against {report.previous}" if report.previous else "(first edition)"
    console.print(f"change log: {report.change_rows:,} rows {prev}")
    console.print("steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items() if k != "total"))


@panorama_app.command("list")
@_friendly
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with manifests' key facts and downloads.")] = False,
) -> None:
    """List the editions, oldest first; * marks the current one."""
    rows = editions.list_editions()
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table("", "edition", "headline year", "data years", "changes", "previous", "created")
    for r in rows:
        years = r["data_years"] or []
        table.add_row("*" if r["current"] else "", r["name"], str(r["headline_year"]),
                      f"{years[0]}-{years[-1]}" if years else "", f"{r['change_log_rows'] or 0:,}",
                      r["previous"] or "", str(r["created_at"])[:19])
    console.print(table if rows else f"no editions in {editions.root_dir()}")


@panorama_app.command("diff")
@_friendly
def diff(
    a: Annotated[str, typer.Argument(help="The earlier edition.")],
    b: Annotated[str, typer.Argument(help="The later edition.")],
    out: Annotated[Path | None, typer.Option(help="Write the change log to this CSV file.")] = None,
) -> None:
    """Print the change-log summary from edition A to edition B (and write it with --out)."""
    log, info = pipeline_editions.diff(a, b)
    table = Table("kind", "change", "cause", "sub-cause", "rows",
                  title=f"{a} ({info['year_t0']}) -> {b} ({info['year_t1']}): {len(log):,} rows")
    for r in info["summary"]:
        table.add_row(str(r["kind"]), str(r["change"]), str(r["cause"]), str(r["sub_cause"]), f"{r['rows']:,}")
    console.print(table)
    if out is not None:
        downloads.write_table(log, out, "csv")
        console.print(f"wrote {len(log):,} rows to {out}")


@panorama_app.command("publish")
@_friendly
def publish(edition: Annotated[str, typer.Argument(help="The edition to make current.")]) -> None:
    """Make an edition the current one (the portal serves it)."""
    path = pipeline_editions.publish(edition)
    console.print(f"current edition: {edition} ({path})")


@panorama_app.command("schedule")
@_friendly
def schedule(
    publish_new: Annotated[bool, typer.Option("--publish/--no-publish", help="Publish the new edition.")] = True,
) -> None:
    """For cron or a systemd timer: build an edition when the half-year has none or the sources changed."""
    result = pipeline_editions.schedule(publish_new=publish_new, progress=_progress)
    if result.action == "nothing":
        console.print(f"nothing to do: {result.reason}")
        return
    console.print(f"built edition {result.name}: {result.reason}"
                  + (" (published)" if publish_new else ""))
