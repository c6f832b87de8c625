"""Explorer pages: every view answers, with the store's numbers; bad input gives 400/404."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.portal.conftest import scalar

SCHEME, METHOD, YEAR = "eu-clusters", "eco-classic", 2014

# the region page also lists the policy showcases of its region (application database)
pytestmark = pytest.mark.django_db


def _html(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.content[:300])
    return resp.content.decode()


def test_home_headline_figures_equal_the_store(client, con):
    html = _html(client, "/")
    rated, employment = con.execute(
        """SELECT count(*) FILTER (WHERE r.stars >= 1), sum(c.employment) FILTER (WHERE r.stars >= 1)
           FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
           WHERE c.scheme = ? AND r.method = ? AND c.year = ? AND c.level = 2""", [SCHEME, METHOD, YEAR]
    ).fetchone()
    regions = scalar(con, "SELECT count(DISTINCT region) FROM clusters WHERE scheme=? AND year=? AND level=2", SCHEME, YEAR)
    assert f'data-figure="regions">{regions:,}<' in html
    assert f'data-figure="rated_clusters">{rated:,}<' in html
    assert f'data-figure="rated_employment">{employment:,.0f}<' in html
    assert "Headline figures of the live data, 2014" in html  # 2015 covers only part of the regions


def test_search_autocomplete_and_no_js_results(client):
    data = client.get("/search.json?q=Lombardia").json()["results"]
    assert data[0]["code"] == "ITC4" and data[0]["url"] == "/regions/ITC4/"
    cats = client.get("/search.json?q=automotive").json()["results"]
    assert any(c["kind"] == "category" and c["url"] == "/categories/eu-clusters/4/" for c in cats)
    assert client.get("/search.json?q=" + "x" * 101).status_code == 400
    assert "/regions/DE21/" in _html(client, "/?q=Oberbayern")


def test_map_page_table_and_download_match_the_store(client, con):
    html = _html(client, f"/map/?scheme={SCHEME}&category=4&indicator=lq&year={YEAR}&level=2")
    expected = con.execute(
        """SELECT c.region, c.lq FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
           WHERE c.scheme=? AND r.method=? AND c.category='4' AND c.year=? AND c.level=2 ORDER BY c.region""",
        [SCHEME, METHOD, YEAR]).df()
    assert f"Table of the map values ({len(expected)} regions, " in html
    assert "© EuroGeographics for the administrative boundaries" in html and "Source: Eurostat" in html
    got = pd.read_csv(io.BytesIO(client.get(f"/map/?category=4&year={YEAR}&format=csv").content))
    assert list(got["region"]) == list(expected["region"])
    assert got["value"].to_numpy() == pytest.approx(expected["lq"].to_numpy(), nan_ok=True)
    panel = _html(client, f"/map/panel/?category=4&indicator=stars&year={YEAR}")
    assert 'id="map-data"' in panel and "3 stars" in panel and "<html" not in panel


def test_region_page_shows_every_cluster_with_its_rating(client, con):
    html = _html(client, f"/regions/ITC4/?scheme={SCHEME}&method={METHOD}&year={YEAR}")
    rows = con.execute(
        """SELECT k.category_name, c.employment, r.stars FROM clusters c
           JOIN ratings r USING (scheme, region, level, year, category) JOIN categories k USING (scheme, category)
           WHERE c.scheme=? AND r.method=? AND c.year=? AND c.region='ITC4'""", [SCHEME, METHOD, YEAR]).fetchall()
    assert f"All clusters ({len(rows)})" in html
    assert html.count('<tr data-category="') == len(rows)
    top = max(rows, key=lambda r: (r[2], r[1]))
    assert top[0].replace("&", "&amp;") in html and f"{top[1]:,.0f}" in html
    assert "Lombardia (ITC4, NUTS 2)" in html and 'id="portfolio-data"' in html
    assert "Most similar regions" in html and 'src="/static/vendor/plotly/plotly.min.js"' in html
    assert re.search(r"classic star method, \d+ of its \d+ clusters have at least one star", html)


def test_region_page_first_year_explains_the_missing_portfolio_chart(client, con):
    """The first year of the data has no growth rate: instead of an empty chart the page
    says why and what to do; a later year has the chart."""
    first = scalar(con, "SELECT min(year) FROM clusters WHERE scheme=? AND region='ITC4'", SCHEME)
    assert scalar(con, "SELECT count(*) FROM clusters WHERE scheme=? AND region='ITC4' AND year=? "
                       "AND (growth_1y IS NOT NULL OR growth_5y IS NOT NULL)", SCHEME, first) == 0
    html = _html(client, f"/regions/ITC4/?scheme={SCHEME}&method={METHOD}&year={first}")
    assert 'id="portfolio-empty"' in html and 'id="portfolio-data"' not in html
    assert f"has both a location quotient and a growth rate in {first}" in html
    later = _html(client, f"/regions/ITC4/?scheme={SCHEME}&method={METHOD}&year={YEAR}")
    assert 'id="portfolio-data"' in later and 'id="portfolio-empty"' not in later


def test_region_series_marks_estimates_and_downloads_them(client, con):
    """The employment-per-year table and its download say which values are estimated."""
    import io as _io

    region = scalar(con, """SELECT c.region FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
                            WHERE c.scheme=? AND r.method=? AND c.year=? AND c.level=2 AND c.uncertain_share > 0.5
                              AND r.stars >= 2 ORDER BY c.region LIMIT 1""", SCHEME, METHOD, YEAR)
    assert region is not None
    resp = client.get(f"/regions/{region}/?scheme={SCHEME}&method={METHOD}&year={YEAR}&format=csv&table=series")
    series = pd.read_csv(_io.BytesIO(resp.content))
    assert {"estimated", "estimate_share"} <= set(series.columns)
    assert series["estimated"].any()
    html = _html(client, f"/regions/{region}/?scheme={SCHEME}&method={METHOD}&year={YEAR}")
    table = html[html.index("<caption>Employment per year</caption>"):]
    table = table[:table.index("</table>")]
    assert table.count('class="marker estimated"') == int(series["estimated"].sum())


def test_region_downloads_have_the_store_rows(client, con):
    n = scalar(con, "SELECT count(*) FROM clusters WHERE scheme=? AND year=? AND region='DE21'", SCHEME, YEAR)
    for fmt, read in (("csv", pd.read_csv), ("xlsx", pd.read_excel), ("parquet", pd.read_parquet)):
        resp = client.get(f"/regions/DE21/?year={YEAR}&format={fmt}")
        assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
        frame = read(io.BytesIO(resp.content))
        assert len(frame) == n and set(frame["region"]) == {"DE21"}
    similar = pd.read_csv(io.BytesIO(client.get(f"/regions/DE21/?year={YEAR}&format=csv&table=similar").content))
    assert len(similar) == 5 and "DE21" not in set(similar["region"])
    assert similar["similarity"].is_monotonic_decreasing


def test_category_page_top_regions_and_trend(client, con):
    html = _html(client, f"/categories/{SCHEME}/4/?year={YEAR}&method={METHOD}")
    region, employment = con.execute(
        """SELECT region, employment FROM clusters WHERE scheme=? AND category='4' AND year=? AND level=2
           ORDER BY employment DESC LIMIT 1""", [SCHEME, YEAR]).fetchone()
    first_row = html.split('id="top-table"')[1].split("<tbody>")[1].split("</tr>")[0]
    assert f"({region})" in first_row and f"{employment:,.0f}" in first_row
    trend = pd.read_csv(io.BytesIO(client.get(f"/categories/{SCHEME}/4/?format=csv&table=trend").content))
    total = scalar(con, "SELECT sum(employment) FROM clusters WHERE scheme=? AND category='4' AND year=2010 AND level=2", SCHEME)
    assert trend.set_index("year").loc[2010, "employment"] == pytest.approx(total)
    # the total says how much of it rests on estimated or flagged cells, in the table and the file
    share = scalar(con, """SELECT sum(employment * coalesce(uncertain_share, 0)) / sum(employment) FROM clusters
                           WHERE scheme=? AND category='4' AND year=2010 AND level=2""", SCHEME)
    assert trend.set_index("year").loc[2010, "estimate_share"] == pytest.approx(share, abs=1e-6)
    marked = int((trend["estimate_share"] > 0).sum())
    assert marked > 0  # Eurostat withholds cells of this category in the test data
    trend_body = html[html.rindex("<tbody>", 0, html.rindex(f"<td>{int(trend['year'].max())}</td>")):]
    trend_body = trend_body[:trend_body.index("</tbody>")]
    assert trend_body.count('class="marker estimated"') == marked
    lq = pd.read_csv(io.BytesIO(client.get(f"/categories/{SCHEME}/4/?format=csv&table=lq&year={YEAR}").content))
    assert len(lq) == scalar(con, "SELECT count(lq) FROM clusters WHERE scheme=? AND category='4' AND year=? AND level=2", SCHEME, YEAR)


def test_compare_two_regions(client, con):
    html = _html(client, f"/compare/?regions=ITC4,DE21&year={YEAR}")
    assert "Lombardia" in html and "Oberbayern" in html and 'id="compare-data"' in html
    frame = pd.read_csv(io.BytesIO(client.get(f"/compare/?regions=ITC4,DE21&year={YEAR}&format=csv").content))
    n = scalar(con, "SELECT count(*) FROM clusters WHERE scheme=? AND year=? AND region IN ('ITC4','DE21')", SCHEME, YEAR)
    assert len(frame) == n
    # an LQ computed from estimated employment carries the estimate marker
    body = html.split('id="compare-table"')[1].split("</tbody>")[0]
    estimated = int(frame["estimated"].fillna(False).astype(bool).sum())
    assert estimated > 0 and body.count('class="marker estimated"') == estimated
    assert "Regions to compare, 2 to 10" in _html(client, "/compare/")


@pytest.mark.parametrize(("url", "message"), [
    ("/map/?year=abc", "year=&#x27;abc&#x27; is not a whole number"),
    ("/map/?year=1999", "year=1999 has no results"),
    ("/map/?scheme=nope", "scheme=&#x27;nope&#x27; is not allowed"),
    ("/map/?method=nope", "method=&#x27;nope&#x27; is not allowed"),
    ("/map/?level=7", "level=7 is out of range"),
    ("/map/?indicator=x", "indicator=&#x27;x&#x27; is not allowed"),
    ("/map/?category=zzz", "category=&#x27;zzz&#x27; is not a category"),
    # (a real method the chosen scheme lacks redirects to its defaults: test_scheme_switch.py)
    ("/map/?scheme=emerging&method=nope", "method=&#x27;nope&#x27; is not allowed"),
    ("/regions/ITC4/?format=pdf", "format=&#x27;pdf&#x27; is not allowed"),
    ("/regions/ITC4/?format=csv&table=x", "table=&#x27;x&#x27; is not on this page"),
    ("/compare/?regions=ITC4", "a comparison needs two to 10"),
    ("/compare/?regions=AT1,AT2,AT3,BE1,BE2,BE3,DE1,DE2,DE3,FR1,ITC4", "11 regions given: compare at most 10"),
])
def test_malformed_values_give_400_with_a_message(client, url, message):
    html = _html(client, url, 400)
    assert message in html


@pytest.mark.parametrize(("url", "suggestion"), [
    ("/regions/ITC9/", "/regions/ITC4/"),
    ("/regions/lombardi/", "/regions/ITC4/"),
    ("/regions/%3Cscript%3E/", "/regions/"),
    ("/categories/eu-clusters/Automotiv/", "/categories/eu-clusters/4/"),
    ("/categories/no-scheme/4/", "/categories/"),
    ("/compare/?regions=ITC4,XX99", "/regions/"),
])
def test_unknown_region_or_category_gives_404_with_suggestions(client, url, suggestion):
    html = _html(client, url, 404)
    assert "Did you mean" in html and f'href="{suggestion}' in html
    assert "<script>" not in html
