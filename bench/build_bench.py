"""Build benchmark (issue 3): the full European build vs a plain pandas LQ + ECO stars.

Ours: ``pipeline.build`` on a store holding the loaded data: ECO splitting, NUTS
harmonisation, four schemes x every year and region level, indicators, three rating
methods and the confidence of every rating, written into a new store file.
Baseline: plain pandas on the same (already harmonised) region x industry table: the
eu-clusters aggregation, LQ and eco-classic stars, nothing else (no confidence, no other
scheme or method). Also timed: the US build (published 2016 table, LQ recomputed,
uscmp-strong flags) that ``clusterobs validate uscmp-2016`` runs.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common import best_of, machine, mirror, write_section
from clusterobs import pipeline
from clusterobs.pipeline import builder, validate
from clusterobs.sources.schemes import builtin_schemes
from clusterobs.store import reader


def pandas_lq_and_stars(base: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """The plain pandas baseline: aggregate to categories, LQ, ECO 3 stars."""
    merged = base.merge(weights, on="industry")
    merged["e"] = merged["employment"] * merged["weight"]
    c = merged.groupby(["region", "level", "year", "category"], as_index=False)["e"].sum()
    totals = builder.region_totals(base)[["region", "level", "year", "employment_total"]]
    c = c.merge(totals, on=["region", "level", "year"])
    group = c.groupby(["level", "year", "category"])
    c["lq"] = (c["e"] / c["employment_total"]) / (group["e"].transform("sum") / group["employment_total"].transform("sum"))
    c["share"] = c["e"] / c["employment_total"]

    def top(values: pd.Series) -> pd.Series:
        k = math.ceil(0.1 * values.notna().sum())
        cut = values.nlargest(k).min() if k else np.inf
        return (values >= cut) & (values > 0)

    c["stars"] = (group["e"].transform(top).astype(int) + group["share"].transform(top).astype(int)
                  + (c["lq"] >= 2).astype(int))
    return c


def main() -> dict[str, Any]:
    data = mirror()
    with tempfile.TemporaryDirectory() as tmp:
        loaded = Path(tmp) / "loaded.duckdb"
        pipeline.load(store=loaded)
        store = Path(tmp) / "store.duckdb"

        def ours() -> Any:
            return pipeline.build(store=loaded, out=store)

        ours_s, report = best_of(ours, repeat=2)
        with reader.connect(store) as con:
            base = con.execute("SELECT * FROM region_industry").df()
        weights = builtin_schemes()["eu-clusters"].mapping
        base_s, _ = best_of(lambda: pandas_lq_and_stars(base, weights))
    us_s, _ = best_of(lambda: validate.uscmp_2016(data))
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items() if k != "total")
    write_section("build", f"""## Full European build (issue 3)

| step | best of runs |
|---|---|
| `clusterobs build`: 4 schemes x 8 years x NUTS 0/1/2, 3 methods, confidence ({report.rows['ratings']:,} ratings) | {ours_s:.1f} s |
| plain pandas: eu-clusters aggregation, LQ and ECO stars only (baseline) | {base_s:.1f} s |
| **ratio** | **{ours_s / base_s:.1f}x** the baseline, doing all schemes, methods and confidences (target: build under 10 s) |
| US build: published 2016 table, LQ recomputed, uscmp-strong (states + MSAs) | {us_s:.1f} s |

Steps of the build: {steps}.

Measured on {machine()}.""")
    return {"build_s": ours_s, "pandas_s": base_s, "ratio": ours_s / base_s, "us_s": us_s}


if __name__ == "__main__":
    print(main())
