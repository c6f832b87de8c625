"""The stages in order: fetch -> read -> validate -> load the store -> build -> report.

Each stage is a function the CLI calls in a few lines; every stage writes through a
:class:`~clusterobs.store.writer.StoreWriter`, so a failure leaves the store as it was.
"""

from clusterobs.pipeline.builder import BuildReport, build
from clusterobs.pipeline.loader import LoadReport, fetch, load

__all__ = ["BuildReport", "LoadReport", "build", "fetch", "load"]
