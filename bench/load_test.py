"""Load test (issue 11): 60 s at 50 concurrent clients over the map, region pages and the API.

Loopback only, bounded in time (``--seconds``) and in requests (``--max-requests``); it
starts gunicorn on a free 127.0.0.1 port with production settings and stops it at the end.
Reports requests, errors and p50/p95/p99 of the client-side latency per kind of request.
Run: ``python -m bench.load_test [--seconds 60] [--clients 50]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from typing import Any

from bench.common import machine, write_section
from bench.portal_bench import _free_port, _pct, _regions, _wait


def _urls(base: str, regions: list[str]) -> itertools.cycle[tuple[str, str]]:
    mix = []
    for i, region in enumerate(regions):
        year = 2008 + i % 8
        mix += [("map page", f"{base}/map/?category=4&year={year}"),
                ("region page", f"{base}/regions/{region}/?year={year}"),
                ("clusters API", f"{base}/api/v1/clusters?region={region}&year={year}&limit=100"),
                ("map API", f"{base}/api/v1/geometries?level=2&year={year}&category=4")]
    return itertools.cycle(mix)


def _client(jobs: Any, lock: threading.Lock, stop: float, budget: list[int],
            results: dict[str, list[float]], errors: dict[str, int]) -> None:
    while time.monotonic() < stop:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
            kind, url = next(jobs)
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                resp.read()
                ok = resp.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            results[kind].append(elapsed)
            if not ok:
                errors[kind] += 1


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args(argv or [])

    from clusterobs import config

    store = config.store_path()
    regions = _regions(store, 150)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings", "DJANGO_DEBUG": "0",
           "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SECRET_KEY": "load-test-only-" + os.urandom(16).hex(), "CLUSTEROBS_STORE": str(store)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "clusterobs.portal.wsgi:application",
                             "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                             "--log-level", "warning"], env=env)
    try:
        _wait(base, proc)
        jobs, lock = _urls(base, regions), threading.Lock()
        results: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        stop, budget = time.monotonic() + args.seconds, [args.max_requests]
        threads = [threading.Thread(target=_client, args=(jobs, lock, stop, budget, results, errors))
                   for _ in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = {k: {"requests": len(v), "errors": errors[k], "p50": _pct(v, 50), "p95": _pct(v, 95),
                "p99": _pct(v, 99)} for k, v in sorted(results.items())}
    total = sum(r["requests"] for r in rows.values())
    table = "\n".join(f"| {k} | {r['requests']:,} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |"
                      for k, r in rows.items())
    write_section("loadtest", f"""## Load test (issue 11)

`python -m bench.load_test`: gunicorn ({args.workers} workers, production settings) on loopback,
{args.clients} concurrent clients for {wall:.0f} s, {total:,} requests ({total / wall:.0f}/s).
Client-side latency in ms:

| request | count | errors | p50 | p95 | p99 |
|---|---|---|---|---|---|
{table}

Measured on {machine()}.""")
    return {"requests": total, "errors": sum(r["errors"] for r in rows.values()), "rows": rows}


if __name__ == "__main__":
    print(main(sys.argv[1:]))
