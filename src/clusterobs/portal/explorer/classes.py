"""Classed legends for choropleths: breaks, colour-blind-safe palettes and value formats.

Sequential palettes are viridis steps (readable by the common colour-vision deficiencies
and in greyscale); growth uses the diverging ColorBrewer PuOr scheme around zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

VIRIDIS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]
PUOR = ["#b35806", "#f1a340", "#f7f7f7", "#998ec3", "#542788"]
STARS = ["#fde725", "#21918c", "#3b528b", "#440154"]
MISSING = "#d0d0d0"
FIXED: dict[str, list[float]] = {
    "lq": [0.5, 0.8, 1.25, 2.0],
    "growth_1y": [-0.05, -0.01, 0.01, 0.05],
    "growth_5y": [-0.03, -0.005, 0.005, 0.03],
}


def fmt(indicator: str, value: Any) -> str:
    """A value of *indicator* as people read it (thousands separators, %, stars)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if indicator == "employment":
        return f"{value:,.0f}"
    if indicator == "wage_per_employee":
        return f"{value:,.0f} €"
    if indicator.startswith("growth"):
        return f"{value * 100:+.1f} %"
    if indicator == "stars":
        return "★" * int(value) if value else "0"
    return f"{value:.2f}"


def _round_sig(x: float, digits: int = 2) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def quantile_breaks(values: list[float], classes: int = 5) -> list[float]:
    """Inner class breaks at the quantiles of *values*, rounded, duplicates dropped."""
    data = sorted(values)
    if not data:
        return []
    breaks = []
    for i in range(1, classes):
        pos = i * (len(data) - 1) / classes
        lo = data[int(math.floor(pos))]
        hi = data[min(int(math.floor(pos)) + 1, len(data) - 1)]
        b = _round_sig(lo + (hi - lo) * (pos - math.floor(pos)))
        if not breaks or b > breaks[-1]:
            breaks.append(b)
    return breaks


@dataclass(frozen=True)
class Legend:
    """Breaks, colours and labels of one classed map."""

    indicator: str
    breaks: list[float]
    colors: list[str]
    labels: list[str]
    method: str

    def classify(self, value: Any) -> int | None:
        """The class index of *value* (None for missing)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.indicator == "stars":
            return min(int(value), len(self.colors) - 1)
        return sum(1 for b in self.breaks if value >= b)

    def items(self) -> list[dict[str, str]]:
        """(colour, label) pairs for the template, the no-data class last."""
        rows = [{"color": c, "label": lab} for c, lab in zip(self.colors, self.labels, strict=True)]
        return [*rows, {"color": MISSING, "label": "no data"}]


def legend(indicator: str, values: list[float], max_stars: int = 3) -> Legend:
    """The legend of a map of *indicator* over *values*."""
    if indicator == "stars":
        colors = STARS[: max_stars + 1] if max_stars >= 1 else STARS[:2]
        labels = [f"{n} star{'s' if n != 1 else ''}" for n in range(len(colors))]
        return Legend(indicator, [], colors, labels, "one class per star count")
    if indicator in FIXED:
        breaks, method = FIXED[indicator], "fixed breaks"
    else:
        breaks, method = quantile_breaks(values), "quantiles (equal counts)"
    palette = PUOR if indicator.startswith("growth") else VIRIDIS
    colors = palette[: len(breaks) + 1] if indicator.startswith("growth") else _spread(palette, len(breaks) + 1)
    edges = [fmt(indicator, b) for b in breaks]
    if not edges:
        labels = ["all values"]
    else:
        labels = [f"below {edges[0]}"]
        labels += [f"{a} to below {b}" for a, b in zip(edges, edges[1:], strict=False)]
        labels.append(f"{edges[-1]} or more")
    return Legend(indicator, breaks, colors, labels, method)


def _spread(palette: list[str], n: int) -> list[str]:
    """*n* colours spread evenly over *palette* (keeps light-to-dark order)."""
    if n >= len(palette):
        return palette
    if n == 1:
        return [palette[len(palette) // 2]]
    return [palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n)]
