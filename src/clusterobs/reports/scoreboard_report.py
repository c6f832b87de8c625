"""The Regional Ecosystem Scoreboard report (methodology §8): context -> figures -> HTML/PDF.

Reads the scoreboard tables of a built store (``clusterobs scoreboard``) through
:mod:`clusterobs.store.scoreboard_queries`, the same functions the portal's ``/scoreboard/``
pages and API use. Figures are matplotlib: the map of the overall score as SVG, the
dimension chart as 170 dpi PNG. Reports are cached like the trends report
(:func:`clusterobs.reports.trends_report.cached_report`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from clusterobs.reports import maps
from clusterobs.reports.trends_report import _png, environment, write
from clusterobs.store import editions, reader
from clusterobs.store import scoreboard_queries as sq
from clusterobs.store.engine import Connection

LEVEL = 2
SCORE_BINS = [(0.0, 0.3, "below 0.30", "#f1eef6"), (0.3, 0.4, "0.30-0.40", "#bdc9e1"),
              (0.4, 0.5, "0.40-0.50", "#74a9cf"), (0.5, 0.6, "0.50-0.60", "#2b8cbe"),
              (0.6, 1.0, "0.60 or more", "#045a8d")]
ATTRIBUTION = {"eurostat": "Source: Eurostat; Regional Competitiveness Index (European Commission); "
                           "Regional Innovation Scoreboard; European Quality of Government Index",
               "boundaries": "© EuroGeographics for the administrative boundaries"}


def score_map(con: Connection, ranking: list[dict[str, Any]]) -> str:
    """Map of the overall composite score per NUTS-2 region (SVG data URI)."""
    canvas = maps.Canvas(editions.geometries(con, LEVEL), list(editions.geometries(con, 0).values()))
    values = {r["region"]: r["score"] for r in ranking}
    svg = canvas.draw(maps.binned(values, SCORE_BINS), width=6.6, fmt="svg",
                      legend=maps.legend_of("Overall score (0-1)", SCORE_BINS))
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def dimension_chart(con: Connection, titles: dict[str, str]) -> str:
    """Box plots of the regions' scores per dimension (PNG data URI)."""
    df = con.execute("SELECT dimension, score FROM scoreboard_scores WHERE score IS NOT NULL").df()
    dims = [d for d in titles if d in set(df["dimension"])]
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    ax.boxplot([df.loc[df["dimension"] == d, "score"] for d in dims], orientation="horizontal", widths=0.6,
               flierprops={"markersize": 2})
    ax.set_yticks(range(1, len(dims) + 1), [titles[d] for d in dims], fontsize=7)
    ax.set_xlabel("Composite score (0 = lowest, 1 = highest of all regions and years)", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#ddd", lw=0.5)
    return _png(fig)


def context(con: Connection) -> dict[str, Any]:
    """Everything the scoreboard report shows."""
    info = sq.meta(con)
    cov = sq.coverage(con)
    ranking = sq.ranking(con)
    titles = {k: v.get("title", k) for k, v in info["coverage"].items() if k != "overall"}
    leaders = {d: sq.ranking(con, d)[:5] for d in titles}
    catalogue = pd.DataFrame(info["catalogue"]).set_index("indicator")["title"].to_dict()
    dims = [{"dimension": d, "title": t, "regions": v.get("regions_scored"),
             "observed": v.get("values_observed"), "imputed": v.get("values_imputed"),
             "lacking": v.get("lacking_data", []), "proxy": v.get("proxy", []),
             "indicators": [(catalogue.get(i, i), y) for i, y in v.get("indicators", {}).items()]}
            for d, v in cov["dimensions"].items() if d != "overall" for t in [titles[d]]]
    robust = sum(1 for r in ranking if r["robust"])
    return {"year": info["year"], "method": info["method"], "ranking": ranking, "dims": dims,
            "leaders": [(titles[d], rows) for d, rows in leaders.items()], "robust": robust,
            "map": score_map(con, ranking), "chart": dimension_chart(con, titles),
            "attribution": ATTRIBUTION, "warnings": cov["warnings"]}


def render(store: Path, out_dir: Path, formats: Sequence[str] = ("html", "pdf")) -> dict[str, Path]:
    """Write the scoreboard report of the built *store* (opened read-only) into *out_dir*."""
    with reader.connect(store) as con:
        ctx = context(con)
    return write(environment().get_template("scoreboard_report.html").render(**ctx), out_dir, formats)
