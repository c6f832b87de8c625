"""Hold-out benchmark of the estimation of confidential cells (methodology §5.2b).

Reads the real Eurostat SBS file (``sbs_r_nuts06_r2``: employment V16110, local units
V11210, wages V13320) with :mod:`clusterobs.sources.eurostat` into an in-memory DuckDB,
hides published employment cells chosen to resemble the confidential ones plus a random
sample (:func:`clusterobs.core.estimation.holdout_cells`), estimates them with the ECO equal
split and with the constrained estimator on the same cells, and reports the median absolute
percentage error (MdAPE), the share within ±25% and whether the feasible range contains
the truth. Also counts, on the full file, estimated wage cells above EUR 0.3 m per person.

Usage (from the repository root)::

    .venv/bin/python -m bench.estimation_bench [--seed 0] [--like 4000] [--random 2000] [--no-write]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from bench.common import machine, mirror, write_section
from clusterobs.core import estimation, imputation
from clusterobs.sources import eurostat

FILE = Path("eurostat_sbs_regional") / "sbs_r_nuts06_r2.tsv.gz"
CODES = {"V16110": "employment", "V11210": "establishments", "V13320": "wages"}
METHODS = ("equal", "constrained")


def load(path: Path) -> pd.DataFrame:
    """The long table ``region, industry, year, measure, value, flag`` of the three measures
    (extra-regio ``..Z`` codes left out, as in the build)."""
    con = duckdb.connect()
    try:
        eurostat.load_bulk_tsv(con, path, "sbs")
        df = con.execute(
            """SELECT geo AS region, nace_r2 AS industry, year, indic_sb AS measure, value, flag
               FROM sbs WHERE indic_sb IN ('V16110', 'V11210', 'V13320') AND year IS NOT NULL
               AND NOT regexp_full_match(geo, '[A-Z]{2}[0-9A-Z]*Z')""").df()
    finally:
        con.close()
    df["measure"] = df["measure"].map(CODES)
    return df


def _table(summary: pd.DataFrame) -> str:
    lines = ["| cells | method | cells | MdAPE | within ±25% | range contains truth |",
             "|---|---|---:|---:|---:|---:|"]
    for _, r in summary.iterrows():
        lines.append(f"| {r['subset']} | {r['method']} | {r['cells']:,} | {r['mdape']:.1%} | "
                     f"{r['within_25']:.1%} | {r['range_contains']:.1%} |")
    return "\n".join(lines)


def _wage_outliers(df: pd.DataFrame, hierarchy: pd.DataFrame) -> dict[str, int]:
    """Estimated wage cells with wage per person above EUR 0.3 m, per method (full file)."""
    out = {}
    keys = ["region", "industry", "year"]
    for name in METHODS:
        est = estimation.estimate_missing(df, hierarchy, method=name)  # type: ignore[arg-type]
        wide = est.pivot_table(index=keys, columns="measure", values="value", aggfunc="first")
        imputed = est[est["measure"] == "wages"].set_index(keys)["imputed"]
        wide = wide.join(imputed.rename("w_imputed"), how="inner")
        wpp = wide["wages"] / wide["employment"]
        out[name] = int(((wpp > 0.3) & wide["w_imputed"] & (wide["employment"] > 0)).sum())
        out[f"{name}_estimated"] = int(wide["w_imputed"].sum())
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the hold-out; print, write docs/benchmarks.md (unless --no-write) and return it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--like", type=int, default=4000)
    parser.add_argument("--random", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    df = load(mirror() / FILE)
    hierarchy = imputation.sbs_industry_hierarchy(df["industry"].unique())
    hidden = estimation.holdout_cells(df, hierarchy, n_like=args.like, n_random=args.random,
                                      seed=args.seed)
    t0 = time.perf_counter()
    cells = estimation.holdout_run(df, hidden, hierarchy, methods=METHODS, seed=args.seed)
    run_s = time.perf_counter() - t0
    width = cells["constrained_upper"] - cells["constrained_lower"]
    subsets = {
        "all hidden": np.ones(len(cells), dtype=bool),
        "not fixed by the constraints": (width > 1e-6 * cells["truth"].abs() + 1e-9).to_numpy(),
        **{f"kind {k}": (cells["kind"] == k).to_numpy() for k in ("like", "series", "complement",
                                                                   "random")},
        **{f"prior {p}": (cells["constrained_prior"] == p).to_numpy()
           for p in ("trend", "wages", "units", "split")},
    }
    parts = [estimation.holdout_summary(cells[m], METHODS).assign(subset=s)
             for s, m in subsets.items() if m.any()]
    summary = pd.concat(parts, ignore_index=True)
    wages = _wage_outliers(df, hierarchy)
    headline = summary[summary["subset"] == "all hidden"].set_index("method")
    ratio = headline.loc["constrained", "mdape"] / headline.loc["equal", "mdape"]
    text = (f"`python -m bench.estimation_bench` (seed {args.seed}): Eurostat `sbs_r_nuts06_r2`, "
            f"{len(cells):,} published employment cells hidden ({args.like:,} drawn like the "
            f"confidential ones, {args.random:,} at random, plus whole series and complements; "
            f"`clusterobs.core.estimation.holdout_cells`), both methods on the same cells "
            f"(positive truth). Constrained MdAPE = {ratio:.2f} x equal split's. "
            f"Hold-out run {run_s:.0f} s, total {time.perf_counter() - start:.0f} s; "
            f"{machine()}.\n\n{_table(summary)}\n\n"
            f"Estimated wage cells above EUR 0.3 m per person (full file): equal split "
            f"{wages['equal']:,} of {wages['equal_estimated']:,}, constrained "
            f"{wages['constrained']:,} of {wages['constrained_estimated']:,}.")
    print(text)
    if not args.no_write:
        write_section("estimation", text)
    return {"cells": len(cells), "mdape_equal": float(headline.loc["equal", "mdape"]),
            "mdape_constrained": float(headline.loc["constrained", "mdape"]),
            "within25_equal": float(headline.loc["equal", "within_25"]),
            "within25_constrained": float(headline.loc["constrained", "within_25"]),
            "wage_outliers": wages}


if __name__ == "__main__":
    main()
