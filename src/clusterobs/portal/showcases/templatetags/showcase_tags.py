"""Template filters of the case library: sanitised Markdown and safe source links."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from clusterobs.portal.showcases import rendering, taxonomy

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown as sanitised HTML (see rendering.clean for the allow-list)."""
    return mark_safe(rendering.markdown_html(text))  # cleaned by nh3


@register.filter
def markdown_inline(text: str) -> SafeString:
    """A one-line Markdown item as sanitised HTML without a wrapping paragraph."""
    return mark_safe(rendering.markdown_html(text, inline=True))  # cleaned by nh3


@register.filter
def safe_url(url: str) -> str:
    """The URL when it is a plain http(s) address, else the empty string."""
    return rendering.safe_url(url) or ""


@register.filter
def country(code: str) -> str:
    """The English name of a country code."""
    return taxonomy.country_name(code)


@register.filter
def label(code: str, vocabulary: str) -> str:
    """The label of *code* in a vocabulary of the taxonomy (levels, policy_types, instruments)."""
    table = {"levels": taxonomy.LEVELS, "policy_types": taxonomy.POLICY_TYPES,
             "instruments": taxonomy.INSTRUMENTS}[vocabulary]
    return table.get(code, code)


@register.filter
def excerpt(text: str, words: int = 40) -> str:
    """The first *words* words of the Markdown *text* as plain text (escaped by the template)."""
    plain = html.unescape(strip_tags(rendering.markdown_html(text)))
    return Truncator(" ".join(plain.split())).words(int(words), truncate=" …")


@register.filter
def get_item(mapping: dict, key: str) -> object:
    """``mapping[key]`` or None."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def host(url: str) -> str:
    """The host name of a URL (``www.example.org``)."""
    return urlsplit(url or "").hostname or ""
