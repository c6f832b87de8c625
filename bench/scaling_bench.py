"""Scaling benchmark (issue 19): build time and peak memory against rows of generated data.

For each size (default 1M, 5M and 20M rows; ``SCALING_ROWS=1000000,5000000`` to choose;
Spark ``local[2]`` points for ``SCALING_SPARK_ROWS``, default 1M, 5M and 20M, with the
default driver heap: results come back as Parquet files, not through the driver) a
dataset is generated with ``clusterobs data generate`` (seed 1, regions sized for about 55%
of the region x class x year cells, 20 years, the 615 NACE classes) into a private
``CLUSTEROBS_VAR``, then built with ``clusterobs build`` in a child process, whose wall time
and peak resident memory (``ru_maxrss`` from ``os.wait4``) are measured, with the build's
own timing of each stage. The growth exponent is the slope of a least-squares line through
log(time) against log(rows) (1 = linear). Targets: 20M rows under 60 s and under 8 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, machine, mirror, write_section

SIZES = (1_000_000, 5_000_000, 20_000_000)
SPARK_SIZES = (1_000_000, 5_000_000, 20_000_000)
_CHILD = """
import json, sys
from clusterobs import pipeline
report = pipeline.build(dataset=sys.argv[1], engine=sys.argv[2], master="local[2]")
print(json.dumps({"seconds": report.seconds, "rows": report.rows}))
"""


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in GB, stdout) of *args* run as a child under
    ``/usr/bin/time -f %M`` (the peak of that child alone; ``RUSAGE_CHILDREN`` would be the
    maximum over every child so far)."""
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "rss"
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(marker), *args], env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode:
            tail = proc.stderr.strip().splitlines()[-1:] or [str(proc.returncode)]
            raise SystemExit(f"{' '.join(args[2:6])} failed: {tail[0]}")
        peak_kb = int(marker.read_text().split()[-1])
    return wall, peak_kb / 1024 / 1024, proc.stdout


def measure(rows: int, var: Path, env: dict[str, str], spark: bool) -> list[dict[str, Any]]:
    """The DuckDB point of *rows* (and the Spark local[2] point when *spark*)."""
    name = f"gen-{rows // 1_000_000}m" if rows >= 1_000_000 else f"gen-{rows}"
    gen_s, gen_gb, _ = _timed([sys.executable, "-m", "clusterobs", "data", "generate", "--name", name,
                               "--rows", str(rows), "--seed", "1"], env)
    out = []
    for engine in ("duckdb", "spark") if spark else ("duckdb",):
        build_s, build_gb, text = _timed([sys.executable, "-c", _CHILD, name, engine], env)
        report = json.loads(text.strip().splitlines()[-1])
        store = var / "store" / "datasets" / f"{name}.duckdb"
        out.append({"rows": rows, "engine": engine, "generate_s": gen_s, "generate_gb": gen_gb,
                    "build_s": build_s, "build_gb": build_gb, "steps": report["seconds"],
                    "tables": report["rows"], "results_mb": store.stat().st_size / 1e6})
    return out


def exponent(points: list[dict[str, Any]], key: str) -> float:
    """Slope of log(key) against log(rows), least squares."""
    x = np.log([p["rows"] for p in points])
    y = np.log([p[key] for p in points])
    return float(np.polyfit(x, y, 1)[0]) if len(points) > 1 else float("nan")


def main() -> dict[str, Any]:
    sizes = [int(s) for s in os.environ.get("SCALING_ROWS", ",".join(map(str, SIZES))).split(",")]
    spark_sizes = {int(s) for s in os.environ.get("SCALING_SPARK_ROWS", ",".join(map(str, SPARK_SIZES))).split(",")
                   if s.strip()}
    mirror()  # the NACE reference comes from the data mirror
    with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
        var = Path(tmp)
        env = {**os.environ, "CLUSTEROBS_VAR": str(var), "PYTHONPATH": str(ROOT / "src")}
        env.pop("CLUSTEROBS_STORE", None)
        subprocess.run([sys.executable, "-m", "clusterobs", "data", "load", "nace"], env=env, check=True,
                       capture_output=True)
        measured = [p for rows in sizes for p in measure(rows, var, env, rows in spark_sizes)]
    points = [p for p in measured if p["engine"] == "duckdb"]
    spark = [p for p in measured if p["engine"] == "spark"]
    slope_t, slope_m = exponent(points, "build_s"), exponent(points, "build_gb")
    spark_slope = exponent(spark, "build_s")
    # between consecutive sizes: where the growth departs from linear
    local = ", ".join(f"{a['rows'] // 1_000_000}M -> {b['rows'] // 1_000_000}M {exponent([a, b], 'build_s'):.2f}"
                      for a, b in zip(points, points[1:], strict=False))
    lines = []
    for p in measured:
        steps = ", ".join(f"{k} {v:.1f}" for k, v in p["steps"].items() if k != "total")
        lines.append(f"| {p['rows']:,} | {p['engine']} | {p['build_s']:.1f} s | {p['build_gb']:.2f} GB | "
                     f"{p['tables'].get('region_industry', 0):,} | {p['tables'].get('ratings', 0):,} | "
                     f"{p['generate_s']:.1f} s | {steps} |")
    at20 = next((p for p in points if p["rows"] == 20_000_000), None)
    ratios = "; ".join(f"{s['rows']:,} rows: Spark local[2] {s['build_s']:.0f} s = "
                       f"{s['build_s'] / d['build_s']:.1f}x DuckDB" for s in spark for d in points
                       if d["rows"] == s["rows"]) or "no Spark point in this run"
    verdict = (f"20M rows: {at20['build_s']:.0f} s (target < 60 s: {'met' if at20['build_s'] < 60 else 'not met'}), "
               f"{at20['build_gb']:.1f} GB (target < 8 GB: {'met' if at20['build_gb'] < 8 else 'not met'})."
               if at20 else "20M rows not measured in this run.")
    write_section("scaling", f"""## Scaling with rows of generated data (issue 19)

`clusterobs data generate --rows N --seed 1` (regions sized for ~55% filled cells, 615 NACE
classes, 20 years, ~22% of cells confidential), then `clusterobs build` of it in a child
process on DuckDB (and, for the sizes marked spark, with `--engine spark --master local[2]`: the
base table, the aggregation and indicators on a local Spark, the ratings (criteria and
confidence) per group on its Python workers; the peak memory is the driver's Python process's, the JVM's heap and
the workers excluded): wall time and peak resident memory of that process.
Steps in seconds as the build reports them.

| rows | engine | build | peak memory | region_industry rows | ratings | generate + load | steps (s) |
|---|---|---|---|---|---|---|---|
{chr(10).join(lines)}

Growth exponent (least squares of log time on log rows): **{slope_t:.2f}** for time,
{slope_m:.2f} for memory (1 = linear); between consecutive sizes {local or "-"}. {verdict} Spark: {ratios}; its growth exponent
{spark_slope:.2f} (over {len(spark)} points).

Measured on {machine()}; the machine is shared with other jobs, run niced.""")
    return {"points": [{k: v for k, v in p.items() if k != "tables"} for p in measured],
            "exponent_time": slope_t, "exponent_memory": slope_m, "exponent_spark": spark_slope}


if __name__ == "__main__":
    print(main())
