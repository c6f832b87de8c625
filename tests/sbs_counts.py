"""An independent count of the SBS file's values, with gzip and str.split only (no DuckDB)."""

from __future__ import annotations

import gzip
from pathlib import Path


def count_values(path: Path) -> dict[tuple[str, int], int]:
    """Non-missing values per indicator code and year of a Eurostat bulk TSV file."""
    counts: dict[tuple[str, int], int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        years = [int(c) for c in fh.readline().rstrip("\n").split("\t")[1:]]
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            indic = cells[0].split(",")[1]
            for year, cell in zip(years, cells[1:], strict=True):
                if cell.strip().split(" ")[0] != ":":
                    counts[(indic, year)] = counts.get((indic, year), 0) + 1
    return counts
