"""The region report, one click from the region page: a thin view (issue 18).

``/regions/<code>/report/`` (HTML) and ``/regions/<code>/report.pdf`` take the region page's
filters (``?scheme=&method=&year=``, and ``?dataset=`` / ``?edition=`` as every page) and
show what :func:`clusterobs.reports.region_report.assemble` gathers from the store; the
policy cases come from the showcases library exactly as the region page lists them.

Cached: the bytes of each report are kept in the ``responses`` cache under the request's
fingerprint (:func:`clusterobs.portal.caching.fingerprint`: the results file's identity,
dataset, edition, language, path, query, code version and the showcases stamp), so the
second request of a report (signed in or not) never touches the store or WeasyPrint, and a
rebuild or a new edition can never serve an old report. Anonymous requests are answered
even earlier by :class:`~clusterobs.portal.caching.DataCacheMiddleware`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse

from clusterobs.errors import StoreError
from clusterobs.portal import caching, filters, store
from clusterobs.portal.explorer.views import _region
from clusterobs.portal.filters import BadInput
from clusterobs.portal.showcases.services import cases_for_region
from clusterobs.reports import region_report as rr
from clusterobs.store import editions

log = logging.getLogger(__name__)
CASES = 8  # as many as the region page lists
TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def cache_key(request: HttpRequest, fmt: str) -> str | None:
    """The report cache key of *request* (None without results to key on)."""
    found = caching.fingerprint(request)
    return None if found is None else f"region-report:{fmt}:{found[0]}"


def _cases(code: str) -> list[dict[str, Any]]:
    return [{"title": c.title, "url": reverse("showcases:case", args=[c.slug]), "level": c.get_level_display(),
             "categories": list(c.categories or [])} for c in cases_for_region(code)[:CASES]]


def _published() -> str | None:
    try:
        return editions.current_name()
    except StoreError:
        return None


def _answer(body: bytes, fmt: str, filename: str, state: str) -> HttpResponse:
    response = HttpResponse(body, content_type=TYPES[fmt])
    response["Content-Disposition"] = f'{"attachment" if fmt == "pdf" else "inline"}; filename="{filename}"'
    response["X-Report-Cache"] = state
    return response


def region_report(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The report of region *code* as HTML or PDF; other spellings redirect to the code."""
    if fmt not in TYPES:
        raise BadInput(f"report format {fmt[:10]!r} is not available: expected html or pdf")
    key = cache_key(request, fmt)
    hit = caching.cache_get(key) if key else None
    if hit is not None:
        return _answer(hit["body"], fmt, hit["filename"], "hit")
    with store.cursor() as con:
        reg = _region(con, code)
        name = "explorer:region_report_pdf" if fmt == "pdf" else "explorer:region_report"
        if reg["region"] != code:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(reverse(name, args=[reg["region"]]) + (f"?{query}" if query else ""))
        f = filters.parse(request.GET, con)
        edition = getattr(request, "edition", None)
        ctx = rr.assemble(
            con, reg, scheme=f.scheme, method=f.method, year=f.year, dataset=getattr(request, "dataset", None),
            edition=edition, published=_published(), cases=_cases(reg["region"]),
            base_url=request.build_absolute_uri("/"))
    qs = urlencode({k: v for k, v in request.GET.items() if k in ("scheme", "method", "year", "dataset", "edition")})
    suffix = f"?{qs}" if qs else ""
    urls = {"region": reverse("explorer:region", args=[reg["region"]]) + suffix,
            "pdf": reverse("explorer:region_report_pdf", args=[reg["region"]]) + suffix}
    if fmt == "pdf":
        body = rr.render_pdf(ctx, urls={k: request.build_absolute_uri(v) for k, v in urls.items()})
    else:
        body = rr.render_html(ctx, urls=urls).encode("utf-8")
    filename = f"region-report-{reg['region']}-{f.year}-{edition or 'live'}.{fmt}"
    if key:
        caching.cache_set(key, {"body": body, "filename": filename})
    return _answer(body, fmt, filename, "miss")
