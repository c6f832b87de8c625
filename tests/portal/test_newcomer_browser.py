"""Issue 18 in headless Chromium: no page scrolls sideways at phone width (390 px), the menu
wraps, chart labels are readable (log axis 0.1-0.2-0.5-1, compare labels clear of the legend,
phone titles inside the chart), and a link crawl from the home page finds no broken link.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlparse

import pytest

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAIN_PAGES = [
    "/", "/map/", "/regions/ITC4/", "/regions/DE1/", "/categories/eu-clusters/4/", "/compare/?regions=ITC4,DE21,FR10",
    "/compare/", "/panorama/", "/trends/", "/trends/regions/ITC4/", "/scoreboard/", "/scoreboard/ITC4/",
    "/stress-test/", "/showcases/", "/community/", "/methodology/", "/methodology/ratings/",
    "/methodology/schemes/", "/contact/", "/regions/ITC4/categories/4/",
]


@pytest.fixture()
def phone(local_page):  # type: ignore[no-untyped-def]
    local_page.set_viewport_size(PHONE)
    return local_page


@pytest.mark.parametrize("url", MAIN_PAGES)
def test_no_main_page_scrolls_sideways_at_phone_width(phone, live_server, url):
    phone.goto(live_server.url + url)
    if phone.locator(".chart").count():
        phone.wait_for_selector(".chart .main-svg")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url}: page is {width} px wide"


def test_the_menu_wraps_and_every_item_is_on_screen(phone, live_server):
    phone.goto(live_server.url + "/")
    boxes = phone.eval_on_selector_all(
        ".site-header nav a", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })")
    assert len(boxes) >= 10
    assert all(left >= 0 and right <= PHONE["width"] for left, right in boxes), boxes


def _ticks(page, chart: str, axis: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(f"#{chart} .{axis}tick text", "els => els.map(e => e.textContent)")


def test_portfolio_log_axis_reads_one_two_five(local_page, live_server):
    local_page.goto(live_server.url + "/regions/ITC4/")
    local_page.wait_for_selector("#portfolio .xtick text")
    labels = _ticks(local_page, "portfolio", "x")
    assert labels and set(labels) <= {"0.1", "0.2", "0.3", "0.5", "1", "2", "3", "5", "10", "20", "50", "100"}, labels
    assert "1" in labels and labels == sorted(labels, key=float)


def _box(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {l: r.left, r: r.right, t: r.top, b: r.bottom}; }")


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


@pytest.mark.parametrize("width", [1280, 390])
def test_compare_chart_labels_are_whole_and_clear_of_the_legend(local_page, live_server, width):
    local_page.set_viewport_size({"width": width, "height": 900})
    local_page.goto(live_server.url + "/compare/?regions=ITC4,DE21,FR10,ES51,AT13")
    local_page.wait_for_selector("#compare .ytick text")
    chart = _box(local_page, "#compare")
    legend = _box(local_page, "#compare .legend")
    labels = local_page.eval_on_selector_all(
        "#compare .ytick text", "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                "return {l: r.left, r: r.right, t: r.top, b: r.bottom}; })")
    assert len(labels) == 10
    for label in labels:
        assert label["l"] >= chart["l"] - 1 and label["r"] <= chart["r"] + 1, (label, chart)
        assert not _overlap(label, legend), (label, legend)


@pytest.mark.parametrize("url,chart", [("/regions/ITC4/", "portfolio"), ("/regions/ITC4/", "series"),
                                       ("/compare/?regions=ITC4,DE21,FR10", "compare"),
                                       ("/categories/eu-clusters/4/", "trend")])
def test_phone_chart_titles_are_inside_the_chart_and_clear_of_the_legend(phone, live_server, url, chart):
    phone.goto(live_server.url + url)
    phone.wait_for_selector(f"#{chart} .gtitle")
    box, title = _box(phone, f"#{chart}"), _box(phone, f"#{chart} .gtitle")
    assert box["l"] - 1 <= title["l"] and title["r"] <= box["r"] + 1, (title, box)
    assert box["t"] - 1 <= title["t"], (title, box)
    if phone.locator(f"#{chart} .legend").count():
        assert not _overlap(title, _box(phone, f"#{chart} .legend"))


def _shape(path: str) -> str:
    """*path* with every segment that holds a digit or an upper-case code replaced by ``*``.

    >>> _shape("/regions/ITC4/categories/12/")
    '/regions/*/categories/*/'
    """
    return "/".join("*" if re.search(r"\d|^[A-Z]{2,}", seg) else seg for seg in path.split("/"))


SKIP = re.compile(r"(^/static/|format=|\.(pdf|xlsx|csv|json|zip|html)$|/accounts/(logout|confirm)|/admin/|/api/|report\.)")


@pytest.mark.django_db
def test_crawl_from_the_home_page_finds_no_broken_link(client):
    """Depth 3 from ``/``: every internal link found answers below 400.

    Pages are fetched with Django's test client (no browser needed for links; static files,
    served by WhiteNoise, are loaded by the browser tests). Query strings
    are dropped after the first visit of a path (filters are checked by their own tests),
    at most 12 pages of each kind (``/regions/*/``, ``/showcases/*/``...) are expanded, and of
    links with two codes (``/regions/*/categories/*/``, every code-like segment a ``*``) at
    most 60 of each shape are requested, so that the ~70 region x category links of every region page do not
    multiply the crawl; every shape of link found is requested.
    """
    seen: dict[str, int] = {}
    expanded: dict[str, int] = {}
    requested: dict[str, int] = {}
    queue: deque[tuple[str, int]] = deque([("/", 0)])
    broken: list[tuple[str, str, int]] = []
    parents: dict[str, str] = {}
    while queue:
        url, depth = queue.popleft()
        if url in seen:
            continue
        shape = _shape(url)
        if shape.count("*") > 1 and requested.get(shape, 0) >= 60:
            continue
        requested[shape] = requested.get(shape, 0) + 1
        resp = client.get(url)
        seen[url] = resp.status_code
        if resp.status_code in (301, 302):
            target = urljoin(url, resp["Location"])
            if urlparse(target).path not in seen:
                queue.appendleft((urlparse(target).path, depth))
            continue
        if resp.status_code >= 400:
            broken.append((parents.get(url, "-"), url, resp.status_code))
            continue
        kind = re.sub(r"/[^/]+/$", "/*/", urlparse(url).path) if url.count("/") > 2 else url
        if depth >= 3 or "text/html" not in resp.get("Content-Type", "") or expanded.get(kind, 0) >= 12:
            continue
        expanded[kind] = expanded.get(kind, 0) + 1
        # an edition's HTML report is served as a file (streamed): its links are crawled too
        body = b"".join(resp.streaming_content) if resp.streaming else resp.content
        for href in re.findall(r'href="([^"#]*)', body.decode()):
            href = href.replace("&amp;", "&")
            target = urlparse(urljoin(url, href))
            if target.scheme not in ("http", "") or target.netloc not in ("", "testserver") or not target.path:
                continue
            if SKIP.search(target.path + ("?" + target.query if target.query else "")):
                continue
            link = target.path
            if link not in seen:
                parents.setdefault(link, url)
                queue.append((link, depth + 1))
    assert len(seen) > 200, len(seen)
    assert not broken, broken
