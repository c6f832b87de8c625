"""Canonical table shapes of the engine and the keys they are grouped by.

Every engine table is long: one row per cluster (``region`` x ``category`` x ``year``) at a
NUTS ``level``; a table may stack several category schemes, told apart by a ``scheme``
column, and then every reference group (a category's regions, a region's clusters)
includes the scheme, so one pass computes all schemes.
"""

from __future__ import annotations

import ibis.expr.types as ir

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
