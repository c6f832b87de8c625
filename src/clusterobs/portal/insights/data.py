"""What the trends and scoreboard pages show, and their API twins return (one data path).

Each builder takes a store cursor and returns a :class:`~clusterobs.portal.explorer.pages.Page`:
the template context and the tables behind it, by name, so ``?format=csv&table=<name>``
downloads exactly what the page shows and the API serves the same rows. The numbers come
from :mod:`clusterobs.store.trends_queries`, :mod:`clusterobs.store.scoreboard_queries` and
the data functions of :mod:`clusterobs.reports.trends_report`.
"""

from __future__ import annotations

import difflib
import re

from django.urls import reverse

from clusterobs.portal import store
from clusterobs.portal.explorer import classes
from clusterobs.portal.explorer.pages import Page, records, year_notice
from clusterobs.portal.filters import BadInput, NotFound
from clusterobs.portal.insights import charts
from clusterobs.reports import trends_report as tr
from clusterobs.store import editions, queries, reader, trends_queries
from clusterobs.store import scoreboard_queries as sq
from clusterobs.store.engine import Connection

Con = Connection

def trends_scheme(con: Con) -> str:
    """The scheme of the served dataset's trends analysis (its declaration)."""
    meta = store.memo(con, editions.dataset_meta)
    return str(meta.get("trends_scheme") or store.memo(con, editions.main_view)[0])

CODE = re.compile(r"^[A-Za-z0-9]{2,6}$")
MAX_PEERS = 5
NETWORK_EDGES = 60


def _codes(con: Con, table: str) -> dict[str, str]:
    """Region code -> name of the regions in *table* (shift_share or scoreboard_scores)."""
    return queries.table_regions(con, table)


def trends_regions(con: Con) -> dict[str, str]:
    """The regions with trends (NUTS-2 regions of the shift-share table), by name."""
    return store.memo(con, _codes, "shift_share")


def scoreboard_regions(con: Con) -> dict[str, str]:
    """The regions of the scoreboard, by name."""
    return store.memo(con, _codes, "scoreboard_scores")


def check_region(con: Con, code: str, known: dict[str, str], route: str, what: str) -> dict[str, str]:
    """``{"region", "name"}`` of *code*, or NotFound with the closest regions that have *what*."""
    if CODE.match(code) and code in known:
        return {"region": code, "name": known[code]}
    raise NotFound(f"There is no region {code[:40]!r} with {what} in this edition.", [
        {"url": reverse(route, args=[c]), "label": f"{known[c]} ({c})"} for c in suggest(code[:40], known)])


def suggest(text: str, known: dict[str, str], limit: int = 5) -> list[str]:
    """The codes of *known* whose code or name is closest to *text* (for 404 answers).

    >>> suggest("ITC", {"ITC4": "Lombardia", "DE21": "Oberbayern"}, 1)
    ['ITC4']
    """
    low = text.lower()

    def score(code: str) -> float:
        name = known[code].lower()
        prefix = 1.0 if low and (code.lower().startswith(low) or name.startswith(low)) else 0.0
        return prefix + max(difflib.SequenceMatcher(None, low, code.lower()).ratio(),
                            difflib.SequenceMatcher(None, low, name).ratio())

    return sorted(known, key=lambda c: (-score(c), c))[:limit]


def parse_peers(raw: str | None, region: str, known: dict[str, str]) -> list[str] | None:
    """``?peers=A,B`` as a list of up to 5 scoreboard regions; None when not given."""
    if raw is None or not raw.strip():
        return None
    codes = list(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
    if len(codes) > MAX_PEERS:
        raise BadInput(f"peers={raw[:80]!r}: at most {MAX_PEERS} peers can be chosen, got {len(codes)}")
    bad = [c for c in codes if not CODE.match(c)]
    if bad or not codes:
        raise BadInput(f"peers={raw[:80]!r} is malformed: give up to {MAX_PEERS} region codes separated by commas")
    unknown = [c for c in codes if c not in known or c == region]
    if unknown:
        raise BadInput(f"peers: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a scoreboard "
                       f"region other than {region} (see /api/v1/scoreboard)")
    return codes


def check_dimension(con: Con, raw: str | None) -> tuple[str, dict[str, str]]:
    """The dimension (default ``overall``) and the titles of all dimensions; BadInput if unknown."""
    info = store.memo(con, sq.meta)
    titles = {"overall": "Overall"} | {k: v.get("title", k) for k, v in info["coverage"].items() if k != "overall"}
    dim = raw or "overall"
    if dim not in titles:
        raise BadInput(f"dimension={dim[:60]!r} is not allowed: expected one of {', '.join(titles)}")
    return dim, titles


# --- trends -----------------------------------------------------------------------------------

def largest_region(con: Con, known: dict[str, str], year: int) -> dict[str, str]:
    """The region of *known* with the most employment in *year* (the trends page's default,
    instead of whichever code sorts first), ``{"region", "name", "default": True}``."""
    sizes = store.memo(con, trends_queries.region_employment, year)
    code = max(sorted(known), key=lambda c: sizes.get(c, -1.0))
    return {"region": code, "name": known[code], "default": "yes"}


def require(con: Con, table: str, what: str) -> None:
    """NotFound naming the dataset when it has no *table* (no trends: one year; no scoreboard)."""
    if not reader.has_table(con, table):
        meta = store.memo(con, editions.dataset_meta)
        raise NotFound(f"The dataset {meta.get('title', '')} has no {what}"
                       f"{' (it has a single year of data)' if what == 'trends analysis' else ''}. "
                       "Choose another dataset above.")


def trends_data(con: Con, region: str | None = None) -> Page:
    """The tables of the trends overview (plain data, no chart): Europe-wide growth, emerging
    industries, shift-share by category, the co-location network, one region's opportunities.
    The API returns these; :func:`trends_page` adds the charts."""
    require(con, "shift_share", "trends analysis")
    scheme = trends_scheme(con)
    start, end = store.memo(con, tr.period, scheme)
    growth = store.memo(con, tr.category_growth, scheme, start, end)
    emerging = store.memo(con, tr.category_growth, "emerging", start, end)
    by_cat = store.memo(con, tr.shift_share_by_category, scheme)
    edges = store.memo(con, trends_queries.relatedness_network, scheme, NETWORK_EDGES)
    regions = trends_regions(con)
    chosen = check_region(con, region, regions, "insights:trends_region", "trends") if region else \
        largest_region(con, regions, end)
    opp = trends_queries.opportunities(con, scheme, region=chosen["region"])
    names = {c["category"]: c["category_name"] for c in store.memo(con, queries.categories, scheme)}
    opp.insert(3, "category_name", opp["category"].map(names))
    return Page({
        "start": start, "end": end, "growth": records(growth), "emerging": records(emerging),
        "year_notices": [n for n in (year_notice(con, scheme, y) for y in (start, end)) if n],
        "by_category": records(by_cat), "edges": records(edges), "near_one": int((edges["colocation"] > 0.99).sum()),
        "regions": regions, "chosen": chosen, "opportunities": records(opp),
    }, {"growth": growth, "emerging": emerging, "shift_share_by_category": by_cat,
        "shift_share": lambda: trends_queries.shift_share(con, scheme), "network": edges,
        "opportunities": opp})


def trends_page(con: Con, region: str | None = None) -> Page:
    """:func:`trends_data` with its charts (growth bars, emerging industries, the network)."""
    page = trends_data(con, region)
    ctx = page.context
    start, end = ctx["start"], ctx["end"]
    top, bottom = ctx["growth"][:12], ctx["growth"][-12:]
    ctx.update({
        "growth_chart": charts.growth_bars(top + bottom, f"Fastest and slowest growing categories, {start}-{end}"),
        "emerging_chart": charts.growth_bars(ctx["emerging"], f"Emerging industries, {start}-{end}"),
        "network_chart": charts.network(ctx["edges"], f"The {len(ctx['edges'])} strongest co-location links"),
    })
    return page


def trends_region_data(con: Con, code: str) -> Page:
    """The tables of a region's trend profile (plain data, no chart): indices over time,
    shift-share, rising and declining clusters, opportunities, rating transitions."""
    require(con, "shift_share", "trends analysis")
    reg = check_region(con, code, trends_regions(con), "insights:trends_region", "trends")
    start, end = store.memo(con, tr.period, trends_scheme(con))
    prof = trends_queries.region_trends(con, reg["region"], trends_scheme(con))
    changes = tr.cluster_changes(con, reg["region"], trends_scheme(con), start, end)
    ss = prof["shift_share"]
    return Page({
        "region": reg, "start": start, "end": end,
        "specialisation": records(prof["specialisation"]), "complexity": records(prof["complexity"]),
        "shift_share": records(ss), "opportunities": records(prof["opportunities"]),
        "transitions": records(prof["transitions"]),
        "rising": records(changes[changes["trend"] == "rising"].head(10)),
        "declining": records(changes[changes["trend"] == "declining"].sort_values("lq_change").head(10)),
    }, {"specialisation": prof["specialisation"], "complexity": prof["complexity"], "shift_share": ss,
        "opportunities": prof["opportunities"], "transitions": prof["transitions"], "clusters": changes})


def trends_region_page(con: Con, code: str) -> Page:
    """:func:`trends_region_data` with its charts (specialisation indices, shift-share bars)."""
    page = trends_region_data(con, code)
    ctx = page.context
    ctx.update({
        "index_chart": charts.index_lines(ctx["specialisation"], "Specialisation indices"),
        "ss_chart": charts.shift_share_bars(ctx["shift_share"][:10],
                                            f"Shift-share of the ten largest changes, {ctx['start']}-{ctx['end']}"),
    })
    return page


# --- scoreboard -------------------------------------------------------------------------------

def scoreboard_page(con: Con, dimension: str | None = None) -> Page:
    """The ranking on one dimension, its map data and the coverage per dimension."""
    require(con, "scoreboard_scores", "regional ecosystem scoreboard")
    dim, titles = check_dimension(con, dimension)
    rows = sq.ranking(con, dim)
    legend = classes.legend("score", [r["score"] for r in rows])
    values = {}
    for r in rows:
        r["class"] = legend.classify(r["score"])
        values[r["region"]] = {"c": r["class"], "t": f"{r['score']:.3f} (rank {r['rank']:.0f})"}
    cov = store.memo(con, sq.coverage)
    return Page({
        "dimension": dim, "titles": titles, "title": titles[dim], "rows": rows, "legend": legend,
        "year": cov["year"], "coverage": [{"dimension": d, **v} for d, v in cov["dimensions"].items() if d != "overall"],
        "map_data": {"values": values, "colors": legend.colors, "missing": classes.MISSING,
                     "label": f"{titles[dim]} score", "level": 2},
    }, {"ranking": [{k: v for k, v in r.items() if k != "class"} for r in rows]})


def scoreboard_region_page(con: Con, code: str, peers_raw: str | None = None) -> Page:
    """One region: dimension bars vs EU and peers, indicators, sentences, rank ranges."""
    require(con, "scoreboard_scores", "regional ecosystem scoreboard")
    known = scoreboard_regions(con)
    reg = check_region(con, code, known, "insights:scoreboard_region", "a scoreboard")
    peers = parse_peers(peers_raw, reg["region"], known)
    prof = sq.region_profile(con, reg["region"], peers)
    dims = prof["dimensions"]
    peer_means = sq.peer_means(con, prof["peers"])
    order = [d for d in dims if d["dimension"] != "overall"] + [d for d in dims if d["dimension"] == "overall"]
    for d in order:
        d["peer_mean"] = peer_means.get(d["dimension"])
    ind = sorted(prof["indicators"], key=lambda r: (str(r["dimension"]), str(r["indicator"])))
    return Page({
        "region": reg, "year": prof["year"], "dims": order, "indicators": ind, "sentences": prof["sentences"],
        "peers": [{"region": p, "name": known.get(p, p)} for p in prof["peers"]], "chosen": peers is not None,
        "suggested": [{**s, "name": known.get(s["peer"], s["peer"])} for s in prof["suggested_peers"]],
        "lacking": prof["lacking_data"], "peers_raw": ",".join(peers or []),
        "chart": charts.dimension_bars(order, peer_means, f"{reg['name']}: scores against the EU and peers"),
    }, {"dimensions": order, "indicators": ind})
