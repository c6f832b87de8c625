"""Charts say which values are estimated (methodology ratings.md#estimates): a marker of its
own and a hover text, in the portfolio bubbles and the employment lines."""

from __future__ import annotations

from clusterobs.portal.explorer import charts


def _row(category: str, year: int, employment: float, estimated: bool, share: float | None) -> dict[str, object]:
    return {"category": category, "category_name": category.title(), "year": year,
            "employment": employment, "lq": 1.5, "growth_5y": 0.02, "stars": 1,
            "estimated": estimated, "estimate_share": share}


def test_estimate_note_says_how_much_is_estimated() -> None:
    assert charts.estimate_note(_row("a", 2010, 10.0, False, 0.0)) == ""
    assert charts.estimate_note(_row("a", 2010, 10.0, True, 0.25)) == " (estimated: 25% of it)"
    assert charts.estimate_note(_row("a", 2010, 10.0, True, None)) == " (estimated)"
    assert charts.estimate_note(_row("a", 2010, 10.0, True, 0.0004)) == " (estimated: less than 1% of it)"
    assert charts.estimate_note({"employment": 3.0}) == ""  # rows without the columns are facts


def test_lines_mark_estimated_points() -> None:
    rows = [_row("autos", 2010, 100.0, False, 0.0), _row("autos", 2011, 120.0, True, 0.5),
            _row("chemicals", 2010, 50.0, True, 1.0)]
    fig = charts.lines(rows, "category", "category_name", "employment", "t", "Employment")
    autos, chemicals = fig["data"]
    assert autos["x"] == [2010, 2011] and autos["y"] == [100.0, 120.0]
    assert autos["marker"]["symbol"] == ["circle", "circle-open"]
    assert autos["customdata"] == ["", " (estimated: 50% of it)"]
    assert chemicals["marker"]["symbol"] == ["circle-open"]
    assert "%{customdata}" in autos["hovertemplate"]


def test_bubbles_mark_estimated_clusters() -> None:
    rows = [_row("autos", 2014, 100.0, False, 0.0), _row("tobacco", 2014, 80.0, True, 0.75)]
    (trace,) = charts.bubble(rows, "growth_5y", 3)["data"]
    assert trace["marker"]["symbol"] == ["circle", "circle-dot"]
    assert trace["marker"]["line"]["width"] == [1, 2]
    assert trace["customdata"] == [[100.0, ""], [80.0, " (estimated: 75% of it)"]]
    assert "%{customdata[1]}" in trace["hovertemplate"]
