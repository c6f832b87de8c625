"""What each explorer page shows: the context of its template and the tables it offers.

Each builder takes a store cursor and checked :class:`~clusterobs.portal.filters.Filters`
and returns a :class:`Page`: the template context plus every table behind the page's
tables and charts, by name, so that ``?format=csv&table=<name>`` downloads exactly what
the page shows. Cluster tables come from :func:`clusterobs.store.reader.clusters`, the data
path the API's clusters endpoint uses too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clusterobs.portal import store
from clusterobs.portal.explorer import charts, classes, summary
from clusterobs.portal.filters import Filters
from clusterobs.reports import purity
from clusterobs.store import coverage, queries, reader, readmodels
from clusterobs.store.engine import Connection

Con = Connection
SERIES_CLUSTERS = 5
# the section of the ratings methodology page (docs/methodology/ratings.md) behind each indicator
INDICATOR_HELP = {
    "lq": ("lq", "What the location quotient means"),
    "stars": ("stars", "How stars are given, and their confidence"),
    "employment": ("estimates", "Why employment is partly estimated"),
}
TOP_REGIONS = 20
#: the growth notes of a cluster row (shown as tooltips; not columns of the downloads)
NOTES = ("growth_1y_note", "growth_5y_note")


@dataclass
class Page:
    """A page's template context and its downloadable tables (name -> rows)."""

    context: dict[str, Any]
    tables: dict[str, pd.DataFrame | list[dict[str, Any]]] = field(default_factory=dict)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as dicts with None for missing values (JSON- and template-safe)."""
    clean = df.astype(object).where(df.notna(), None)
    return clean.to_dict("records")


def with_growth_notes(con: Con, scheme: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """*rows* with ``growth_1y_note``/``growth_5y_note``: why an empty growth value is empty."""
    notes = coverage.growth_notes(con, scheme, rows)
    for r in rows:
        mine = notes.get((r["region"], int(r["nuts_level"]), r["category"], int(r["year"])), {})
        r["growth_1y_note"], r["growth_5y_note"] = mine.get("growth_1y"), mine.get("growth_5y")
    return rows


def year_notice(con: Con, scheme: str, year: int) -> dict[str, Any] | None:
    """The coverage of *year* with its warning, when the year is thin (else None)."""
    item = next((c for c in store.memo(con, coverage.year_coverage, scheme) if c["year"] == year), None)
    text = coverage.notice(item)
    return {**item, "text": text} if item and text else None


def max_stars(con: Con, scheme: str, method: str) -> int:
    """The highest star count *method* gives (3 for ECO, 1 for the CMP strong flag)."""
    found = [m["max_stars"] for m in store.memo(con, queries.methods, scheme) if m["method"] == method]
    return int(found[0]) if found and found[0] is not None else 3


def home(con: Con, f: Filters) -> Page:
    """Headline figures of the default year and the schemes."""
    figures = queries.headline(con, f.scheme, f.method, f.year, 2)
    return Page({
        "figures": figures,
        "schemes": store.memo(con, queries.schemes),
        "build": store.memo(con, queries.build_info),
    })


def map_page(con: Con, f: Filters) -> Page:
    """Choropleth values of one category and indicator, with its legend and table."""
    assert f.category is not None
    rows = queries.map_values(con, f.scheme, f.category, f.indicator, f.method, f.year, f.level)
    numbers = [r["value"] for r in rows if r["value"] is not None and r["value"] == r["value"]]
    legend = classes.legend(f.indicator, numbers, max_stars(con, f.scheme, f.method))
    for r in rows:
        r["class"] = legend.classify(r["value"])
        r["text"] = classes.fmt(f.indicator, r["value"])
        r["color"] = classes.MISSING if r["class"] is None else legend.colors[r["class"]]
    data = {r["region"]: {"c": r["class"], "t": r["text"]} for r in rows}
    cat = queries.category(con, f.scheme, f.category)
    column = queries.INDICATORS[f.indicator][0].split(".")[-1]
    empty = None if numbers or f.indicator == "stars" else store.memo(
        con, coverage.empty_map_notice, f.scheme, column, queries.INDICATORS[f.indicator][1], f.year, f.level)
    return Page({
        "rows": rows,
        "legend": legend,
        # a dataset without boundaries (US CBSAs, a table without geography) shows the table only
        "boundaries": f.level in queries.geometry_levels(con),
        "map_data": {"values": data, "colors": legend.colors, "missing": classes.MISSING,
                     "label": queries.INDICATORS[f.indicator][1], "level": f.level},
        "category": cat,
        "indicator_label": queries.INDICATORS[f.indicator][1],
        "indicator_help": INDICATOR_HELP.get(f.indicator),
        "valued": len(numbers),
        "empty_notice": empty,
    }, {"values": [{"scheme": f.scheme, "category": f.category, "category_name": cat["category_name"] if cat else None,
                    "year": f.year, "method": f.method, "indicator": f.indicator,
                    "indicator_label": queries.INDICATORS[f.indicator][1],
                    **{k: r[k] for k in ("region", "name", "value", "employment", "lq", "stars")}}
                   for r in rows]})


def _region_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Traded first (US Cluster Mapping practice), then most stars, then most employment;
    missing values last."""
    stars, employment = row["stars"], row["employment"]
    return (row["traded"] is False, stars is None, -(stars or 0), employment is None, -(employment or 0))


def _similar(con: Con, f: Filters, region: dict[str, Any]) -> list[dict[str, Any]]:
    """The regions with the most alike portfolio: the build's ``similar_regions``, or for a
    file built before it, computed from the portfolios (kept per file, year and level)."""
    known = store.memo(con, readmodels.similar, f.scheme, f.year, region["level"])
    if known is not None:
        return [dict(r) for r in known.get(region["region"], [])]
    portfolio = store.memo(con, queries.portfolios, f.scheme, f.year, region["level"])
    return queries.most_similar(portfolio, region["region"])


def _level_name(level: int) -> str:
    """What the served dataset's geography calls region level *level* (``NUTS 2``,
    ``metro area (CBSA)``)."""
    from clusterobs.portal.editions import current_dataset
    from clusterobs.sources import declarations

    return declarations.get(current_dataset()).geography.level_name(int(level))


def region_page(con: Con, f: Filters, region: dict[str, Any]) -> Page:
    """Portfolio chart, cluster table, summary, time series and similar regions."""
    index = store.memo(con, reader.block_index, f.scheme, f.method)
    rows = readmodels.clusters(con, f.scheme, f.method, year=f.year, region=region["region"],
                               annotated=True, index=index)
    for r in rows:
        r["apportioned"] = purity.mostly_apportioned(r["apportioned_share"])
    # traded first: local categories follow in their own table
    rows.sort(key=_region_order)
    lead = [r for r in rows if r["traded"] is not False and not r["apportioned"]]
    top = sorted(lead or rows, key=lambda r: (-(r["stars"] or 0), -(r["employment"] or 0)))[:SERIES_CLUSTERS]
    series = queries.region_series(con, region["region"], f.scheme, [r["category"] for r in top], f.method,
                                   index=index, names={r["category"]: r["category_name"] for r in top})
    similar = _similar(con, f, region)
    total = store.memo(con, queries.employment_totals).get((region["region"], int(f.year)))
    known = {c: sum(1 for r in rows if r[c] is not None) for c in ("growth_1y", "growth_5y")}
    growth = "growth_5y" if known["growth_5y"] >= known["growth_1y"] else "growth_1y"
    stars = max_stars(con, f.scheme, f.method)
    table = [{k: v for k, v in r.items() if k not in NOTES} for r in rows]
    return Page({
        "region": region,
        "rows": rows,
        "traded_rows": [r for r in rows if r["traded"] is not False],
        "local_rows": [r for r in rows if r["traded"] is False],
        "apportioned_title": purity.TITLE,
        "criteria": list(reader.METHOD_CRITERIA[f.method]),
        "summary": summary.region_summary(region, rows, f.year, f.method, total,
                                          level_name=_level_name(region["level"])),
        "total_employment": total,
        "similar": similar,
        "series": series,
        "bubble": charts.bubble(rows, growth, stars),
        "series_chart": charts.lines(series, "category", "category_name", "employment",
                                     "Employment of the leading clusters", "Employment"),
        "growth_label": "5-year annual growth" if growth == "growth_5y" else "1-year growth",
    }, {"clusters": table, "series": series, "similar": similar})


def category_page(con: Con, f: Filters, category: dict[str, Any]) -> Page:
    """Top regions, a map, the LQ distribution and the trend of one category."""
    df = purity.annotate(con, reader.clusters(con, f.scheme, f.method, year=f.year,
                                              category=category["category"], level=f.level), f.scheme)
    df = df.sort_values("employment", ascending=False, na_position="last")
    lq = queries.lq_distribution(con, f.scheme, category["category"], f.year, f.level)
    trend = queries.category_trend(con, f.scheme, category["category"], f.method, f.level)
    page = map_page(con, f)
    name = category["category_name"]
    page.context.update({
        "category": category,
        "purity": purity.category_purity(con, f.scheme).get(category["category"]),
        "traded": purity.traded(con, f.scheme).get(category["category"]),
        "apportioned_title": purity.TITLE,
        "apportioned_count": int(df["apportioned"].sum()),
        "top": with_growth_notes(con, f.scheme, records(df.head(TOP_REGIONS))),
        "regions_count": len(df),
        "lq_chart": charts.histogram([r["lq"] for r in lq], f"Distribution of LQ: {name}"),
        "trend_chart": charts.trend(trend, f"Trend: {name}"),
        "trend": trend,
        "lq_summary": _lq_summary(lq),
    })
    page.tables = {"regions": df, "values": page.tables["values"], "lq": lq, "trend": trend}
    return page


def _lq_summary(lq: list[dict[str, Any]]) -> dict[str, Any]:
    values = sorted(r["lq"] for r in lq)
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": values[len(values) // 2], "max": values[-1],
            "above2": sum(1 for v in values if v >= 2)}


def compare_page(con: Con, f: Filters, regions: list[dict[str, Any]]) -> Page:
    """Two to five regions side by side: headline figures, LQ and stars per category."""
    frames = [reader.clusters(con, f.scheme, f.method, year=f.year, region=r["region"]) for r in regions]
    df = pd.concat(frames, ignore_index=True)
    rows = records(df)
    by_cat: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by_cat.setdefault(r["category"], {"category": r["category"], "category_name": r["category_name"], "cells": {}})
        entry["cells"][r["region"]] = r
    codes = [r["region"] for r in regions]
    table = sorted(by_cat.values(), key=lambda e: -max((c["stars"] or 0) for c in e["cells"].values()))
    for entry in table:
        entry["cells"] = [entry["cells"].get(c) for c in codes]
    heads = []
    for reg in regions:
        mine = [r for r in rows if r["region"] == reg["region"]]
        rated = [r for r in mine if (r["stars"] or 0) >= 1]
        heads.append({**reg, "employment": queries.region_employment(con, reg["region"], f.year),
                      "clusters": len(mine), "rated": len(rated),
                      "best": max(rated, key=lambda r: (r["stars"], r["employment"] or 0), default=None)})
    strongest = {e["category"] for e in table[:10]}
    chart_rows = [r for r in rows if r["category"] in strongest]
    return Page({
        "heads": heads,
        "table": table,
        "chart": charts.grouped_bars(chart_rows, "Location quotient of the strongest clusters"),
    }, {"clusters": df})
