"""A generated dataset end to end: `data generate` -> `build` -> stars (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from clusterobs import config, pipeline
from clusterobs.cli import app
from clusterobs.core import synthetic
from clusterobs.sources import declarations
from clusterobs.store import reader


def test_generated_dataset_registers_and_builds_with_stars(isolated_var: Path) -> None:
    pipeline.load(["nace"])
    runner = CliRunner()
    result = runner.invoke(app, ["data", "generate", "--name", "gen-tiny", "--rows", "30000", "--seed", "4",
                                 "--regions", "3,6,12", "--years", "2016-2020"])
    assert result.exit_code == 0, result.output
    assert "30,000 rows" in result.output
    ds = declarations.get("gen-tiny")
    assert ds.user and ds.scheme_detail == "class" and ds.sources[0].flags == {"c": "confidential"}
    data = pd.read_parquet(Path(ds.sources[0].file))
    assert len(data) == 30000 and data["industry"].nunique() <= 615
    with reader.connect(config.store_path()) as con:
        n = con.execute("SELECT count(*), count(value), count(*) FILTER (WHERE flag = 'c') FROM observations "
                        "WHERE dataset = 'gen-tiny' AND measure = 'employment'").fetchone()
        levels = dict(con.execute("SELECT level, count(*) FROM regions WHERE geography = 'user:gen-tiny' "
                                  "GROUP BY 1").fetchall())
    assert n == (30000, 30000 - int(data["flag"].eq("c").sum()), int(data["flag"].eq("c").sum()))
    assert levels == {0: 3, 1: 6, 2: 12}
    result = runner.invoke(app, ["build", "--dataset", "gen-tiny"])
    assert result.exit_code == 0, result.output
    with reader.connect(config.results_path("gen-tiny")) as con:
        emp = con.execute("SELECT sum(employment) FROM region_industry WHERE length(industry) = 5").fetchone()
        stars = con.execute("SELECT method, max(stars), count(*) FILTER (WHERE stars >= 2) FROM ratings "
                            "GROUP BY 1 ORDER BY 1").fetchall()
    # the classes' published employment, as generated
    assert emp[0] == data["employment"].sum()
    assert {m for m, top, rated in stars if top and top >= 2 and rated > 0} >= {"eco-classic", "panorama"}


def test_bad_options_are_one_line_errors(isolated_var: Path) -> None:
    pipeline.load(["nace"])
    runner = CliRunner()
    for args, message in ((["--rows", "10", "--years", "2020"], "expected FIRST-LAST"),
                          (["--rows", "10", "--regions", "3,6"], "expected COUNTRIES,LARGER,SMALL"),
                          (["--rows", "999999999", "--regions", "1,1,1"], "rows must be 1-"),
                          (["--rows", "0"], "positive number of rows")):
        result = runner.invoke(app, ["data", "generate", "--name", "gen-bad", *args])
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output
    assert not (declarations.user_dir() / "gen-bad.yaml").exists()


def test_a_build_in_slices_of_regions_gives_the_same_tables(isolated_var: Path, monkeypatch) -> None:
    """The base table and the clusters computed a slice of regions at a time (what keeps a
    20M-row build's joins and sorts small) give the rows of one pass, in the same sorted order."""
    from clusterobs.pipeline import builder, generate
    from clusterobs.store import readmodels

    pipeline.load(["nace"])
    generate.generate("gen-slices", 20000, 5, sizes=synthetic.Sizes(2, 3, 8, 2016, 2020))
    whole = builder.build(dataset="gen-slices", out=isolated_var / "whole.duckdb")
    monkeypatch.setattr(builder, "BASE_SLICE_ROWS", 9000)
    monkeypatch.setattr(builder, "CLUSTER_SLICE_ROWS", 12000)
    monkeypatch.setattr(readmodels, "SLICE_ROWS", 700)  # the read model's slices, and the growth notes'
    monkeypatch.setattr(builder, "RATING_SLICE_ROWS", 400)  # the rating passes: a few years at a time
    made: list[int] = []
    slices = builder.key_ranges
    monkeypatch.setattr(builder, "key_ranges", lambda *a: made.append(len(slices(*a))) or slices(*a))
    sliced = builder.build(dataset="gen-slices", out=isolated_var / "sliced.duckdb")
    assert made[0] == 8 and 1 < made[1] < 8  # the base table a region at a time, the clusters a few
    assert max(made[2:]) > 1  # a scheme's years in several rating passes
    assert whole.rows == sliced.rows
    tables = {"region_industry": "region, industry, year", "region_totals": "region, year",
              "clusters": "scheme, region, year, category", "cluster_view": "scheme, region, year, category"}
    with reader.connect(isolated_var / "whole.duckdb") as a, reader.connect(isolated_var / "sliced.duckdb") as b:
        for table, key in tables.items():
            # the rows in their stored order: the sliced build wrote them sorted too
            left = a.execute(f"SELECT * FROM {table} ORDER BY rowid").df()
            right = b.execute(f"SELECT * FROM {table} ORDER BY rowid").df()
            assert len(right) >= 40
            pd.testing.assert_frame_equal(left, right, obj=table)
            assert right.equals(b.execute(f"SELECT * FROM {table} ORDER BY {key}").df()), table
        ratings = "SELECT * FROM ratings ORDER BY scheme, method, region, year, category"
        pd.testing.assert_frame_equal(a.execute(ratings).df(), b.execute(ratings).df(), obj="ratings")
        notes = b.execute("SELECT count(growth_5y_note) FROM cluster_view").fetchone()
        assert notes[0] > 0  # why a growth rate is empty, from the sliced self-joins
