"""Category purity written into a copy of the built store, and the apportioned share of clusters."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from clusterobs.core.schemes import category_purity
from clusterobs.pipeline.purity import reference, write_purity
from clusterobs.reports import purity
from clusterobs.store import engine, queries, reader

SCHEME = "eu-clusters"


@pytest.fixture(scope="module")
def store_with_purity(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built Europe results with ``write_purity`` run on it (as the build will)."""
    copy = tmp_path_factory.mktemp("purity") / "europe.duckdb"
    shutil.copyfile(built_store, copy)
    con = engine.connect(copy)
    try:
        before = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert write_purity(con) > 0
        after = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert after - before == {"category_purity"} or "category_purity" in before
    finally:
        con.close()
    return copy


@pytest.fixture()
def con(store_with_purity: Path) -> Iterator[engine.Connection]:
    connection = reader.connect(store_with_purity)
    yield connection
    connection.close()


def test_purity_table_has_one_value_per_category(con: engine.Connection) -> None:
    table = con.execute("SELECT * FROM category_purity").df()
    assert list(table.columns) == ["scheme", "category", "purity"]
    assert not table.duplicated(["scheme", "category"]).any()
    assert table["purity"].dropna().between(0, 1).all()
    crisp = table[table["scheme"] == "nace-division"]["purity"]
    assert len(crisp) > 60 and (crisp == 1).all()  # whole divisions: purity 1
    eu = table[table["scheme"] == SCHEME].set_index("category")["purity"]
    assert eu["43"] == pytest.approx(1.0)  # Tobacco = C12 entirely
    assert eu["20"] < 0.05  # Forestry: SBS has no A02, only slivers of wood products remain
    assert 0.3 < eu.median() < 0.7


def test_purity_is_computed_at_the_data_level_with_the_reference_year(con: engine.Connection) -> None:
    level, year = reference(con)  # type: ignore[misc]
    assert (level, year) == (0, 2014)  # 2015 covers only part of the countries
    e = con.execute("""SELECT industry, sum(employment) AS e FROM region_industry
                       WHERE level = ? AND year = ? GROUP BY 1""", [level, year]).df().set_index("industry")["e"]
    weights = con.execute("SELECT industry, category, weight FROM scheme_weights WHERE scheme = ?", [SCHEME]).df()
    by_hand = category_purity(weights[weights["industry"].isin(e.index)], e).set_index("category")["purity"]
    stored = purity.category_purity(con, SCHEME)
    assert stored["4"] == pytest.approx(by_hand["4"])  # Automotive
    assert stored["4"] < 0.6


def test_apportioned_share_by_hand(con: engine.Connection) -> None:
    ri = con.execute("""SELECT industry, employment FROM region_industry
                        WHERE region = 'ITH5' AND year = 2014""").df()
    w = con.execute("SELECT industry, category, weight FROM scheme_weights WHERE scheme = ?", [SCHEME]).df()
    main = w.groupby("industry")["weight"].transform("max")
    rest = 1 - w.groupby("industry")["weight"].transform("sum")
    w = w.assign(minor=w["weight"] < pd.concat([main, rest], axis=1).max(axis=1))
    t = ri.merge(w, on="industry")
    t = t[t["category"] == "49"].assign(e=lambda d: d["employment"] * d["weight"])
    expected = t.loc[t["minor"], "e"].sum() / t["e"].sum()
    got = purity.apportioned(con, SCHEME, year=2014, region="ITH5", category="49")
    assert got["apportioned_share"].iloc[0] == pytest.approx(expected)
    assert expected > 0.99  # ceramic tiles come from C23, mainly local construction materials
    auto = purity.apportioned(con, SCHEME, year=2014, region="DE11", category="4")["apportioned_share"].iloc[0]
    assert auto < 0.5  # Stuttgart's Automotive is C29's main part


def test_a_store_without_the_table_gives_no_purity(built_store: Path) -> None:
    with reader.connect(built_store) as plain:
        if not reader.has_table(plain, "category_purity"):
            assert purity.category_purity(plain, SCHEME) == {}
        frame = purity.annotate(plain, reader.clusters(plain, SCHEME, "eco-classic", year=2014,
                                                       region="DE11"), SCHEME)
    assert {"traded", "purity", "apportioned_share", "apportioned"} <= set(frame.columns)
    assert frame.loc[frame["employment"] > 0, "apportioned_share"].notna().all()


def test_category_page_shows_the_purity(con: engine.Connection) -> None:
    from clusterobs.portal.explorer import pages
    from clusterobs.portal.filters import Filters

    f = Filters(scheme=SCHEME, method="eco-classic", year=2014, level=2, category="49")
    page = pages.category_page(con, f, queries.category(con, SCHEME, "49"))
    assert page.context["purity"] == pytest.approx(purity.category_purity(con, SCHEME)["49"])
    assert page.context["apportioned_count"] > 0
    regions = page.tables["regions"]
    assert "purity" in regions and regions.loc[regions["region"] == "ITH5", "apportioned"].item()
