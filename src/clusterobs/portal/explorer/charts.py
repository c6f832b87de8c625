"""Plotly figures as plain dicts (rendered by the locally served plotly.js).

Figures are built as dicts rather than through ``plotly.graph_objects``: that is what the
browser needs, and it costs microseconds instead of milliseconds per page. Every chart has
a table alternative and a CSV download next to it in the templates.
"""

from __future__ import annotations

import math
from typing import Any

from clusterobs.portal.explorer.classes import STARS

FONT = {"family": "system-ui, sans-serif", "size": 13, "color": "#1a1a1a"}
BUBBLE_STARS = ["#bdbdbd", *STARS[1:]]  # grey for unrated clusters, viridis steps for 1-3 stars
LQ_FLOOR = 0.1
LINE_COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",  # Okabe-Ito
               "#000000", "#8c6d31", "#7b4173", "#3f7f3f"]  # darker extras: up to ten compared regions
LOG_STEPS = (1, 2, 5)  # log-axis labels 0.1, 0.2, 0.5, 1, 2, 5, 10 ...
LOG_STEPS_NARROW = (1, 2, 3, 5)  # when a range holds fewer than four of those


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick values and labels 1-2-5 per decade between *low* and *high* (values, not logs).

    >>> log_ticks(0.1, 12)
    ([0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0], ['0.1', '0.2', '0.5', '1', '2', '5', '10'])
    """
    def ticks(steps: tuple[int, ...]) -> list[float]:
        out = []
        for exp in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
            for step in steps:
                v = float(f"{step * 10.0**exp:.10g}")
                if low <= v <= high:
                    out.append(v)
        return out

    values = ticks(LOG_STEPS)
    if len(values) < 4:
        values = ticks(LOG_STEPS_NARROW)
    return values, [f"{v:g}" for v in values]


def wrap(text: str, width: int = 28) -> str:
    """*text* with ``<br>`` between words so no line is longer than *width* (plotly labels)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _num(value: Any) -> float | None:
    """A JSON-safe number (NaN and None become None)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _layout(title: str, x: str, y: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "font": FONT,
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        "margin": {"l": 64, "r": 16, "t": 48, "b": 96},
        "legend": {"orientation": "h", "y": -0.32},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#f7f7f7",
        **extra,
    }


def bubble(records: list[dict[str, Any]], growth: str, max_stars: int) -> dict[str, Any]:
    """Portfolio chart: LQ (log x) against growth (y), size = employment, colour = stars."""
    rows = [r for r in records if (_num(r["lq"]) or 0) > 0 and _num(r[growth]) is not None]
    biggest = max((_num(r["employment"]) or 0 for r in rows), default=1) or 1
    traces = []
    for stars in range(max_stars + 1):
        sel = [r for r in rows if int(r["stars"] or 0) == stars]
        if not sel:
            continue
        traces.append({
            "type": "scatter", "mode": "markers", "name": f"{stars} star{'s' if stars != 1 else ''}",
            "x": [_num(r["lq"]) for r in sel],
            "y": [_num(r[growth]) for r in sel],
            "text": [r["category_name"] for r in sel],
            "customdata": [[_num(r["employment"]), estimate_note(r)] for r in sel],
            "hovertemplate": "%{text}<br>LQ %{x:.2f}, growth %{y:.1%}<br>"
                             "employment %{customdata[0]:,.0f}%{customdata[1]}<extra></extra>",
            "marker": {
                "symbol": [ESTIMATED_SYMBOL["circle"] if r.get("estimated") else "circle" for r in sel],
                "size": [_num(r["employment"]) or 0 for r in sel],
                "sizemode": "area", "sizeref": 2.0 * biggest / (48.0**2), "sizemin": 3,
                "color": BUBBLE_STARS[min(stars, len(BUBBLE_STARS) - 1)],
                "line": {"width": [2 if r.get("estimated") else 1 for r in sel], "color": "#1a1a1a"},
                "opacity": 0.85,
            },
        })
    label = "Employment growth, 5 years (annual)" if growth == "growth_5y" else "Employment growth, 1 year"
    lqs = [_num(r["lq"]) or 1.0 for r in rows] or [1.0]
    low, high = max(min(lqs) * 0.8, LQ_FLOOR), max(lqs) * 1.3
    tickvals, ticktext = log_ticks(low, high)
    return {"data": traces, "layout": _layout(
        "Cluster portfolio", "Location quotient (log scale)", label,
        xaxis={"title": {"text": f"Location quotient (log scale; below {LQ_FLOOR} not shown)"},
               "type": "log", "range": [math.log10(low), math.log10(high)],
               "tickvals": tickvals, "ticktext": ticktext},
        yaxis={"title": {"text": label}, "tickformat": ".0%"},
    )}


def estimate_note(row: dict[str, Any]) -> str:
    """What a chart's hover text adds to an estimated value (methodology
    ``ratings.md#estimates``): the estimated share when the row has it; "" for a fact."""
    if not row.get("estimated"):
        return ""
    share = _num(row.get("estimate_share"))
    if not share:
        return " (estimated)"
    return f" (estimated: {share:.0%} of it)" if share >= 0.005 else " (estimated: less than 1% of it)"


#: the marker of an estimated value: the symbol with a dot (bubbles) or open (lines)
ESTIMATED_SYMBOL = {"circle": "circle-dot", "line": "circle-open"}


def lines(rows: list[dict[str, Any]], key: str, name: str, y: str, title: str, ylabel: str) -> dict[str, Any]:
    """One line per *key* value over the years (rows carry year, *key*, *name*, *y*, and
    ``estimated``/``estimate_share`` when they have them: an estimated value is an open
    marker and its hover text says so)."""
    traces: dict[Any, dict[str, Any]] = {}
    for r in rows:
        t = traces.setdefault(r[key], {
            "type": "scatter", "mode": "lines+markers", "name": str(r[name]), "x": [], "y": [],
            "customdata": [], "hovertemplate": "%{fullData.name}<br>%{x}: %{y:,.0f}%{customdata}<extra></extra>",
            "line": {"color": LINE_COLORS[len(traces) % len(LINE_COLORS)]},
            "marker": {"symbol": [], "size": 8},
        })
        t["x"].append(int(r["year"]))
        t["y"].append(_num(r[y]))
        t["customdata"].append(estimate_note(r))
        t["marker"]["symbol"].append(ESTIMATED_SYMBOL["line"] if r.get("estimated") else "circle")
    return {"data": list(traces.values()), "layout": _layout(title, "Year", ylabel)}


def histogram(values: list[float], title: str) -> dict[str, Any]:
    """Distribution of LQ values, with the specialisation threshold (LQ 2) marked."""
    return {"data": [{
        "type": "histogram", "x": [_num(v) for v in values], "nbinsx": 40,
        "marker": {"color": "#3b528b", "line": {"width": 1, "color": "#ffffff"}}, "name": "regions",
    }], "layout": _layout(title, "Location quotient", "Regions", shapes=[{
        "type": "line", "x0": 2, "x1": 2, "yref": "paper", "y0": 0, "y1": 1,
        "line": {"color": "#d55e00", "dash": "dash", "width": 2},
    }], showlegend=False)}


def trend(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Employment of a category and the number of starred regions per year (two lines)."""
    years = [int(r["year"]) for r in rows]
    return {"data": [
        {"type": "scatter", "mode": "lines+markers", "name": "Employment", "x": years,
         "y": [_num(r["employment"]) for r in rows], "line": {"color": "#0072b2", "width": 3}},
        {"type": "scatter", "mode": "lines+markers", "name": "Regions with 1+ stars (right axis)",
         "x": years, "y": [r["starred_regions"] for r in rows], "yaxis": "y2",
         "line": {"color": "#d55e00", "dash": "dot", "width": 2}},
    ], "layout": _layout(
        title, "Year", "Employment", margin={"l": 72, "r": 72, "t": 48, "b": 56},
        yaxis={"title": {"text": "Employment"}, "rangemode": "tozero"},
        yaxis2={"title": {"text": "Regions with 1+ stars"}, "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False},
    )}


def grouped_bars(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """LQ per category for each region, as horizontal bars: category names read in full
    on the left (wrapped), the region legend sits above the plot, never on the labels."""
    traces: dict[str, dict[str, Any]] = {}
    categories: list[str] = []
    for r in rows:
        t = traces.setdefault(r["region"], {
            "type": "bar", "orientation": "h", "name": f"{r['region_name']} ({r['region']})", "x": [], "y": [],
            "marker": {"color": LINE_COLORS[len(traces) % len(LINE_COLORS)]},
            "hovertemplate": "%{fullData.name}<br>%{y}: LQ %{x:.2f}<extra></extra>",
        })
        label = wrap(str(r["category_name"]), 26)
        if label not in categories:
            categories.append(label)
        t["x"].append(_num(r["lq"]))
        t["y"].append(label)
    n_bars = max(len(categories), 1) * max(len(traces), 1)
    height = int(min(2400, max(420, 140 + 14 * n_bars + 24 * len(categories))))
    return {"data": list(traces.values()), "layout": _layout(
        title, "Location quotient", "", barmode="group", height=height,
        margin={"l": 16, "r": 16, "t": 96, "b": 56},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        xaxis={"title": {"text": "Location quotient"}, "rangemode": "tozero", "automargin": True},
        yaxis={"automargin": True, "autorange": "reversed", "categoryorder": "array", "categoryarray": categories,
               "tickfont": {"size": 12}},
        shapes=[{"type": "line", "x0": 1, "x1": 1, "yref": "paper", "y0": 0, "y1": 1,
                 "line": {"color": "#555555", "dash": "dot", "width": 1}}],
    )}
