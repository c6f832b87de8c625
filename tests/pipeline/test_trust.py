"""Numbers a policy-maker can trust: complete totals, no rating without data, reproducible
confidence, estimates only where the source withheld a value, no growth across a break."""

from __future__ import annotations

from pathlib import Path

from clusterobs import pipeline
from clusterobs.store import reader


def test_totals_only_from_complete_sections(built_store: Path) -> None:
    with reader.connect(built_store) as con:
        missing = {r for (r,) in con.execute(
            """SELECT region FROM region_totals WHERE level = 2 AND year = 2014
               AND employment_total IS NULL""").fetchall()}
        ie05 = con.execute("""SELECT lq FROM clusters WHERE scheme = 'nace-division'
                              AND region = 'IE05' AND category = 'J60' AND year = 2014""").fetchone()
        partial = con.execute(
            """SELECT count(*) FROM region_totals t WHERE level = 2 AND employment_total IS NOT NULL
               AND (SELECT count(employment) FROM region_industry i WHERE i.region = t.region
                    AND i.year = t.year AND i.industry IN ('B','C','D','E','F','G','H','I','J',
                    'L','M','N','S95')) < 13""").fetchone()[0]
    # Ireland's IE04-IE06 and Malta publish no sections B-E in 2014 (issue: IE05 J60 LQ 7.87)
    assert {"IE04", "IE05", "IE06", "MT00"} <= missing
    assert ie05 == (None,)
    assert partial == 0


def test_no_rating_without_data(built_store: Path) -> None:
    with reader.connect(built_store) as con:
        bad = con.execute(
            """SELECT count(*) FROM ratings r JOIN clusters c USING (scheme, region, level, year, category)
               WHERE (c.employment IS NULL
                      OR (CASE WHEN r.method = 'uscmp-strong' THEN c.lq_traded ELSE c.lq END) IS NULL)
                 AND (r.stars IS NOT NULL OR r.confidence IS NOT NULL)""").fetchone()[0]
        france = con.execute(
            """SELECT count(*), count(r.stars) FROM ratings r WHERE r.scheme = 'nace-division'
               AND r.region LIKE 'FR%' AND r.level = 2 AND r.year = 2008""").fetchone()
    assert bad == 0
    assert france[0] > 0 and france[1] == 0  # France publishes nothing for 2008: nothing rated


def test_two_builds_give_identical_confidence(loaded_store: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    pipeline.build(dataset="gb-bres", store=loaded_store, out=first)
    pipeline.build(dataset="gb-bres", store=loaded_store, out=second)
    query = """SELECT scheme, method, region, year, category, stars, confidence FROM ratings
               ORDER BY scheme, method, region, year, category"""
    with reader.connect(first) as a, reader.connect(second) as b:
        rows_a, rows_b = a.execute(query).fetchall(), b.execute(query).fetchall()
    assert len(rows_a) > 100_000 and rows_a == rows_b


def test_estimates_only_where_the_source_withheld(built_store: Path) -> None:
    with reader.connect(built_store) as con:
        # Braunschweig (Wolfsburg) 2014: the equal split put 13,911 into tobacco (issue 15);
        # C12 is confidential there, the estimate stays within what the totals allow
        tobacco, auto = (con.execute(
            """SELECT employment FROM region_industry WHERE region = 'DE91' AND year = 2014
               AND industry = ?""", [code]).fetchone()[0] for code in ("C12", "C29"))
        strongest = con.execute(
            """SELECT c.category FROM clusters c JOIN ratings r USING (scheme, region, level, year, category)
               WHERE c.scheme = 'nace-division' AND r.method = 'eco-classic' AND c.region = 'DE91'
               AND c.year = 2014 ORDER BY r.stars DESC, c.lq DESC LIMIT 1""").fetchone()[0]
    assert tobacco < 1_000 < 30_000 < auto
    assert strongest == "C29"


def test_estimates_carry_their_feasible_range(built_store: Path) -> None:
    with reader.connect(built_store) as con:
        rows = con.execute(
            """SELECT category, employment, employment_lower, employment_upper FROM clusters
               WHERE scheme = 'nace-division' AND region = 'DE91' AND year = 2014
               AND category IN ('C12', 'C29')""").fetchall()
        outside = con.execute(
            """SELECT count(*) FROM clusters WHERE employment_lower > employment * (1 + 1e-9) + 1e-6
               OR employment_upper < employment * (1 - 1e-9) - 1e-6""").fetchone()[0]
        # a cluster with no estimated cell (not even one estimated at 0) has no range
        published = con.execute(
            """SELECT count(*) FROM clusters c LEFT JOIN cluster_flags f
                 USING (scheme, region, level, year, category)
               WHERE c.uncertain_share = 0 AND coalesce(f.flags, '') NOT LIKE '%i%'
               AND c.employment IS NOT NULL
               AND abs(c.employment_upper - c.employment_lower) > 1e-6 * c.employment + 1e-6""").fetchone()[0]
        infinite = con.execute("SELECT count(*) FROM clusters WHERE isinf(employment_upper)").fetchone()[0]
    ranges = {c: (lo, hi) for c, _, lo, hi in rows}
    # Wolfsburg's motor vehicles: withheld, at least the 32,858 the totals leave (issue 15:
    # the equal split's 13,911 was below what is feasible)
    assert 30_000 < ranges["C29"][0] < 40_000 < ranges["C29"][1]
    assert ranges["C12"][0] == 0
    assert outside == 0 and published == 0 and infinite == 0
