"""Benchmark of :func:`clusterobs.core.relatedness.complexity` against py-ecomplexity.

Input: employment of all NUTS-2 regions x all eu-clusters categories x all years, read from
a copy of the built store (the store file may be replaced while a build runs). Both run in
this process on the same frame; py-ecomplexity (test-only dependency) is timed as the
acceptance call of methodology §7, ``ecomplexity(df, {...})`` with its defaults, and again
without its log-supermodularity diagnostic (which does not change the outputs). Every
output column (RCA, M, diversity, ubiquity, density, ECI, PCI, COI, COG) is compared.

The matrices are small (about 290 x 64), so BLAS runs single-threaded for both sides
(``--blas-threads``, via threadpoolctl when installed): on a shared machine OpenBLAS threads
mostly wait for each other.

Usage (from the repository root)::

    .venv/bin/python -m bench.trends_bench [--store PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from clusterobs.core import relatedness

STORE = Path(__file__).resolve().parents[1] / "var" / "store" / "observatory.duckdb"
COLUMNS = ("rca", "mcp", "diversity", "ubiquity", "density", "eci", "pci", "coi", "cog")
KEYS = {"time": "year", "loc": "region", "prod": "category", "val": "employment"}


def load(store: Path, scheme: str = "eu-clusters", level: int = 2) -> pd.DataFrame:
    """``region, category, year, employment`` of one scheme and level, from a copy of *store*."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(store, copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return con.execute("""SELECT region, category, year::BIGINT AS year, employment
                FROM clusters WHERE scheme = ? AND level = ?""", [scheme, level]).df()
        finally:
            con.close()


def best_time(f: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of *repeat* calls (the machine is shared) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t0)
    return min(times), result


def pyec(df: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """py-ecomplexity, quiet (it prints every year and warns on NaN)."""
    from ecomplexity import ecomplexity

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return ecomplexity(df, KEYS, **options)


def max_differences(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict[str, float]:
    """Max absolute difference per output column, on the cells py-ecomplexity computed."""
    theirs = theirs.dropna(subset=["eci"])
    both = ours.merge(theirs, on=["year", "region", "category"], suffixes=("", "_ref"))
    if not len(both) == len(ours) == len(theirs):
        raise AssertionError(f"row sets differ: ours {len(ours)}, theirs {len(theirs)}, "
                             f"common {len(both)}")
    return {c: float((both[c] - both[f"{c}_ref"]).abs().max()) for c in COLUMNS}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=STORE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=1, help="0 = library default")
    args = parser.parse_args(argv)
    df = load(args.store)
    with _blas_limit(args.blas_threads):
        results = _compare(df, args.repeat)
    results["blas_threads"] = args.blas_threads
    return results


def _blas_limit(threads: int) -> contextlib.AbstractContextManager[Any]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(threads, user_api="blas") if threads else contextlib.nullcontext()


def _compare(df: pd.DataFrame, repeat: int) -> dict[str, Any]:
    ours_s, ours = best_time(lambda: relatedness.complexity(df), repeat)
    ref_s, ref = best_time(lambda: pyec(df), 1)
    fast_s, fast = best_time(lambda: pyec(df, check_logsupermodularity=False), 2)
    diffs = max_differences(ours, ref)
    max_diff = max(diffs.values())
    results = {
        "regions": int(df["region"].nunique()), "categories": int(df["category"].nunique()),
        "years": int(df["year"].nunique()), "cells": len(ours),
        "ours_seconds": ours_s, "pyec_seconds": ref_s, "pyec_no_lsm_seconds": fast_s,
        "speedup": ref_s / ours_s, "speedup_vs_no_lsm": fast_s / ours_s,
        "max_abs_diff": max_diff, "max_abs_diff_no_lsm": max(max_differences(ours, fast).values()),
        "diff_by_column": diffs, "equal": max_diff < 1e-8,
    }
    print(f"{results['regions']} regions x {results['categories']} categories x "
          f"{results['years']} years = {results['cells']:,} cells")
    print(f"ours {ours_s:.3f} s; py-ecomplexity {ref_s:.2f} s (default), {fast_s:.2f} s "
          f"(check_logsupermodularity=False)")
    print(f"speed ratio {results['speedup']:.0f}x (default), "
          f"{results['speedup_vs_no_lsm']:.0f}x (without the diagnostic)")
    print(f"max abs difference {max_diff:.2e} -> {'equal' if results['equal'] else 'DIFFERENT'}")
    return results


if __name__ == "__main__":
    main()
