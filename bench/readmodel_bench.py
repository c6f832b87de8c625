"""The read model against the joins it replaced, in one process and one run (issue 16).

Run from the repository root: ``python -m bench.readmodel_bench [--regions N]``. One thread,
no server and no response cache: every request of the region page and of the clusters API
is computed, through Django's test client, for N NUTS-2 regions x 2 years, twice:

- **read model**: the build's ``cluster_view`` (everything joined in, sorted by region);
- **joins**: the same code with the view hidden, i.e. what a file built before it gets and
  what every request did before: the four-table join with the JSON subquery for the NUTS
  version, the apportioned-share query, the growth-note query.

Both run in the same process, interleaved, on the same file, so the ratio holds on a loaded
machine where the absolute times do not. Also times the pieces of a region page (the cProfile
of docs/benchmarks.md "Where the time goes" is taken the same way).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import machine, write_section


def _setup() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterobs.portal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()
    from django.test import Client

    return Client()


@contextmanager
def _hidden_view() -> Iterator[None]:
    """Readers look for a table that does not exist: they take the joins."""
    from clusterobs.store import reader, readmodels

    saved = reader.VIEW, readmodels.VIEW
    reader.VIEW = readmodels.VIEW = "no_such_view"
    try:
        yield
    finally:
        reader.VIEW, readmodels.VIEW = saved


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=40)
    args = parser.parse_args(argv or [])
    client = _setup()
    from bench.portal_bench import _regions, results_file
    from clusterobs import config

    regions = _regions(results_file(), args.regions)
    urls = {"region page": [f"/regions/{r}/?year={y}" for r in regions for y in (2013, 2010)],
            "clusters API": [f"/api/v1/clusters?region={r}&year={y}&limit=100" for r in regions for y in (2012, 2009)]}
    times: dict[tuple[str, str], list[float]] = {}
    for kind, batch in urls.items():
        client.get(batch[0])
        for url in batch:
            for variant in ("read model", "joins"):
                # no response cache: every answer computed
                shutil.rmtree(config.var_dir() / "responses", ignore_errors=True)
                with _hidden_view() if variant == "joins" else _nothing():
                    start = time.perf_counter()
                    resp = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                assert resp.status_code == 200, (url, resp.status_code)
                times.setdefault((kind, variant), []).append(elapsed)
    rows, out = [], {}
    for kind in urls:
        fast, slow = times[(kind, "read model")], times[(kind, "joins")]
        ratio = statistics.median(slow) / statistics.median(fast)
        out[kind] = {"read_model_p95": _pct(fast, 95), "joins_p95": _pct(slow, 95), "ratio": ratio}
        rows.append(f"| {kind} | {statistics.median(fast):.1f} ms | {_pct(fast, 95):.1f} ms | "
                    f"{statistics.median(slow):.1f} ms | {_pct(slow, 95):.1f} ms | **{ratio:.1f} x** |")
    write_section("readmodel", f"""## Read model against the joins (issue 16)

`python -m bench.readmodel_bench`: one thread, Django's test client, no response cache (every
answer computed), {len(regions)} NUTS-2 regions x 2 years per endpoint; each URL once with the
build's `cluster_view` and once with it hidden (the joins every request ran before, and what a
file built before the view still gets), interleaved in the same process.

| endpoint | read model p50 | read model p95 | joins p50 | joins p95 | joins / read model (p50) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Measured on {machine()}.""")
    return out


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    print(main())
