"""The rows of a region's cluster table as HTML, rendered in Python.

A region shows 50 to 100 clusters; rendering each row through template includes (a row, two
growth cells) took about half of the region page's time. :func:`cluster_rows` writes the same
markup directly (every value escaped, the same filters as the templates: ``num``, ``share``,
``pct``, ``check``). Estimated employment carries its marker and range (methodology
``ratings.md#estimates``), a rating resting mostly on apportioned employment its ◐ marker
(``ratings.md#purity``), an empty growth value the reason it is empty.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe

from clusterobs.portal.explorer.classes import fmt
from clusterobs.portal.explorer.templatetags.obs import check, num, pct, share


def escape(value: Any) -> str:
    """*value* as HTML text (what Django's autoescape writes: & < > " ' escaped). The number
    filters' output (``num``, ``share``, ``pct``, ``check``: digits, separators, signs, ``%``,
    an en dash, yes/no) has nothing to escape and is written as it is."""
    return html.escape(str(value))


def growth_cell(value: Any, note: Any) -> str:
    """A growth rate; when it is empty, a gap whose title says why (``_growth_cell.html``)."""
    if note:
        n = escape(note)
        return (f'<span class="gap" title="Not computed: {n}">{pct(value)}'
                f'<span class="visually-hidden"> (not computed: {n})</span></span>')
    return pct(value)


def _estimated_part(value: Any) -> str:
    """How much is estimated, in words a reader can trust: a share that rounds to 0.0 % is
    "less than 0.1 %", and a value marked estimated without a share (a cell the observatory
    filled whose weight rounds away; its range says how far it may be off) is "part"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value <= 0:
        return "part"
    return "less than 0.1 %" if value < 0.0005 else share(value)


def estimate_marker(row: Mapping[str, Any] | None, subject: str = "this employment",
                    hidden: str = "the employment") -> str:
    """The ``e`` marker of a number resting on estimated or flagged cells (methodology
    ``ratings.md#estimates``): the share of *subject* that is estimated, and the feasible
    range and the source's flags when *row* has them; "" for a fact (or no row).

    *row* holds ``estimate_share`` and, when it has one, ``estimated`` (a total without
    that column counts as estimated when its share is above 0)."""
    if not row:
        return ""
    share_value = row.get("estimate_share")
    if not row.get("estimated", (share_value or 0) > 0):
        return ""
    bounded = bool(row.get("employment_upper")) and row.get("employment_lower") is not None
    low, high = (num(row["employment_lower"]), num(row["employment_upper"])) if bounded else ("", "")
    # a range that rounds to one number (a flagged but published value) is no range
    rng = f"; range {low}–{high}" if low != high else ""
    flags = f"; source flags: {escape(row['flags'])}" if row.get("flags") else ""
    est = _estimated_part(share_value)
    subject, hidden = escape(subject), escape(hidden)
    return (f' <a class="marker estimated" href="/methodology/ratings/#estimates" title="Estimated: '
            f"{est} of {subject} is estimated by the observatory (cells the source withholds) "
            f"or flagged by the source as estimated, provisional or low reliability{rng}{flags}\">e"
            f'<span class="visually-hidden"> estimated ({est} of {hidden}{rng})</span></a>')


_SLOT = "00000000"


def _category_url(region: str, category: str, base: dict[str, str]) -> str:
    """The path of the region x category page (one ``reverse`` per region, not per row)."""
    if region not in base:
        base[region] = reverse("explorer:region_category", args=[region, _SLOT])
    head, _, tail = base[region].rpartition(_SLOT)
    return head + quote(category, safe=RFC3986_SUBDELIMS + "/~:@") + tail  # as reverse() quotes


def cluster_row(r: Mapping[str, Any], *, year: Any, method: Any, region: str,
                criteria: Iterable[str], apportioned_title: str,
                urls: dict[str, str] | None = None) -> str:
    """One ``<tr>`` of the cluster table of *region*'s page; the name links to the region x
    category page."""
    href = escape(_category_url(region, r["category"], {} if urls is None else urls))
    cat = escape(r["category"])
    marked = ' data-apportioned="true"' if r.get("apportioned") else ""
    title = escape(apportioned_title)
    apportioned = (f' <a class="marker apportioned" href="/methodology/ratings/#purity" title="{title}">◐'
                   f'<span class="visually-hidden"> {title} ({share(r["apportioned_share"])} '
                   "apportioned)</span></a>") if r.get("apportioned") else ""
    checks = "".join(f"<td>{check(r.get(c))}</td>" for c in criteria)
    return (
        f'<tr data-category="{cat}"{marked}>\n'
        f'        <th scope="row"><a href="{href}?scheme={escape(r["scheme"])}&amp;method={escape(method)}'
        f'&amp;year={escape(year)}">{escape(r["category_name"])}</a></th>\n'
        f'        <td class="n" data-purity="{cat}">{share(r["purity"])}</td>\n'
        f'        <td class="n">{num(r["employment"])}{estimate_marker(r)}</td>'
        f'<td class="n">{share(r["share_region"])}</td>\n'
        f'        <td class="n">{num(r["lq"], 2)}</td>'
        f'<td class="n">{growth_cell(r["growth_1y"], r.get("growth_1y_note"))}</td>'
        f'<td class="n">{growth_cell(r["growth_5y"], r.get("growth_5y_note"))}</td>\n'
        f'        <td class="n">{num(r["wage_per_employee"])}</td>\n'
        f'        <td class="n stars"><span aria-hidden="true">{escape(fmt("stars", r["stars"]))}</span>'
        f'<span class="visually-hidden">{escape(r["stars"])} stars</span>{apportioned}</td>\n'
        f'        <td class="n">{share(r["stars_confidence"])}</td>\n'
        f"        {checks}\n"
        "      </tr>\n")


def cluster_rows(rows: Iterable[Mapping[str, Any]], *, year: Any, method: Any, region: str,
                 criteria: Iterable[str], apportioned_title: str) -> SafeString:
    """The ``<tr>`` of every row, each on its own line as the table body expects."""
    crits = list(criteria)
    urls: dict[str, str] = {}
    return mark_safe("".join(  # every value is escaped by cluster_row
        "\n      " + cluster_row(r, year=year, method=method, region=region, criteria=crits,
                                 apportioned_title=apportioned_title, urls=urls) for r in rows))


def series_rows(series: Iterable[Mapping[str, Any]]) -> SafeString:
    """The ``<tr>`` of the region page's employment-per-year table (category, year,
    employment with its estimate marker, LQ), as the template loop wrote them (about 75 rows:
    3 ms through the template)."""
    return mark_safe("".join(  # every text is escaped; numbers are digits and separators
        f'<tr><td>{escape(s["category_name"])}</td><td>{int(s["year"])}</td>'
        f'<td class="n">{num(s["employment"])}{estimate_marker(s)}</td><td class="n">{num(s["lq"], 2)}</td></tr>'
        for s in series))
