"""Matchmaking over the store: peer regions, partner regions and people, each with its reasons.

The scores come from :mod:`clusterobs.core.matchmaking`; this module only reads the matrices
from the store (scheme ``eu-clusters``, the reference year) and phrases the explanations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clusterobs.core import matchmaking as mm
from clusterobs.portal import store
from clusterobs.sources import declarations
from clusterobs.store import lookups, queries

SCHEME = declarations.default_scheme()
METHOD = "panorama"
YEAR = 2014  # the most complete year of the Eurostat series


@dataclass
class Matrices:
    regions: list[str]
    names: list[str]
    categories: list[str]
    category_names: list[str]
    shares: Any
    lq: Any
    stars: Any


@dataclass
class Suggestion:
    kind: str  # peer | partner | person
    title: str
    score: float
    reasons: list[str] = field(default_factory=list)
    region: str = ""
    profile: Any = None


def matrices(con: Any, level: int, year: int = YEAR, scheme: str = SCHEME, method: str = METHOD) -> Matrices:
    """Region x category matrices of employment share, LQ and stars (NaN → 0)."""
    rows = lookups.traded_clusters(con, method, scheme, year, level)
    regions = sorted({r[0] for r in rows})
    names = {r[0]: r[1] for r in rows}
    cats = sorted({r[2] for r in rows}, key=lambda c: (len(c), c))
    cat_names = {r[2]: r[3] for r in rows}
    ri, ci = {c: i for i, c in enumerate(regions)}, {c: i for i, c in enumerate(cats)}
    shares, lq, stars = (np.zeros((len(regions), len(cats))) for _ in range(3))
    for region, _, cat, _, share, q, s in rows:
        i, j = ri[region], ci[cat]
        shares[i, j], lq[i, j], stars[i, j] = share or 0.0, q or 0.0, s or 0
    return Matrices(regions, [names[r] for r in regions], cats, [cat_names[c] for c in cats], shares, lq, stars)


def _list(m: Matrices, row: int, indexes: tuple[int, ...], limit: int = 4) -> str:
    """'Automotive (LQ 2.31, 3★), ...' for the categories *indexes* of region *row*."""
    indexes = tuple(sorted(indexes, key=lambda k: -m.lq[row, k]))
    parts = [f"{m.category_names[k]} (LQ {m.lq[row, k]:.2f}, {int(m.stars[row, k])}★)" for k in indexes[:limit]]
    more = len(indexes) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def regions_for(region: str, limit: int = 5) -> tuple[list[Suggestion], list[Suggestion]]:
    """Peer regions (similar portfolio) and partner regions (complementary strengths) of *region*."""
    level = max(0, min(2, len(region) - 2))
    with store.cursor() as con:
        m = store.memo(con, matrices, level)
    if region not in m.regions:
        return [], []
    i = m.regions.index(region)
    me = m.names[i]
    peers = []
    for p in mm.peers(m.shares, i, limit):
        shared = ", ".join(f"{m.category_names[k]} ({100 * m.shares[i, k]:.1f}% vs {100 * m.shares[p.index, k]:.1f}%)"
                           for k in p.shared)
        peers.append(Suggestion("peer", f"{m.names[p.index]} ({m.regions[p.index]})", p.similarity, [
            f"Cosine similarity of the traded-cluster employment shares, {YEAR}: {p.similarity:.3f}.",
            f"Largest shares of employment in common ({me} vs them): {shared}."], region=m.regions[p.index]))
    strong = mm.strengths(m.lq, m.stars)
    partners = []
    for p in mm.partners(strong, m.lq, i, limit):
        j = p.index
        partners.append(Suggestion("partner", f"{m.names[j]} ({m.regions[j]})", p.score, [
            f"Complementarity {p.score:.2f}: {len(p.offers)} strengths of {me} are weak there, "
            f"{len(p.receives)} of theirs are weak in {me} ({int(strong[i].sum())} + {int(strong[j].sum())} "
            f"specialisations, LQ ≥ {mm.LQ_STRONG} or ≥ {mm.STARS_STRONG} stars).",
            f"They are specialised in: {_list(m, j, p.receives)}.",
            f"You can offer: {_list(m, i, p.offers)}."], region=m.regions[j]))
    return peers, partners


def people_for(profile: Any, peers: list[Suggestion], partners: list[Suggestion], limit: int = 8) -> list[Suggestion]:
    """Members to meet: in a peer or partner region, or with shared interests (privacy respected)."""
    from clusterobs.portal.community.models import Profile

    viewer = profile.user
    names = category_names()
    mine = set(profile.categories) | set(profile.emerging)
    why_region = {s.region: (s.kind, s.score) for s in peers + partners}
    found = []
    for other in Profile.objects.exclude(user=viewer).exclude(banned=True).exclude(vis_profile="nobody"):
        reasons, score = [], 0.0
        if other.visible("location", viewer) and other.region in why_region:
            kind, value = why_region[other.region]
            label = "similar portfolio (cosine" if kind == "peer" else "complementary strengths (score"
            reasons.append(f"Works in {other.region}, a region with a {label} {value:.2f}).")
            score += value
        if other.visible("interests", viewer):
            theirs = set(other.categories) | set(other.emerging)
            jaccard = mm.shared_interests(mine, theirs)
            if jaccard > 0:
                common = ", ".join(sorted(names.get(c, c) for c in mine & theirs))
                reasons.append(f"Shared interests {len(mine & theirs)} of {len(mine | theirs)} "
                               f"(Jaccard {jaccard:.2f}): {common}.")
                score += jaccard
        if reasons:
            found.append(Suggestion("person", other.name, score, reasons, profile=other))
    found.sort(key=lambda s: (-s.score, s.title))
    return found[:limit]


def category_names() -> dict[str, str]:
    """Code → name of the eu-clusters categories."""
    with store.cursor() as con:
        rows = store.memo(con, _category_rows, SCHEME)
    return dict(rows)


def emerging_names() -> dict[str, str]:
    with store.cursor() as con:
        rows = store.memo(con, _category_rows, "emerging")
    return dict(rows)


def _category_rows(con: Any, scheme: str) -> list[tuple[str, str]]:
    return [(str(c["category"]), str(c["category_name"])) for c in queries.categories(con, scheme)]


def region_rows(con: Any) -> list[tuple[str, str, str, int]]:
    """(region, name, country, level) of the NUTS 2016 regions."""
    return lookups.region_rows(con, 2016)


def region_names() -> dict[str, str]:
    with store.cursor() as con:
        return {r[0]: r[1] for r in store.memo(con, region_rows)}


def _centroid_rows(con: Any) -> dict[str, tuple[float, float]]:
    """Region → (lat, lon): the centre of the bounding box of its largest polygon."""
    import json

    out: dict[str, tuple[float, float]] = {}
    for code, _, geo in lookups.geometries(con):
        g = json.loads(geo)
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        ring = max((p[0] for p in polys), key=len)
        xs, ys = [pt[0] for pt in ring], [pt[1] for pt in ring]
        out[str(code)] = ((min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2)
    return out


def centroids() -> dict[str, tuple[float, float]]:
    with store.cursor() as con:
        return store.memo(con, _centroid_rows)
