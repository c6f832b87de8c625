"""Edition benchmark (issue 5): a full Panorama edition build with both reports.

Timed: ``clusterobs panorama build`` end to end on a store holding the loaded data: copy
of the store, the full build (``pipeline.build``, every scheme, method and confidence),
the change log against a previous edition, the data package, the HTML and PDF reports,
the manifest and the atomic rename. The previous edition (data up to 2013) is cut from a
build, so only the timed edition pays for the full build. Target: under 2 minutes.
Nothing is written to docs/benchmarks.md: ``main`` returns the numbers.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, mirror
from clusterobs import pipeline
from clusterobs.pipeline import editions


def main() -> dict[str, Any]:
    mirror()
    with tempfile.TemporaryDirectory() as tmp:
        loaded = Path(tmp) / "loaded.duckdb"
        pipeline.load(store=loaded)
        built = Path(tmp) / "built.duckdb"
        shutil.copyfile(loaded, built)
        pipeline.build(store=built)
        root = Path(tmp) / "editions"
        editions.build_edition("2025-H2", source=built, root=root, max_year=2013, rebuild=False,
                               formats=())
        start = time.perf_counter()
        report = editions.build_edition("2026-H1", source=loaded, root=root, max_year=2014)
        total = time.perf_counter() - start
        sizes = {p.name: p.stat().st_size for p in (root / "2026-H1").iterdir()}
    return {"edition_build_s": round(total, 1), "target_s": 120, "under_target": total < 120,
            "steps_s": {k: round(v, 1) for k, v in report.seconds.items()},
            "change_log_rows": report.change_rows, "file_bytes": sizes, "machine": machine()}


if __name__ == "__main__":
    print(main())
