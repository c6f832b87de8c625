"""The base table computed in the database (datasets without estimation or NUTS conversion)
gives exactly the rows of the pandas path: values, derived parent levels, flags, uncertainty
(published parents included), region levels and business totals (issue 19)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from clusterobs import config, pipeline
from clusterobs.core import synthetic
from clusterobs.core.methodology import Methodology
from clusterobs.pipeline import builder, generate
from clusterobs.sources import declarations
from clusterobs.sources.declarations import Dataset
from clusterobs.store.engine import Connection, memory


def _both(con, ds) -> tuple[tuple[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]:
    m = builder.methodology_for(ds, Methodology())
    assert builder.in_database(ds, m)
    builder.attach_inputs(con, None, ds, copy=False)  # the observations table holds them
    base = builder.region_industry(con, m, 2019, ds)
    totals = builder.region_totals(base, ds, builder.industry_parents(con, ds))
    builder.region_industry_sql(con, m, 2019, ds)
    sql = con.execute("SELECT * FROM region_industry").df()
    sql_totals = con.execute("SELECT * FROM region_totals").df()
    keys, tkeys = ["region", "industry", "year"], ["region", "year"]
    return ((base.sort_values(keys, ignore_index=True), totals.sort_values(tkeys, ignore_index=True)),
            (sql.sort_values(keys, ignore_index=True), sql_totals.sort_values(tkeys, ignore_index=True)))


def _flagged_data() -> tuple[Connection, list[Dataset]]:
    """A generated dataset in an in-memory database, with flags that make values uncertain
    and a division published beside its classes; the dataset as declared with those flags,
    and with declared total industries."""
    pipeline.load(["nace"])
    generate.generate("gen-eq", 6000, 9, sizes=synthetic.Sizes(2, 3, 6, 2017, 2020))
    con = memory()
    con.execute(f"ATTACH '{config.store_path()}' AS s (READ_ONLY)")
    for table in ("observations", "regions", "industries"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}")
    con.execute("""UPDATE observations SET flag = CASE WHEN hash(region, industry, year) % 5 = 0 THEN 'e'
                   WHEN hash(region, industry, year) % 5 = 1 THEN 'p' ELSE flag END WHERE value IS NOT NULL""")
    con.execute("""INSERT INTO observations SELECT dataset, region, nuts_version, 'C10', classification, year,
                   measure, sum(value) + 1, NULL, NULL FROM observations WHERE industry LIKE 'C10%'
                   GROUP BY ALL""")
    ds = declarations.get("gen-eq")
    src = replace(ds.sources[0], flags={"c": "confidential", "e": "estimated", "p": "provisional"})
    flagged = replace(ds, sources=(src,))
    return con, [flagged, replace(flagged, total_industries=("C", "G"))]


def _sorted(con: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = con.execute("SELECT * FROM region_industry").df()
    totals = con.execute("SELECT * FROM region_totals").df()
    keys = ["region", "industry", "year"]
    assert rows[keys].equals(rows[keys].sort_values(keys, ignore_index=True))  # stored in key order
    return rows.sort_values(keys, ignore_index=True), totals.sort_values(["region", "year"], ignore_index=True)


def test_sql_base_table_equals_the_pandas_one(isolated_var: Path) -> None:
    con, variants = _flagged_data()
    for variant in variants:
        (base, totals), (sql, sql_totals) = _both(con, variant)
        pd.testing.assert_frame_equal(base, sql, check_dtype=False)
        pd.testing.assert_frame_equal(totals, sql_totals[totals.columns], check_dtype=False)
        assert sql["uncertain"].any() and (sql["flags"] == "e").any() and (sql["flags"] == "p").any()
        assert sql["year"].max() == 2019  # max_year
    # the published division keeps its own value (sum + 1), and is uncertain when a class is
    c10 = sql[sql["industry"] == "C10"].set_index(["region", "year"])
    classes = sql[sql["industry"].str.match(r"C10\d\d")].groupby(["region", "year"])
    assert (c10["employment"] > classes["employment"].sum()).all()
    assert (c10["uncertain"] == classes["uncertain"].any()).all()
    # region levels from the hierarchy; business totals of the declared sections only where both exist
    assert set(sql["level"]) == {2}
    assert len(sql_totals) > 0


@pytest.mark.spark
def test_spark_base_table_equals_the_sql_one(isolated_var: Path, tmp_path: Path) -> None:
    """The base table a Spark build computes on its executors (Ibis over the observation rows
    handed over as Parquet): the same rows and totals as the SQL, in key order, with the
    uncertainty carried up to published and derived parents."""
    from clusterobs.store import spark as spark_store

    con, variants = _flagged_data()
    with spark_store.session("local[1]", tmp_path / "scratch") as spark:
        for variant in variants:
            m = builder.methodology_for(variant, Methodology())
            builder.attach_inputs(con, None, variant, copy=False)
            builder.region_industry_sql(con, m, 2019, variant)
            sql, sql_totals = _sorted(con)
            builder.region_industry_engine(builder.Compute(con, spark, tmp_path / "scratch"), m, 2019, variant)
            rows, totals = _sorted(con)
            pd.testing.assert_frame_equal(sql, rows, check_dtype=False)
            pd.testing.assert_frame_equal(sql_totals, totals, check_dtype=False)
            assert rows["uncertain"].any() and not rows["uncertain"].all()
            assert {"e", "p", ""} <= set(rows["flags"])
            assert rows["industry"].str.len().min() == 1  # sections derived
