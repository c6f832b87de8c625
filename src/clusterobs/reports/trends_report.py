"""The Cluster Trends report (methodology §6-§7): context -> matplotlib figures -> HTML/PDF.

The data functions here (:func:`period`, :func:`category_growth`, :func:`shift_share_by_category`,
:func:`region_effects`, :func:`cluster_changes`) are also the data path of the portal's
``/trends/`` pages and ``/api/v1/trends/...`` endpoints, so report, page and API show the
same numbers. They read the trends tables written by the build (``shift_share``,
``specialisation``, ``relatedness``, ``opportunities``, ``complexity``, ``transitions``)
and the ``clusters`` table.

Growth is measured on a balanced panel: the NUTS-2 regions with employment in the category
in both the start and the end year of the shift-share period, so that regions entering or
leaving the data do not show up as growth.

Reports are generated on request and cached (:func:`cached_report`) under
``<root>/<kind>-<store mtime_ns>-<size>/``: a rebuilt store gets a new report.
"""

from __future__ import annotations

import base64
import io
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from clusterobs.reports import maps
from clusterobs.sources import declarations
from clusterobs.store import editions, queries, reader, trends_queries
from clusterobs.store.engine import Connection

#: the default dataset's default scheme (its declaration)
SCHEME, LEVEL, NETWORK_EDGES = declarations.default_scheme(), 2, 60
ATTRIBUTION = {
    "eurostat": "Source: Eurostat",
    "boundaries": "© EuroGeographics for the administrative boundaries",
    "uscmp": ("Categories: U.S. Cluster Mapping (Institute for Strategy and Competitiveness, "
              "Harvard Business School), carried to NACE Rev.2"),
}
EFFECT_BINS = [(-9e9, -0.05, "below -5%", "#b2182b"), (-0.05, -0.01, "-5% to -1%", "#ef8a62"),
               (-0.01, 0.01, "-1% to +1%", "#f7f7f7"), (0.01, 0.05, "+1% to +5%", "#67a9cf"),
               (0.05, 9e9, "above +5%", "#2166ac")]
_lock = threading.Lock()
Con = Connection


def period(con: Con, scheme: str = SCHEME) -> tuple[int, int]:
    """Start and end year of the stored shift-share period of *scheme*."""
    row = con.execute("SELECT min(start_year), max(end_year) FROM shift_share WHERE scheme = ?",
                      [scheme]).fetchone()
    if row is None or row[0] is None:
        raise LookupError(f"the store has no shift-share rows for scheme {scheme!r}")
    return int(row[0]), int(row[1])


def category_growth(con: Con, scheme: str, start: int, end: int, level: int = LEVEL) -> pd.DataFrame:
    """Europe-wide employment growth per category from *start* to *end* (balanced panel).

    Columns: ``category, category_name, regions, employment_start, employment_end, change,
    growth`` (total, share) and ``annual_growth`` (compound), fastest growth first.
    """
    return con.execute("""
        WITH s AS (SELECT region, category, employment FROM clusters
                   WHERE scheme = ? AND level = ? AND year = ? AND employment IS NOT NULL),
             e AS (SELECT region, category, employment FROM clusters
                   WHERE scheme = ? AND level = ? AND year = ? AND employment IS NOT NULL)
        SELECT s.category, c.category_name, count(*) AS regions,
               sum(s.employment) AS employment_start, sum(e.employment) AS employment_end,
               sum(e.employment) - sum(s.employment) AS change,
               sum(e.employment) / nullif(sum(s.employment), 0) - 1 AS growth,
               pow(sum(e.employment) / nullif(sum(s.employment), 0), 1.0 / ?) - 1 AS annual_growth
        FROM s JOIN e USING (region, category)
        LEFT JOIN categories c ON c.scheme = ? AND c.category = s.category
        GROUP BY ALL HAVING sum(s.employment) > 0 ORDER BY growth DESC, s.category""",
        [scheme, level, start, scheme, level, end, max(end - start, 1), scheme]).df()


def shift_share_by_category(con: Con, scheme: str = SCHEME) -> pd.DataFrame:
    """The shift-share components summed over all regions, per category (largest change first)."""
    df = con.execute("""
        SELECT t.category, c.category_name, min(t.start_year) AS start_year,
               max(t.end_year) AS end_year, count(*) AS regions,
               sum(t.actual_change) AS actual_change, sum(t.national_effect) AS national_effect,
               sum(t.industry_mix) AS industry_mix, sum(t.competitive_effect) AS competitive_effect
        FROM shift_share t LEFT JOIN categories c ON c.scheme = t.scheme AND c.category = t.category
        WHERE t.scheme = ? GROUP BY ALL ORDER BY actual_change DESC, t.category""", [scheme]).df()
    # the competitive effect sums to zero over a country's regions: drop floating-point dust
    return df.assign(competitive_effect=df["competitive_effect"].where(df["competitive_effect"].abs() > 1e-6, 0.0))


def region_effects(con: Con, scheme: str = SCHEME) -> pd.DataFrame:
    """Per region: shift-share components summed over categories, and as shares of the
    start-year employment of the same categories (``competitive_share`` etc.)."""
    return con.execute(f"""
        WITH t AS (SELECT region, min(start_year) AS start_year, max(end_year) AS end_year,
                          sum(actual_change) AS actual_change, sum(national_effect) AS national_effect,
                          sum(industry_mix) AS industry_mix, sum(competitive_effect) AS competitive_effect
                   FROM shift_share WHERE scheme = ? GROUP BY region),
             b AS (SELECT region, year, sum(employment) AS employment_start FROM clusters
                   WHERE scheme = ? GROUP BY region, year)
        SELECT t.region, r.name, t.start_year, t.end_year, b.employment_start, t.actual_change,
               t.national_effect, t.industry_mix, t.competitive_effect,
               t.actual_change / nullif(b.employment_start, 0) AS actual_share,
               t.competitive_effect / nullif(b.employment_start, 0) AS competitive_share
        FROM t LEFT JOIN b ON b.region = t.region AND b.year = t.start_year
        LEFT JOIN regions r ON r.region = t.region AND r.nuts_version = {queries.NUTS_VERSION}
        ORDER BY t.region""", [scheme, scheme]).df()


def cluster_changes(con: Con, region: str, scheme: str, start: int, end: int) -> pd.DataFrame:
    """A region's clusters in *start* and *end*: employment and LQ then and now, and the
    trend: ``rising`` (LQ and employment up), ``declining`` (both down) or ``mixed``."""
    df = con.execute("""
        SELECT s.category, c.category_name, s.employment AS employment_start,
               e.employment AS employment_end, s.lq AS lq_start, e.lq AS lq_end,
               e.employment - s.employment AS employment_change, e.lq - s.lq AS lq_change
        FROM clusters s JOIN clusters e ON e.scheme = s.scheme AND e.region = s.region
             AND e.category = s.category AND e.year = ?
        LEFT JOIN categories c ON c.scheme = s.scheme AND c.category = s.category
        WHERE s.scheme = ? AND s.region = ? AND s.year = ?
        ORDER BY lq_change DESC NULLS LAST, s.category""", [end, scheme, region, start]).df()
    up = (df["lq_change"] > 0) & (df["employment_change"] > 0)
    down = (df["lq_change"] < 0) & (df["employment_change"] < 0)
    df["trend"] = ["rising" if u else "declining" if d else "mixed" for u, d in zip(up, down, strict=True)]
    return df


def circle_layout(nodes: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Nodes evenly on the unit circle, in the given order, starting at the top.

    >>> circle_layout(["a", "b"])["b"]
    (0.0, -1.0)
    """
    n = max(len(nodes), 1)
    return {k: (round(math.sin(2 * math.pi * i / n), 12), round(math.cos(2 * math.pi * i / n), 12))
            for i, k in enumerate(nodes)}


def network_nodes(edges: pd.DataFrame) -> list[tuple[str, str]]:
    """(category, name) of the nodes of *edges*, ordered by their strongest link (clusters
    of related categories sit next to each other on the circle)."""
    seen: dict[str, str] = {}
    for r in edges.itertuples():
        for code, name in ((r.category_a, r.name_a), (r.category_b, r.name_b)):
            seen.setdefault(str(code), str(name))
    return list(seen.items())


# --- figures ---------------------------------------------------------------------------------

def _png(fig: Any, dpi: int = 170) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def growth_bars(frame: pd.DataFrame, title: str, n: int = 12) -> str:
    """Horizontal bars of annual growth: the *n* fastest and *n* slowest categories."""
    rows = frame if len(frame) <= 2 * n else pd.concat([frame.head(n), frame.tail(n)])
    rows = rows.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.2, 0.2 * len(rows) + 0.9))
    colours = ["#2166ac" if v >= 0 else "#b2182b" for v in rows["annual_growth"]]
    ax.barh([str(s)[:48] for s in rows["category_name"]], 100 * rows["annual_growth"], color=colours)
    ax.axvline(0, color="#333", lw=0.6)
    ax.set_xlabel("Employment growth, % a year (compound)")
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", color="#ddd", lw=0.5)
    return _png(fig)


def network_figure(edges: pd.DataFrame) -> str:
    """The relatedness network on a circle: line width and darkness follow co-location."""
    nodes = network_nodes(edges)
    pos = circle_layout([c for c, _ in nodes])
    fig, ax = plt.subplots(figsize=(7.2, 7.2))
    low, high = float(edges["colocation"].min()), float(edges["colocation"].max())
    for r in edges.itertuples():
        (x0, y0), (x1, y1) = pos[str(r.category_a)], pos[str(r.category_b)]
        w = (float(r.colocation) - low) / ((high - low) or 1)  # type: ignore[arg-type]
        ax.plot([x0, x1], [y0, y1], color=plt.cm.Blues(0.35 + 0.6 * w), lw=0.5 + 2.5 * w, zorder=1)
    for code, name in nodes:
        x, y = pos[code]
        ax.scatter([x], [y], s=28, color="#08306b", zorder=2)
        angle = math.degrees(math.atan2(y, x))
        flip = abs(angle) > 90
        ax.text(1.06 * x, 1.06 * y, str(name)[:34], fontsize=5.6, rotation=angle + (180 if flip else 0),
                rotation_mode="anchor", ha="right" if flip else "left", va="center")
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.9, 1.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _png(fig)


def effect_map(con: Con, effects: pd.DataFrame) -> str:
    """Map of the regional competitive effect as a share of start-year employment (SVG)."""
    canvas = maps.Canvas(editions.geometries(con, LEVEL), list(editions.geometries(con, 0).values()))
    values = effects.set_index("region")["competitive_share"].dropna().to_dict()
    svg = canvas.draw(maps.binned(values, EFFECT_BINS), width=6.6, fmt="svg",
                      legend=maps.legend_of("Competitive effect, % of employment", EFFECT_BINS))
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


# --- report ----------------------------------------------------------------------------------

def context(con: Con) -> dict[str, Any]:
    """Everything the trends report shows."""
    start, end = period(con)
    growth = category_growth(con, SCHEME, start, end)
    emerging = category_growth(con, "emerging", start, end)
    by_cat = shift_share_by_category(con)
    effects = region_effects(con)
    edges = trends_queries.relatedness_network(con, SCHEME, top=NETWORK_EDGES)
    opp = trends_queries.opportunities(con, SCHEME)
    names = dict(con.execute("SELECT category, category_name FROM categories WHERE scheme = ?",
                             [SCHEME]).fetchall())
    top5 = opp[opp["rank"] <= 5].groupby("category").size().sort_values(ascending=False).head(12)
    ranked = effects.dropna(subset=["competitive_share"]).sort_values("competitive_share")
    return {
        "start": start, "end": end, "attribution": ATTRIBUTION, "edges_n": NETWORK_EDGES,
        "growth": growth.to_dict("records"), "emerging": emerging.to_dict("records"),
        "growth_chart": growth_bars(growth, f"{SCHEME} categories, {start}-{end}"),
        "emerging_chart": growth_bars(emerging, f"Emerging industries, {start}-{end}"),
        "by_category": by_cat.to_dict("records"), "effect_map": effect_map(con, effects),
        "winners": ranked.tail(10).iloc[::-1].to_dict("records"), "losers": ranked.head(10).to_dict("records"),
        "network": network_figure(edges), "edges": edges.head(15).to_dict("records"),
        "near_one": int((edges["colocation"] > 0.99).sum()),
        "opportunities": [{"category": c, "name": names.get(c, c), "regions": int(n)} for c, n in top5.items()],
        "opp_regions": int(opp["region"].nunique()),
        "totals": {k: float(by_cat[k].sum()) for k in ("actual_change", "national_effect", "industry_mix",
                                                         "competitive_effect")},
    }


def environment() -> jinja2.Environment:
    """The Jinja environment of the trends and scoreboard reports (number filters)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("clusterobs.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    env.filters.update(num=lambda v, d=0: "–" if v is None or pd.isna(v) else f"{v:,.{d}f}",
                       pct=lambda v, d=1: "–" if v is None or pd.isna(v) else f"{100 * v:+.{d}f}%")
    return env


def write(html: str, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    """Write ``report.html`` and/or ``report.pdf`` (WeasyPrint) from *html* into *out_dir*."""
    out: dict[str, Path] = {}
    if "html" in formats:
        out["html"] = out_dir / "report.html"
        out["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        from weasyprint import HTML

        out["pdf"] = out_dir / "report.pdf"
        HTML(string=html, base_url=str(out_dir)).write_pdf(out["pdf"])
    return out


def render(store: Path, out_dir: Path, formats: Sequence[str] = ("html", "pdf")) -> dict[str, Path]:
    """Write the trends report of the built *store* (opened read-only) into *out_dir*."""
    with reader.connect(store) as con:
        ctx = context(con)
    return write(environment().get_template("trends_report.html").render(**ctx), out_dir, formats)


def cached_report(kind: str, renderer: Callable[[Path, Path], dict[str, Path]], store: Path,
                  root: Path, fmt: str) -> Path:
    """The *fmt* file of report *kind* for *store*, rendered on first request.

    Reports live in ``root/<kind>-<mtime_ns>-<size>/``; a replaced store file gets a new
    folder (older folders of the same kind are removed). Rendering goes to a temporary
    folder renamed into place, so a half-written report is never served.
    """
    st = os.stat(store)
    folder = root / f"{kind}-{st.st_mtime_ns}-{st.st_size}"
    with _lock:
        if not (folder / f"report.{fmt}").exists():
            root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{kind}-"))
            try:
                renderer(store, tmp)
                for old in root.glob(f"{kind}-*"):
                    shutil.rmtree(old, ignore_errors=True)
                tmp.replace(folder)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return folder / f"report.{fmt}"
