"""The base table of a NUTS dataset runs per country through the build's engine
(``Compute.map_groups``: in process on DuckDB, ``mapInPandas`` on Spark) when no cell is
estimated, so a country's rows must not depend on which other countries share its group; with
estimation (whose priors pool all countries where one has none) the dataset is one group
(issue 19)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusterobs.core.methodology import Methodology
from clusterobs.pipeline import builder
from clusterobs.sources import declarations
from clusterobs.store.writer import StoreWriter

COUNTRIES = ("AT", "PT", "SI")


def _split(loaded_store: Path, tmp_path: Path, m: Methodology) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The base rows of AT, PT and SI computed together, and each country alone."""
    ds = declarations.get("europe")
    with StoreWriter(tmp_path / "results.duckdb", fresh=True) as writer:
        con = writer.con
        builder.attach_inputs(con, loaded_store, ds, copy=False)
        try:
            context = builder.base_context(con, m, None, ds)
            which = " OR ".join(f"region LIKE '{c}%'" for c in COUNTRIES)
            obs = con.execute(f"""SELECT dataset AS source, region, industry, year::INTEGER AS year, measure,
                                         value, flag FROM {builder.INPUTS}
                                  WHERE measure IN ('employment', 'establishments', 'wages') AND ({which})""").df()
        finally:
            builder.detach_inputs(con)
    keys = ["region", "industry", "year"]
    together = builder.base_rows(obs, context).sort_values(keys, ignore_index=True)
    apart = pd.concat([builder.base_rows(obs[obs["region"].str[:2] == c], context) for c in COUNTRIES],
                      ignore_index=True).sort_values(keys, ignore_index=True)
    assert set(together["region"].str[:2]) == set(COUNTRIES)
    assert list(together.columns) == list(builder.BASE_SCHEMA.names)
    return together, apart


def test_without_estimation_a_countrys_base_rows_do_not_depend_on_the_others(loaded_store: Path,
                                                                              tmp_path: Path) -> None:
    ds = declarations.get("europe")
    m = builder.methodology_for(ds, Methodology()).with_(impute_missing=False)
    assert builder.per_country(ds, m) and ds.geography.has_crosswalk
    together, apart = _split(loaded_store, tmp_path, m)
    pd.testing.assert_frame_equal(together, apart)
    assert len(together) > 10_000 and not together["flags"].str.contains("i").any()


def test_with_estimation_the_dataset_is_one_group(loaded_store: Path, tmp_path: Path) -> None:
    """Estimated alone, a country's withheld cells fall back to other priors than among all
    countries: so the build keeps the dataset whole (builder.per_country)."""
    ds = declarations.get("europe")
    m = builder.methodology_for(ds, Methodology())
    assert m.impute_missing and not builder.per_country(ds, m)
    together, apart = _split(loaded_store, tmp_path, m)
    estimated = together["flags"].str.contains("i")
    assert estimated.sum() > 100
    assert (together["employment_upper"] >= together["employment_lower"])[estimated].all()
    both = together.merge(apart, on=["region", "industry", "year"], suffixes=("", "_alone"))
    differ = (both["employment"] - both["employment_alone"]).abs() > 1e-6
    assert differ.any() and set(both.loc[differ, "flags"].str.contains("i")) == {True}
