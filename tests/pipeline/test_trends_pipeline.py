"""The trends stage on a copy of the real built store: tables, identity, re-runs, queries."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from clusterobs.pipeline import trends as stage
from clusterobs.store import trends_queries as queries
from tests.core.test_trends import real_store  # noqa: F401  (fixture)

MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def built(real_store: Path, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
          ) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, int]]]:
    path = tmp_path_factory.mktemp("trends_stage") / "store.duckdb"
    shutil.copyfile(real_store, path)
    con = duckdb.connect(str(path))
    counts = stage.build_trends(con)
    yield con, counts
    con.close()


def test_tables_and_counts(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, counts = built
    assert set(counts) == set(stage.TABLES)
    for name, columns in stage.TABLES.items():
        got = con.execute(f"SELECT * FROM {name} LIMIT 0").df().columns.tolist()
        assert got == list(columns), name
        rows = con.execute(f"SELECT count(*) FROM {name} WHERE scheme = 'eu-clusters'").fetchone()
        assert rows is not None and rows[0] == counts[name] > 0, name
    years = con.execute("SELECT DISTINCT start_year, end_year FROM shift_share").fetchall()
    assert years == [(2010, 2014)]  # the documented default period


def test_shift_share_identity_in_the_store(built) -> None:
    con, _ = built
    worst, entries = con.execute("""SELECT max(abs(national_effect + industry_mix
        + competitive_effect - actual_change)), count(flag) FROM shift_share""").fetchone()
    assert worst < 1e-6
    assert entries > 0
    # with the all-regions reference, competitive effects cancel within each category
    rs = con.execute("""SELECT max(abs(s)) FROM (SELECT sum(competitive_effect) AS s
        FROM shift_share WHERE scheme = 'eu-clusters' GROUP BY category)""").fetchone()
    assert rs is not None and rs[0] < 1e-5


def test_complexity_and_opportunities(built) -> None:
    con, _ = built
    z = con.execute("""SELECT year, avg(eci), stddev_pop(eci), stddev_pop(coi), count(eci)
                       FROM complexity GROUP BY year""").fetchall()
    assert len(z) == 8
    for _, mean, sd_eci, sd_coi, regions in z:
        # Stata ecomplexity standardises over the R x C region-category rows (ddof 1), so over
        # the R regions the population sd is sqrt(1 - 1/(R C)): C must come out a whole number
        # of traded categories (51 in the scheme, those with employment that year)
        categories = 1 / (regions * (1 - sd_eci**2))
        assert abs(mean) < 1e-9 and abs(categories - round(categories)) < 0.05
        assert 40 <= round(categories) <= 51 and sd_coi == pytest.approx(sd_eci, abs=1e-9)
    bad = con.execute("""SELECT count(*) FROM (SELECT region, min(rank) r0, max(rank) r1,
        count(*) n FROM opportunities GROUP BY region) WHERE r0 <> 1 OR r1 <> n""").fetchone()
    assert bad == (0,)
    traded = con.execute("""SELECT count(*) FROM opportunities o JOIN categories c
        USING (scheme, category) WHERE NOT c.traded""").fetchone()
    assert traded == (0,)  # opportunities are traded categories only


def test_rerun_replaces_only_its_scheme(built) -> None:
    con, counts = built
    other = stage.build_trends(con, scheme="nace-division", start_year=2011, end_year=2013)
    per_scheme = dict(con.execute("SELECT scheme, count(*) FROM shift_share GROUP BY 1").fetchall())
    assert per_scheme == {"eu-clusters": counts["shift_share"],
                          "nace-division": other["shift_share"]}


def test_export_queries(built) -> None:
    con, counts = built
    ss = queries.shift_share(con, scheme="eu-clusters")
    assert tuple(ss.columns) == queries.SHIFT_SHARE_COLUMNS and len(ss) == counts["shift_share"]
    one = queries.shift_share(con, region="DE21")
    assert set(one.region) == {"DE21"} and len(one) > 50
    opp = queries.opportunities(con, region="DE21")
    assert tuple(opp.columns) == queries.OPPORTUNITY_COLUMNS
    assert opp["rank"].tolist() == list(range(1, len(opp) + 1))
    net = queries.relatedness_network(con, top=10)
    assert len(net) == 10 and net["colocation"].is_monotonic_decreasing
    assert net["name_a"].notna().all()
    profile = queries.region_trends(con, "DE21")
    assert set(profile) == {"specialisation", "complexity", "shift_share", "opportunities",
                            "transitions"}
    assert len(profile["specialisation"]) == 8 and len(profile["opportunities"]) == 10


def test_us_agreement_on_store(built) -> None:
    con, _ = built
    rho, n = stage.us_agreement(con, path=MIRROR / stage.US_RELATED)
    assert n == 1225 and rho == pytest.approx(0.531, abs=0.01)
