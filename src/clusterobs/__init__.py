"""Cluster Observatory: open cluster mapping, Panorama editions and cluster policy tools."""

__version__ = "0.1.0"
