"""The region x category page (issue 18): one cluster in one region, its industries, history,
the regions strongest in it and related categories, on the real built store."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import duckdb
import pytest

from clusterobs.portal.explorer import region_category as page
from clusterobs.store import region_category as data

pytestmark = pytest.mark.django_db  # the region page lists policy cases from the database
URL = "/regions/{}/categories/{}/"
YEAR = 2014  # the default year of the European data (latest year covering 90% of regions)


def _get(client, url: str, status: int = 200, **params) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(url, params)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.content.decode()


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _number(text: str) -> float:
    return float(re.search(r"[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))  # type: ignore[union-attr]


def _cell(page_html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</(?:dd|td)>', page_html, re.S)
    assert found, element_id
    return _text(found.group(1))


def test_industries_add_up_to_the_cluster_employment(client, con):  # type: ignore[no-untyped-def]
    rows = data.industries(con, "eu-clusters", "ITC4", 2, "4", YEAR)
    cluster = con.execute("""SELECT employment FROM clusters WHERE scheme = 'eu-clusters'
                             AND region = 'ITC4' AND year = ? AND category = '4'""", [YEAR]).fetchone()[0]
    assert round(cluster) == 59356  # Automotive in Lombardia, 2014
    assert sum(r["employment"] for r in rows) == pytest.approx(cluster, rel=1e-9)
    assert [r["industry"] for r in rows[:2]] == ["C28", "C29"]  # largest parts first
    c29 = next(r for r in rows if r["industry"] == "C29")
    assert c29["industry_employment"] == 19811 and c29["employment"] == pytest.approx(0.6983338079 * 19811)
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    html = _get(client, URL.format("ITC4", "4"), scheme="eu-clusters", year=YEAR)
    assert _cell(html, "headline-employment") == "59,356" == _cell(html, "industries-total")
    assert "C29 Manufacture of motor vehicles, trailers and semi-trailers" in _text(html)


def test_industries_without_data_are_said_so_and_left_out_of_the_sum(client, con):  # type: ignore[no-untyped-def]
    # Brussels, Hospitality and Tourism, 2014: four divisions (A01, R91-R93) have no figure
    rows = data.industries(con, "eu-clusters", "BE10", 2, "22", YEAR)
    missing = [r["industry"] for r in rows if r["employment"] is None]
    assert missing == ["A01", "R91", "R92", "R93"]
    cluster = con.execute("""SELECT employment FROM clusters WHERE scheme = 'eu-clusters'
                             AND region = 'BE10' AND year = ? AND category = '22'""", [YEAR]).fetchone()[0]
    assert sum(r["employment"] for r in rows if r["employment"] is not None) == pytest.approx(cluster)
    html = _get(client, URL.format("BE10", "22"), year=YEAR)
    assert html.count('data-missing="true"') == 4
    assert "leaving out the 4 industries without data in 2014" in _text(html)
    assert _text(html).count("no data") >= 8  # industry and cluster columns of the four rows
    assert _number(_cell(html, "industries-total")) == round(cluster)


def test_the_stars_are_the_region_pages(client, con):  # type: ignore[no-untyped-def]
    region = _get(client, "/regions/ITC4/", scheme="eu-clusters", year=YEAR)
    for category in ("4", "32", "40"):
        row = re.search(rf'<tr data-category="{category}"[^>]*>(.*?)</tr>', region, re.S)
        assert row, category
        stars_on_region = re.search(r'<span class="visually-hidden">(\d+) stars</span>', row.group(1)).group(1)  # type: ignore[union-attr]
        # the region page's row links here
        assert f'href="/regions/ITC4/categories/{category}/?scheme=eu-clusters' in row.group(1)
        html = _get(client, URL.format("ITC4", category), scheme="eu-clusters", year=YEAR)
        assert re.search(r"(\d+) of 3", _cell(html, "headline-stars")).group(1) == stars_on_region, category  # type: ignore[union-attr]
        stored = con.execute("""SELECT stars FROM ratings WHERE scheme = 'eu-clusters' AND method = 'eco-classic'
                                AND region = 'ITC4' AND year = ? AND category = ?""", [YEAR, category]).fetchone()[0]
        assert int(stars_on_region) == stored
    html = _get(client, URL.format("ITC4", "4"), year=YEAR)
    assert _cell(html, "headline-stars") == "★ 1 of 3 ◐ mostly apportioned from divisions shared with other categories: see purity"
    assert _cell(html, "headline-confidence") == "100.0 %" and _cell(html, "headline-lq") == "0.96"


def test_the_strongest_regions_come_by_stars_then_employment(client, con):  # type: ignore[no-untyped-def]
    found = data.strongest(con, "eu-clusters", "eco-classic", "4", YEAR, 2, "ITC4", limit=10)
    top = found["top"]
    assert [r["region"] for r in top[:4]] == ["DE11", "DE21", "DE91", "ITC1"]  # Stuttgart, Oberbayern, ...
    keys = [(-(r["stars"] if r["stars"] is not None else -1), -(r["employment"] or 0)) for r in top]
    assert keys == sorted(keys) and [r["rank"] for r in top] == list(range(1, 11))
    rated = con.execute("""SELECT count(*) FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
                           WHERE c.scheme = 'eu-clusters' AND r.method = 'eco-classic' AND c.category = '4'
                           AND c.year = ? AND c.level = 2""", [YEAR]).fetchone()[0]
    assert found["count"] == rated == 285
    assert found["mine"]["rank"] == 31 and found["mine"]["region"] == "ITC4"
    html = _get(client, URL.format("ITC4", "4"), year=YEAR)
    table = re.search(r'id="strongest-table">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
    shown = re.findall(r'<tr data-region="([A-Z0-9]+)"', table)
    assert shown[:10] == [r["region"] for r in top] and shown[-1] == "ITC4"  # this region's own rank below
    # each links to its own region x category page, which answers
    assert 'href="/regions/DE11/categories/4/?' in table
    assert client.get("/regions/DE11/categories/4/").status_code == 200


def test_an_estimated_cell_says_it_is_an_estimate(client, con):  # type: ignore[no-untyped-def]
    # Braunschweig, Automotive, 2014: its motor-vehicle division is confidential and estimated
    rows = data.industries(con, "eu-clusters", "DE91", 2, "4", YEAR)
    estimated = [r for r in rows if r["estimated"]]
    assert estimated and all(r["employment_upper"] > r["employment_lower"] for r in estimated
                             if "c" in r["flags"])
    html = _get(client, URL.format("DE91", "4"), year=YEAR)
    table = re.search(r'id="industries-table">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
    for r in estimated:
        row = _text(re.search(rf'<tr data-industry="{r["industry"]}">(.*?)</tr>', table, re.S).group(1))  # type: ignore[union-attr]
        shown = page.estimate(r["employment"], r["employment_lower"], r["employment_upper"], True, r["flags"])
        assert f"{shown['text']} ({shown['note']})" in row and shown["text"].startswith("~")
        assert re.search(r"~[\d,]+ \(estimate(, [\d,]+–[\d,]+)?\)", row), row
    assert table.count('class="marker estimated" href="/methodology/ratings/#estimates"') == len(estimated)
    # the cluster itself: "~64,486 (estimate, 25,046–93,300)" on the strongest list of any region
    cluster = con.execute("""SELECT employment, employment_lower, employment_upper FROM clusters
                             WHERE scheme = 'eu-clusters' AND region = 'DE91' AND year = ? AND category = '4'""",
                          [YEAR]).fetchone()
    assert _cell(html, "headline-employment") == f"~{cluster[0]:,.0f} (estimate, {cluster[1]:,.0f}–{cluster[2]:,.0f})"


def test_estimate_texts() -> None:
    assert page.estimate(1234.4, 900.0, 1510.0, True) == {
        "text": "~1,234", "note": "estimate, 900–1,510", "title": "Estimated or flagged"}
    assert page.estimate(8088.8, 8088.8, 8088.81, True, "ci")["note"] == "estimate"  # a range that rounds to one value
    assert page.estimate(5.0, 0.0, float("inf"), True, "c")["note"] == "estimate, range unknown"
    assert page.estimate(5.0, 0.0, 9.0, True, "ci")["title"] == (
        "Estimated or flagged (source flags: confidential, estimated by the observatory)")
    assert page.estimate(1234.4, None, None, False) == {"text": "1,234", "note": None, "title": None}
    assert page.estimate(None, None, None, True)["text"] is None


def test_the_headline_markers_link_to_their_methodology(client):  # type: ignore[no-untyped-def]
    html = _get(client, URL.format("DE91", "4"), year=YEAR)
    headline = re.search(r'id="headline">(.*?)</dl>', html, re.S).group(1)  # type: ignore[union-attr]
    for anchor in ("stars", "confidence", "lq", "purity", "estimates"):
        assert f'href="/methodology/ratings/#{anchor}"' in headline, anchor
    assert 'href="/methodology/trends/#growth"' in headline
    for href in ("/methodology/ratings/", "/methodology/trends/"):
        assert client.get(href).status_code == 200


def test_history_and_related_categories(client, con):  # type: ignore[no-untyped-def]
    rows = data.history(con, "eu-clusters", "eco-classic", "ITC4", 2, "4")
    assert [r["year"] for r in rows] == list(range(2008, 2016)) or [r["year"] for r in rows] == list(range(2008, 2015))
    by_year = {r["year"]: r for r in rows}
    assert by_year[2014]["growth_1y"] == pytest.approx(by_year[2014]["employment"] / by_year[2013]["employment"] - 1, abs=1e-9)
    assert by_year[2008]["growth_1y"] is None and by_year[2008]["growth_1y_note"] == "no data in 2007"
    assert not any(r["break"] for r in rows)  # the SBS series declares no break
    related = data.related(con, "eu-clusters", "eco-classic", "4", "ITC4", 2, YEAR)
    assert related and related[0]["category"] == "44"  # Trailers, Motor Homes, and Appliances
    values = [r["colocation"] for r in related]
    assert values == sorted(values, reverse=True) and "4" not in {r["category"] for r in related}
    html = _get(client, URL.format("ITC4", "4"), year=YEAR)
    assert 'href="/regions/ITC4/categories/44/?' in html
    assert data.related(con, "nace-division", "eco-classic", "C29", "ITC4", 2, YEAR) is None
    other = _get(client, URL.format("ITC4", "C29"), scheme="nace-division", year=YEAR)
    assert 'id="no-related"' in other


def _tiny_store(path: Path) -> duckdb.DuckDBPyConnection:
    """A hand-made store: one cluster over 2009-2013 with a series break in 2011."""
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE clusters AS SELECT * FROM (VALUES
        ('s', 'R1', 2, 2009, 'k', 100.0::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 100.0::DOUBLE, 100.0::DOUBLE, 0.0::DOUBLE,
         0.1::DOUBLE, NULL::DOUBLE),
        ('s', 'R1', 2, 2010, 'k', 110.0, 0.10, NULL, 110.0, 110.0, 0.0, 0.1, NULL),
        ('s', 'R1', 2, 2011, 'k', 200.0, 0.818181, NULL, 200.0, 200.0, 0.0, 0.2, NULL),
        ('s', 'R1', 2, 2012, 'k', 220.0, 0.10, NULL, 180.0, 260.0, 0.5, 0.2, NULL),
        ('s', 'R1', 2, 2014, 'k', 240.0, NULL, 0.2, 240.0, 240.0, 0.0, 0.2, NULL))
        t(scheme, region, level, year, category, employment, growth_1y, growth_5y, employment_lower,
          employment_upper, uncertain_share, share_region, lq)""")
    con.execute("""CREATE TABLE ratings AS SELECT 's' AS scheme, 'eco-classic' AS method, region, level, year,
                   category, (year - 2009) % 3 AS stars, 0.5 AS confidence FROM clusters""")
    con.execute("CREATE TABLE cluster_flags (scheme VARCHAR, region VARCHAR, level INTEGER, year INTEGER, "
                "category VARCHAR, flags VARCHAR)")
    con.execute("""CREATE TABLE build_info AS SELECT '{"breaks": [2011]}' AS dataset_meta""")
    return con


def test_growth_never_spans_a_series_break(tmp_path: Path) -> None:
    con = _tiny_store(tmp_path / "tiny.duckdb")
    rows = {r["year"]: r for r in data.history(con, "s", "eco-classic", "R1", 2, "k")}
    assert [y for y, r in rows.items() if r["break"]] == [2011]
    assert rows[2010]["growth_1y"] == 0.10 and rows[2012]["growth_1y"] == 0.10
    # 2011 over 2010 crosses the break: the stored +81.8% is not shown, and says why
    assert rows[2011]["growth_1y"] is None
    assert rows[2011]["growth_1y_note"] == "series break (new source from 2011)"
    assert rows[2014]["growth_5y"] is None and rows[2014]["growth_5y_note"] == "series break (new source from 2011)"
    assert rows[2012]["estimated"] and rows[2012]["employment_lower"] == 180.0
    assert not rows[2011]["estimated"] and rows[2011]["employment_upper"] is None
    chart = page.history_chart(list(rows.values()), "t", 3)
    line = chart["data"][0]
    assert line["x"][:4] == [2009, 2010, 2010.5, 2011] and line["y"][2] is None  # no line across the break
    assert [s["x0"] for s in chart["layout"]["shapes"]] == [2010.5]


def test_unknown_region_or_category_is_a_clear_404(client):  # type: ignore[no-untyped-def]
    region = _get(client, URL.format("XX9", "4"), status=404)
    assert "There is no region &#x27;XX9&#x27; in this edition." in region
    category = _get(client, URL.format("ITC4", "999"), status=404)
    assert "There is no category &#x27;999&#x27; in scheme &#x27;eu-clusters&#x27;." in category
    # other spellings of the region lead to its code; a category left from another scheme to the region
    moved = client.get("/regions/itc4/categories/4/", {"year": YEAR})
    assert moved.status_code == 301 and moved["Location"] == f"/regions/ITC4/categories/4/?year={YEAR}"
    switched = client.get(URL.format("ITC4", "4"), {"scheme": "ecosystems"})
    assert switched.status_code == 302 and switched["Location"] == "/regions/ITC4/?scheme=ecosystems"
    assert client.get(URL.format("ITC4", "4"), {"year": "1999"}).status_code == 400


def test_downloads_hold_the_tables(client):  # type: ignore[no-untyped-def]
    resp = client.get(URL.format("ITC4", "4"), {"year": YEAR, "format": "csv", "table": "industries"})
    assert resp.status_code == 200
    lines = resp.content.decode().splitlines()
    assert lines[0].split(",")[2:5] == ["industry", "title", "weight"] and "shown" not in lines[0]
    assert len(lines) == 1 + 9  # the nine divisions of Automotive


def test_the_category_page_links_its_regions_here(client):  # type: ignore[no-untyped-def]
    html = _get(client, "/categories/eu-clusters/4/", year=YEAR)
    table = re.search(r'id="top-table">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
    assert 'href="/regions/DE11/categories/4/?scheme=eu-clusters&amp;method=eco-classic&amp;year=2014"' in table


def test_great_britain_lists_classes(client, built_datasets):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(built_datasets["gb-bres"]), read_only=True)
    try:
        rows = data.industries(con, "eu-clusters", "UKI3", 2, "4", 2021)
        cluster = con.execute("""SELECT employment FROM clusters WHERE scheme = 'eu-clusters' AND region = 'UKI3'
                                 AND year = 2021 AND category = '4'""").fetchone()[0]
    finally:
        con.close()
    assert all(re.fullmatch(r"[A-U]\d{4}", r["industry"]) for r in rows)  # NACE classes (SIC 2007)
    assert round(cluster) == 369
    assert sum(r["employment"] for r in rows if r["employment"] is not None) == pytest.approx(cluster)
    html = _get(client, URL.format("UKI3", "4"), dataset="gb-bres", year=2021)
    assert "Industries (35 NACE Rev. 2 classes)" in _text(html) and "Inner London — West" in html
    assert "C2910 Manufacture of motor vehicles" in _text(html)
    assert _cell(html, "headline-employment") == "369" == _cell(html, "industries-total")
    client.get("/map/", {"dataset": "europe"})  # leave the default dataset for the next tests
