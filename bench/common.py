"""Shared helpers of the benchmarks: timing, the data mirror, and the docs writer."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def mirror() -> Path:
    """The real data mirror (CLUSTEROBS_MIRROR, else ../shared/data)."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or ROOT.parent / "shared" / "data")
    if not path.is_dir():
        raise SystemExit(f"benchmarks need the data mirror: {path} is missing")
    os.environ["CLUSTEROBS_MIRROR"] = str(path)
    return path


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Smallest wall-clock time of *repeat* runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def write_section(name: str, markdown: str, doc: Path = DOC) -> None:
    """Replace the block between <!-- bench:name --> markers in *doc* (docs/benchmarks.md)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = f"<!-- bench:{name} -->\n{markdown.rstrip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def machine() -> str:
    """One line describing where the numbers were measured."""
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores, load average {load:.1f} at the start, "
            f"{time.strftime('%Y-%m-%d')}")
