"""The Panorama report on real data: every section, attribution and threshold; maps in place."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import duckdb
import matplotlib.image
import numpy as np
import pytest
import shapely

from clusterobs.core.methodology import Methodology
from clusterobs.pipeline import editions as pe
from clusterobs.reports import maps, panorama
from clusterobs.store import editions as se


@pytest.fixture(scope="module")
def report(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report of an edition with data to 2014, compared with one with data to 2013."""
    tmp = tmp_path_factory.mktemp("report")
    stores = {}
    for year in (2013, 2014):
        stores[year] = tmp / f"store{year}.duckdb"
        pe.make_store(built_store, stores[year], Methodology(), year, rebuild=False)
    log, info = pe.compare(stores[2013], stores[2014], ("2025-H1", "2025-H2"))
    with duckdb.connect(str(stores[2014]), read_only=True) as con:
        manifest = pe.base_manifest(con, "2025-H2", rebuild=False)
    manifest.update(previous="2025-H1", change_log=info)
    out = panorama.render(stores[2014], tmp, manifest, log)
    return {**out, "store": stores[2014]}


def pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_pdf_has_every_section_and_attribution(report: dict[str, Path]) -> None:
    text = " ".join(pdf_text(report["pdf"]).split())
    for heading in ("Key facts", "Regional hotspots", "Clusters by category", "Emerging industries",
                    "Entrepreneurship", "What changed since 2025-H1", "Annex A. Methodology",
                    "Annex B. Data provenance"):
        assert heading in text, heading
    for line in panorama.ATTRIBUTION.values():
        assert " ".join(line.split()) in text, line
    for field in Methodology().to_dict():
        assert field in text, field
    assert "7e5843901bb96a893d7372b3a8a08304" in text.replace(" ", "")  # SBS file hash


def test_html_has_a_map_for_every_category(report: dict[str, Path]) -> None:
    html = report["html"].read_text("utf-8")
    with duckdb.connect(str(report["store"]), read_only=True) as con:
        rows = con.execute(
            """SELECT DISTINCT scheme, category, k.category_name FROM clusters c JOIN categories k USING (scheme, category)
               WHERE c.scheme IN ('eu-clusters', 'emerging') AND c.year = 2014 AND c.level = 2""").fetchall()
    assert all(name.replace("&", "&amp;") in html for _, _, name in rows)
    assert html.count("data:image/png;base64") == len(rows)  # one small map per category
    assert html.count("data:image/svg+xml;base64") == 2
    assert "https://" not in html.split("<body>")[1].split("Annex")[0]  # nothing fetched


def test_map_draws_each_region_in_its_place(built_store: Path) -> None:
    with duckdb.connect(str(built_store), read_only=True) as con:
        shapes = se.geometries(con, 2)
    canvas = maps.Canvas(shapes)
    for code in ("DE21", "ES30", "FI1B", "EL30"):
        png = canvas.draw({code: "#ff0000"}, width=4, dpi=100)
        image = matplotlib.image.imread(io.BytesIO(png))
        red = (image[..., 0] > 0.9) & (image[..., 1] < 0.2) & (image[..., 2] < 0.2)
        rows, cols = np.nonzero(red)
        xmin, xmax, ymin, ymax = maps.EXTENT
        x = xmin + (cols.mean() + 0.5) / image.shape[1] * (xmax - xmin)
        y = ymax - (rows.mean() + 0.5) / image.shape[0] * (ymax - ymin)
        centre = shapely.centroid(shapely.from_geojson(shapes[code]))
        px, py = maps.laea(np.array([centre.x]), np.array([centre.y]))
        assert abs(x - px[0]) < 60_000 and abs(y - py[0]) < 60_000, code


def test_svg_and_bins() -> None:
    square = '{"type":"Polygon","coordinates":[[[9,51],[11,51],[11,53],[9,53],[9,51]]]}'
    canvas = maps.Canvas({"XX": square})
    assert canvas.draw({"XX": "#000000"}, width=2, fmt="svg").lstrip().startswith(b"<?xml")
    assert maps.binned({"A": 3, "B": 12, "C": None}, panorama.COUNT_BINS) == {
        "A": "#6baed6", "B": "#08306b"}


def test_headline_for_the_home_page_is_the_reports_own(report: dict[str, Path]) -> None:
    """headline.json holds the report's key facts and first hotspots; headline.svg its map."""
    import json
    import re

    data = json.loads(report["headline"].read_text("utf-8"))
    html = report["html"].read_text("utf-8")
    assert data["name"] == "2025-H2" and data["year"] == 2014 and len(data["hotspots"]) == 10
    hotspots = html[html.index("Regional hotspots"):]
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+) \((\w+)\)</td><td class=\"n\">(\d+)</td>", hotspots)
    assert [(h["region"], h["strong"]) for h in data["hotspots"]] == [(r[2], int(r[3])) for r in rows[:10]]
    assert f"<b>{data['facts']['strong']:,}</b>" in html
    svg = report["headline_map"].read_bytes()
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg[:2000] and len(svg) > 100_000
