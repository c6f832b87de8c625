"""Traded first: summaries, region tables and the Panorama's hotspots rank traded categories;
local categories are shown apart and mostly apportioned ratings are never called strongest."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest

from clusterobs.portal.explorer import summary
from clusterobs.reports import panorama, purity
from clusterobs.store import editions, reader

pytestmark = pytest.mark.django_db  # region pages list policy cases from the database
YEAR = 2014
REGION = {"name": "Somewhere", "region": "XX01", "level": 2}


def _row(name: str, stars: int, lq: float, employment: float, traded: bool | None,
         apportioned: bool = False) -> dict[str, object]:
    return {"category_name": name, "stars": stars, "stars_confidence": 0.9, "lq": lq,
            "employment": employment, "traded": traded, "apportioned": apportioned,
            "growth_5y": None}


def test_summary_ranks_traded_clusters_and_names_local_and_apportioned_ones_apart() -> None:
    rows = [_row("Local Hospitality Establishments", 3, 2.5, 9e4, False),
            _row("Forestry", 3, 6.0, 2e3, True, apportioned=True),
            _row("Automotive", 2, 3.0, 5e4, True),
            _row("Furniture", 1, 1.5, 1e4, True)]
    text = " ".join(summary.region_summary(REGION, rows, YEAR, "eco-classic", 1e6))
    strongest = re.search(r"The strongest: ([^.]+\.[^.]*)", text)
    assert strongest and strongest.group(1).startswith("Automotive")
    assert "Local Hospitality" not in strongest.group(1) and "Forestry" not in strongest.group(1)
    assert "Left out of the strongest: Forestry: most of their employment is apportioned" in text
    assert "Local clusters, which serve the region's own market, are shown apart: Local Hospitality" in text
    assert "most specialised traded cluster is Automotive" in text


def test_a_scheme_without_traded_flags_keeps_one_ranking() -> None:
    rows = [_row("C29", 3, 4.0, 5e4, None), _row("C10", 1, 1.2, 2e4, None)]
    text = " ".join(summary.region_summary(REGION, rows, YEAR, "eco-classic", 1e6))
    assert "The strongest: C29" in text and "local" not in text.lower()


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == 200, url
    return htmllib.unescape(resp.content.decode())


def test_voreio_aigaio_leads_with_a_traded_cluster(client) -> None:  # type: ignore[no-untyped-def]
    page = _page(client, f"/regions/EL41/?scheme=eu-clusters&method=eco-classic&year={YEAR}")
    strongest = re.search(r"The strongest: ([^<]+)", page)
    assert strongest and "Local " not in strongest.group(1).split(";")[0], strongest
    assert "Local clusters (" in page and 'id="local-clusters-table"' in page
    traded = page.split('id="clusters-table"')[1].split("</table>")[0]
    local = page.split('id="local-clusters-table"')[1].split("</table>")[0]
    assert "Local Hospitality Establishments" in local and "Local Hospitality" not in traded


def test_mostly_apportioned_ratings_are_marked_and_left_out(client) -> None:  # type: ignore[no-untyped-def]
    page = _page(client, f"/regions/ITH5/?scheme=eu-clusters&method=eco-classic&year={YEAR}")
    row = page.split('data-category="49" data-apportioned="true"')[1].split("</tr>")[0]
    assert f'href="{purity.HELP_URL}" title="{purity.TITLE}"' in row
    left = re.search(r"Left out of the strongest: ([^:]+):", page)
    assert left and "Vulcanized and Fired Materials" in left.group(1)
    strongest = re.search(r"The strongest: ([^<]+)", page)
    assert strongest and "Vulcanized" not in strongest.group(1)


def test_panorama_hotspots_and_headline_count_traded_clusters_only(built_store: Path) -> None:
    with reader.connect(built_store) as con:
        eu = purity.annotate(con, reader.clusters(con, panorama.SCHEME, panorama.METHOD, year=YEAR,
                                                  level=panorama.LEVEL), panorama.SCHEME)
        facts = panorama.key_facts(con, eu, YEAR)
        spots = panorama.hotspots(eu, editions.region_names(con))
    local = set(eu.loc[eu["traded"].eq(False), "category_name"])
    counted = eu[panorama.counted(eu) & (eu["stars"] >= 2)]
    assert facts["strong"] == len(counted) < int((eu["stars"] >= 2).sum())
    assert facts["strong_local"] > 0 and facts["strong_apportioned"] > 0
    for spot in spots:
        assert not set(spot["top"].split(", ")) & local, spot
        mine = counted[counted["region"] == spot["region"]]
        assert spot["strong"] == len(mine)
        assert all(name in set(mine["category_name"]) for name in spot["top"].split(", ")), spot


def test_a_starred_cluster_without_a_plain_lq_is_summarised() -> None:
    """The US rule rates on the LQ among traded categories: a starred row may lack the plain LQ
    (this page answered 500 for PL91 in 2008 under uscmp-strong)."""
    rows = [_row("Forestry", 1, None, 2e3, True)]  # type: ignore[arg-type]
    text = " ".join(summary.region_summary({"name": "Lubuskie", "region": "PL43", "level": 2}, rows, 2008,
                                           "uscmp-strong", None))
    assert "Forestry (1 star" in text and "LQ unknown, 2,000 employees" in text
