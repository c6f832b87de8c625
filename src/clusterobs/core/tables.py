"""Canonical table shapes of the engine and the keys they are grouped by.

Every engine table is long: one row per cluster (``region`` x ``category`` x ``year``) at a
NUTS ``level``; a table may stack several category schemes, told apart by a ``scheme``
column, and then every reference group (a category's regions, a region's clusters)
includes the scheme, so one pass computes all schemes.
"""

from __future__ import annotations

from typing import TypeVar

import ibis.expr.types as ir

#: a sortable key of :func:`key_ranges` (a region code, a year)
K = TypeVar("K", str, int)

#: columns of an aggregated cluster table (output of :func:`clusterobs.core.schemes.aggregate`)
CLUSTER_KEYS = ("region", "level", "year", "category")


def keys(t: ir.Table, *names: str) -> list[str]:
    """*names*, preceded by ``scheme`` when the table stacks several schemes.

    >>> import ibis
    >>> keys(ibis.table({"scheme": "string", "year": "int64"}), "year")
    ['scheme', 'year']
    >>> keys(ibis.table({"year": "int64"}), "year")
    ['year']
    """
    return (["scheme"] if "scheme" in t.columns else []) + list(names)


def key_ranges(counts: list[tuple[K, int]], limit: int) -> list[tuple[K, K]]:
    """Consecutive ranges ``(first, last)`` of the sorted keys of *counts* (key, rows), each
    of at most *limit* rows unless one key alone has more: the slices of regions a build
    computes and writes at a time, so that its hash tables and sorts stay a slice's size.

    >>> key_ranges([("A", 5), ("B", 4), ("C", 2), ("D", 9)], 10)
    [('A', 'B'), ('C', 'C'), ('D', 'D')]
    >>> key_ranges([("A", 0), ("B", 12)], 10)  # a key without rows is kept
    [('A', 'A'), ('B', 'B')]
    >>> key_ranges([], 10)
    []
    """
    out: list[tuple[K, K]] = []
    first: K | None = None
    rows = 0
    for i, (key, n) in enumerate(counts):
        if first is not None and rows + n > limit:
            out.append((first, counts[i - 1][0]))
            first = None
        if first is None:
            first, rows = key, 0
        rows += n
    if first is not None:
        out.append((first, counts[-1][0]))
    return out
