"""Markdown is rendered through an allow-list; links must be http(s)."""

from __future__ import annotations

import pytest

from clusterobs.portal.showcases import rendering

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_drops_scripts_handlers_and_javascript_links(payload):
    html = rendering.markdown_html(f"Text {payload} more").lower()
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg", "style="):
        assert bad not in html


def test_markdown_keeps_formatting_and_http_links():
    html = rendering.markdown_html("**bold** and [SPRI](https://www.spri.eus/)")
    assert html == ('<p><strong>bold</strong> and <a href="https://www.spri.eus/" '
                    'rel="noopener noreferrer nofollow">SPRI</a></p>')


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.spri.eus/en/", True), ("http://deusto.academia.edu/x", True),
    ("javascript:alert(1)", False), (" JAVASCRIPT:alert(1)", False), ("data:text/html,x", False),
    ("https://a.example/\"onmouseover=alert(1)", False), ("//evil.example", False), ("", False),
])
def test_safe_url(url, ok):
    assert (rendering.safe_url(url) is not None) is ok
