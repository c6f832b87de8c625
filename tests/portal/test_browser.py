"""The portal in headless Chromium: the map, its filters and clicks, downloads, axe-core.

Every test runs against pytest-django's live server on 127.0.0.1 and fails if the page
requests anything from another host (``local_page``): no CDN can creep back in.
"""

from __future__ import annotations

import pytest

from tests.portal.conftest import AXE, scalar

pytestmark = pytest.mark.browser
MAP = "/map/?scheme=eu-clusters&category=4&indicator=lq&year=2014&level=2&method=eco-classic"


def _fills(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all("#map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))")


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#map[data-state=ready]")


def test_map_draws_every_region_with_several_colours(local_page, live_server, con):
    local_page.goto(live_server.url + MAP)
    _ready(local_page)
    fills = _fills(local_page)
    assert len(fills) == scalar(con, "SELECT count(*) FROM geometries WHERE level = 2")
    assert len(set(fills)) >= 5  # five LQ classes plus "no data"


def test_clicking_a_region_opens_its_page(local_page, live_server):
    local_page.goto(live_server.url + MAP)
    _ready(local_page)
    local_page.dispatch_event("#map path[data-region=ITC4]", "click")
    local_page.wait_for_url("**/regions/ITC4/**")
    assert local_page.locator("h1").inner_text().startswith("Lombardia")
    assert "year=2014" in local_page.url and "scheme=eu-clusters" in local_page.url


def test_changing_a_filter_redraws_the_map(local_page, live_server):
    local_page.goto(live_server.url + MAP)
    _ready(local_page)
    before = _fills(local_page)
    local_page.select_option("#f-indicator", "stars")
    local_page.wait_for_function("document.querySelector('#legend-title').textContent.startsWith('Stars')")
    _ready(local_page)
    after = _fills(local_page)
    assert len(after) == len(before) and after != before
    assert "indicator=stars" in local_page.url
    local_page.select_option("#f-level", "0")  # another level loads other shapes
    local_page.wait_for_function("document.querySelectorAll('#map path.leaflet-interactive').length < 100")
    _ready(local_page)
    assert len(set(_fills(local_page))) > 1


def test_download_returns_the_rows_of_the_table(local_page, live_server, con, tmp_path):
    local_page.goto(live_server.url + MAP)
    _ready(local_page)
    with local_page.expect_download() as info:
        local_page.click("#map-panel .downloads a:text('CSV')")
    path = tmp_path / "map.csv"
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    expected = scalar(con, """SELECT count(*) FROM clusters WHERE scheme='eu-clusters' AND category='4'
                              AND year=2014 AND level=2""")
    # every download names its dataset and edition first
    assert lines[0].startswith("dataset,edition,scheme,category,category_name,year,method,indicator,")
    assert ",region,name,value," in lines[0] and len(lines) - 1 == expected


def test_search_autocomplete_with_the_keyboard(local_page, live_server):
    local_page.goto(live_server.url + "/")
    local_page.fill("#search-input", "Oberbay")
    local_page.wait_for_selector("#search-results li")
    local_page.keyboard.press("ArrowDown")
    local_page.keyboard.press("Enter")
    local_page.wait_for_url("**/regions/DE21/")


@pytest.mark.parametrize("url", [
    "/", MAP, "/regions/ITC4/", "/categories/eu-clusters/4/", "/compare/?regions=ITC4,DE21", "/regions/XX9/",
])
def test_no_serious_accessibility_violations(local_page, live_server, url):
    local_page.goto(live_server.url + url)
    if "map" in url or "categories" in url:
        _ready(local_page)
    if "regions/ITC4" in url or "compare" in url:
        local_page.wait_for_selector(".chart .main-svg")
    local_page.add_script_tag(path=str(AXE))
    result = local_page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_zooming_in_loads_finer_boundaries(local_page, live_server, con):
    asked: list[str] = []
    local_page.on("request", lambda r: asked.append(r.url) if "/api/v1/geometries" in r.url else None)
    local_page.goto(live_server.url + MAP)
    _ready(local_page)
    assert any("detail=low" in u for u in asked), asked  # Europe on the screen: the coarse shapes
    regions = scalar(con, "SELECT count(*) FROM geometries WHERE level = 2")
    for _ in range(4):
        local_page.click(".leaflet-control-zoom-in")
        local_page.wait_for_timeout(400)
    local_page.wait_for_function("document.querySelector('#map').dataset.state === 'ready'")
    assert any("detail=medium" in u or "detail=high" in u for u in asked), asked
    assert len(_fills(local_page)) == regions  # every region still drawn
