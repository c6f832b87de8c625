"""Markdown to safe HTML (Python-Markdown, then nh3 with an allow-list), and safe source links."""

from __future__ import annotations

from urllib.parse import urlsplit

import markdown
import nh3

TAGS = {"p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
        "a", "h3", "h4", "h5", "hr", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
# tags whose content is dropped too, not only the tag
DROP = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}


def clean(html: str) -> str:
    """*html* reduced to the allow-list: no scripts, handlers, styles or non-http(s) links."""
    return nh3.clean(html, tags=TAGS, clean_content_tags=DROP, attributes=ATTRIBUTES,
                     url_schemes=SCHEMES, link_rel=LINK_REL, strip_comments=True)


def markdown_html(text: str, *, inline: bool = False) -> str:
    """Markdown *text* as sanitised HTML; *inline* drops the wrapping paragraph of one-liners."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return clean(html)


def safe_url(url: str) -> str | None:
    """*url* when it is an absolute http(s) address without spaces or control characters, else None."""
    url = (url or "").strip()
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url) or any(ch in url for ch in "<>\"'`"):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
