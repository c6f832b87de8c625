"""/trends/ and /scoreboard/ in headless Chromium: charts and map drawn, nothing non-local."""

from __future__ import annotations

import pytest

from tests.portal.conftest import scalar

pytestmark = pytest.mark.browser


def test_trends_page_draws_its_charts(local_page, live_server):
    local_page.goto(live_server.url + "/trends/?region=ITC4")
    local_page.wait_for_selector("#network .main-svg")
    for chart in ("growth", "emerging", "network"):
        assert local_page.locator(f"#{chart} .main-svg").count() >= 1
    assert local_page.locator("#network .scatterlayer .trace").count() > 10


def test_scoreboard_map_and_region_page(local_page, live_server, sb):
    local_page.goto(live_server.url + "/scoreboard/")
    local_page.wait_for_selector("#map[data-state=ready]")
    fills = local_page.eval_on_selector_all("#map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))")
    assert len(fills) == scalar(sb, "SELECT count(*) FROM geometries WHERE level = 2") and len(set(fills)) >= 5
    local_page.dispatch_event("#map path[data-region=ITC4]", "click")
    local_page.wait_for_url("**/scoreboard/ITC4/")
    local_page.wait_for_selector("#dimensions .main-svg")
    assert local_page.locator("h1").inner_text().startswith("Scoreboard of Lombardia")
