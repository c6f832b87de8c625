"""Where cases sit on the map: NUTS region centroids and country centroids from the store.

A case tied to regions gets a marker per region; a national case one at its country; an
EU-level case one at Brussels. Countries outside the NUTS geometries (Japan, Korea, the US)
use the fixed points below. Points are memoised per store file (see portal.store.memo).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from shapely.geometry import shape

from clusterobs.errors import StoreError
from clusterobs.portal import store
from clusterobs.portal.showcases import taxonomy
from clusterobs.portal.showcases.models import Case
from clusterobs.store import engine, lookups
from clusterobs.store.engine import Connection

# label point of countries without NUTS geometries, and of EU-level cases (Brussels)
OTHER_POINTS = {"EU": (50.85, 4.35, "European Union"), "JP": (36.2, 138.3, "Japan"),
                "KR": (36.4, 127.9, "South Korea"), "US": (39.8, -98.6, "United States")}
EUROPE = (-25.0, 45.0)  # longitudes the library map frames; places outside are listed below it


def centroids(con: Connection) -> dict[str, tuple[float, float, str]]:
    """NUTS 2016 code -> (lat, lon, name): a point inside the largest polygon of each region."""
    rows = lookups.geometries(con, 2016)
    out: dict[str, tuple[float, float, str]] = {}
    for region, name, text in rows:
        geom = shape(json.loads(text))
        parts = list(getattr(geom, "geoms", [geom]))
        point = max(parts, key=lambda g: g.area).representative_point()
        out[region] = (round(point.y, 4), round(point.x, 4), name)
    return out


def region_names(con: Connection) -> dict[str, str]:
    """NUTS 2016 code -> name, all levels."""
    return lookups.region_names(con, 2016)


def names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the NUTS codes found in the store (empty when the store is unavailable)."""
    try:
        with store.cursor() as con:
            known = store.memo(con, region_names)
    except (StoreError, engine.Error, FileNotFoundError):
        return {}
    return {c: known[c] for c in codes if c in known}


def _locate(points: dict[str, tuple[float, float, str]], key: str) -> tuple[float, float, str] | None:
    """The point of *key*, else of its nearest NUTS parent (level-3 codes have no geometry here)."""
    for n in range(len(key), 1, -1):
        if key[:n] in points:
            lat, lon, name = points[key[:n]]
            return (lat, lon, name) if n == len(key) else (lat, lon, f"{name} ({key})")
    return OTHER_POINTS.get(taxonomy.iso_country(key))


def _points() -> dict[str, tuple[float, float, str]]:
    try:
        with store.cursor() as con:
            return store.memo(con, centroids)
    except (StoreError, engine.Error, FileNotFoundError):
        return {}


def markers(cases: Iterable[Case]) -> dict[str, Any]:
    """Map markers (one per place, listing its cases) and the cases that could not be placed."""
    points = _points()
    places: dict[str, dict[str, Any]] = {}
    unplaced: list[str] = []
    for case in cases:
        keys = list(case.regions) if case.regions else [taxonomy.nuts_country(case.country)]
        found = False
        for key in keys:
            where = _locate(points, key)
            if where is None:
                continue
            found = True
            place = places.setdefault(key, {"code": key, "name": where[2], "lat": where[0],
                                            "lon": where[1], "cases": []})
            place["cases"].append({"title": case.title, "url": case.get_absolute_url()})
        if not found:
            unplaced.append(case.title)
    ordered = sorted(places.values(), key=lambda p: p["code"])
    outside = [p for p in ordered if not EUROPE[0] <= p["lon"] <= EUROPE[1]]
    return {"places": ordered, "unplaced": unplaced, "outside": outside}


def _category_names(con: Connection) -> dict[str, str]:
    rows = lookups.category_names(con, [taxonomy.CATEGORY_SCHEME, taxonomy.EMERGING_SCHEME])
    return {c: (n if s == taxonomy.CATEGORY_SCHEME else f"{n} (emerging industry)") for s, c, n in rows}


def category_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name) of cluster categories and emerging industries, sorted by name; codes as names
    when the store is unavailable."""
    try:
        with store.cursor() as con:
            known = store.memo(con, _category_names)
    except (StoreError, engine.Error, FileNotFoundError):
        known = {}
    return sorted(((c, known.get(c, c)) for c in set(codes)), key=lambda p: p[1].casefold())
