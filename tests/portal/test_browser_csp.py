"""The main pages work under the portal's real Content-Security-Policy (no bypass)."""

from __future__ import annotations

import pytest

from tests.portal.conftest import LOCAL_HOSTS

pytestmark = pytest.mark.browser

PAGES = [
    ("/map/?scheme=eu-clusters&category=4&indicator=lq&year=2014&level=2", "#map[data-state=ready]"),
    ("/regions/DE21/", ".chart .main-svg"),
    ("/trends/", ".chart .main-svg"),
    ("/scoreboard/", "table"),
]


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_page_renders_with_no_csp_violation(browser, live_server, path: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(r.url.split("/")[2].split(":")[0]))
    try:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(ready, state="attached", timeout=20_000)
        assert problems == []
        assert set(hosts) <= LOCAL_HOSTS
    finally:
        context.close()
