"""The region x category page (``/regions/<code>/categories/<category>/?scheme=``): one
cluster in one region, as US Cluster Mapping's region-cluster dashboard shows it.

The data comes from :mod:`clusterobs.store.region_category`; this module only shapes it for
the template (estimate texts, the history chart) and checks the request. Methodology:
``docs/methodology/ratings.md`` (stars, confidence, LQ, purity, estimates),
``docs/methodology/trends.md#growth`` and ``docs/methodology/relatedness.md``.
"""

from __future__ import annotations

from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.urls import reverse

from clusterobs.portal import store
from clusterobs.portal.explorer import charts, pages, views
from clusterobs.portal.filters import Filters, NotFound
from clusterobs.reports import purity
from clusterobs.store import editions, queries, reader
from clusterobs.store import region_category as data

TOP = 10
RELATED = 8
KEYS = ("scheme", "method", "year")
#: what the source's flag letters on a cell mean (Eurostat's codes; ``i``: imputed by the observatory)
FLAGS = {"c": "confidential", "i": "estimated by the observatory", "e": "estimated by the source",
         "p": "provisional", "r": "revised", "u": "low reliability", "b": "break in series",
         "d": "definition differs"}
#: how the industries of a scheme are named, by classification and the dataset's detail
DETAIL = {("NACE_R2", "division"): "NACE Rev. 2 divisions", ("NACE_R2", "class"): "NACE Rev. 2 classes",
          ("NAICS2017", "division"): "NAICS 2017 industries", ("NAICS2017", "class"): "NAICS 2017 industries"}


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def estimate(value: Any, lower: Any, upper: Any, estimated: Any, flags: str = "") -> dict[str, Any]:
    """How an employment figure is shown: ``text`` ("~1,200" for an estimate, "1,200" for a
    published value, None for none) and ``note`` ("estimate, 900–1,500"; None when not
    estimated), ``title`` (the flags in words), so that every estimate says so.

    >>> estimate(1234.4, 900.0, 1510.0, True)["text"], estimate(1234.4, 900.0, 1510.0, True)["note"]
    ('~1,234', 'estimate, 900–1,510')
    >>> estimate(1234.4, None, None, False)
    {'text': '1,234', 'note': None, 'title': None}
    """
    if value is None or value != value:
        return {"text": None, "note": None, "title": None}
    if not estimated:
        return {"text": _fmt(value), "note": None, "title": None}
    finite = all(b is not None and b == b and abs(b) != float("inf") for b in (lower, upper))
    if finite and _fmt(upper) != _fmt(lower):
        note = f"estimate, {_fmt(lower)}–{_fmt(upper)}"
    elif finite:
        note = "estimate"
    else:
        note = "estimate, range unknown"
    words = [FLAGS.get(f, f) for f in dict.fromkeys(flags or "")]
    title = "Estimated or flagged" + (f" (source flags: {', '.join(words)})" if words else "")
    return {"text": f"~{_fmt(value)}", "note": note, "title": title}


def _with_estimates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of *rows* with ``shown`` (see :func:`estimate`); the rows stay the downloads."""
    return [{**r, "shown": estimate(r.get("employment"), r.get("employment_lower"), r.get("employment_upper"),
                                    r.get("estimated"), r.get("flags") or "")} for r in rows]


def history_chart(rows: list[dict[str, Any]], title: str, max_stars: int) -> dict[str, Any]:
    """Employment (left axis) and stars (right axis) per year; a dashed line before the
    first year of each new series, the employment line broken there."""
    years, employment = [], []
    for r in rows:
        if r["break"] and years:
            years.append(r["year"] - 0.5)
            employment.append(None)  # no line across a break
        years.append(r["year"])
        employment.append(charts._num(r["employment"]))
    shapes = [{"type": "line", "x0": r["year"] - 0.5, "x1": r["year"] - 0.5, "yref": "paper", "y0": 0, "y1": 1,
               "line": {"color": "#d55e00", "dash": "dash", "width": 2}} for r in rows if r["break"]]
    notes = [{"x": r["year"] - 0.5, "yref": "paper", "y": 1, "text": "series break", "showarrow": False,
              "xanchor": "left", "font": {"color": "#b34700", "size": 11}} for r in rows if r["break"]]
    return {"data": [
        {"type": "scatter", "mode": "lines+markers", "name": "Employment", "x": years, "y": employment,
         "connectgaps": False, "line": {"color": "#0072b2", "width": 3}},
        {"type": "scatter", "mode": "markers", "name": "Stars (right axis)", "x": [r["year"] for r in rows],
         "y": [r["stars"] for r in rows], "yaxis": "y2",
         "marker": {"color": "#d55e00", "symbol": "star", "size": 12}},
    ], "layout": charts._layout(
        charts.wrap(title, 40), "Year", "Employment", margin={"l": 72, "r": 56, "t": 64, "b": 56},
        xaxis={"title": {"text": "Year"}, "dtick": 1},
        yaxis={"title": {"text": "Employment"}, "rangemode": "tozero"},
        yaxis2={"title": {"text": "Stars"}, "overlaying": "y", "side": "right", "range": [-0.2, max_stars + 0.2],
                "dtick": 1, "showgrid": False},
        shapes=shapes, annotations=notes,
    )}


def detail_label(con: Any, scheme: str) -> str:
    """What the category's industries are: "NACE Rev. 2 divisions", "NACE Rev. 2 classes"..."""
    classification = next((s["classification"] for s in store.memo(con, queries.schemes) if s["scheme"] == scheme), "")
    detail = store.memo(con, editions.dataset_meta).get("scheme_detail") or "division"
    return DETAIL.get((classification, detail), f"{classification} industries")


def build(con: Any, f: Filters, region: dict[str, Any], category: dict[str, Any]) -> pages.Page:
    """The page: headline, industries, history, strongest regions and related categories."""
    code, level, cat = region["region"], int(region["level"]), category["category"]
    frame = purity.annotate(con, reader.clusters(con, f.scheme, f.method, year=f.year, region=code,
                                                 category=cat), f.scheme)
    cluster = next(iter(pages.with_growth_notes(con, f.scheme, pages.records(frame))), None)
    if cluster is not None:
        cluster["shown"] = estimate(cluster["employment"], cluster["employment_lower"],
                                    cluster["employment_upper"], cluster["estimated"], cluster["flags"])
    industries = data.industries(con, f.scheme, code, level, cat, f.year)
    history = data.history(con, f.scheme, f.method, code, level, cat)
    strongest = data.strongest(con, f.scheme, f.method, cat, f.year, level, code, TOP)
    related = data.related(con, f.scheme, f.method, cat, code, level, f.year, RELATED)
    stars = pages.max_stars(con, f.scheme, f.method)
    name = f"{category['category_name']} in {region['name']}"
    with_value = [r for r in industries if r["employment"] is not None]
    return pages.Page({
        "region": region,
        "category": category,
        "cluster": cluster,
        "max_stars": stars,
        "criteria": list(reader.METHOD_CRITERIA[f.method]),
        "industries": _with_estimates(industries),
        "industries_total": sum(r["employment"] for r in with_value),
        "industries_missing": [r for r in industries if r["employment"] is None],
        "detail": detail_label(con, f.scheme),
        "history": _with_estimates(history),
        "breaks": [r["year"] for r in history if r["break"]],
        "history_chart": history_chart(history, f"Employment and stars: {name}", stars),
        "strongest": {**strongest, "top": _with_estimates(strongest["top"]),
                      "mine": _with_estimates([strongest["mine"]])[0] if strongest["mine"] else None},
        "related": None if related is None else _with_estimates(related),
        "apportioned_title": purity.TITLE,
    }, {"industries": industries, "history": history, "strongest": strongest["top"], "related": related or []})


def region_category(request: HttpRequest, code: str, category: str) -> HttpResponse:
    """One cluster in one region; other spellings of the region redirect to its code.

    An unknown region or category is a 404 page with the closest ones; a category left over
    from another scheme (the visitor changed the scheme) leads to the region page of the new
    scheme.
    """
    with store.cursor() as con:
        reg = views._region(con, code)
        query = request.META.get("QUERY_STRING", "")
        if reg["region"] != code:
            target = reverse("explorer:region_category", args=[reg["region"], category])
            return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        f = views._parse_page(request, con)
        if isinstance(f, HttpResponse):
            return f
        cat = queries.category(con, f.scheme, category)
        if cat is None:
            if request.GET.get("scheme") and views._exists_elsewhere(con, "category", category):
                target = reverse("explorer:region", args=[reg["region"]])
                return HttpResponseRedirect(target + (f"?{query}" if query else ""))
            near = queries.suggest_categories(con, f.scheme, category[:60])
            raise NotFound(f"There is no category {category[:60]!r} in scheme {f.scheme!r}.", [
                {"url": reverse("explorer:region_category", args=[reg["region"], c["category"]]) + f"?scheme={c['scheme']}",
                 "label": f"{c['category_name']} ({c['scheme']} {c['category']})"} for c in near])
        page = build(con, f, reg, cat)
        return views._deliver(request, con, page, "explorer/region_category.html",
                              f"{reg['region']}-{f.scheme}-{cat['category']}", f, KEYS)
