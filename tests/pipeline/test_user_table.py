"""A user's own table end to end (``data add`` -> ``build`` -> API -> region page), and every
kind of bad input refused with one line and nothing written.

The tiny table: two countries, AA (regions AA1, AA2) and BB (region BB1), industries C29
(motor vehicles), C10 (food) and G47 (retail), years 2020 and 2021. Arithmetic of 2020:

- region totals (sum of the sections C and G derived from the rows): AA1 900+100+1000 = 2000,
  AA2 100+400+500 = 1000, BB1 0+500+1500 = 2000; all regions 5000;
- C29: 900 + 100 + 0 = 1000, reference share 1000/5000 = 0.2;
- LQ AA1 C29 = (900/2000)/0.2 = 2.25; LQ AA2 C29 = (100/1000)/0.2 = 0.5; BB1 C29 = 0;
- 2021 only AA1 C29 changes (900 -> 1000): growth_1y = 1000/900 - 1 = 0.1111;
  LQ AA1 C29 2021 = (1000/2100)/(1100/5100) = 2.2078.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clusterobs import config, pipeline
from clusterobs.cli import app
from clusterobs.errors import ClusterObsError
from clusterobs.pipeline import userdata
from clusterobs.store import reader

ROWS = """reg,nace,yr,emp,units
AA1,C29,2020,900,10
AA1,C10,2020,100,5
AA1,G47,2020,1000,50
AA2,29,2020,100,2
AA2,C10,2020,400,8
AA2,47,2020,500,20
BB1,C29,2020,0,0
BB1,10,2020,500,9
BB1,G47,2020,1500,60
AA1,C29,2021,1000,11
AA1,C10,2021,100,5
AA1,G47,2021,1000,50
AA2,C29,2021,100,2
AA2,C10,2021,400,8
AA2,G47,2021,500,20
BB1,C29,2021,0,0
BB1,C10,2021,500,9
BB1,G47,2021,1500,60
"""
COLUMNS = "region=reg,industry=nace,year=yr,employment=emp,establishments=units"


def _feature(code: str, name: str, parent: str | None, x0: float) -> dict:
    ring = [[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]
    props = {"region": code, "name": name, **({"parent": parent} if parent else {})}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


GEO = {"type": "FeatureCollection", "features": [
    _feature("AA", "Country A", None, 0), _feature("BB", "Country B", None, 2),
    _feature("AA1", "West A", "AA", 0), _feature("AA2", "East A", "AA", 1),
    _feature("BB1", "All of B", "BB", 2)]}


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "own.csv").write_text(ROWS, "utf-8")
    (tmp_path / "geo.geojson").write_text(json.dumps(GEO), "utf-8")
    return {"table": tmp_path / "own.csv", "geo": tmp_path / "geo.geojson"}


@pytest.fixture()
def var(isolated_var: Path, loaded_store: Path) -> Path:
    """A private var whose store is a copy of the session's loaded store (NACE, NAICS known)."""
    store = isolated_var / "store" / "observatory.duckdb"
    store.parent.mkdir(parents=True)
    store.write_bytes(loaded_store.read_bytes())
    return isolated_var


@pytest.mark.django_db
def test_own_table_end_to_end(var: Path, files: dict[str, Path], client) -> None:  # type: ignore[no-untyped-def]
    added = userdata.add(files["table"], "tiny", COLUMNS, "nace-r2", geography_file=files["geo"])
    assert (added.regions, added.industries, added.years) == (3, 3, (2020, 2021))
    pipeline.build(dataset="tiny")
    with reader.connect(config.results_path("tiny")) as con:
        got = {(r, y): (lq, g) for r, y, lq, g in con.execute(
            """SELECT region, year, lq, growth_1y FROM clusters
               WHERE scheme = 'nace-division' AND category = 'C29'""").fetchall()}
        totals = dict(con.execute("SELECT region, employment_total FROM region_totals WHERE year = 2020").fetchall())
        levels = dict(con.execute("SELECT region, level FROM regions").fetchall())
    assert totals == {"AA1": 2000, "AA2": 1000, "BB1": 2000}
    assert got[("AA1", 2020)][0] == pytest.approx(2.25)
    assert got[("AA2", 2020)][0] == pytest.approx(0.5)
    assert got[("BB1", 2020)][0] == 0
    assert got[("AA1", 2021)] == pytest.approx((2.2078, 0.1111), abs=1e-4)
    assert levels == {"AA": 0, "BB": 0, "AA1": 1, "AA2": 1, "BB1": 1}  # from the parents

    api = client.get("/api/v1/clusters", {"dataset": "tiny", "scheme": "nace-division",
                                          "region": "AA1", "category": "C29", "year": 2020})
    assert api.status_code == 200, api.content[:300]
    body = api.json()
    assert body["dataset"] == "tiny" and body["items"][0]["lq"] == pytest.approx(2.25)
    page = client.get("/regions/AA1/", {"dataset": "tiny", "scheme": "nace-division"})
    assert page.status_code == 200, page.content.decode()[-1500:]
    assert "West A" in page.content.decode()
    # the choice is remembered: the next request without ?dataset= still reads tiny
    assert client.get("/api/v1/clusters", {"region": "BB1", "scheme": "nace-division",
                                           "year": 2020, "category": "C10"}).json()["dataset"] == "tiny"


def _store_state(var: Path) -> tuple[bytes, list[str]]:
    store = var / "store" / "observatory.duckdb"
    declared = sorted(p.name for p in (var / "datasets").glob("*")) if (var / "datasets").exists() else []
    return store.read_bytes(), declared


@pytest.mark.parametrize(("case", "rows", "columns", "classification", "expected"), [
    ("missing column", ROWS, COLUMNS.replace("industry=nace", "industry=sector"), "nace-r2",
     "own.csv:1: the mapping industry=sector names no column of the table: expected one of reg, nace"),
    ("unknown code", ROWS.replace("AA2,C10,2020", "AA2,C99,2020"), COLUMNS, "nace-r2",
     "own.csv:6: field nace: 'C99' is not a nace-r2 industry code"),
    ("duplicated key", ROWS + "AA1,C29,2020,5,1\n", COLUMNS, "nace-r2",
     "own.csv:20: duplicated key region=AA1 industry=C29 year=2020 (first on line 2)"),
    ("negative employment", ROWS.replace("BB1,10,2020,500", "BB1,10,2020,-500"), COLUMNS, "nace-r2",
     "own.csv:9: field emp: '-500' is negative (counts and wages cannot be)"),
    ("region outside the geometry", ROWS.replace("BB1,G47,2021", "CC1,G47,2021"), COLUMNS, "nace-r2",
     "own.csv:19: field reg: region 'CC1' is not in the geography"),
    ("HTML error page", "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n", COLUMNS,
     "nace-r2", "own.csv:1: the file is an HTML or XML page, not a data table"),
    ("header only", "reg,nace,yr,emp,units\n", COLUMNS, "nace-r2",
     "own.csv:2: the table has a header but no data rows"),
    ("not a number", ROWS.replace("AA1,C10,2021,100", "AA1,C10,2021,1e400"), COLUMNS, "nace-r2",
     "own.csv:12: field emp: '1e400' is not a finite number"),
    ("unknown classification", ROWS, COLUMNS, "nace-r3", "--classification 'nace-r3': expected one of"),
])
def test_bad_input_is_one_line_and_writes_nothing(var: Path, files: dict[str, Path], case: str, rows: str,
                                                  columns: str, classification: str, expected: str) -> None:
    files["table"].write_text(rows, "utf-8")
    before = _store_state(var)
    with pytest.raises(ClusterObsError) as err:
        userdata.add(files["table"], "tiny", columns, classification, geography_file=files["geo"])
    message = str(err.value)
    assert expected in message, (case, message)
    assert "\n" not in message
    assert _store_state(var) == before


def test_cli_add_error_is_one_line(var: Path, files: dict[str, Path]) -> None:
    files["table"].write_text(ROWS.replace("AA1,C10,2020,100", "AA1,C10,2020,lots"), "utf-8")
    result = CliRunner().invoke(app, ["data", "add", str(files["table"]), "--name", "tiny",
                                      "--columns", COLUMNS, "--classification", "nace-r2"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "field emp: 'lots' is not a number" in lines[0], result.output


def test_own_codes_with_a_scheme_and_no_geography(var: Path, tmp_path: Path) -> None:
    """Codes of the user's own classification, rated with the user's scheme; no geometry."""
    table = tmp_path / "mine.csv"
    table.write_text("area,code,year,jobs,land\n"
                     "N1,boats,2022,300,X\nN1,fish,2022,100,X\nN2,boats,2022,100,Y\n"
                     "N2,fish,2022,500,Y\n", "utf-8")
    scheme = tmp_path / "scheme.csv"
    scheme.write_text("industry,category,weight,category_name,traded\n"
                      "boats,marine,1,Marine,true\nfish,marine,0.5,Marine,true\nfish,food,0.5,Food,false\n",
                      "utf-8")
    userdata.add(table, "mine", "region=area,industry=code,year=year,employment=jobs,country=land",
                 "own", scheme=scheme)
    pipeline.build(dataset="mine")
    with reader.connect(config.results_path("mine")) as con:
        rows = dict(con.execute("""SELECT region, employment FROM clusters
                                   WHERE category = 'marine' AND year = 2022""").fetchall())
        countries = dict(con.execute("SELECT region, country FROM regions").fetchall())
    # marine = boats + half of fish: N1 300 + 50, N2 100 + 250
    assert rows == {"N1": 350, "N2": 350}
    assert countries == {"N1": "X", "N2": "Y"}
