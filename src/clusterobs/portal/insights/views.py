"""Thin views of the trends and scoreboard pages: check the input, build the page, render it.

``?format=csv|xlsx|parquet&table=<name>`` downloads a table of the page. The reports
(``/trends/report.pdf``, ``/scoreboard/report.html`` ...) are rendered on first request and
cached under ``<CLUSTEROBS_VAR>/reports/`` per store file (see
:func:`clusterobs.reports.trends_report.cached_report`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from clusterobs import config
from clusterobs.portal import filters, store
from clusterobs.portal.explorer import downloads
from clusterobs.portal.explorer.pages import Page
from clusterobs.portal.filters import BadInput
from clusterobs.portal.insights import data
from clusterobs.reports import scoreboard_report, trends_report

REPORTS: dict[str, Callable[[Path, Path], dict[str, Path]]] = {
    "trends": trends_report.render, "scoreboard": scoreboard_report.render}


def _deliver(request: HttpRequest, page: Page, template: str, name: str, nav: str,
             keep: dict[str, str] | None = None) -> HttpResponse:
    """A table download when ``?format=`` is given, else the rendered page."""
    fmt = filters.download_format(request.GET)
    if fmt is not None:
        table = request.GET.get("table") or next(iter(page.tables))
        if table not in page.tables:
            raise BadInput(f"table={table[:40]!r} is not on this page: expected one of {', '.join(page.tables)}")
        rows = page.tables[table]
        return downloads.response(rows() if callable(rows) else rows, fmt, f"{name}-{table}")
    qs = urlencode({k: v for k, v in (keep or {}).items() if v})
    qs = f"{qs}&" if qs else ""
    links = {t: {f: f"?{qs}format={f}&table={t}" for f in filters.FORMATS} for t in page.tables}
    ctx: dict[str, Any] = {**page.context, "downloads": links, "nav": nav}
    return render(request, template, ctx)


def _param(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name, "").strip()
    if len(value) > 100:
        raise BadInput(f"{name} is longer than 100 characters")
    return value or None


def trends(request: HttpRequest) -> HttpResponse:
    """Europe-wide trends (``/trends/``; ``?region=`` picks the opportunities table)."""
    region = _param(request, "region")
    with store.cursor() as con:
        page = data.trends_page(con, region)
        return _deliver(request, page, "insights/trends.html", "trends", "trends", {"region": region or ""})


def trends_region(request: HttpRequest, code: str) -> HttpResponse:
    """A region's trend profile (``/trends/regions/<code>/``)."""
    with store.cursor() as con:
        page = data.trends_region_page(con, code)
        return _deliver(request, page, "insights/trends_region.html", f"trends-{code}", "trends")


def scoreboard(request: HttpRequest) -> HttpResponse:
    """The ranking and map of one dimension (``/scoreboard/?dimension=``)."""
    dimension = _param(request, "dimension")
    with store.cursor() as con:
        page = data.scoreboard_page(con, dimension)
        return _deliver(request, page, "insights/scoreboard.html", f"scoreboard-{page.context['dimension']}",
                        "scoreboard", {"dimension": dimension or ""})


def scoreboard_region(request: HttpRequest, code: str) -> HttpResponse:
    """One region's scoreboard (``/scoreboard/<code>/?peers=A,B``)."""
    peers = _param(request, "peers")
    with store.cursor() as con:
        page = data.scoreboard_region_page(con, code, peers)
        return _deliver(request, page, "insights/scoreboard_region.html", f"scoreboard-{code}", "scoreboard",
                        {"peers": peers or ""})


def _report(kind: str, fmt: str) -> HttpResponse:
    if fmt not in ("html", "pdf"):
        raise BadInput(f"report format {fmt[:10]!r} is not available: expected html or pdf")
    path = trends_report.cached_report(kind, REPORTS[kind], store.data_path(), config.var_dir() / "reports", fmt)
    resp = FileResponse(path.open("rb"), content_type="application/pdf" if fmt == "pdf" else "text/html; charset=utf-8")
    resp["Content-Disposition"] = f'{"attachment" if fmt == "pdf" else "inline"}; filename="{kind}-report.{fmt}"'
    return resp


def trends_report_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """The trends report as HTML or PDF."""
    return _report("trends", fmt)


def scoreboard_report_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """The scoreboard report as HTML or PDF."""
    return _report("scoreboard", fmt)
