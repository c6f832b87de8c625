"""Thin years are marked wherever a year is offered, a missing growth value says why, and the
Panorama report marks estimated employment (issue 15, items 3 and 5)."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import duckdb
import pytest
from django.test import Client
from markupsafe import escape

from clusterobs.pipeline import editions as pe
from clusterobs.reports import panorama
from clusterobs.store import coverage, reader

pytestmark = pytest.mark.django_db  # region pages list policy cases from the database
SCHEME = "eu-clusters"


def _page(client: Client, url: str, **params: object) -> str:
    resp = client.get(url, {"dataset": "europe", **params})
    assert resp.status_code == 200, url
    return htmllib.unescape(resp.content.decode())


def _option(html: str, year: int) -> str:
    found = re.search(rf'<option value="{year}"[^>]*>([^<]*)</option>', html)
    assert found, year
    return found.group(1)


def test_coverage_counts_countries_from_the_regions_table(con: duckdb.DuckDBPyConnection) -> None:
    years = {c["year"]: c for c in coverage.year_coverage(con, SCHEME)}
    assert years[2015]["thin"] and not years[2014]["thin"]
    assert years[2015]["countries"] < years[2014]["countries"]
    assert {"France", "Italy"} <= set(years[2015]["missing"])
    assert years[2015]["label"] == (f"2015 (partial: {years[2015]['countries']} of "
                                    f"{years[2015]['best_countries']} countries)")
    assert years[2014]["label"] == "2014" and years[2014]["missing"] == []
    assert 2015 in coverage.thin_years(con, SCHEME) and 2014 not in coverage.thin_years(con, SCHEME)


def test_the_year_select_labels_thin_years_and_the_page_says_what_is_missing(client: Client) -> None:
    thin = _page(client, "/map/", year=2015, scheme=SCHEME)
    assert _option(thin, 2015).startswith("2015 (partial: ") and "countries)" in _option(thin, 2015)
    assert _option(thin, 2014) == "2014"
    notice = re.search(r'id="thin-year-notice">(.*?)</p>', thin, re.S)
    assert notice, "a page showing 2015 warns about its coverage"
    text = notice.group(1)
    assert "2015 covers only" in text and "France" in text and "Italy" in text
    assert "comparisons across regions are limited" in text
    full = _page(client, "/map/", year=2014, scheme=SCHEME)
    assert 'id="thin-year-notice"' not in full and _option(full, 2015).startswith("2015 (partial")
    region = _page(client, "/regions/DE21/", year=2015, scheme=SCHEME)
    assert 'id="thin-year-notice"' in region


def test_the_api_names_thin_years(client: Client) -> None:
    body = client.get("/api/v1/coverage", {"dataset": "europe"}).json()
    assert 2015 in body["thin_years"] and 2014 not in body["thin_years"]
    assert body["default_year"] == 2014 and body["default_year"] not in body["thin_years"]
    y2015 = next(y for y in body["years"] if y["year"] == 2015)
    assert {"France", "Italy"} <= set(y2015["missing"]) and {"FR", "IT"} <= set(y2015["missing_codes"])


def test_reasons_for_a_missing_growth() -> None:
    assert coverage.reason(2021, 1, [2021], 10.0, 12.0) == "series break (new source from 2021)"
    assert coverage.reason(2023, 5, [2021], 10.0, 12.0) == "series break (new source from 2021)"
    assert coverage.reason(2022, 1, [2021], 10.0, None) == "no data in 2021"
    assert coverage.reason(2011, 1, [], 10.0, 12.0, 1.0, 0.7) == "industries covered differ between the years"
    assert coverage.reason(2011, 1, [], 10.0, 12.0) == "industries covered differ between the years"
    assert coverage.reason(2009, 5, [], 10.0, None) == "no data in 2004"
    assert coverage.note_text({"growth_1y": "no data in 2007", "growth_5y": "no data in 2003"}) == \
        "1-year growth: no data in 2007; 5-year growth: no data in 2003"


def _coverage_change(con: duckdb.DuckDBPyConnection) -> tuple[str, str, int]:
    """A NUTS-2 cluster whose 1-year growth is NULL although both years have employment."""
    row = con.execute(
        """SELECT c.region, c.category, c.year::INTEGER FROM clusters c
           JOIN clusters p ON p.scheme = c.scheme AND p.region = c.region AND p.level = c.level
                          AND p.category = c.category AND p.year = c.year - 1
           WHERE c.scheme = ? AND c.level = 2 AND c.year = 2011 AND c.region LIKE 'IT%'
             AND c.growth_1y IS NULL AND c.employment > 0 AND p.employment > 0
           ORDER BY c.employment DESC LIMIT 1""", [SCHEME]).fetchone()
    assert row, "Italy's construction data starts in 2011: some cluster's coverage changes"
    return str(row[0]), str(row[1]), int(row[2])


def test_a_growth_cell_across_a_coverage_change_says_why(client: Client,
                                                         con: duckdb.DuckDBPyConnection) -> None:
    region, category, year = _coverage_change(con)
    html = _page(client, f"/regions/{region}/", scheme=SCHEME, year=year)
    row = html.split(f'data-category="{category}"')[1].split("</tr>")[0]
    assert 'title="Not computed: industries covered differ between the years"' in row
    assert 'title="Not computed: no data in 2006"' in row  # 5-year growth: the data start in 2008
    api = client.get("/api/v1/clusters", {"dataset": "europe", "scheme": SCHEME, "region": region,
                                          "year": year, "category": category}).json()
    note = api["items"][0]["growth_note"]
    assert api["items"][0]["growth_1y"] is None
    assert note == ("1-year growth: industries covered differ between the years; "
                    "5-year growth: no data in 2006")
    first = client.get("/api/v1/clusters", {"dataset": "europe", "scheme": SCHEME, "region": region,
                                            "year": 2008, "category": category}).json()["items"][0]
    assert "1-year growth: no data in 2007" in first["growth_note"]


def test_category_page_explains_missing_growth(client: Client, con: duckdb.DuckDBPyConnection) -> None:
    html = _page(client, f"/categories/{SCHEME}/4/", year=2008, level=2)
    assert 'title="Not computed: no data in 2007"' in html


def test_growth_present_has_no_note(con: duckdb.DuckDBPyConnection) -> None:
    rows = reader.clusters(con, SCHEME, "eco-classic", year=2014, region="DE21").to_dict("records")
    notes = coverage.growth_notes(con, SCHEME, rows)
    with_growth = [r for r in rows if r["growth_1y"] == r["growth_1y"] and r["growth_1y"] is not None]
    assert with_growth
    assert all("growth_1y" not in notes.get((r["region"], 2, r["category"], 2014), {}) for r in with_growth)


def test_panorama_marks_estimated_employment(built_store: Path, tmp_path: Path) -> None:
    with reader.connect(built_store) as con:
        manifest = pe.base_manifest(con, "2025-H2", rebuild=False)
        ctx = panorama.context(con, manifest, None)
    estimated = [r for c in ctx["categories"] for r in c["top"] if r["estimate_share"] > 0]
    assert estimated, "some leading region of a category rests partly on estimates"
    html = panorama._template().render(**ctx)
    assert html.count('class="est"') >= len(estimated)
    assert panorama.ESTIMATE_NOTE.split(":")[0] in html and "estimated (share in brackets)" in html
    card = next(c for c in ctx["categories"] if any(r["estimate_share"] > 0 for r in c["top"]))
    block = html.split(f"<h3>{escape(card['name'])}</h3>")[1].split("</ol>")[0]
    assert 'class="est"' in block
    assert any(h["estimate_share"] > 0 for h in ctx["hotspots"])


def test_estimate_marker_gives_the_feasible_range(client: Client, con: duckdb.DuckDBPyConnection) -> None:
    row = reader.clusters(con, "nace-division", "eco-classic", year=2014, region="DE91", category="C12")
    if "employment_upper" not in row or row["employment_upper"].isna().all():
        pytest.skip("this build carries no estimate ranges")
    lower, upper = float(row["employment_lower"].iloc[0]), float(row["employment_upper"].iloc[0])
    html = _page(client, "/regions/DE91/", scheme="nace-division", year=2014)
    cell = html.split('data-category="C12"')[1].split("</tr>")[0]
    assert f"range {lower:,.0f}–{upper:,.0f}" in cell
    top = _page(client, "/categories/nace-division/C12/", year=2014, level=2)
    assert "; range " in top.split('id="top-table"')[1].split("</table>")[0]
    # a cluster without estimates shows no range
    plain = html.split('data-category="C29"')[1].split("</tr>")[0] if 'data-category="C29"' in html else ""
    assert "range " not in plain or 'class="marker estimated"' in plain
