"""Template filters for numbers as the explorer shows them."""

from __future__ import annotations

import math
from typing import Any

from django import template

from clusterobs.portal.explorer.classes import fmt

register = template.Library()


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@register.filter
def num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators and *digits* decimals; an en dash when missing."""
    return "–" if _missing(value) else f"{float(value):,.{int(digits)}f}"


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A share or growth rate as a signed percentage."""
    return "–" if _missing(value) else f"{float(value) * 100:+.{int(digits)}f} %"


@register.filter
def share(value: Any) -> str:
    """A share (0..1) as an unsigned percentage."""
    return "–" if _missing(value) else f"{float(value) * 100:.1f} %"


@register.filter
def indicator(value: Any, name: str) -> str:
    """A value formatted for indicator *name*."""
    return fmt(name, value)


@register.filter
def check(value: Any) -> str:
    """A criterion flag as yes / no / – ."""
    return "–" if _missing(value) or value is None else ("yes" if value else "no")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` (None when absent)."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.simple_tag
def contact_email() -> str:
    """The portal's contact address (``DJANGO_DEFAULT_FROM_EMAIL``), for emails and pages."""
    from clusterobs.portal.contact import contact_email as address

    return address()


@register.filter
def level_name(level: Any) -> str:
    """What region level *level* is called in the dataset being served (``NUTS 2``,
    ``metro area (CBSA)``), from its declaration."""
    from clusterobs.errors import ClusterObsError
    from clusterobs.portal.editions import current_dataset
    from clusterobs.sources import declarations

    try:
        return declarations.get(current_dataset()).geography.level_name(int(level))
    except (ClusterObsError, TypeError, ValueError):
        return f"level {level}"


@register.simple_tag(takes_context=True)
def cluster_rows(context: Any, rows: Any) -> str:
    """The ``<tr>`` rows of a region's cluster table (:mod:`clusterobs.portal.explorer.rows`)."""
    from clusterobs.portal.explorer.rows import cluster_rows as render

    f = context["f"]
    return render(rows, year=f.year, method=f.method, region=context["region"]["region"],
                  criteria=context["criteria"], apportioned_title=context["apportioned_title"])


@register.simple_tag
def series_rows(series: Any) -> str:
    """The ``<tr>`` rows of a region's employment-per-year table (:mod:`clusterobs.portal.explorer.rows`)."""
    from clusterobs.portal.explorer.rows import series_rows as render

    return render(series)


@register.simple_tag
def estimate_marker(row: Any, subject: str = "this employment", hidden: str = "the employment") -> str:
    """The ``e`` marker of *row*'s number when it rests on estimated or flagged cells
    (:func:`clusterobs.portal.explorer.rows.estimate_marker`); nothing for a fact."""
    from django.utils.safestring import mark_safe

    from clusterobs.portal.explorer.rows import estimate_marker as marker

    return mark_safe(marker(row, subject, hidden))  # every text in it is escaped
