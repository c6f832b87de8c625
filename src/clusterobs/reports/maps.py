"""Choropleth maps of NUTS regions with matplotlib, offline (stack §6).

Geometries come from the store's ``geometries`` table (GISCO GeoJSON, EPSG:4326). They are
projected once to the Lambert azimuthal equal-area projection of Europe (EPSG:3035, on the
GRS80 authalic sphere, accurate to well under a map pixel) and cropped to continental
Europe, so the outermost regions (Canarias, Azores, Madeira, French overseas regions) are
left out of the frame, as in Eurostat's own maps. A :class:`Canvas` draws any number of maps
from the same projected shapes; each map is returned as PNG or SVG bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

R = 6371007.0  # authalic radius of GRS80 (m)
LAT0, LON0, X0, Y0 = 52.0, 10.0, 4321000.0, 3210000.0  # EPSG:3035 parameters
EXTENT = (2_500_000.0, 7_400_000.0, 1_350_000.0, 5_450_000.0)  # xmin, xmax, ymin, ymax
NO_DATA = "#e4e4e4"
EDGE = "#ffffff"


def laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project degrees to EPSG:3035-like metres (spherical Lambert azimuthal equal-area).

    >>> x, y = laea(np.array([10.0]), np.array([52.0]))
    >>> round(float(x[0])), round(float(y[0]))
    (4321000, 3210000)
    """
    lam, phi = np.radians(lon - LON0), np.radians(lat)
    phi0 = np.radians(LAT0)
    k = np.sqrt(2.0 / (1.0 + np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam)))
    x = R * k * np.cos(phi) * np.sin(lam)
    y = R * k * (np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam))
    return x + X0, y + Y0


def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, list[np.uint8]]:
    x, y = laea(coords[:, 0], coords[:, 1])
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return np.column_stack([x, y]), codes


def region_path(geojson: str) -> MplPath:
    """One compound path of a (multi)polygon, holes wound opposite to their shell."""
    geom = shapely.orient_polygons(shapely.from_geojson(geojson), exterior_cw=False)
    polygons = list(getattr(geom, "geoms", [geom]))
    verts, codes = [], []
    for poly in polygons:
        for ring in (poly.exterior, *poly.interiors):
            v, c = _ring_path(np.asarray(ring.coords))
            verts.append(v)
            codes.extend(c)
    return MplPath(np.concatenate(verts), codes)


@dataclass(frozen=True)
class Legend:
    """Classes of a map: (label, colour) pairs, and the title above them."""

    title: str
    classes: Sequence[tuple[str, str]]


class Canvas:
    """Projected regions of one NUTS level (plus country borders) to draw maps from.

    Parameters
    ----------
    regions:
        Region code -> GeoJSON geometry text of the mapped level.
    borders:
        GeoJSON geometries of the countries, drawn as thin outlines on top (optional).
    """

    def __init__(self, regions: Mapping[str, str], borders: Sequence[str] = ()) -> None:
        self.codes = sorted(regions)
        self.paths = [region_path(regions[c]) for c in self.codes]
        self.borders = [region_path(b) for b in borders]

    def draw(self, colours: Mapping[str, str], *, width: float, legend: Legend | None = None,
             fmt: str = "png", dpi: int = 150, title: str | None = None) -> bytes:
        """A map with each region filled with ``colours[region]`` (grey when absent).

        *width* is in inches; the height follows the map's aspect ratio. Returns PNG or
        SVG bytes (*fmt*), PNG at *dpi* dots per inch.
        """
        xmin, xmax, ymin, ymax = EXTENT
        height = width * (ymax - ymin) / (xmax - xmin)
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal")
        faces = [colours.get(c, NO_DATA) for c in self.codes]
        lw = 0.15 if width < 3 else 0.3
        ax.add_collection(PathCollection(self.paths, facecolors=faces, edgecolors=EDGE, linewidths=lw))
        if self.borders:
            ax.add_collection(PathCollection(self.borders, facecolors="none", edgecolors="#555555",
                                             linewidths=lw * 1.6))
        if title:
            ax.text(0.02, 0.97, title, transform=ax.transAxes, va="top", fontsize=8)
        if legend:
            handles = [Patch(facecolor=col, edgecolor="#999999", label=lab) for lab, col in legend.classes]
            ax.legend(handles=handles, title=legend.title, loc="upper right", frameon=False,
                      fontsize=7 if width >= 4 else 5, title_fontsize=7 if width >= 4 else 5)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
        plt.close(fig)
        return buffer.getvalue()


def binned(values: Mapping[Any, Any], bins: Sequence[tuple[float, float, str, str]]) -> dict[str, str]:
    """Colour per region: the first ``(low, high, label, colour)`` bin with low <= v <= high.

    >>> binned({"A": 0, "B": 4}, [(0, 0, "0", "#fff"), (1, 9, "1-9", "#000")])
    {'A': '#fff', 'B': '#000'}
    """
    out: dict[str, str] = {}
    for region, value in values.items():
        for low, high, _, colour in bins:
            if value is not None and low <= value <= high:
                out[str(region)] = colour
                break
    return out


def legend_of(title: str, bins: Sequence[tuple[float, float, str, str]]) -> Legend:
    """The legend of :func:`binned` classes, plus 'no data'."""
    return Legend(title, [*((label, colour) for _, _, label, colour in bins), ("no data", NO_DATA)])
