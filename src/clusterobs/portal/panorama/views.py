"""Views of the Panorama editions: the list with downloads, a download view, the change log.

Everything is read through the read-only functions of :mod:`clusterobs.store.editions`
(folder: the ``CLUSTEROBS_EDITIONS`` setting, read per request).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import pandas as pd
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from clusterobs.errors import StoreError
from clusterobs.store import editions as store

PAGE_SIZE = 100
#: GET filters of the change-log page (each a column of the change log)
FILTERS = ("scheme", "method", "cause", "region")
VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
#: columns of the change-log table, in order: (column, heading)
COLUMNS = [
    ("kind", "Kind"), ("scheme", "Scheme"), ("method", "Method"), ("level", "NUTS level"),
    ("region", "Region"), ("region_name", "Region name"), ("category", "Category"),
    ("category_name", "Category name"), ("criterion", "Criterion"), ("change", "Change"),
    ("stars_t0", "Stars before"), ("stars_t1", "Stars after"), ("value_t0", "Value before"),
    ("value_t1", "Value after"), ("rank_t0", "Rank before"), ("rank_t1", "Rank after"),
    ("cause", "Cause"), ("sub_cause", "Sub-cause"),
]
#: the report's own inline stylesheet and embedded images, nothing else (it has no scripts)
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
KIND_LABELS = {"report_html": "Report (HTML)", "report_pdf": "Report (PDF)", "data": "Data package",
               "changes_csv": "Change log (CSV)", "manifest": "Manifest (JSON)"}


class BadRequest(Exception):
    """A malformed query parameter: answered with 400 and a message."""


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "panorama/bad_request.html",
                  {"nav": "panorama", "message": message}, status=400)


def _edition_or_404(name: str) -> str:
    """The edition *name* if it is a valid name of an existing edition, else 404."""
    try:
        store.validate_name(name)
        store.edition_dir(name)
    except StoreError as exc:
        raise Http404(str(exc)) from exc
    return name


def index(request: HttpRequest) -> HttpResponse:
    """Every edition, newest first, with its key facts and downloads."""
    rows = []
    for item in reversed(store.list_editions()):
        by_kind = {d["kind"]: d for d in item["downloads"]}
        links = [{"kind": kind, "label": label, **by_kind[kind]}
                 for kind, label in KIND_LABELS.items() if kind in by_kind]
        years = item.get("data_years") or []
        rows.append({**item, "links": links,
                     "years_label": f"{min(years)}–{max(years)}" if years else "–"})
    return render(request, "panorama/index.html", {"nav": "panorama", "editions": rows})


def panorama_headline(shown: str | None) -> dict[str, Any] | None:
    """The headline (key facts, hotspots, map) of the edition *shown*, else of the published
    one, else of the newest; None when no edition exists or it carries no headline."""
    try:
        name = shown or store.current_name() or (store.names() or [None])[-1]
        data = store.headline(name) if name else None
    except StoreError:
        return None
    return None if data is None else {**data, "edition": name}


def headline_map(request: HttpRequest, edition: str) -> FileResponse:
    """The Europe map of an edition's headline (SVG, immutable like the edition)."""
    name = _edition_or_404(edition)
    try:
        path = store.headline_map(name)
    except StoreError as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(path.open("rb"), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def download(request: HttpRequest, edition: str, kind: str) -> FileResponse:
    """One download of an edition (report, data package, change log, manifest)."""
    name = _edition_or_404(edition)
    if kind not in store.DOWNLOADS:
        raise Http404(f"unknown download {kind!r}")
    try:
        path = store.download_path(name, kind)
    except StoreError as exc:
        raise Http404(str(exc)) from exc
    media = store.DOWNLOADS[kind][1]
    inline = kind in ("report_html", "report_pdf", "manifest")
    response = FileResponse(path.open("rb"), content_type=media, as_attachment=not inline,
                            filename=path.name if kind != "report_html" else f"panorama-{name}.html")
    if kind == "report_html":
        response["Content-Security-Policy"] = REPORT_CSP
    return response


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The change-log filters of the query string; :class:`BadRequest` if one is malformed."""
    out: dict[str, Any] = {}
    for key in FILTERS:
        value = request.GET.get(key, "").strip()
        if not value:
            continue
        if not VALUE.match(value):
            raise BadRequest(f"invalid value for filter {key!r}: use letters, digits, '-', '_' or '.' "
                             "(at most 64 characters)")
        out[key] = value
    return out


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest("invalid page number: expected a whole number from 1")
    return int(raw)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of *frame* as dicts, missing values as None."""
    if frame.empty:
        return []
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict("records")]


def _cell(value: Any) -> Any:
    """A table cell: floats with 4 significant digits, everything else as is."""
    return f"{value:.4g}" if isinstance(value, float) else value


def changes_page(request: HttpRequest, edition: str) -> HttpResponse:
    """The change log of an edition against its previous one: summary, transitions, rows."""
    name = _edition_or_404(edition)
    try:
        filters = _filters(request)
        page = _page(request)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    manifest = store.manifest(name)
    summary = store.change_summary(name)
    by_change: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    for row in summary:
        by_change[str(row.get("change"))] += int(row.get("rows") or 0)
        by_cause[str(row.get("cause"))] += int(row.get("rows") or 0)
    matrices = []
    for key, matrix in store.transitions(name).items():
        matrices.append({"key": key, "columns": matrix.get("columns", []),
                         "rows": list(zip(matrix.get("index", []), matrix.get("rows", []), strict=False))})
    # one page read from the parquet file (its count and filter choices are separate queries):
    # the whole log is never loaded for a page
    total = store.change_count(name, **filters)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        return _bad_request(request, f"page {page} does not exist: the change log has {pages} page(s)")
    start = (page - 1) * PAGE_SIZE
    selected = store.changes(name, limit=PAGE_SIZE, offset=start, **filters)
    rows = _records(selected)
    columns = [(c, h) for c, h in COLUMNS if c in selected.columns]
    choices = store.change_values(name, ("scheme", "method", "cause"))
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    context = {
        "nav": "panorama", "edition": name, "previous": manifest.get("previous"),
        "change_log": manifest.get("change_log", {}), "summary": summary,
        "by_change": sorted(by_change.items()), "by_cause": sorted(by_cause.items()),
        "total_summary": sum(by_change.values()), "matrices": matrices,
        "rows": [[_cell(row.get(c)) for c, _ in columns] for row in rows], "columns": columns,
        "total": total, "page": page, "pages": pages, "first": start + 1 if total else 0,
        "last": min(start + PAGE_SIZE, total), "filters": filters, "query": query,
        "options": [{"key": k, "values": [(v, v == filters.get(k)) for v in choices[k]]}
                    for k in ("scheme", "method", "cause")],
        "has_csv": any(d["kind"] == "changes_csv" for d in store.downloads(name)),
    }
    return render(request, "panorama/changes.html", context)
