"""What the store says about a region, for the evidence check (read-only store queries).

Degrades gracefully: a store without ratings, or without the scoreboard tables (built by
``clusterobs scoreboard``), yields facts with those parts missing, and the check says so.
"""

from __future__ import annotations

from typing import Any

from clusterobs.core.stresstest import STRONG_STARS, DimensionFact, RegionFacts
from clusterobs.errors import StoreError
from clusterobs.sources import declarations
from clusterobs.store import engine, lookups, queries, reader, scoreboard_queries
from clusterobs.store.engine import Connection

MAX_LEVEL = 2  # regions offered: countries, NUTS 1 and NUTS 2


def region_choices(con: Connection) -> list[dict[str, Any]]:
    """Regions with results at NUTS levels 0-2: code, name, level, country."""
    return [r for r in queries.regions(con) if int(r["level"]) <= MAX_LEVEL]


def _ratings(con: Connection, scheme: str, region: str
             ) -> tuple[int | None, int, tuple[tuple[str, int], ...]]:  # fmt: skip
    """(latest year with ratings of the region, categories rated, those with >= 2 stars)."""
    try:
        df = reader.clusters(con, scheme, "eco-classic", region=region)
    except StoreError:
        return None, 0, ()
    df = df[df["stars"].notna()]
    if df.empty:
        return None, 0, ()
    year = int(df["year"].max())
    latest = df[df["year"] == year]
    strong = latest[latest["stars"] >= STRONG_STARS].sort_values(
        ["stars", "employment"], ascending=False)
    return year, len(latest), tuple((str(r.category_name), int(r.stars)) for r in strong.itertuples())


def _scoreboard(con: Connection, region: str
                ) -> tuple[str | None, int | None, dict[str, DimensionFact] | None]:  # fmt: skip
    """The scoreboard dimensions of the region, else of its nearest parent (NUTS-1 BE, DE, UK)."""
    code = region
    while code:
        try:
            prof = scoreboard_queries.region_profile(con, code)
        except (StoreError, engine.Error):
            # the parent from the geography table (NUTS: DE21 -> DE2 -> DE)
            code = lookups.region_parent(con, code) or ""
            continue
        dims = {str(d["dimension"]): DimensionFact(
            str(d["dimension"]), str(d.get("title") or d["dimension"]),
            None if d.get("score") is None else float(d["score"]),
            None if d.get("rel_eu") is None else float(d["rel_eu"]),
            None if d.get("status_eu") is None else str(d["status_eu"]))
            for d in prof["dimensions"]}  # fmt: skip
        return code, int(prof["year"]) if prof.get("year") is not None else None, dims
    return None, None, None


def region_facts(con: Connection, region: str, name: str) -> RegionFacts:
    """Latest eco-classic ratings (eu-clusters, emerging) and the §8 scoreboard of *region*."""
    cy, cn, cs = _ratings(con, declarations.default_scheme(), region)
    ey, en, es = _ratings(con, "emerging", region)
    sb_region, sb_year, dims = _scoreboard(con, region)
    return RegionFacts(region, name or region, cy, cn, cs, ey, en, es, sb_region, sb_year, dims)
