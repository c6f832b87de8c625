"""The full build on the real European data: invariants, an independent re-computation,
published validations and atomicity."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusterobs import pipeline
from clusterobs.pipeline import builder, validate
from clusterobs.store import reader


@pytest.fixture(scope="module")
def con(built_store: Path):
    with reader.connect(built_store) as c:
        yield c


def test_every_scheme_method_year_and_level_is_rated(con) -> None:
    got = con.execute("""SELECT scheme, method, count(DISTINCT year), count(DISTINCT level),
                                min(confidence), max(confidence) FROM ratings GROUP BY ALL""").fetchall()
    combos = {(s, m) for s, m, *_ in got}
    assert combos == {(s, m) for s in ("nace-division", "eu-clusters", "emerging", "ecosystems")
                      for m in ("eco-classic", "panorama")} | {("eu-clusters", "uscmp-strong")}
    for _, _, years, levels, low, high in got:
        assert years == 8 and levels == 3 and 0.0 <= low <= high <= 1.0


def test_cluster_employment_equals_an_independent_aggregation(con) -> None:
    base = con.execute("""SELECT industry, employment FROM region_industry
                          WHERE region = 'DE21' AND year = 2014""").df().set_index("industry")["employment"]
    weights = con.execute("""SELECT industry, weight FROM scheme_weights
                             WHERE scheme = 'eu-clusters' AND category = '4'""").df()
    expected = sum(w * base.get(i, 0.0) for i, w in zip(weights["industry"], weights["weight"], strict=True)
                   if not math.isnan(base.get(i, 0.0)))
    got = con.execute("""SELECT employment FROM clusters WHERE scheme = 'eu-clusters'
                         AND region = 'DE21' AND year = 2014 AND category = '4'""").fetchone()[0]
    assert got == pytest.approx(expected, rel=1e-9)
    assert 60_000 < got < 120_000  # Oberbayern's automotive cluster (BMW, MAN, Audi suppliers)


def test_divisions_scheme_adds_up_to_the_region(con) -> None:
    rows = con.execute("""
        WITH c AS (SELECT region, year, sum(employment) e FROM clusters
                   WHERE scheme = 'nace-division' AND level = 2 GROUP BY ALL),
             d AS (SELECT region, year, sum(employment) e FROM region_industry
                   WHERE level = 2 AND regexp_full_match(industry, '[A-Z][0-9]{2}') GROUP BY ALL)
        SELECT max(abs(c.e - d.e) / d.e) FROM c JOIN d USING (region, year) WHERE d.e > 0""").fetchone()
    assert rows[0] < 1e-9


def test_base_weighted_mean_lq_is_one(con) -> None:
    rows = con.execute("""
        SELECT c.category, sum(c.lq * t.employment_total) / sum(t.employment_total)
        FROM clusters c JOIN region_totals t USING (region, level, year)
        WHERE c.scheme = 'eu-clusters' AND c.level = 2 AND c.year = 2014 AND c.lq IS NOT NULL
        GROUP BY ALL""").fetchall()
    assert len(rows) >= 60  # categories whose industries SBS does not cover have no rows
    assert all(v == pytest.approx(1.0, rel=1e-9) for _, v in rows)


def eco_stars_pandas(df: pd.DataFrame) -> pd.Series:
    """An independent, plain pandas ECO 3-star rating (methodology §4a)."""
    def top(values: pd.Series) -> pd.Series:
        present = values.dropna()
        k = math.ceil(0.10 * len(present))
        cut = present.sort_values(ascending=False).iloc[k - 1] if k else np.inf
        return (values >= cut) & (values > 0)

    size = df.groupby("category")["employment"].transform(top)
    focus = df.groupby("category")["share_region"].transform(top)
    return size.astype(int) + focus.astype(int) + (df["lq"] >= 2.0).astype(int)


def test_eco_classic_equals_a_plain_pandas_implementation(con) -> None:
    df = reader.clusters(con, "eu-clusters", "eco-classic", year=2014, level=2)
    assert len(df) > 15_000
    expected = eco_stars_pandas(df)
    # clusters of regions without a complete business total are not rated (NULL), the rest
    # must equal the independent implementation
    rated = df["stars"].notna().to_numpy()
    assert rated.sum() > 15_000
    assert (expected.to_numpy()[rated] == df["stars"].to_numpy()[rated]).all()


def test_published_validations(mirror: Path) -> None:
    us = validate.uscmp_2016(mirror)
    assert [a.name for a in us] == ["strong, state", "strong, msa"]
    assert all(a.rate >= 0.995 for a in us)  # issue 3: at least 99.5 % of cells
    assert us[0].published_true == 512 and us[1].published_true == 5887  # §4c V-US1


def test_eurostat_derived_indicators(loaded_store: Path) -> None:
    results = validate.eurostat_derived(loaded_store)
    assert all(a.cells > 50_000 and a.rate >= 0.99 for a in results)


def test_interrupted_build_leaves_the_store_intact(loaded_store: Path, tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copyfile(loaded_store, store)
    before = store.read_bytes()
    calls = []

    real = builder._rate_pass

    def halfway(con, rated, table, methods, m):
        calls.append(methods)
        if len(calls) == 2:  # after the first ratings were written
            raise KeyboardInterrupt
        real(con, rated, table, methods, m)

    monkeypatch.setattr(builder, "_rate_pass", halfway)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(store=store, out=store)
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb", "store.duckdb.lock"]


def test_results_do_not_repeat_the_loaded_observations(con, loaded_store: Path) -> None:
    """A build reads the dataset's observations from the loaded store (attached read-only)
    instead of copying them (an edition copies them: tests/pipeline/test_editions.py)."""
    assert con.execute("SELECT count(*) FROM observations").fetchone() == (0,)
    with reader.connect(loaded_store) as src:
        assert src.execute("SELECT count(*) FROM observations").fetchone()[0] > 1_000_000
    # nothing in the results file refers to the loaded store (attached for the build only)
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND sql LIKE '%src.%'").fetchone() == (0,)
    # `ratings` is a view of the read model, with the ratings table's declared columns
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'ratings'").fetchone()
    assert kind == ("VIEW",)
