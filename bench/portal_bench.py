"""Portal latency under load: the region page and the clusters endpoint, 20 concurrent clients.

Run from the repository root: ``python -m bench.portal_bench [--requests N] [--clients C]``.
Starts gunicorn on 127.0.0.1 (a free port, loopback only) against the configured store,
warms every worker up, then sends a bounded number of requests (cycling over NUTS-2 regions
so the numbers are not those of one cached page) from concurrent clients. Reports p50/p95
of the server-side time (the ``Server-Timing`` header: time spent in Django) and of the
end-to-end time seen by the client (which adds queueing in the socket and the workers).
Targets (issue 4): server-side p95 below 150 ms for the page and 100 ms for the API.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

TARGETS_MS = {"region page": 150.0, "clusters API": 100.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _regions(store: Path, n: int) -> list[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT region FROM clusters WHERE level = 2 AND year = 2014 ORDER BY region"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows][:n]


def _get(url: str) -> tuple[float, float, int]:
    """(client ms, server ms, status) of one GET."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as resp:
        resp.read()
        timing = resp.headers.get("Server-Timing", "app;dur=nan")
        status = resp.status
    client = (time.perf_counter() - start) * 1000
    return client, float(timing.split("dur=")[1]), status


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _run(name: str, urls: list[str], clients: int) -> dict[str, float]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        start = time.perf_counter()
        results = list(pool.map(_get, urls))
        wall = time.perf_counter() - start
    client = [r[0] for r in results]
    server = [r[1] for r in results]
    bad = sum(1 for r in results if r[2] != 200)
    return {"requests": len(urls), "errors": bad, "rps": len(urls) / wall,
            "server_p50": _pct(server, 50), "server_p95": _pct(server, 95),
            "client_p50": _pct(client, 50), "client_p95": _pct(client, 95)}


def _wait(base: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped during start-up")
        try:
            urllib.request.urlopen(base + "/api/v1/schemes", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer within a minute")


def main(argv: list[str] | None = None) -> int:
    """Start the server, run the load, print the figures; 0 when all targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker; more only adds GIL contention on 2 cores")
    args = parser.parse_args(argv)

    from clusterobs import config

    store = config.store_path()
    if not store.exists():
        raise SystemExit(f"no store at {store}: run `make setup` (clusterobs data load && build) first")
    regions = _regions(store, 100)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings",
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "CLUSTEROBS_STORE": str(store),
           "DJANGO_SECURE_SSL_REDIRECT": "0"}
    env.setdefault("DJANGO_DEBUG", "0")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clusterobs.portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
         "--log-level", "warning"], env=env)
    try:
        _wait(base, proc)
        for i in range(args.workers * args.threads * 2):  # every worker opens the store once
            _get(f"{base}/regions/{regions[i % len(regions)]}/")
            _get(f"{base}/api/v1/clusters?region={regions[i % len(regions)]}&year=2014")
        n = args.requests
        cases = {
            # distinct URLs: no request is answered from a memo of an earlier identical one
            "region page": [f"{base}/regions/{regions[i % len(regions)]}/?year={2014 - (i // len(regions)) % 7}"
                            for i in range(n)],
            "clusters API": [f"{base}/api/v1/clusters?region={regions[i % len(regions)]}&year={2008 + i % 8}&limit=100"
                             for i in range(n)],
        }
        print(f"{args.clients} concurrent clients, {n} requests per endpoint, gunicorn "
              f"{args.workers} workers x {args.threads} threads, store {store.name}")
        print(f"{'endpoint':<14} {'server p50':>10} {'server p95':>10} {'client p50':>10} {'client p95':>10} {'req/s':>7} {'errors':>6}")
        ok = True
        for name, urls in cases.items():
            r = _run(name, urls, args.clients)
            ok &= r["server_p95"] < TARGETS_MS[name] and r["errors"] == 0
            print(f"{name:<14} {r['server_p50']:>8.1f}ms {r['server_p95']:>8.1f}ms {r['client_p50']:>8.1f}ms "
                  f"{r['client_p95']:>8.1f}ms {r['rps']:>7.1f} {r['errors']:>6}")
        print("targets (server p95): region page < 150 ms, clusters API < 100 ms:", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    raise SystemExit(main())
