"""The region page's cluster rows rendered in Python: escaped, with the estimate, purity and
growth-gap markers the template gave them."""

from __future__ import annotations

from typing import Any

from clusterobs.portal.explorer.rows import cluster_row, growth_cell


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scheme": "eu-clusters", "category": "4", "category_name": "Automotive <& Parts>",
        "purity": 0.8, "employment": 12345.6, "estimated": False, "estimate_share": 0.0,
        "employment_lower": None, "employment_upper": None, "flags": "", "share_region": 0.05,
        "lq": 1.234, "growth_1y": 0.021, "growth_5y": None, "growth_1y_note": None,
        "growth_5y_note": "no data in 2009", "wage_per_employee": 41000.0, "stars": 2,
        "stars_confidence": 0.9, "apportioned": False, "apportioned_share": 0.1,
        "size": True, "specialisation": False, "focus": None,
    }
    return {**row, **changes}


def _html(**changes: Any) -> str:
    return cluster_row(_row(**changes), year=2014, method="eco-classic", region="ITC4",
                       criteria=["size", "specialisation", "focus"], apportioned_title="mostly apportioned")


def test_row_values_are_formatted_and_escaped() -> None:
    html = _html()
    assert html.startswith('<tr data-category="4">\n')
    assert ('<a href="/regions/ITC4/categories/4/?scheme=eu-clusters&amp;method=eco-classic&amp;year=2014">'
            "Automotive &lt;&amp; Parts&gt;</a>") in html
    assert '<td class="n" data-purity="4">80.0 %</td>' in html
    assert '<td class="n">12,346</td><td class="n">5.0 %</td>' in html
    assert '<td class="n">1.23</td><td class="n">+2.1 %</td>' in html
    assert '<span aria-hidden="true">★★</span><span class="visually-hidden">2 stars</span></td>' in html
    assert "<td>yes</td><td>no</td><td>–</td>" in html
    assert "marker" not in html


def test_an_empty_growth_value_says_why() -> None:
    assert growth_cell(None, "no data in 2009") == (
        '<span class="gap" title="Not computed: no data in 2009">–'
        '<span class="visually-hidden"> (not computed: no data in 2009)</span></span>')
    assert growth_cell(-0.05, None) == "-5.0 %"


def test_estimated_and_apportioned_rows_are_marked() -> None:
    html = _html(estimated=True, estimate_share=0.25, employment_lower=10000.0, employment_upper=15000.0,
                 flags="ci", apportioned=True, apportioned_share=0.7)
    assert 'data-apportioned="true"' in html
    assert "title=\"Estimated: 25.0 % of this employment" in html
    assert "; range 10,000–15,000; source flags: ci\">e" in html
    assert '<span class="visually-hidden"> estimated (25.0 % of the employment; range 10,000–15,000)</span>' in html
    assert '<a class="marker apportioned" href="/methodology/ratings/#purity" title="mostly apportioned">◐' in html
    assert "(70.0 % apportioned)" in html


def test_series_rows_are_what_the_template_loop_wrote() -> None:
    from django.template import engines

    from clusterobs.portal.explorer.rows import series_rows

    series = [{"category_name": "Automotive <& Parts>", "year": 2013, "employment": 12345.6, "lq": 1.234,
               "estimated": False, "estimate_share": 0.0},
              {"category_name": "Chemicals", "year": 2014, "employment": None, "lq": float("nan"),
               "estimated": False, "estimate_share": None}]
    loop = engines["django"].from_string(
        '{% load obs %}{% for s in series %}<tr><td>{{ s.category_name }}</td><td>{{ s.year }}</td>'
        '<td class="n">{{ s.employment|num }}</td><td class="n">{{ s.lq|num:2 }}</td></tr>{% endfor %}')
    assert series_rows(series) == loop.render({"series": series})
    assert "<td>Automotive &lt;&amp; Parts&gt;</td><td>2013</td><td class=\"n\">12,346</td><td class=\"n\">1.23</td>" \
        in series_rows(series)


def test_series_rows_mark_estimated_employment() -> None:
    """An estimated value in the employment-per-year table carries the same ``e`` marker as
    in the cluster table (an estimate is never shown as a fact)."""
    from clusterobs.portal.explorer.rows import series_rows

    html = series_rows([{"category_name": "Tobacco", "year": 2015, "employment": 812.4, "lq": 3.5,
                         "estimated": True, "estimate_share": 0.6}])
    assert '<td class="n">812<a class="marker estimated" href="/methodology/ratings/#estimates"' not in html
    assert '<td class="n">812 <a class="marker estimated" href="/methodology/ratings/#estimates"' in html
    assert "60.0 % of this employment is estimated" in html
    assert '<span class="visually-hidden"> estimated (60.0 % of the employment)</span>' in html
    assert "range" not in html  # the series has no feasible range to show


def test_estimate_marker_never_says_zero_percent() -> None:
    """A cluster marked estimated whose estimated share rounds to 0.0 % (DE11, AT11 in the
    Europe data) reads "less than 0.1 %" or "part", never "0.0 % of this employment is
    estimated"."""
    from clusterobs.portal.explorer.rows import estimate_marker

    tiny = estimate_marker({"estimated": True, "estimate_share": 0.000477, "employment_lower": 137420.2,
                            "employment_upper": 137451.5, "flags": "ci"})
    assert "less than 0.1 % of this employment is estimated" in tiny and "0.0 %" not in tiny
    assert "range 137,420–137,452; source flags: ci" in tiny
    none = estimate_marker({"estimated": True, "estimate_share": 0.0, "employment_lower": 637.7,
                            "employment_upper": 685.6, "flags": "ci"})
    assert "Estimated: part of this employment is estimated" in none and "0.0 %" not in none
    assert "estimated (part of the employment; range 638–686)" in none
    flagged = estimate_marker({"estimated": True, "estimate_share": 1.0, "employment_lower": 114815.2,
                               "employment_upper": 114815.4, "flags": "b"})
    assert "range" not in flagged and "source flags: b" in flagged
    assert estimate_marker({"estimated": False, "estimate_share": 0.3}) == ""
    assert estimate_marker(None) == ""
    # a total without an estimated column is marked by its share
    total = estimate_marker({"estimate_share": 0.25}, "this total", "the total")
    assert "25.0 % of this total is estimated" in total
    assert estimate_marker({"estimate_share": 0.0}, "this total", "the total") == ""
