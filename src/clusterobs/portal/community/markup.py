"""Markdown of posts and event descriptions, sanitised with an nh3 allow-list; @mentions."""

from __future__ import annotations

import re
from typing import Any

import markdown
import nh3
from django.db.models import Value
from django.db.models.functions import Lower, Replace
from django.utils.safestring import SafeString, mark_safe

TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}
MENTION = re.compile(r"(?<![\w@])@([\w.-]{2,40})")


def render(text: str) -> SafeString:
    """HTML of the Markdown *text*: raw HTML escaped, only allow-listed tags and link schemes kept."""
    html = markdown.markdown(text or "", extensions=["fenced_code", "sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="nofollow noopener")
    return mark_safe(clean)


def handle(name: str) -> str:
    """The @handle of a display name: its letters without spaces (``Ana Ruiz`` → ``AnaRuiz``)."""
    return name.replace(" ", "")


def mentioned(text: str) -> list[Any]:
    """Users mentioned as ``@Handle`` in *text* (case-insensitive), at most 10."""
    from clusterobs.portal.community.models import Profile

    handles = {m.lower() for m in MENTION.findall(text or "")}
    if not handles:
        return []
    profiles = Profile.objects.annotate(h=Lower(Replace("display_name", Value(" "), Value("")))) \
        .filter(h__in=handles).select_related("user")[:10]
    return [p.user for p in profiles]
