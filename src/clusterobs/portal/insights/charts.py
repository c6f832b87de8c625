"""Plotly figures (plain dicts) of the trends and scoreboard pages; each has a table twin."""

from __future__ import annotations

from typing import Any

from clusterobs.portal.explorer.charts import LINE_COLORS, _layout, _num
from clusterobs.reports.trends_report import circle_layout

EU, PEERS, REGION = "#999999", "#e69f00", "#0072b2"


def growth_bars(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Horizontal bars of annual growth per category (fastest at the top)."""
    rows = list(reversed(rows))
    return {"data": [{
        "type": "bar", "orientation": "h", "name": "Growth a year",
        "y": [r["category_name"] for r in rows], "x": [_num(r["annual_growth"]) for r in rows],
        "marker": {"color": ["#2166ac" if (_num(r["annual_growth"]) or 0) >= 0 else "#b2182b" for r in rows]},
        "hovertemplate": "%{y}: %{x:.2%} a year<extra></extra>",
    }], "layout": _layout(title, "Employment growth a year (compound)", "",
                          xaxis={"title": {"text": "Employment growth a year (compound)"}, "tickformat": ".1%"},
                          yaxis={"automargin": True}, height=max(360, 18 * len(rows) + 120),
                          margin={"l": 16, "r": 16, "t": 48, "b": 56}, showlegend=False)}


def network(edges: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Co-location network on a circle: one line trace per edge, nodes with names."""
    seen: dict[str, str] = {}
    for e in edges:
        for code, name in ((e["category_a"], e["name_a"]), (e["category_b"], e["name_b"])):
            seen.setdefault(str(code), str(name))
    nodes = list(seen.items())
    pos = circle_layout([c for c, _ in nodes])
    values = [float(e["colocation"]) for e in edges] or [0.0]
    low, high = min(values), max(values)
    traces: list[dict[str, Any]] = []
    for e in edges:
        (x0, y0), (x1, y1) = pos[str(e["category_a"])], pos[str(e["category_b"])]
        w = (float(e["colocation"]) - low) / ((high - low) or 1)
        traces.append({"type": "scatter", "mode": "lines", "x": [x0, x1], "y": [y0, y1], "showlegend": False,
                       "hoverinfo": "skip", "line": {"width": 0.5 + 3 * w, "color": f"rgba(8,48,107,{0.2 + 0.7 * w:.2f})"}})
    for side, pick in (("middle right", lambda x: x >= 0), ("middle left", lambda x: x < 0)):
        sel = [(c, n) for c, n in nodes if pick(pos[c][0])]
        traces.append({"type": "scatter", "mode": "markers+text", "name": "categories", "showlegend": False,
                       "x": [pos[c][0] for c, _ in sel], "y": [pos[c][1] for c, _ in sel],
                       "text": [n for _, n in sel], "textposition": side, "textfont": {"size": 11},
                       "marker": {"size": 9, "color": "#08306b"}, "hovertemplate": "%{text}<extra></extra>"})
    axis = {"visible": False, "range": [-2.3, 2.3]}
    return {"data": traces, "layout": _layout(title, "", "", xaxis=axis, yaxis={**axis, "range": [-1.1, 1.1]},
                                              height=820, margin={"l": 8, "r": 8, "t": 48, "b": 8})}


def shift_share_bars(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Stacked national / industry-mix / competitive effects per category, with the total."""
    parts = [("national_effect", "National effect", "#56b4e9"), ("industry_mix", "Industry mix", "#009e73"),
             ("competitive_effect", "Regional competitive effect", "#d55e00")]
    names = [r["category_name"] for r in rows]
    data = [{"type": "bar", "name": label, "x": names, "y": [_num(r[key]) for r in rows], "marker": {"color": col}}
            for key, label, col in parts]
    data.append({"type": "scatter", "mode": "markers", "name": "Actual change", "x": names,
                 "y": [_num(r["actual_change"]) for r in rows],
                 "marker": {"symbol": "diamond", "size": 11, "color": "#1a1a1a"}})
    return {"data": data, "layout": _layout(title, "", "Change in employment", barmode="relative",
                                            legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                                                    "yanchor": "bottom"},
                                            margin={"l": 72, "r": 16, "t": 48, "b": 170})}


def dimension_bars(dims: list[dict[str, Any]], peer_means: dict[str, float | None], title: str) -> dict[str, Any]:
    """The region's score per dimension next to the EU average and the peers' average."""
    names = [d["title"] for d in dims]
    data = [
        {"type": "bar", "name": "This region", "x": names, "y": [_num(d["score"]) for d in dims],
         "marker": {"color": REGION}},
        {"type": "bar", "name": "EU average", "x": names, "y": [_num(d["eu_mean"]) for d in dims],
         "marker": {"color": EU}},
        {"type": "bar", "name": "Peers' average", "x": names,
         "y": [_num(peer_means.get(d["dimension"])) for d in dims], "marker": {"color": PEERS}},
    ]
    return {"data": data, "layout": _layout(title, "", "Score (0-1)", barmode="group",
                                            yaxis={"title": {"text": "Score (0-1)"}, "range": [0, 1]},
                                            legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                                                    "yanchor": "bottom"},
                                            margin={"l": 64, "r": 16, "t": 48, "b": 140})}


def index_lines(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Krugman, Hoover and Herfindahl indices of one region over the years."""
    keys = [("krugman", "Krugman"), ("hoover", "Hoover"), ("herfindahl", "Herfindahl")]
    return {"data": [{"type": "scatter", "mode": "lines+markers", "name": label,
                      "x": [int(r["year"]) for r in rows], "y": [_num(r[key]) for r in rows],
                      "line": {"color": LINE_COLORS[i]}} for i, (key, label) in enumerate(keys)],
            "layout": _layout(title, "Year", "Index")}
