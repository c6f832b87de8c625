"""The region report (issue 18): one click from the region page, the region page's numbers,
a real PDF naming the region, the edition and a rating with its confidence, cached per
request, and datasets or levels without some sections saying so."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from clusterobs.portal.explorer import report
from clusterobs.reports import region_report as rr

SECTIONS = ("profile-title", "clusters-title", "history-title", "trends-title", "scoreboard-title", "cases-title",
            "sources-title", "legend")
ROW = re.compile(r'<tr data-category="([^"]+)">.*?<span class="visually-hidden">([^<]+)</span>.*?'
                 r'data-confidence="([^"]*)".*?data-employment="([^"]*)"', re.S)


pytestmark = pytest.mark.usefixtures("response_cache")


@pytest.fixture()
def edition(tmp_path: Path, built_store: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An edition, 2025-H2, whose frozen results are the session's built store."""
    folder = tmp_path / "editions" / "2025-H2"
    folder.mkdir(parents=True)
    (folder / "store.duckdb").symlink_to(built_store)
    (folder / "manifest.json").write_text(json.dumps({"name": "2025-H2"}), encoding="utf-8")
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "editions"))
    return "2025-H2"


def _report_rows(html: str) -> dict[str, tuple[str, float, float]]:
    table = html.split('id="report-clusters"', 1)[1].split("</table>", 1)[0]
    return {c: (text, float(conf), float(emp)) for c, text, conf, emp in ROW.findall(table)}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ITC4", "DE91"])
def test_the_report_shows_the_region_pages_numbers(client: Client, code: str) -> None:
    from clusterobs.portal.showcases.management.commands.load_showcases import load

    load()
    page = client.get(f"/regions/{code}/?year=2012")
    assert page.status_code == 200
    ctx = page.context
    resp = client.get(f"/regions/{code}/report/?year=2012")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    html = resp.content.decode()
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    region = ctx["region"]
    assert f"<h1>{region['name']}</h1>" in html
    assert f"<b>{ctx['total_employment']:,.0f}</b>" in html  # the summary's total employment
    # the starred clusters, in the page's order (traded first), with its stars, confidence, employment
    rated = [r for r in ctx["rows"] if (r["stars"] or 0) >= 1]
    got = _report_rows(html)
    assert list(got) == [r["category"] for r in rated][:rr.MAX_CLUSTERS]
    for r in rated[:rr.MAX_CLUSTERS]:
        text, conf, emp = got[r["category"]]
        assert text == rr.stars_text(r["stars"], r["stars_confidence"])
        assert conf == pytest.approx(r["stars_confidence"]) and emp == pytest.approx(r["employment"])
    assert f"{len(rated)} of {len(ctx['rows'])}" in html
    # each cluster links to its region x category page, which answers
    link = re.search(rf'href="http://testserver(/regions/{code}/categories/[^"]+)"', html)
    assert link is not None and client.get(link.group(1).replace("&amp;", "&")).status_code == 200
    # the policy cases the region page lists, in its order
    titles = [c.title for c in ctx["policy_cases"]]
    listed = re.findall(r'<li>(?:● )?<a href="[^"]+/showcases/[^"]+/">([^<]+)</a>', html)
    assert listed == [t.replace("&", "&amp;") for t in titles]


@pytest.mark.django_db
def test_the_region_page_links_to_the_report_and_its_pdf(client: Client) -> None:
    html = client.get("/regions/ITC4/?year=2013").content.decode()
    block = re.search(r'id="region-report-link">(.*?)</p>', html, re.S)
    assert block is not None
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', block.group(1))]
    assert links == ["/regions/ITC4/report/?scheme=eu-clusters&method=eco-classic&year=2013",
                     "/regions/ITC4/report.pdf?scheme=eu-clusters&method=eco-classic&year=2013"]
    page = client.get(links[0])
    assert page.status_code == 200 and b"data year <b>2013</b>" in page.content
    pdf = client.get(links[1])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # other spellings of the code lead to the report of the code
    moved = client.get("/regions/itc4/report.pdf?year=2013")
    assert moved.status_code == 301 and moved["Location"] == "/regions/ITC4/report.pdf?year=2013"


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return pages, " ".join(text.split())


@pytest.mark.django_db
def test_the_pdf_names_region_edition_and_ratings_with_confidence(client: Client, edition: str,
                                                                  tmp_path: Path) -> None:
    resp = client.get(f"/regions/ITC4/report.pdf?edition={edition}&year=2012")
    assert resp.status_code == 200 and resp["X-Observatory-Edition"] == edition
    assert f'filename="region-report-ITC4-2012-{edition}.pdf"' in resp["Content-Disposition"]
    pages, text = _pdf_text(resp.content, tmp_path)
    assert pages >= 2
    assert "Lombardia" in text and f"Panorama edition {edition}" in text
    assert "Europe (Eurostat regional SBS)" in text and "data year 2012" in text
    ratings = re.findall(r"(\d) stars? at (\d+)% confidence", text)
    assert ratings, text[:500]
    assert "CC BY 4.0" in text  # source and licence line


@pytest.mark.django_db
def test_a_second_request_is_served_from_the_cache(client: Client, django_user_model,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import caches

    url = "/regions/DE91/report.pdf?year=2013"
    # signed in (the response cache is for anonymous visitors): the report cache keeps the
    # bytes under the request's fingerprint (results file, dataset, edition, language, URL)
    user = django_user_model.objects.create_user("reader", "reader@example.org", "pw-123456789")
    signed = Client()
    signed.force_login(user)
    keys: list[str] = []
    keep = report.caching.cache_set
    monkeypatch.setattr(report.caching, "cache_set", lambda key, entry: (keys.append(key), keep(key, entry)))
    one = signed.get(url)
    assert one.status_code == 200 and one["X-Report-Cache"] == "miss" and "X-Cache" not in one
    assert len(keys) == 1 and caches["responses"].get(keys[0])["body"] == one.content

    def fail(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the cached report was rendered again")

    monkeypatch.setattr(rr, "render_pdf", fail)
    two = signed.get(url)
    assert two.status_code == 200 and two["X-Report-Cache"] == "hit" and two.content == one.content
    # anonymous: the same report bytes, then the shared response cache answers before the view
    first = client.get(url)
    assert first["X-Cache"] == "miss" and first.content == one.content
    again = client.get(url)
    assert again["X-Cache"] == "hit" and again.content == one.content
    # another year is another report: it has to be rendered
    with pytest.raises(AssertionError, match="rendered again"):
        signed.get("/regions/DE91/report.pdf?year=2012")


@pytest.mark.django_db
@pytest.mark.parametrize("code,level", [("IT", "NUTS 0"), ("DE1", "NUTS 1")])
def test_nuts_0_and_1_reports_work_and_say_what_is_missing(client: Client, code: str, level: str) -> None:
    html = client.get(f"/regions/{code}/report/").content.decode()
    assert f"{code} · {level}" in html
    assert 'id="scoreboard-none"' in html and "scores NUTS-2 regions of the EU-28 only" in html
    assert 'id="report-clusters"' in html and 'id="report-history"' in html


@pytest.mark.django_db
def test_other_datasets_report_what_they_have(client: Client, built_datasets: dict[str, Path]) -> None:
    us = client.get("/regions/35620/report/?dataset=us-cbp")
    html = us.content.decode()
    assert us.status_code == 200 and "New York-Newark-Jersey City" in html and "metro area (CBSA)" in html
    assert "The Regional Ecosystem Scoreboard is not computed for United States" in html
    assert "No star history: the dataset holds one year" in html and "No trend" in html
    gb = client.get("/regions/UKI3/report.pdf?dataset=gb-bres")
    assert gb.status_code == 200 and gb.content.startswith(b"%PDF-")
    gb_html = client.get("/regions/UKI3/report/?dataset=gb-bres").content.decode()
    assert "Open Government Licence" in gb_html and 'id="report-history"' in gb_html


@pytest.mark.django_db
def test_bad_input_is_a_clear_answer(client: Client) -> None:
    assert client.get("/regions/ITC4/report/?year=abc").status_code == 400
    missing = client.get("/regions/NOWHERE/report/")
    assert missing.status_code == 404 and b"There is no region" in missing.content


@pytest.mark.browser
@pytest.mark.parametrize("url", ["/regions/ITC4/report/", "/regions/DE1/report/"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_html_report_fits_the_screen(local_page, live_server, url: str, width: int) -> None:  # type: ignore[no-untyped-def]
    local_page.set_viewport_size({"width": width, "height": 900})
    local_page.goto(live_server.url + url)
    assert local_page.locator("h1").count() == 1
    scroll = local_page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{url} is {scroll} px wide at {width} px"
    assert local_page.locator("#trends-title + figure img").evaluate("img => img.naturalWidth") > 0
