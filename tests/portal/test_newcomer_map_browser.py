"""Issue 18 on the map, in headless Chromium: the map spans the page, its legend sits on it,
and a year without values says why on the map itself (not only in the table below)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
MAP = "/map/?scheme=eu-clusters&category=4&indicator={indicator}&year={year}&level=2&method=eco-classic"


def _box(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {left: r.left, width: r.width, height: r.height}; }")


def test_the_map_is_as_wide_as_the_page_and_carries_its_legend(local_page, live_server):
    local_page.set_viewport_size({"width": 1280, "height": 900})
    local_page.goto(live_server.url + MAP.format(indicator="lq", year=2014))
    local_page.wait_for_selector("#map[data-state=ready]")
    main, box = _box(local_page, "main"), _box(local_page, "#map")
    assert box["width"] >= 0.95 * (main["width"] - 32), (box, main)  # the page's width less its padding
    assert box["height"] >= 600
    legend = local_page.inner_text("#map .map-overlay")
    assert "Location quotient (LQ): Automotive, 2014" in legend and "no data" in legend
    assert local_page.locator("#map .map-overlay-empty").count() == 0


def test_a_year_without_values_says_why_on_the_map(local_page, live_server, con):
    first = con.execute("SELECT min(year) FROM clusters").fetchone()[0]
    local_page.goto(live_server.url + MAP.format(indicator="growth_5y", year=first))
    local_page.wait_for_selector("#map[data-state=ready]")
    note = local_page.inner_text("#map .map-overlay-empty")
    assert f"No region has a value for {first}" in note and f"compares with {first - 5}" in note
    # choosing a year with values redraws the map and the note goes
    local_page.select_option("#f-year", str(first + 5))
    local_page.wait_for_function("() => !document.querySelector('#map .map-overlay-empty')")
    assert "Employment growth, 5 years" in local_page.inner_text("#map .map-overlay")
