"""Thin views of the explorer: check the filters, build the page, render or download it."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse

from clusterobs.portal import filters, store
from clusterobs.portal.explorer import downloads, pages
from clusterobs.portal.filters import BadInput, Filters, NotFound
from clusterobs.portal.insights.data import scoreboard_regions, trends_regions
from clusterobs.portal.panorama.views import panorama_headline
from clusterobs.portal.showcases.services import cases_for_region
from clusterobs.store import coverage, queries

CODE = re.compile(r"^[A-Za-z0-9-]{1,12}$")
def _levels(con: Any) -> list[tuple[int, str]]:
    """The region levels of the served dataset that hold data, named as it declares them."""
    from clusterobs.portal.editions import current_dataset
    from clusterobs.sources import declarations
    from clusterobs.store import editions as store_editions

    geo = declarations.get(current_dataset()).geography
    levels = store.memo(con, store_editions.dataset_meta).get("levels") or list(geo.levels)
    return [(lv, geo.level_name(lv) + (" (countries)" if lv == 0 and geo.kind == "nuts" else ""))
            for lv in levels]
MAX_COMPARE = 10


def _options(con: Any, f: Filters) -> dict[str, Any]:
    """The choices of the filter selects, for the current scheme."""
    return {
        "schemes": store.memo(con, queries.schemes),
        "methods": store.memo(con, queries.methods, f.scheme),
        "years": store.memo(con, queries.years, f.scheme),
        # thin years are labelled in the year select, and a page showing one says what it lacks
        "year_labels": {c["year"]: c["label"] for c in store.memo(con, coverage.year_coverage, f.scheme)},
        "year_notice": pages.year_notice(con, f.scheme, f.year),
        "categories": store.memo(con, queries.categories, f.scheme),
        "indicators": [(k, v[1]) for k, v in queries.INDICATORS.items()],
        "levels": _levels(con),
    }


def _deliver(request: HttpRequest, con: Any, page: pages.Page, template: str, name: str,
             f: Filters, keys: tuple[str, ...]) -> HttpResponse:
    """A download when ``?format=`` is given, else the rendered page."""
    fmt = filters.download_format(request.GET)
    if fmt is not None:
        table = request.GET.get("table") or next(iter(page.tables))
        if table not in page.tables:
            raise BadInput(f"table={table!r} is not on this page: expected one of {', '.join(page.tables)}")
        return downloads.response(page.tables[table], fmt, f"{name}-{table}")
    query = {k: v for k, v in f.query().items() if k in keys}
    extra = {k: request.GET[k] for k in ("regions",) if k in request.GET}
    qs = urlencode({**query, **extra})
    links = {t: {fmt: f"?{qs}&format={fmt}&table={t}" for fmt in filters.FORMATS} for t in page.tables}
    ctx = {**page.context, "f": f, "qs": qs, "downloads": links, "keys": keys, **_options(con, f),
           "hidden": list(extra.items()), "nav": template.split("/")[-1].removesuffix(".html")}
    return render(request, template, ctx)


def home(request: HttpRequest) -> HttpResponse:
    """Headline figures of the latest complete year and the search box."""
    text = request.GET.get("q", "").strip()[:100]
    with store.cursor() as con:
        f = filters.parse(request.GET, con)
        page = pages.home(con, f)
        results = _search(con, text) if text else []
        return render(request, "explorer/home.html", {
            **page.context, "f": f, "q": text, "results": results, "nav": "home",
            "panorama": panorama_headline(getattr(request, "edition", None)), **_options(con, f)})


def search(request: HttpRequest) -> JsonResponse:
    """Autocomplete: regions and categories matching ``?q=`` (JSON)."""
    text = request.GET.get("q", "")
    if len(text) > 100:
        return JsonResponse({"message": "q is longer than 100 characters"}, status=400)
    with store.cursor() as con:
        return JsonResponse({"results": _search(con, text)})


def _search(con: Any, text: str) -> list[dict[str, Any]]:
    """Search hits with the URL and label each result links to."""
    hits = queries.search(con, text, limit=10)
    for h in hits:
        if h["kind"] == "region":
            h["url"] = reverse("explorer:region", args=[h["code"]])
            h["label"] = f"{h['name']} ({h['code']}, NUTS {h['level']})"
        else:
            h["url"] = reverse("explorer:category", args=[h["scheme"], h["code"]])
            h["label"] = f"{h['name']} ({h['scheme']} {h['code']})"
    return hits


MAP_KEYS = ("scheme", "method", "year", "level", "category", "indicator")


def _parse_page(request: HttpRequest, con: Any, *, with_category: bool = False) -> Filters | HttpResponse:
    """The page's filters; when the visitor chose another scheme and the category or method
    of the previous one does not exist in it, a redirect without them (the new scheme's
    defaults) instead of an error page. Malformed values stay a 400."""
    try:
        return filters.parse(request.GET, con, with_category=with_category)
    except BadInput as exc:
        stale = [k for k in ("category", "method") if exc.message.startswith(f"{k}=")
                 and _exists_elsewhere(con, k, request.GET.get(k, ""))]
        if not stale or not request.GET.get("scheme"):
            raise
        query = request.GET.copy()
        for key in stale:
            query.pop(key, None)
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def _exists_elsewhere(con: Any, key: str, value: str) -> bool:
    """Whether *value* is a real method or category (of another scheme): a leftover of the
    previous choice, not a malformed value."""
    if key == "method":
        return value in {m["method"] for m in store.memo(con, queries.methods, None)}
    return any(value == c["category"] for s in store.memo(con, queries.schemes)
               for c in store.memo(con, queries.categories, s["scheme"]))


def map_view(request: HttpRequest) -> HttpResponse:
    """The choropleth page (``/map/``), or its values as a download."""
    with store.cursor() as con:
        f = _parse_page(request, con, with_category=True)
        if isinstance(f, HttpResponse):
            return f
        return _deliver(request, con, pages.map_page(con, f), "explorer/map.html", "map", f, MAP_KEYS)


def map_panel(request: HttpRequest) -> HttpResponse:
    """The legend, data and table of the map: what a filter change swaps in."""
    with store.cursor() as con:
        f = filters.parse(request.GET, con, with_category=True)
        return _deliver(request, con, pages.map_page(con, f), "explorer/_map_panel.html", "map", f, MAP_KEYS)


def _regions_by_code(con: Any) -> dict[str, dict[str, Any]]:
    return {r["region"]: r for r in queries.regions(con)}


def _fold(text: str) -> str:
    """*text* lower-cased without accents, for matching typed names ("Île" finds "Ile")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _regions_by_name(con: Any) -> dict[str, dict[str, Any]]:
    """Regions by folded name; where a name occurs at several levels, the most detailed one."""
    out: dict[str, dict[str, Any]] = {}
    for r in sorted(queries.regions(con), key=lambda r: r["level"]):
        out[_fold(str(r["name"]))] = r
    return out


NAME_AND_CODE = re.compile(r"\(([A-Za-z0-9-]{1,12})(?:,[^)]*)?\)\s*$")


def _region(con: Any, code: str) -> dict[str, Any]:
    """The region *code* (any case), its exact name, or NotFound with the closest regions.

    ``itc4``, ``ITC4``, ``Lombardia`` and the picker's ``Lombardia (ITC4, NUTS 2)`` all give ITC4.
    """
    text = code.strip()
    named = NAME_AND_CODE.search(text)
    if named:
        text = named.group(1)
    by_code = store.memo(con, _regions_by_code)
    found = by_code.get(text.upper()) if CODE.match(text) else None
    if found is None and 0 < len(text) <= 100:
        found = store.memo(con, _regions_by_name).get(_fold(text))
    if found is None:
        near = queries.suggest_regions(con, code[:40])
        raise NotFound(f"There is no region {code[:60]!r} in this edition.", [
            {"url": reverse("explorer:region", args=[r["region"]]), "label": f"{r['name']} ({r['region']})"}
            for r in near])
    return found


def region(request: HttpRequest, code: str) -> HttpResponse:
    """The profile of one region (``/regions/<code>/``); other spellings redirect to the code."""
    with store.cursor() as con:
        reg = _region(con, code)
        if reg["region"] != code:
            query = request.META.get("QUERY_STRING", "")
            target = reverse("explorer:region", args=[reg["region"]]) + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(target)
        f = _parse_page(request, con)
        if isinstance(f, HttpResponse):
            return f
        page = pages.region_page(con, f, reg)
        # the policy showcases tied to this region, its NUTS parents or its country (issue 9)
        page.context["policy_cases"] = list(cases_for_region(reg["region"])[:8])
        # trend profiles exist for NUTS-2 regions only, the scoreboard for the regions it covers
        page.context["has_trends"] = reg["region"] in trends_regions(con)
        page.context["has_scoreboard"] = reg["region"] in scoreboard_regions(con)
        return _deliver(request, con, page, "explorer/region.html", reg["region"], f, ("scheme", "method", "year"))


def category(request: HttpRequest, scheme: str, code: str) -> HttpResponse:
    """The profile of one category (``/categories/<scheme>/<code>/``)."""
    with store.cursor() as con:
        known = [s["scheme"] for s in store.memo(con, queries.schemes)]
        cat = queries.category(con, scheme, code) if scheme in known else None
        if cat is None:
            near = queries.suggest_categories(con, scheme, code[:60])
            raise NotFound(f"There is no category {code!r} in scheme {scheme!r}.", [
                {"url": reverse("explorer:category", args=[c["scheme"], c["category"]]),
                 "label": f"{c['category_name']} ({c['scheme']} {c['category']})"} for c in near])
        params = {**request.GET.dict(), "scheme": scheme, "category": code}
        f = filters.parse(params, con, with_category=True)
        page = pages.category_page(con, f, cat)
        return _deliver(request, con, page, "explorer/category.html", f"{scheme}-{code}", f,
                        ("method", "year", "level", "indicator"))


def _region_choices(con: Any) -> list[dict[str, Any]]:
    """The picker's options: "Name (CODE, NUTS n)" for every region with results."""
    return [{"value": f"{r['name']} ({r['region']}, NUTS {r['level']})"} for r in queries.regions(con)]


def compare(request: HttpRequest) -> HttpResponse:
    """Two to ten regions side by side (``/compare/?regions=A,B``), by code (any case) or name.

    ``?add=`` (the name picker) appends one more region. A wrong count or an unknown region
    shows the form again with a message saying what to change (400 or 404).
    """
    raw = request.GET.get("regions", "")[:2000]
    tokens = [c.strip() for c in raw.split(",") if c.strip()]
    add = request.GET.get("add", "").strip()[:200]
    if add:
        tokens.append(add)
    with store.cursor() as con:
        f = filters.parse(request.GET, con)
        ctx: dict[str, Any] = {"f": f, "qs": "", "empty": True, "max_compare": MAX_COMPARE,
                               "choices": store.memo(con, _region_choices), **_options(con, f)}
        try:
            regs = list({r["region"]: r for r in (_region(con, t) for t in tokens)}.values())
        except NotFound as exc:
            ctx.update(error=exc.message + " Give region codes (e.g. ITC4) or exact names (e.g. Lombardia).",
                       suggestions=exc.suggestions, regions_value=", ".join(tokens))
            return render(request, "explorer/compare.html", ctx, status=404)
        codes = [r["region"] for r in regs]
        ctx["regions_value"] = ",".join(codes)
        if not regs:
            return render(request, "explorer/compare.html", ctx)
        if not 2 <= len(regs) <= MAX_COMPARE:
            ctx["error"] = (f"Add at least one more region: a comparison needs two to {MAX_COMPARE}."
                            if len(regs) < 2 else f"{len(regs)} regions given: compare at most {MAX_COMPARE} at a time. "
                            "Remove some from the list and press Compare.")
            return render(request, "explorer/compare.html", ctx, status=400)
        page = pages.compare_page(con, f, regs)
        page.context.update(max_compare=MAX_COMPARE, choices=ctx["choices"], regions_value=",".join(codes))
        request.GET = request.GET.copy()
        request.GET["regions"] = ",".join(codes)
        return _deliver(request, con, page, "explorer/compare.html", "compare-" + "-".join(codes), f,
                        ("scheme", "method", "year"))
