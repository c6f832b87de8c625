"""Run every benchmark and write docs/benchmarks.md (`make bench`)."""

from __future__ import annotations

import importlib
import inspect
import sys

BENCHMARKS = ["bench.load_bench", "bench.build_bench", "bench.datasets_bench", "bench.trends_bench", "bench.portal_bench",
              "bench.editions_bench", "bench.load_test", "bench.estimation_bench", "bench.region_report_bench",
              "bench.scaling_bench", "bench.readmodel_bench"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(name if name.startswith("bench.") else f"bench.{name}")
        except ModuleNotFoundError as exc:
            print(f"{name}: not available ({exc})")
            continue
        takes_args = bool(inspect.signature(module.main).parameters)
        print(f"{name}: {module.main([]) if takes_args else module.main()}")


main(sys.argv[1:])
