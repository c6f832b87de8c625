"""Issue 18, the first screen: the home page presents the observatory's services and the
published Panorama edition's headline (map and hotspots, estimates marked); every page names
the data it shows; the map explains an empty year; downloads say what, when and in what unit."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path

import pytest

from clusterobs.reports import panorama
from clusterobs.store import editions

pytestmark = pytest.mark.django_db
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


@pytest.fixture()
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An editions folder whose published edition 2026-H1 carries a headline written by
    :func:`panorama.write_headline` from a hand-made report context."""
    folder = tmp_path / "editions" / "2026-H1"
    folder.mkdir(parents=True)
    (folder / editions.MANIFEST).write_text(json.dumps({"name": "2026-H1"}), "utf-8")
    (folder.parent / editions.POINTER).write_text("2026-H1", "utf-8")
    hotspots = [{"region": f"DE{i}1", "name": f"Region {i}", "strong": 20 - i, "three": 3,
                 "employment": 1000.0 * (i + 1), "estimate_share": 0.25 if i == 1 else 0.0,
                 "left_out": 0, "top": "Automotive, Plastics"} for i in range(12)]
    ctx = {"m": {"name": "2026-H1"}, "year": 2014, "hotspots": hotspots,
           "facts": {"strong": 1234, "three": 321, "strong_employment": 5e6, "strong_share": 0.12,
                     "regions": 280, "countries": 28},
           "estimate_note": "e: part of this employment is estimated",
           "attribution": {"eurostat": "Source: Eurostat", "boundaries": "© EuroGeographics"},
           "europe_map": "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()}
    written = panorama.write_headline(ctx, folder)
    assert json.loads(written["headline"].read_text())["hotspots"] == hotspots[:10]
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(folder.parent))
    return folder.parent


def test_home_presents_the_panorama_headline_and_every_service(client, published):
    html = client.get("/").content.decode()
    assert "Cluster Panorama 2026-H1" in html and 'data-figure="strong">1,234<' in html
    rows = re.findall(r'<tr data-region="(\w+)">', html)
    assert rows == [f"DE{i}1" for i in range(10)]  # the first ten hotspots, in order
    marked = re.findall(r'<tr data-region="(\w+)">(?:(?!</tr>).)*class="marker estimated"', html, re.S)
    assert marked == ["DE11"]  # only the hotspot whose employment is partly estimated
    assert 'src="/panorama/2026-H1/headline.svg"' in html
    for link in ("/map/", "/trends/", "/scoreboard/", "/stress-test/", "/showcases/", "/community/",
                 "/compare/", "/methodology/", "/panorama/2026-H1/download/report_pdf/"):
        assert f'href="{link}' in html, link
    svg = client.get("/panorama/2026-H1/headline.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"".join(svg.streaming_content) == SVG
    assert client.get("/panorama/2026-H9/headline.svg").status_code == 404


def test_home_without_a_headline_still_links_the_panorama(client, tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "none"))
    html = client.get("/").content.decode()
    assert 'id="panorama-title"' in html and 'href="/panorama/"' in html


@pytest.mark.parametrize("url", ["/", "/map/", "/regions/ITC4/", "/trends/", "/scoreboard/"])
def test_every_page_names_its_data_and_the_published_edition(client, published, url):
    html = client.get(url).content.decode()
    line = re.search(r'<p class="data-line" data-edition="live">(.*?)</p>', html, re.S)
    assert line, url
    text = " ".join(re.sub(r"<[^>]+>", "", line.group(1)).split())
    assert "live data (latest build)" in text and "published Panorama edition is 2026-H1" in text


def test_an_empty_growth_map_says_why_and_which_years_have_values(client, con):
    first = con.execute("SELECT min(year) FROM clusters").fetchone()[0]
    html = client.get(f"/map/?year={first}&indicator=growth_5y").content.decode()
    notice = re.search(r'id="map-empty">([^<]*)<', html)
    assert notice, "no explanation of the grey map"
    years = con.execute("""SELECT min(year), max(year) FROM clusters WHERE scheme = 'eu-clusters'
        AND level = 2 AND growth_5y IS NOT NULL""").fetchone()
    assert f"before the first year of data ({first})" in notice.group(1)
    assert f"{years[0]}–{years[1]}" in notice.group(1)
    assert "none with a value" in html
    full = client.get(f"/map/?year={years[1]}&indicator=growth_5y").content.decode()
    assert 'id="map-empty"' not in full


def test_map_values_download_names_category_year_and_whole_jobs(client, con):
    body = client.get("/map/?year=2014&category=4&indicator=employment&format=csv&table=values")
    assert body.status_code == 200
    assert 'map-values-europe-live.csv' in body["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.content.decode())))
    assert {r["category"] for r in rows} == {"4"} and {r["year"] for r in rows} == {"2014"}
    assert {r["category_name"] for r in rows} == {"Automotive"}
    assert {r["dataset"] for r in rows} == {"europe"} and {r["edition"] for r in rows} == {"live"}
    jobs = [r["employment"] for r in rows if r["employment"]]
    assert jobs and all(j.isdigit() for j in jobs)
    stored = dict(con.execute("""SELECT region, employment FROM clusters WHERE scheme = 'eu-clusters'
        AND category = '4' AND year = 2014 AND level = 2""").fetchall())
    assert all(abs(int(r["employment"]) - stored[r["region"]]) <= 0.5 for r in rows if r["employment"])


def test_region_download_names_the_wage_currency(client):
    body = client.get("/regions/ITC4/?format=csv").content.decode()
    header = next(csv.reader(io.StringIO(body)))
    assert "wage_per_employee_eur" in header and "wage_per_employee" not in header


@pytest.mark.parametrize("url", ["/api/v1/clusters?region=ITC4&limit=1", "/api/v1/scoreboard/ITC4",
                                 "/api/v1/coverage"])
def test_every_api_object_names_its_dataset_and_edition(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, url
    body = resp.json()
    assert body["dataset"] == "europe" and body["edition"] == "live"
    assert resp["X-Observatory-Edition"] == "live" and resp["X-Observatory-Dataset"] == "europe"
