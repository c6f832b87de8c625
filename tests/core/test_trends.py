"""Trends analysis (methodology §6): shift-share, specialisation, trends, transitions."""

from __future__ import annotations

import doctest
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest

from clusterobs.core import trends
from clusterobs.errors import MethodError


@pytest.fixture(scope="session")
def real_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's built real-data results (Europe).

    The copy keeps tests independent of another process replacing the store meanwhile.
    """
    source = request.getfixturevalue("built_store")
    copy = tmp_path_factory.mktemp("trends") / "store.duckdb"
    shutil.copyfile(source, copy)
    return copy


@pytest.fixture()
def real_con(real_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(real_store), read_only=True)
    yield con
    con.close()


def frame(rows: list[tuple]) -> ibis.Table:
    return ibis.memtable(pd.DataFrame(rows, columns=["region", "category", "year", "employment"]))


def test_docstring_examples() -> None:
    result = doctest.testmod(trends, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_shift_share_methodology_example() -> None:
    # §6: E0 100, E1 130; g_c = (130 + 970)/(100 + 900) - 1 = 0.10;
    # g_R from totals (1020 + 4080)/(1000 + 4000) - 1 = 0.02
    # NS = 100·0.02 = 2; IM = 100·(0.10 - 0.02) = 8; RS = 100·(0.30 - 0.10) = 20; sum 30
    c = frame([("A", "x", 2010, 100.0), ("A", "x", 2014, 130.0),
               ("B", "x", 2010, 900.0), ("B", "x", 2014, 970.0)])
    tot = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "year": [2010, 2014] * 2,
                                      "employment_total": [1000.0, 1020, 4000, 4080]}))
    out = trends.shift_share(c, 2010, 2014, totals=tot).to_pandas().set_index("region")
    a = out.loc["A"]
    assert a["national_effect"] == pytest.approx(2.0)
    assert a["industry_mix"] == pytest.approx(8.0)
    assert a["competitive_effect"] == pytest.approx(20.0)
    assert a["actual_change"] == pytest.approx(30.0)
    assert trends.check_identity(out.reset_index()) == 2


def test_shift_share_base_zero_and_missing() -> None:
    # B-x enters from 0: RS = E1 = 50, NS = IM = 0, flag entry; C-x has no 2014 value: left out
    c = frame([("A", "x", 2010, 100.0), ("A", "x", 2014, 110.0), ("B", "x", 2010, 0.0),
               ("B", "x", 2014, 50.0), ("C", "x", 2010, 10.0), ("C", "x", 2014, None)])
    out = trends.shift_share(c, 2010, 2014).to_pandas().set_index("region")
    assert sorted(out.index) == ["A", "B"]
    b = out.loc["B"]
    assert (b["national_effect"], b["industry_mix"], b["competitive_effect"]) == (0.0, 0.0, 50.0)
    assert b["flag"] == "entry"
    # without totals g_R = Σ cells: (110 + 50)/(100 + 0) - 1 = 0.6 = g_c, so IM(A) = 0
    assert out.loc["A", "industry_mix"] == pytest.approx(0.0)
    assert out.loc["A", "competitive_effect"] == pytest.approx(100 * (0.1 - 0.6))


def test_shift_share_country_reference_and_region_totals() -> None:
    # Two countries: g_R and g_c per country. AT1 x 100 -> 120 alone in AT: RS = 0
    c = frame([("AT1", "x", 2010, 100.0), ("AT1", "x", 2014, 120.0),
               ("BE1", "x", 2010, 100.0), ("BE1", "x", 2014, 90.0),
               ("BE1", "y", 2010, 100.0), ("BE1", "y", 2014, 130.0)])
    out = trends.shift_share(c, 2010, 2014, reference="country").to_pandas()
    at = out[out.region == "AT1"].iloc[0]
    assert at["competitive_effect"] == pytest.approx(0.0)
    assert at["national_effect"] == pytest.approx(20.0)
    totals = trends.region_shift_share(trends.shift_share(c, 2010, 2014)).to_pandas()
    be = totals.set_index("region").loc["BE1"]
    assert be["actual_change"] == pytest.approx(20.0)
    assert be[list(trends.SHIFT_SHARE_EFFECTS)].sum() == pytest.approx(20.0)
    with pytest.raises(MethodError, match="reference"):
        trends.shift_share(c, 2010, 2014, reference="nuts1")
    with pytest.raises(MethodError, match="start_year < end_year"):
        trends.shift_share(c, 2014, 2010)


def test_check_identity_names_the_bad_cell() -> None:
    bad = pd.DataFrame({"region": ["A"], "category": ["x"], "employment_start": [100.0],
                        "employment_end": [130.0], "actual_change": [30.0],
                        "national_effect": [2.0], "industry_mix": [8.0],
                        "competitive_effect": [21.0]})
    with pytest.raises(MethodError, match="A x x"):
        trends.check_identity(bad)


def test_specialisation_indices_tiny_table() -> None:
    # A: x 30, y 10, total 50 -> unassigned 10; B: x 10, y 50, total 60 -> unassigned 0
    # E = 110: s(x) = 40/110, s(y) = 60/110, s(unassigned) = 10/110
    # A: shares 0.6, 0.2, 0.2; K = |0.6 - 40/110| + |0.2 - 60/110| + |0.2 - 10/110|
    c = frame([("A", "x", 2014, 30.0), ("A", "y", 2014, 10.0),
               ("B", "x", 2014, 10.0), ("B", "y", 2014, 50.0)])
    tot = ibis.memtable(pd.DataFrame({"region": ["A", "B"], "year": 2014,
                                      "employment_total": [50.0, 60.0]}))
    out = trends.specialisation(c, tot).to_pandas().set_index("region")
    k_a = abs(0.6 - 40 / 110) + abs(0.2 - 60 / 110) + abs(0.2 - 10 / 110)
    assert out.loc["A", "krugman"] == pytest.approx(k_a)
    assert out.loc["A", "hoover"] == pytest.approx(k_a / 2)
    assert out.loc["A", "herfindahl"] == pytest.approx(0.36 + 0.04 + 0.04)
    # B has no unassigned rest: K = |1/6 - 40/110| + |5/6 - 60/110| + |0 - 10/110|
    assert out.loc["B", "krugman"] == pytest.approx(abs(1 / 6 - 40 / 110) + abs(5 / 6 - 60 / 110)
                                                    + 10 / 110)
    assert out.loc["B", "herfindahl"] == pytest.approx(1 / 36 + 25 / 36)


def test_specialisation_total_below_categories_and_missing_cells() -> None:
    # A's total 20 < Σ categories 40: E*(A) = 40 (no negative rest); B lacks y (treated as 0)
    c = frame([("A", "x", 2014, 30.0), ("A", "y", 2014, 10.0), ("B", "x", 2014, 10.0)])
    tot = ibis.memtable(pd.DataFrame({"region": ["A", "B"], "year": 2014,
                                      "employment_total": [20.0, 10.0]}))
    out = trends.specialisation(c, tot).to_pandas().set_index("region")
    assert out.loc["A", "herfindahl"] == pytest.approx(0.75**2 + 0.25**2)
    # s(x) = 40/50, s(y) = 10/50; B = (1, 0): K = 0.2 + 0.2
    assert out.loc["B", "krugman"] == pytest.approx(0.4)


def test_concentration_and_index_change() -> None:
    c = frame([("A", "x", 2010, 30.0), ("A", "y", 2010, 10.0), ("B", "x", 2010, 10.0),
               ("B", "y", 2010, 50.0), ("A", "x", 2014, 20.0), ("A", "y", 2014, 20.0),
               ("B", "x", 2014, 20.0), ("B", "y", 2014, 40.0)])
    conc = trends.concentration(c).to_pandas().set_index(["category", "year"])
    # 2014 x: A 0.5, B 0.5; regions 40/100, 60/100: HL = ½(0.1 + 0.1) = 0.1; HHI_geo = 0.5
    assert conc.loc[("x", 2014), "hoover_location"] == pytest.approx(0.1)
    assert conc.loc[("x", 2014), "herfindahl_geo"] == pytest.approx(0.5)
    spec = trends.specialisation(c)
    change = trends.index_change(spec, 2010, 2014).to_pandas().set_index("region")
    # A 2010: 0.75/0.25 vs 0.4/0.6 -> K 0.7; 2014: 0.5/0.5 vs 0.4/0.6 -> K 0.2
    assert change.loc["A", "krugman_start"] == pytest.approx(0.7)
    assert change.loc["A", "krugman_change"] == pytest.approx(-0.5)


def test_period_growth_and_cluster_trends() -> None:
    c = ibis.memtable(pd.DataFrame({
        "region": ["A"] * 3 + ["B"] * 3, "category": "x", "year": [2010, 2011, 2012] * 2,
        "employment": [100.0, 110, 121, 100, 90, 80], "lq": [1.0, 1.1, 1.2, 1.0, 0.9, 0.95]}))
    g = trends.period_growth(c, 2010, 2012).to_pandas().set_index("region")
    assert g.loc["A", "growth"] == pytest.approx(0.21)
    assert g.loc["A", "cagr"] == pytest.approx(0.10)
    t = trends.cluster_trends(c, 2010, 2012).to_pandas().set_index("region")
    assert t.loc["A", "trend"] == "rising"
    # B: employment slope -10/90, LQ slope (-0.05)/2 = -0.025 -> declining
    assert t.loc["B", "lq_slope"] == pytest.approx(-0.025)
    assert t.loc["B", "employment_trend"] == pytest.approx(-10 / 90)
    assert t.loc["B", "trend"] == "declining"
    assert trends.cluster_trends(c, 2010, 2011).count().to_pyarrow().as_py() == 0  # < 3 years


def test_transitions() -> None:
    r = ibis.memtable(pd.DataFrame({
        "scheme": "s", "method": "m", "region": ["A", "B", "C", "A", "B"], "category": "x",
        "year": [2010, 2010, 2010, 2014, 2014], "stars": [1, 3, 0, 2, 1]}))
    tr = trends.transitions(r, 2010, 2014).to_pandas().set_index("region")
    assert sorted(tr.index) == ["A", "B"]  # C is not rated in 2014
    assert tr.loc["B", ["stars_start", "stars_end"]].tolist() == [3, 1]
    m = trends.transition_matrix(trends.transitions(r, 2010, 2014)).to_pandas()
    assert sorted(m["change"]) == ["gained", "lost"]


def test_default_period_rule() -> None:
    cov = pd.DataFrame([(r, y) for r in "ABCDEFGHIJKLMNOPQRST" for y in range(2008, 2016)],
                       columns=["region", "year"])
    assert trends.default_period(cov) == (2008, 2015)
    # one region of 20 (5%) missing 2015 still allows 2008 -> 2015 at 95%; two do not
    late = cov[~((cov.region.isin(["A", "B"])) & (cov.year == 2015))]
    assert trends.default_period(late) == (2008, 2014)
    with pytest.raises(MethodError):
        trends.default_period(cov[cov.year == 2010])


def test_shift_share_identity_on_real_data(real_con: duckdb.DuckDBPyConnection) -> None:
    """Every region and category of every scheme and level, over the default 2010 -> 2014."""
    engine = ibis.duckdb.from_connection(real_con)
    clusters, totals = engine.table("clusters"), engine.table("region_totals")
    checked = 0
    for scheme in ("eu-clusters", "nace-division", "emerging", "ecosystems"):
        for level in (0, 1, 2):
            c = clusters.filter(clusters.scheme == scheme, clusters.level == level)
            t = totals.filter(totals.level == level)
            out = trends.shift_share(c, 2010, 2014, totals=t).to_pandas()
            checked += trends.check_identity(out)
            ends = c.filter(c.year.isin([2010, 2014]), c.employment.notnull())
            cells = ends.group_by(["region", "category"]).aggregate(n=ends.count())
            assert len(out) == cells.filter(cells.n == 2).count().to_pyarrow().as_py() > 0
    assert checked > 50_000


def test_default_period_on_real_data(real_con: duckdb.DuckDBPyConnection) -> None:
    cov = real_con.execute("""SELECT region, year::INTEGER AS year FROM clusters
        WHERE scheme = 'eu-clusters' AND level = 2 GROUP BY ALL HAVING sum(employment) > 0""").df()
    assert trends.default_period(cov) == (2010, 2014)
