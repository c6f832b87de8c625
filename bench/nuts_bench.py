"""Benchmark of :func:`clusterobs.core.nuts.harmonise` on the Eurostat SBS regional table.

Reads the SBS observations, the JRC crosswalk and the NUTS 2016 codes from a copy of the
store (the store file may be replaced while a build runs), times ``harmonise`` and, given
``--old`` (a copy of an earlier ``nuts.py``), times that one too and checks that both give
the same table (values to 1e-9 relative) and the same reports.

Usage::

    .venv/bin/python bench/nuts_bench.py [--old /tmp/nuts_orig.py] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from clusterobs.core import nuts

STORE = Path(__file__).resolve().parents[1] / "var" / "store" / "observatory.duckdb"
QUERY = """SELECT region, industry, year::INTEGER AS year, measure, value, flag FROM observations
   WHERE dataset='sbs_r_nuts06_r2' AND measure IN ('employment','establishments','wages')
   AND NOT regexp_full_match(region, '[A-Z]{2}[0-9A-Z]*Z') AND value IS NOT NULL"""


def load(store: Path) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """Observations, crosswalk and NUTS 2016 codes, read from a temporary copy of ``store``."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(store, copy)
        con = duckdb.connect(str(copy), read_only=True)
        obs = con.execute(QUERY).df()
        crosswalk = con.execute("SELECT * FROM nuts_crosswalk").df()
        rows = con.execute("SELECT region FROM geometries WHERE nuts_version=2016").fetchall()
        con.close()
    return obs, crosswalk, {r[0] for r in rows}


def run(module: ModuleType, obs: pd.DataFrame, cw: pd.DataFrame, targets: set[str]) -> Any:
    return module.harmonise(
        obs, cw, 2016, weight="pop21", keys=["industry", "year", "measure"],
        versions=(2006, 2010, 2013), valid_targets=targets,
    )  # fmt: skip


def timed(f: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Wall times of ``repeat`` calls and the last result (report the best: the machine is
    shared; the first call also pays for fresh memory)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - start)
    return times, result


def show(name: str, times: list[float]) -> str:
    return f"{name} harmonise: best {min(times):.2f} s, first {times[0]:.2f} s"


def same(old: Any, new: Any) -> list[str]:
    """Differences between two ConversionResults (values compared to 1e-9 relative)."""
    a, b = old.table, new.table
    if list(a.columns) != list(b.columns) or not a.dtypes.equals(b.dtypes) or len(a) != len(b):
        return [
            f"columns/dtypes/rows: {a.dtypes.to_dict()} {len(a)} != {b.dtypes.to_dict()} {len(b)}"
        ]
    out = [c for c in a.columns if c != "value" and not a[c].equals(b[c])]
    if not np.allclose(a["value"], b["value"], rtol=1e-9, atol=0, equal_nan=True):
        out.append("value")
    return out + [f for f in ("split", "merged", "unmatched", "renamed")
                  if getattr(old, f) != getattr(new, f)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="a copy of the earlier nuts.py to compare")
    parser.add_argument("--store", type=Path, default=STORE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    obs, cw, targets = load(args.store)
    print(f"{len(obs):,} rows, {len(cw):,} crosswalk rows, {len(targets)} NUTS 2016 codes")
    new_t, new = timed(lambda: run(nuts, obs, cw, targets), args.repeat)
    print(f"{show('new', new_t)} -> {len(new.table):,} rows")
    if args.old is not None:
        spec = importlib.util.spec_from_file_location("nuts_old", args.old)
        assert spec is not None and spec.loader is not None
        old_module = importlib.util.module_from_spec(spec)
        sys.modules["nuts_old"] = old_module  # dataclasses look their module up
        spec.loader.exec_module(old_module)
        old_t, old = timed(lambda: run(old_module, obs, cw, targets), args.repeat)
        print(f"{show('old', old_t)}  (best x{min(old_t) / min(new_t):.1f})")
        diff = same(old, new)
        print("identical output" if not diff else f"DIFFERENT: {diff}")


if __name__ == "__main__":
    main()
