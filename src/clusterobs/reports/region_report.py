"""The region report (issue 18): one region on a few pages, HTML and PDF, to take to a meeting.

:func:`assemble` gathers from a read-only store cursor what the report shows, all of it
through the functions the portal's pages use, so report and pages show the same numbers:

* profile: name, level, country and parents (``regions.parent``), employment and local
  units of the business economy (``region_totals``), dataset, edition, data year, source
  and licence (the dataset's declaration);
* clusters with stars *and* confidence (:func:`clusterobs.store.reader.clusters`, annotated
  by :func:`clusterobs.reports.purity.annotate`; traded first, as the region page orders
  them); every estimated figure is marked ``e`` (methodology: docs/methodology/ratings.md
  #estimates), a rating mostly apportioned from shared divisions ``◐`` (#purity);
* star history per cluster: stars and confidence in every year, series breaks
  (``build_info.dataset_meta.breaks``) marked where the data declares them;
* trends: employment of the leading clusters and its growth *within* each series segment
  (:func:`segment_growth`: no growth is computed across a break, docs/methodology/trends.md);
* scoreboard: strengths and weaknesses against the EU and the suggested peers
  (:func:`clusterobs.store.scoreboard_queries.region_profile`, the scoreboard pages' code);
* policy cases: passed in by the caller (the portal reads them from the showcases library
  as the region page does); those naming one of the region's starred categories are marked.

A section without data says so (a NUTS-1 region has no scoreboard, a dataset of one year no
trend). :func:`render_html` and :func:`render_pdf` (WeasyPrint) turn the context into the
report; the only figure is one small matplotlib SVG, so a PDF takes about a second.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jinja2
import pandas as pd

from clusterobs.errors import ClusterObsError, StoreError
from clusterobs.reports import purity
from clusterobs.sources import declarations
from clusterobs.store import editions, queries, reader
from clusterobs.store import scoreboard_queries as sq
from clusterobs.store.engine import Connection

__all__ = ["assemble", "render_html", "render_pdf", "segment_growth", "segments", "stars_text"]

LEAD_CLUSTERS = 5
#: the starred clusters listed (a large region has 60): the strongest, traded first
MAX_CLUSTERS = 15
#: the methodology sections behind each marker (the portal's /methodology/<page>/#<anchor>)
METHOD_LINKS = {
    "stars": "ratings/#stars", "confidence": "ratings/#confidence", "lq": "ratings/#lq",
    "estimates": "ratings/#estimates", "purity": "ratings/#purity", "growth": "trends/#growth",
    "scoreboard": "scoreboard/", "index": "",
}
METHOD_NAMES = {
    "eco-classic": "the European Cluster Observatory's classic star method",
    "panorama": "the Cluster Panorama method",
    "uscmp-strong": "the US Cluster Mapping strong-cluster test",
}
COLOURS = ("#08306b", "#d95f02", "#1b9e77", "#7570b3", "#e7298a")


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def stars_text(stars: Any, confidence: Any) -> str:
    """A rating with how sure it is, as the region page's summary words it.

    >>> stars_text(2, 0.354)
    '2 stars at 35% confidence'
    >>> stars_text(1, None)
    '1 star, confidence unknown'
    """
    n = int(stars or 0)
    text = f"{n} star{'s' if n != 1 else ''}"
    return f"{text} at {float(confidence):.0%} confidence" if _ok(confidence) else f"{text}, confidence unknown"


# --- series segments and growth (pure) --------------------------------------------------------

def segments(years: Iterable[int], breaks: Iterable[int]) -> list[list[int]]:
    """*years* cut into series segments: a break year starts a new segment.

    >>> segments([2008, 2009, 2015, 2021, 2022], [2021])
    [[2008, 2009, 2015], [2021, 2022]]
    >>> segments([2010, 2011], [])
    [[2010, 2011]]
    """
    cuts = sorted(set(breaks))
    out: dict[int, list[int]] = {}
    for y in sorted(set(years)):
        out.setdefault(sum(1 for b in cuts if y >= b), []).append(y)
    return [out[k] for k in sorted(out)]


def segment_growth(series: Mapping[int, float | None], breaks: Iterable[int]) -> list[dict[str, Any]]:
    """Compound annual employment growth within each series segment, never across a break.

    Per segment: ``start``/``end`` (first and last year with employment), the employment in
    both, ``annual`` (``(end/start)^(1/years) - 1``) and, when it cannot be computed, ``note``.

    >>> [(g["start"], g["end"], round(g["annual"], 4)) for g in segment_growth({2010: 100, 2012: 121}, [])]
    [(2010, 2012, 0.1)]
    >>> [g["note"] for g in segment_growth({2014: 50, 2015: 60, 2021: 70}, [2021])]
    [None, 'one year of data in this series']
    """
    out = []
    for seg in segments(series, breaks):
        have = [y for y in seg if _ok(series[y])]
        row: dict[str, Any] = {"first": seg[0], "last": seg[-1], "start": None, "end": None,
                               "employment_start": None, "employment_end": None, "annual": None, "note": None}
        if len(have) < 2:
            row["note"] = "one year of data in this series" if have else "no data in this series"
        else:
            start, end = have[0], have[-1]
            a, b = float(series[start] or 0), float(series[end] or 0)
            row.update(start=start, end=end, employment_start=a, employment_end=b)
            if a > 0:
                row["annual"] = (b / a) ** (1 / (end - start)) - 1
            else:
                row["note"] = f"no employment in {start}"
        out.append(row)
    return out


# --- the sections -----------------------------------------------------------------------------

def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.astype(object).where(df.notna(), None).to_dict("records")]


def ordered_clusters(con: Connection, scheme: str, method: str, year: int | None, region: str) -> pd.DataFrame:
    """The region's clusters as the region page lists them: traded first, then by stars and
    employment (local categories after the traded ones), with purity columns."""
    df = purity.annotate(con, reader.clusters(con, scheme, method, year=year, region=region), scheme)
    return (df.assign(_local=df["traded"].eq(False))
            .sort_values(["_local", "stars", "employment"], ascending=[True, False, False], na_position="last")
            .drop(columns="_local"))


def lead_clusters(rows: Sequence[Mapping[str, Any]], n: int = LEAD_CLUSTERS) -> list[Mapping[str, Any]]:
    """The region page's leading clusters: traded, not mostly apportioned, by stars then size."""
    lead = [r for r in rows if r["traded"] is not False and not r["apportioned"]]
    return sorted(lead or rows, key=lambda r: (-(r["stars"] or 0), -(r["employment"] or 0)))[:n]


def profile(con: Connection, region: Mapping[str, Any], year: int, ds: declarations.Dataset | None) -> dict[str, Any]:
    """Name, level, country, parents and the business-economy totals of *year*."""
    code = str(region["region"])
    known = dict(con.execute(
        f"SELECT region, struct_pack(name := name, parent := parent, level := level) FROM regions "
        f"WHERE nuts_version = {queries.NUTS_VERSION}").fetchall())
    parents = []
    seen = {code}
    parent = (known.get(code) or {}).get("parent")
    while parent and parent in known and parent not in seen:
        seen.add(parent)
        parents.append({"region": parent, "name": known[parent]["name"], "level": int(known[parent]["level"])})
        parent = known[parent].get("parent")
    country_code = str(region.get("country") or "")
    country = {"region": country_code, "name": known[country_code]["name"]} if country_code in known else None
    row = con.execute("SELECT employment_total, establishments_total FROM region_totals WHERE region = ? AND year = ?",
                      [code, year]).fetchone()
    level = int(region["level"])
    return {
        "region": code, "name": region["name"], "level": level,
        "level_name": ds.geography.level_name(level) if ds else f"level {level}",
        "country": country if country and country["region"] != code else None,
        "parents": [p for p in parents if not country or p["region"] != country["region"]],
        "employment": float(row[0]) if row and _ok(row[0]) else None,
        "establishments": float(row[1]) if row and _ok(row[1]) else None,
    }


def star_history(frame: pd.DataFrame, categories: Sequence[str], years: Sequence[int],
                 breaks: Sequence[int]) -> dict[str, Any]:
    """Stars and confidence of *categories* in every year; ``break_before`` marks the years
    that start a new series."""
    by = {(str(r["category"]), int(r["year"])): r for r in _records(frame)}
    rows = []
    for cat in categories:
        cells: list[dict[str, Any] | None] = []
        for y in years:
            r = by.get((cat, y))
            if r is None:
                cells.append(None)
            elif not _ok(r["stars"]):  # a cluster without a rating (no LQ that year) is not "0 stars"
                cells.append({"stars": None, "confidence": None, "estimated": bool(r["estimated"]),
                              "text": "not rated (no location quotient)"})
            else:
                cells.append({"stars": int(r["stars"]), "confidence": r["stars_confidence"],
                              "estimated": bool(r["estimated"]), "text": stars_text(r["stars"], r["stars_confidence"])})
        name = next((by[(cat, y)]["category_name"] for y in years if (cat, y) in by), cat)
        rows.append({"category": cat, "category_name": name, "cells": cells})
    return {"years": list(years), "break_before": [y in set(breaks) for y in years], "rows": rows,
            "breaks": list(breaks)}


def trends(frame: pd.DataFrame, lead: Sequence[Mapping[str, Any]], years: Sequence[int],
           breaks: Sequence[int]) -> dict[str, Any]:
    """Employment of the leading clusters per year and its growth within each series segment."""
    rows = []
    recs = _records(frame)
    for cl in lead:
        mine = {int(r["year"]): r for r in recs if r["category"] == cl["category"]}
        series = {y: (mine[y]["employment"] if y in mine else None) for y in years}
        growth = segment_growth(series, breaks)
        for g in growth:  # a growth rate resting on an estimated employment is an estimate too
            g["estimated"] = any(mine.get(y, {}).get("estimated") for y in (g["start"], g["end"]) if y)
        rows.append({"category": cl["category"], "category_name": cl["category_name"],
                     "series": series, "growth": growth})
    return {"rows": rows, "years": list(years), "breaks": list(breaks),
            "chart": trend_chart(rows, years, breaks) if rows and len(years) > 1 else None}


def trend_chart(rows: Sequence[Mapping[str, Any]], years: Sequence[int], breaks: Sequence[int]) -> str:
    """Employment index of the leading clusters (first year of each series segment = 100), a
    line per segment, never joined across a break (SVG data URI)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 2.6))
    for i, r in enumerate(rows):
        colour = COLOURS[i % len(COLOURS)]
        for n, seg in enumerate(segments(years, breaks)):
            pts = [(y, float(r["series"][y])) for y in seg if _ok(r["series"][y])]
            if pts and pts[0][1] > 0:  # an index per series segment: its first year = 100
                pts = [(y, 100 * v / pts[0][1]) for y, v in pts]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, marker="o", markersize=2.5, lw=1.4,
                        label=str(r["category_name"])[:45] if n == 0 else None)
    for b in breaks:
        ax.axvline(b - 0.5, color="#888", lw=0.8, ls="--")
        ax.text(b - 0.45, ax.get_ylim()[1], f"new series from {b}", fontsize=6.5, color="#555", va="top")
    ax.set_ylabel("Employment, first year = 100", fontsize=7.5)
    ax.axhline(100, color="#999", lw=0.6)
    ax.tick_params(labelsize=7)
    ax.set_xticks(list(years))
    ax.grid(axis="y", color="#ddd", lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def scoreboard(con: Connection, region: Mapping[str, Any], ds: declarations.Dataset | None) -> dict[str, Any]:
    """Strengths and weaknesses against the EU and the suggested peers, or why there are none."""
    name = region["name"]
    if not reader.has_table(con, "scoreboard_scores"):
        title = ds.title if ds else "this dataset"
        return {"available": False, "reason": f"The Regional Ecosystem Scoreboard is not computed for {title}."}
    found = con.execute("SELECT count(*) FROM scoreboard_scores WHERE region = ?", [region["region"]]).fetchone()
    if not found or not found[0]:
        why = (f"{name} is a {ds.geography.level_name(int(region['level'])) if ds else 'region'} region: the "
               "scoreboard scores NUTS-2 regions of the EU-28 only." if int(region["level"]) != 2 else
               f"{name} is outside the scoreboard's scope (NUTS-2 regions of the EU-28 with enough data).")
        return {"available": False, "reason": why}
    prof = sq.region_profile(con, str(region["region"]))
    names = dict(con.execute(f"SELECT region, name FROM regions WHERE nuts_version = {queries.NUTS_VERSION}").fetchall())
    scored = con.execute("SELECT count(*) FROM scoreboard_scores WHERE dimension = 'overall' AND score IS NOT NULL").fetchone()
    dims = [d for d in prof["dimensions"] if d["dimension"] != "overall"] + \
           [d for d in prof["dimensions"] if d["dimension"] == "overall"]
    return {
        "available": True, "year": prof["year"], "dimensions": dims, "sentences": prof["sentences"],
        "strengths": [d["title"] for d in dims if d["status_eu"] == "strength" and d["dimension"] != "overall"],
        "weaknesses": [d["title"] for d in dims if d["status_eu"] == "weakness" and d["dimension"] != "overall"],
        "peers": [{"region": p, "name": names.get(p, p)} for p in prof["peers"]],
        "scored": int(scored[0]) if scored else None,
        "lacking": prof["lacking_data"],
    }


def cases_matching(cases: Iterable[Mapping[str, Any]], starred: Mapping[str, str], scheme: str) -> list[dict[str, Any]]:
    """The policy cases, each with ``matches``: the names of the region's starred clusters it
    concerns (the library codes cases by eu-clusters category, so other schemes match none)."""
    out = []
    for c in cases:
        codes = [str(k) for k in c.get("categories") or []] if scheme == "eu-clusters" else []
        out.append({**c, "matches": [starred[k] for k in codes if k in starred]})
    return out


def _dataset(dataset_id: str | None) -> declarations.Dataset | None:
    try:
        return declarations.get(dataset_id) if dataset_id else None
    except ClusterObsError:
        return None


def assemble(con: Connection, region: Mapping[str, Any], *, scheme: str, method: str, year: int,
             dataset: str | None = None, edition: str | None = None, published: str | None = None,
             cases: Iterable[Mapping[str, Any]] = (), base_url: str = "") -> dict[str, Any]:
    """Everything the report of *region* (a ``queries.region`` dict) shows, as plain data.

    *scheme*, *method* and *year* are the region page's filters; *dataset*, *edition* and
    *published* name the data served (edition None: the live data); *cases* are the policy
    showcases tied to the region (title, url, level, categories); *base_url* makes the
    methodology links absolute (they must work from a downloaded PDF).
    """
    code = str(region["region"])
    ds = _dataset(dataset)
    meta = editions.dataset_meta(con)
    breaks = sorted(int(b) for b in meta.get("breaks") or [])
    years = queries.years(con, scheme)
    every = ordered_clusters(con, scheme, method, None, code)
    now = every[every["year"] == year]
    rows = _records(now)
    for r in rows:
        r["stars_text"] = stars_text(r["stars"], r["stars_confidence"])
    rated = [r for r in rows if (r["stars"] or 0) >= 1]
    lead = lead_clusters(rows) if rows else []
    listed = rated[:MAX_CLUSTERS]
    shown = [r["category"] for r in listed] or [r["category"] for r in lead]
    # every year of the dataset (a year without the region's results shows as "no result")
    history_years = years if len(every) else []
    build = queries.build_info(con)
    top = max(rated, key=lambda r: (r["stars"], r["employment"] or 0), default=None)
    base = base_url.rstrip("/") + "/methodology/"
    return {
        "profile": profile(con, region, year, ds),
        "scheme": scheme, "scheme_title": next((s["title"] for s in queries.schemes(con) if s["scheme"] == scheme), scheme),
        "method": method, "method_name": METHOD_NAMES.get(method, method), "year": year, "years": years,
        "max_stars": next((int(m["max_stars"]) for m in queries.methods(con, scheme)
                           if m["method"] == method and m["max_stars"] is not None), 3),
        "data": {"dataset": ds.id if ds else dataset, "dataset_title": ds.title if ds else (dataset or meta.get("title")),
                 "attribution": (ds.attribution.strip() if ds else meta.get("attribution", "")),
                 "edition": edition, "published": published, "built_at": build.get("built_at"),
                 "fingerprint": build.get("fingerprint"), "methodology_version": build.get("methodology_version"),
                 "geography": ds.geography.kind if ds else "nuts",
                 "total_note": " ".join((ds.total_note if ds else "").split())},
        "clusters": listed, "rated_count": len(rated), "clusters_total": len(rows), "lead": lead, "top": top,
        "traded_count": sum(1 for r in rows if r["traded"] is not False),
        "estimated_count": sum(1 for r in rows if r["estimated"]),
        "history": star_history(every, shown, history_years, breaks),
        "trends": trends(every, lead, history_years, breaks),
        "scoreboard": scoreboard(con, region, ds),
        "cases": cases_matching(cases, {r["category"]: r["category_name"] for r in rated}, scheme),
        "links": {k: base + v for k, v in METHOD_LINKS.items()},
        "base_url": base_url.rstrip("/"),
        "apportioned_title": purity.TITLE,
    }


# --- rendering --------------------------------------------------------------------------------

def _num(value: Any, digits: int = 0) -> str:
    return "–" if not _ok(value) else f"{float(value):,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    return "–" if not _ok(value) else f"{100 * float(value):+.{digits}f} %"


def _share(value: Any, digits: int = 0) -> str:
    return "–" if not _ok(value) else f"{100 * float(value):.{digits}f} %"


def environment() -> jinja2.Environment:
    """The report's Jinja environment and its number filters (as the portal formats them)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("clusterobs.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    env.filters.update(num=_num, pct=_pct, share=_share, glyphs=lambda n, top: "★" * int(n or 0) + "☆" * max(int(top) - int(n or 0), 0))
    return env


def render_html(ctx: Mapping[str, Any], *, pdf: bool = False, urls: Mapping[str, str] | None = None) -> str:
    """The report as one HTML document (*pdf*: without the screen-only toolbar); *urls* are
    the region page's and the PDF's addresses for the toolbar."""
    return environment().get_template("region_report.html").render(**ctx, pdf=pdf, urls=urls or {})


def render_pdf(ctx: Mapping[str, Any], *, urls: Mapping[str, str] | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint, A4); *urls* as for :func:`render_html` (absolute)."""
    from weasyprint import HTML

    try:
        return HTML(string=render_html(ctx, pdf=True, urls=urls), base_url=str(ctx.get("base_url") or ".")).write_pdf()  # type: ignore[no-any-return]
    except OSError as exc:  # fonts or libraries missing: one clear line
        raise StoreError(f"the PDF could not be written: {exc}") from exc
