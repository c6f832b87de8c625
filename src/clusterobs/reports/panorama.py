"""The Cluster Panorama report of an edition: context -> maps -> HTML (Jinja2) -> PDF (WeasyPrint).

:func:`render` reads an edition's built store (read-only), its manifest and change log,
and writes ``report.html`` (self-contained: styles and images inline) and ``report.pdf``
from the same HTML. Maps are matplotlib figures (:mod:`clusterobs.reports.maps`): the
Europe-wide map as SVG, the small multiples as 150 dpi PNG. Headline figures use the
eu-clusters scheme, the eco-classic method (methodology §4a) and NUTS-2 regions; headline
counts, the Europe map and the hotspots count traded clusters only (US Cluster Mapping
practice) and leave out ratings resting mostly on employment apportioned from divisions
shared with other categories (:mod:`clusterobs.reports.purity`), saying how many. Employment
that is partly estimated (confidential cells filled by the observatory, or values the source
flags) carries an "e" with its estimated share, explained under each table (:data:`ESTIMATE_NOTE`).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from clusterobs.core import changes as core_changes
from clusterobs.reports import maps, purity
from clusterobs.sources import declarations
from clusterobs.store import editions, reader
from clusterobs.store.engine import Connection

#: the edition report speaks of the default dataset's default scheme (its declaration)
SCHEME, METHOD, LEVEL = declarations.default_scheme(), "eco-classic", 2
COUNT_BINS = [(0, 0, "0", "#f4f7fb"), (1, 2, "1-2", "#c6dbef"), (3, 5, "3-5", "#6baed6"),
              (6, 9, "6-9", "#2171b5"), (10, 999, "10 or more", "#08306b")]
STAR_BINS = [(0, 0, "0 stars", "#f4f7fb"), (1, 1, "1 star", "#fdd49e"), (2, 2, "2 stars", "#fc8d59"),
             (3, 3, "3 stars", "#b30000")]
GROWTH_BINS = [(-9, -0.05, "below -5%", "#b2182b"), (-0.05, -0.01, "-5% to -1%", "#ef8a62"),
               (-0.01, 0.01, "-1% to +1%", "#f7f7f7"), (0.01, 0.05, "+1% to +5%", "#67a9cf"),
               (0.05, 9, "above +5%", "#2166ac")]
ATTRIBUTION = {
    "eurostat": "Source: Eurostat",
    "boundaries": "© EuroGeographics for the administrative boundaries",
    "uscmp": ("Source: U.S. Cluster Mapping, Institute for Strategy and Competitiveness, "
              "Harvard Business School"),
    "uscmp_cite": ("Delgado, M., Porter, M. E. and Stern, S. (2016), Defining clusters of related "
                   "industries, Journal of Economic Geography 16(1), 1-38."),
}


ESTIMATE_NOTE = ("e: part of this employment is estimated (share in brackets): cells the source "
                 "withholds as confidential, filled by the observatory within what the published "
                 "totals allow, or values the source flags as estimated, provisional or of low "
                 "reliability. Stars resting on such values are less certain.")


def estimate_share(frame: pd.DataFrame) -> float:
    """The employment-weighted estimated share of *frame*'s clusters (0 when none or unknown)."""
    if "estimate_share" not in frame or frame.empty:
        return 0.0
    employment = frame["employment"].fillna(0)
    total = float(employment.sum())
    if total <= 0:
        return 0.0
    return float((employment * frame["estimate_share"].fillna(0)).sum() / total)


def _row_estimate(row: dict[str, Any]) -> float:
    share = row.get("estimate_share")
    return 0.0 if share is None or pd.isna(share) else float(share)


def render(store: Path, out_dir: Path, manifest: dict[str, Any], log: pd.DataFrame | None = None,
           formats: Sequence[str] = ("html", "pdf")) -> dict[str, Path]:
    """Write the report of the edition built in *store* into *out_dir*.

    Parameters
    ----------
    store:
        The edition's built store file (opened read-only).
    out_dir:
        Folder receiving ``report.html`` and ``report.pdf``.
    manifest:
        The edition's manifest (name, years, methodology, sources, change-log summary).
    log:
        The change log against the previous edition (None for a first edition).
    formats:
        ``html`` and/or ``pdf``.

    Returns
    -------
    dict
        Format -> written path, plus ``seconds`` timings in the manifest sense are not kept.
    """
    with reader.connect(store) as con:
        ctx = context(con, manifest, log)
    html = _template().render(**ctx)
    out: dict[str, Path] = write_headline(ctx, out_dir)
    if "html" in formats:
        out["html"] = out_dir / "report.html"
        out["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        from weasyprint import HTML

        out["pdf"] = out_dir / "report.pdf"
        HTML(string=html, base_url=str(out_dir)).write_pdf(out["pdf"])
    return out


def write_headline(ctx: dict[str, Any], out_dir: Path, n: int = 10) -> dict[str, Path]:
    """The edition's headline for the portal's home page: ``headline.json`` (year, key facts,
    the top *n* hotspots with their estimated share, the attribution) and ``headline.svg``
    (the Europe map of 2-3 star traded clusters), the same numbers as the report's."""
    svg = out_dir / editions.HEADLINE_MAP
    svg.write_bytes(base64.b64decode(str(ctx["europe_map"]).split(",", 1)[1]))
    data = {"name": ctx["m"]["name"], "year": ctx["year"], "facts": ctx["facts"],
            "hotspots": ctx["hotspots"][:n], "estimate_note": ctx["estimate_note"],
            "attribution": [ctx["attribution"]["eurostat"], ctx["attribution"]["boundaries"]]}
    path = out_dir / editions.HEADLINE
    path.write_text(json.dumps(data, indent=1, default=float), encoding="utf-8")
    return {"headline": path, "headline_map": svg}


def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("clusterobs.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined)
    env.filters.update(num=_num, pct=_pct, signed=_signed)
    return env.get_template("panorama.html")


def _num(value: Any, digits: int = 0) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * value:.{digits}f}%"


def _signed(value: Any, digits: int = 1) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * value:+.{digits}f}%"


def _uri(data: bytes, fmt: str) -> str:
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def context(con: Connection, manifest: dict[str, Any],
            log: pd.DataFrame | None) -> dict[str, Any]:
    """Everything the template shows, as plain values and image data URIs."""
    started = time.perf_counter()
    year = int(manifest["headline_year"])
    names = editions.region_names(con)
    canvas = maps.Canvas(editions.geometries(con, LEVEL), list(editions.geometries(con, 0).values()))
    eu = purity.annotate(con, reader.clusters(con, SCHEME, METHOD, year=year, level=LEVEL), SCHEME)
    ctx: dict[str, Any] = {
        "m": manifest, "year": year, "attribution": ATTRIBUTION, "star_bins": STAR_BINS,
        "estimate_note": ESTIMATE_NOTE,
        "facts": key_facts(con, eu, year),
        "europe_map": _uri(europe_map(canvas, eu), "svg"),
        "hotspots": hotspots(eu, names),
        "categories": category_cards(canvas, eu),
        "emerging": category_cards(canvas, reader.clusters(con, "emerging", METHOD, year=year,
                                                            level=LEVEL)),
        "entrepreneurship": entrepreneurship(con, canvas, eu, year, names),
        "changes": what_changed(log, manifest, names),
        "methodology": sorted(manifest["methodology"].items()),
    }
    ctx["seconds"] = time.perf_counter() - started
    return ctx


def key_facts(con: Connection, eu: pd.DataFrame, year: int) -> dict[str, Any]:
    """Headline numbers of the eu-clusters eco-classic ratings of NUTS-2 regions.

    ``strong``, ``three`` and their employment count traded clusters whose rating rests
    mainly on their own divisions (:func:`counted`); ``strong_local`` and
    ``strong_apportioned`` say how many 2-3 star ratings were left out, and why.
    """
    total = con.execute("SELECT sum(employment_total) FROM region_totals WHERE year = ? AND level = ?",
                        [year, LEVEL]).fetchall()[0][0]
    keep = counted(eu)
    strong = eu[keep & (eu["stars"] >= 2)]
    starred = eu["stars"] >= 2
    return {
        "regions": int(eu["region"].nunique()), "countries": int(eu["region"].str[:2].nunique()),
        "categories": int(eu["category"].nunique()), "clusters": len(eu),
        "rated": int((keep & (eu["stars"] >= 1)).sum()), "strong": len(strong),
        "three": int((keep & (eu["stars"] == 3)).sum()),
        "strong_local": int((starred & _local(eu)).sum()),
        "strong_apportioned": int((starred & ~_local(eu) & _apportioned(eu)).sum()),
        "strong_employment": float(strong["employment"].sum()),
        "strong_share": float(strong["employment"].sum() / total) if total else None,
        "employment": float(total or 0),
    }


def _local(eu: pd.DataFrame) -> pd.Series:
    if "traded" not in eu:
        return pd.Series(False, index=eu.index)
    return eu["traded"].eq(False)


def _apportioned(eu: pd.DataFrame) -> pd.Series:
    if "apportioned" not in eu:
        return pd.Series(False, index=eu.index)
    return eu["apportioned"].fillna(False).astype(bool)


def counted(eu: pd.DataFrame) -> pd.Series:
    """The clusters the headline counts: traded categories (local ones serve the region's own
    market), rated mainly on their own divisions (not mostly apportioned)."""
    return ~_local(eu) & ~_apportioned(eu)


def _strong_counts(eu: pd.DataFrame) -> pd.Series:
    regions = eu["region"].unique()
    return eu[counted(eu) & (eu["stars"] >= 2)].groupby("region").size().reindex(regions, fill_value=0)


def europe_map(canvas: maps.Canvas, eu: pd.DataFrame) -> bytes:
    """Number of 2-3 star eu-clusters clusters per NUTS-2 region (SVG)."""
    counts = _strong_counts(eu)
    return canvas.draw(maps.binned(counts.to_dict(), COUNT_BINS), width=6.6, fmt="svg",
                       legend=maps.legend_of("2-3 star clusters", COUNT_BINS))


def hotspots(eu: pd.DataFrame, names: dict[str, str], n: int = 15) -> list[dict[str, Any]]:
    """The regions with the most 2-3 star traded clusters, with their leading categories.

    Local categories and ratings resting mostly on apportioned employment are not counted
    (:func:`counted`); ``left_out`` names how many of the region's 2-3 star ratings that
    leaves out.
    """
    counts = _strong_counts(eu).sort_values(ascending=False, kind="stable")
    out = []
    for region, count in counts.head(n).items():
        here = eu[(eu["region"] == region) & (eu["stars"] >= 2)]
        mine = here[counted(here)].sort_values(["stars", "employment"], ascending=False)
        out.append({"region": region, "name": names.get(str(region), region), "strong": int(count),
                    "three": int((mine["stars"] == 3).sum()),
                    "employment": float(mine["employment"].sum()),
                    "estimate_share": estimate_share(mine),
                    "left_out": len(here) - len(mine),
                    "top": ", ".join(mine["category_name"].head(3))})
    return out


def category_cards(canvas: maps.Canvas, frame: pd.DataFrame, top: int = 3) -> list[dict[str, Any]]:
    """Per category: a small map of stars and the top regions by employment among rated ones."""
    cards = []
    for category, part in frame.groupby("category", sort=False):
        stars = part.set_index("region")["stars"].to_dict()
        image = canvas.draw(maps.binned(stars, STAR_BINS), width=1.8, dpi=180)
        lead = part[part["stars"] >= 1].sort_values(["stars", "employment"], ascending=False)
        cards.append({
            "category": category, "name": part["category_name"].iloc[0],
            "employment": float(part["employment"].sum()),
            "rated": int((part["stars"] >= 2).sum()), "map": _uri(image, "png"),
            "top": [{"name": r["region_name"], "region": r["region"], "stars": int(r["stars"]),
                     "employment": float(r["employment"]), "estimate_share": _row_estimate(r)}
                    for r in _records(lead.head(top))],
        })
    return sorted(cards, key=lambda c: str(c["name"]))


def entrepreneurship(con: Connection, canvas: maps.Canvas, eu: pd.DataFrame,
                     year: int, names: dict[str, str]) -> dict[str, Any]:
    """Establishment growth: regional map, categories and the fastest-growing rated clusters."""
    totals = con.execute(
        """SELECT t.region, t.establishments_total / p.establishments_total - 1 AS growth
           FROM region_totals t JOIN region_totals p ON p.region = t.region AND p.year = t.year - 1
           WHERE t.year = ? AND t.level = ? AND p.establishments_total > 0""", [year, LEVEL]).df()
    growth = totals.set_index("region")["growth"].to_dict()
    image = canvas.draw(maps.binned(growth, GROWTH_BINS), width=6.6, fmt="svg",
                        legend=maps.legend_of("Establishments, 1-year growth", GROWTH_BINS))
    prev = reader.clusters(con, SCHEME, METHOD, year=year - 1, level=LEVEL)
    now = eu.groupby(["category", "category_name"])["establishments"].sum()
    before = prev.groupby(["category", "category_name"])["establishments"].sum()
    cats = (now / before - 1).dropna().sort_values(ascending=False).rename("growth").reset_index()
    rated = eu[(eu["stars"] >= 2) & (eu["establishments"] >= 100)].merge(
        prev[["region", "category", "establishments"]], on=["region", "category"], suffixes=("", "_prev"))
    rated["growth"] = rated["establishments"] / rated["establishments_prev"] - 1
    # more than doubling in one year is a break in the series (methodology §5.1), not growth
    plausible = (rated["establishments_prev"] >= 100) & (rated["growth"] <= 1.0)
    best = rated[plausible].nlargest(10, "growth")
    return {"map": _uri(image, "svg"), "categories_up": cats.head(6).to_dict("records"),
            "categories_down": cats.tail(5).iloc[::-1].to_dict("records"),
            "clusters": [{"region": r["region"], "name": names.get(r["region"], r["region"]),
                          "category": r["category_name"], "stars": int(r["stars"]),
                          "establishments": float(r["establishments"]), "growth": float(r["growth"]),
                          "estimate_share": _row_estimate(r)}
                         for r in _records(best)]}


def what_changed(log: pd.DataFrame | None, manifest: dict[str, Any],
                 names: dict[str, str]) -> dict[str, Any] | None:
    """Summary of the change log against the previous edition (None for a first edition)."""
    if log is None or not manifest.get("previous"):
        return None
    info = manifest.get("change_log", {})
    matrix = info.get("transitions", {}).get(f"{SCHEME}/{METHOD}")
    main = log[(log["scheme"] == SCHEME) & (log["method"] == METHOD) & (log["level"] == LEVEL)
               & (log["kind"] == "rating")]
    three = main[(main["stars_t1"] == 3) | (main["stars_t0"] == 3)]
    counts = core_changes.summary(log[log["kind"] == "rating"])
    return {
        "previous": manifest["previous"], "rows": len(log), "summary": counts.to_dict("records"),
        "by_kind": log.groupby("kind").size().to_dict(), "matrix": matrix,
        "gained_three": _change_rows(three[three["stars_t1"] == 3], names),
        "lost_three": _change_rows(three[three["stars_t0"] == 3], names),
        "n_gained_three": int((three["stars_t1"] == 3).sum()),
        "n_lost_three": int((three["stars_t0"] == 3).sum()),
        "main_counts": main.groupby(["change", "sub_cause"], dropna=False).size()
        .rename("rows").reset_index().fillna({"sub_cause": "–"}).to_dict("records"),
    }


def _change_rows(frame: pd.DataFrame, names: dict[str, str], n: int = 15) -> list[dict[str, Any]]:
    rows = frame.sort_values(["region", "category"]).head(n)
    return [{"region": r["region"], "name": names.get(r["region"], r["region"]),
             "category": r.get("category_name", r["category"]), "stars_t0": int(r["stars_t0"]),
             "stars_t1": int(r["stars_t1"]), "sub_cause": r["sub_cause"] or "–"}
            for r in _records(rows)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
