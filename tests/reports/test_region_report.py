"""The region report's data (issue 18), without Django: series segments and growth on
hand-computed tables, star history with a declared break, and the assembled report of real
regions checked against the store's own numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from clusterobs.reports import region_report as rr
from clusterobs.store import queries, reader

# --- pure functions on hand-made tables ------------------------------------------------------


def test_segments_start_at_each_break() -> None:
    assert rr.segments([2008, 2009, 2015, 2021, 2022], [2021]) == [[2008, 2009, 2015], [2021, 2022]]
    assert rr.segments([2019, 2020, 2021, 2022], [2020, 2022]) == [[2019], [2020, 2021], [2022]]
    assert rr.segments([2010, 2011], []) == [[2010, 2011]]


def test_growth_is_computed_within_a_series_never_across_its_break() -> None:
    # 100 -> 121 over two years is +10 % a year; 50 -> 55 over one year +10 %; across the
    # break (121 -> 50) no rate is computed at all
    series = {2013: 100.0, 2014: 110.0, 2015: 121.0, 2021: 50.0, 2022: 55.0}
    got = rr.segment_growth(series, [2021])
    assert [(g["start"], g["end"]) for g in got] == [(2013, 2015), (2021, 2022)]
    assert got[0]["annual"] == pytest.approx(0.10) and got[1]["annual"] == pytest.approx(0.10)
    assert got[0]["employment_end"] == 121.0 and got[1]["employment_start"] == 50.0
    # without the break the same numbers give one (falling) rate from 2013 to 2022
    whole = rr.segment_growth(series, [])
    assert len(whole) == 1 and whole[0]["annual"] == pytest.approx((55 / 100) ** (1 / 9) - 1)


def test_growth_says_why_it_is_missing() -> None:
    got = rr.segment_growth({2014: 10.0, 2015: None, 2021: 7.0, 2022: None}, [2021])
    assert [g["note"] for g in got] == ["one year of data in this series", "one year of data in this series"]
    assert rr.segment_growth({2014: 0.0, 2016: 5.0}, [])[0]["note"] == "no employment in 2014"
    assert rr.segment_growth({2014: None, 2015: None}, [])[0]["note"] == "no data in this series"


def test_star_history_marks_breaks_and_unrated_years() -> None:
    frame = pd.DataFrame([
        {"category": "a", "category_name": "A", "year": 2014, "stars": 2, "stars_confidence": 0.35, "estimated": False},
        {"category": "a", "category_name": "A", "year": 2021, "stars": float("nan"), "stars_confidence": float("nan"),
         "estimated": True},
    ])
    got = rr.star_history(frame, ["a"], [2014, 2015, 2021], [2021])
    assert got["break_before"] == [False, False, True]
    first, missing, unrated = got["rows"][0]["cells"]
    assert first["text"] == "2 stars at 35% confidence" and first["stars"] == 2
    assert missing is None  # no result that year
    assert unrated["stars"] is None and unrated["estimated"] is True  # not rated is not "0 stars"


def test_cases_are_matched_on_the_starred_eu_clusters_only() -> None:
    cases = [{"title": "x", "categories": ["4", "9"]}, {"title": "y", "categories": []}]
    got = rr.cases_matching(cases, {"4": "Automotive"}, "eu-clusters")
    assert [c["matches"] for c in got] == [["Automotive"], []]
    assert rr.cases_matching(cases, {"4": "Automotive"}, "nace-division")[0]["matches"] == []


# --- the assembled report of real regions ----------------------------------------------------


@pytest.fixture(scope="module")
def con(built_store: Path):  # type: ignore[no-untyped-def]
    connection = reader.connect(built_store)
    yield connection
    connection.close()


def _assemble(con: duckdb.DuckDBPyConnection, code: str, year: int = 2012) -> dict:
    region = next(r for r in queries.regions(con) if r["region"] == code)
    return rr.assemble(con, region, scheme="eu-clusters", method="eco-classic", year=year, dataset="europe",
                       base_url="http://example.org")


@pytest.mark.parametrize("code,name,parents", [("ITC4", "Lombardia", ["ITC"]), ("DE91", "Braunschweig", ["DE9"])])
def test_real_regions_show_the_store_numbers(con, code: str, name: str, parents: list[str]) -> None:  # type: ignore[no-untyped-def]
    ctx = _assemble(con, code)
    p = ctx["profile"]
    assert (p["name"], p["level"], p["level_name"]) == (name, 2, "NUTS 2")
    assert [x["region"] for x in p["parents"]] == parents and p["country"]["region"] == code[:2]
    total = con.execute("SELECT employment_total FROM region_totals WHERE region = ? AND year = 2012", [code]).fetchone()
    assert p["employment"] == pytest.approx(total[0])
    store = reader.clusters(con, "eu-clusters", "eco-classic", year=2012, region=code).set_index("category")
    rated = store[store["stars"] >= 1]
    assert ctx["rated_count"] == len(rated) and ctx["clusters_total"] == len(store)
    assert len(ctx["clusters"]) == min(len(rated), rr.MAX_CLUSTERS)
    for r in ctx["clusters"]:
        row = store.loc[r["category"]]
        assert r["stars"] == row["stars"] and r["stars_confidence"] == pytest.approx(row["stars_confidence"])
        assert r["employment"] == pytest.approx(row["employment"])
        assert r["stars_text"] == rr.stars_text(row["stars"], row["stars_confidence"])
    # the strongest come first: no listed cluster has fewer stars than one left out (traded first)
    traded = [r for r in ctx["clusters"] if r["traded"] is not False]
    assert [r["stars"] for r in traded] == sorted((r["stars"] for r in traded), reverse=True)
    # the star history covers the listed clusters in every year of the store
    hist = ctx["history"]
    assert [r["category"] for r in hist["rows"]] == [r["category"] for r in ctx["clusters"]]
    assert hist["years"] == queries.years(con, "eu-clusters")
    sb = ctx["scoreboard"]
    assert sb["available"] and len(sb["peers"]) == 5
    overall = con.execute("SELECT score FROM scoreboard_scores WHERE region = ? AND dimension = 'overall'",
                          [code]).fetchone()[0]
    assert next(d for d in sb["dimensions"] if d["dimension"] == "overall")["score"] == pytest.approx(overall)


def test_regional_growth_of_a_lead_cluster_matches_its_employment(con) -> None:  # type: ignore[no-untyped-def]
    ctx = _assemble(con, "DE91")
    lead = ctx["trends"]["rows"][0]
    g = lead["growth"][0]  # no declared break in this data: one segment
    assert ctx["trends"]["breaks"] == [] and len(lead["growth"]) == 1
    emp = dict(con.execute("SELECT year, employment FROM clusters WHERE scheme = 'eu-clusters' AND region = 'DE91' "
                           "AND category = ?", [lead["category"]]).fetchall())
    assert g["annual"] == pytest.approx((emp[g["end"]] / emp[g["start"]]) ** (1 / (g["end"] - g["start"])) - 1)
    assert ctx["trends"]["chart"].startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize("code,level", [("DE1", 1), ("IT", 0)])
def test_nuts_0_and_1_regions_say_why_there_is_no_scoreboard(con, code: str, level: int) -> None:  # type: ignore[no-untyped-def]
    ctx = _assemble(con, code)
    assert ctx["profile"]["level"] == level and ctx["clusters_total"] > 0
    assert not ctx["scoreboard"]["available"]
    assert "scores NUTS-2 regions of the EU-28 only" in ctx["scoreboard"]["reason"]
    html = rr.render_html(ctx)
    assert ctx["profile"]["name"] in html and "scores NUTS-2 regions of the EU-28 only" in html
