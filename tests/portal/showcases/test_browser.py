"""In a real browser: injection attempts in every text field stay harmless; screenshots.

Set SHOWCASES_SCREENSHOTS=docs/screenshots to refresh the screenshots of the docs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterobs.portal.showcases import services
from clusterobs.portal.showcases.management.commands.load_showcases import load
from clusterobs.portal.showcases.models import Case, CaseRevision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
MD = XSS + " [click](javascript:alert(3)) <a href=\"javascript:alert(4)\">a</a> <svg onload=alert(5)></svg>"
# evidence of injected markup, checked in the live DOM
INJECTED = """() => ({
  scripts: [...document.querySelectorAll('script')].filter(s => s.src ? !new URL(s.src).pathname.startsWith('/static/')
                                                           : s.type !== 'application/json').length,
  handlers: document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]').length,
  jslinks: [...document.querySelectorAll('a[href]')].filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
  frames: document.querySelectorAll('iframe, svg[onload], main img[src="x"]').length,
})"""


def _evil_case() -> Case:
    case = Case(
        slug="evil-case", title=f"Evil {XSS}", summary=f"Summary {MD}", country="ES", regions=["ES21", XSS],
        level="regional", policy_type=f"competition {XSS}", policy_type_code="competition",
        instruments=[f"grants {XSS}"], instrument_codes=["funding"], target_groups=[XSS], themes=[f"food {XSS}"],
        categories=["18", XSS], emerging_industries=[], start_year=2000, budget=f"EUR {XSS}",
        outcomes=[f"Outcome {MD}"], lessons=[f"Lesson {MD}"],
        sources=[{"url": "javascript:alert(6)", "title": f"Bad source {XSS}"},
                 {"url": "https://example.org/\"onmouseover=alert(7)", "title": "quote trick"},
                 {"url": "https://example.org/report", "title": f"Good source {XSS}"}],
        status=Case.Status.PUBLISHED, rejection_reason=XSS)
    services.save_case(case, None, CaseRevision.Action.CREATED)
    return case


def test_injection_attempts_are_rendered_harmless(local_page, live_server):
    _evil_case()
    dialogs: list[str] = []
    local_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in ("/showcases/evil-case/", "/showcases/?q=evil", "/showcases/?category=18&q=%3Cscript%3E",
                "/api/v1/showcases/evil-case"):
        local_page.goto(live_server.url + url)
        if "/api/" not in url:
            local_page.wait_for_selector("#case-map[data-state=ready]")
        if url == "/showcases/?q=evil":  # open the map popup: its text is built from the case title
            local_page.locator("#case-map path.leaflet-interactive").first.click(force=True)
            local_page.wait_for_selector(".popup-cases a")
            assert XSS in local_page.locator(".popup-cases").inner_text()
        assert local_page.evaluate(INJECTED) == {"scripts": 0, "handlers": 0, "jslinks": 0, "frames": 0}, url
    local_page.goto(live_server.url + "/showcases/evil-case/")
    text = local_page.locator("main").inner_text()
    assert f"Evil {XSS}" in text and f"EUR {XSS}" in text  # plain fields show the attempt as text
    assert local_page.locator("a", has_text="Bad source").count() == 0  # javascript: source is not a link
    assert local_page.locator("a", has_text="quote trick").count() == 0
    good = local_page.locator("a", has_text="Good source")
    assert good.get_attribute("href") == "https://example.org/report"
    assert good.get_attribute("rel") == "noopener noreferrer nofollow"
    local_page.wait_for_timeout(300)
    assert dialogs == []


def test_library_and_case_page_screenshots(local_page, live_server, tmp_path):
    assert load()["created"] == 25
    out = Path(os.environ.get("SHOWCASES_SCREENSHOTS") or tmp_path)
    local_page.set_viewport_size({"width": 1280, "height": 1000})
    local_page.goto(live_server.url + "/showcases/")
    local_page.wait_for_selector("#case-map[data-state=ready]")
    assert local_page.locator(".case-card").count() == 25
    assert local_page.locator("#case-map path.leaflet-interactive").count() >= 20
    local_page.screenshot(path=str(out / "showcases.png"))
    local_page.fill("#f-q", "smart specialisation")
    local_page.select_option("#f-level", "EU")
    local_page.click("#case-filters button[type=submit]")
    local_page.wait_for_selector("#case-map[data-state=ready]")
    assert local_page.locator(".case-card").count() == 2
    local_page.goto(live_server.url + "/showcases/basque-country-cluster-policy/")
    local_page.wait_for_selector("#case-map[data-state=ready]")
    local_page.screenshot(path=str(out / "showcases-case.png"), full_page=True)
