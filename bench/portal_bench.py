"""Portal latency under load: the region page and the clusters endpoint, 20 concurrent clients.

Run from the repository root: ``python -m bench.portal_bench [--requests N] [--clients C]``.
Starts gunicorn on 127.0.0.1 (a free port, loopback only) against the configured store,
warms every worker up, then sends a bounded number of requests (cycling over NUTS-2 regions
so the numbers are not those of one cached page) from concurrent clients. Reports p50/p95
of the server-side time (the ``Server-Timing`` header: time spent in Django) and of the
end-to-end time seen by the client (which adds queueing in the socket and the workers).
Targets (issue 16): server-side p95 with an empty response cache below 25 ms for the page
and 10 ms for the API; from a warm cache below 3 ms.
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

#: server-side p95 targets (issue 16): computing the answer, and answering from the cache
TARGETS_MS = {"region page": 25.0, "clusters API": 10.0}
WARM_TARGET_MS = 3.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def results_file() -> Path:
    """The default dataset's results file (what the portal serves without ``?dataset=``)."""
    from clusterobs import config
    from clusterobs.sources import declarations

    return config.results_path(declarations.default_id())


def clear_response_cache() -> None:
    """Empty the portal's shared response cache, so that a run starts cold."""
    import shutil

    from clusterobs import config

    shutil.rmtree(config.var_dir() / "responses", ignore_errors=True)


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
    """Start the server, run the load cold then warm, print and record the figures; 0 when
    all targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker; more only adds GIL contention on 2 cores")
    args = parser.parse_args(argv)

    from bench.common import machine, write_section

    results = results_file()
    if not results.exists():
        raise SystemExit(f"no results at {results}: run `make setup` (clusterobs data load && build) first")
    regions = _regions(results, 100)
    clear_response_cache()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings",
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0"}
    env.setdefault("DJANGO_DEBUG", "0")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clusterobs.portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
         "--log-level", "warning"], env=env)
    rows = []
    ok = True
    try:
        _wait(base, proc)
        for i in range(args.workers * args.threads * 2):  # every worker opens the store once
            _get(f"{base}/regions/{regions[i % len(regions)]}/")
            _get(f"{base}/api/v1/clusters?region={regions[i % len(regions)]}&year=2014")
        n = args.requests
        cases = {
            # distinct URLs: the first pass computes every answer (empty response cache),
            # the second asks for the same URLs again (warm cache)
            "region page": [f"{base}/regions/{regions[i % len(regions)]}/?year={2014 - (i // len(regions)) % 7}"
                            for i in range(n)],
            "clusters API": [f"{base}/api/v1/clusters?region={regions[i % len(regions)]}&year={2008 + (i // len(regions)) % 8}&limit=100"
                             for i in range(n)],
        }
        print(f"{args.clients} concurrent clients, {n} requests per endpoint, gunicorn "
              f"{args.workers} workers x {args.threads} threads, results {results.name}")
        for cache in ("empty", "warm"):
            for name, urls in cases.items():
                r = _run(name, urls, args.clients)
                target = TARGETS_MS[name] if cache == "empty" else WARM_TARGET_MS
                ok &= r["server_p95"] < target and r["errors"] == 0
                rows.append(f"| {name} | {cache} | {r['server_p50']:.1f} ms | **{r['server_p95']:.1f} ms** "
                            f"(target < {target:g}) | {r['client_p50']:.0f} ms | {r['client_p95']:.0f} ms "
                            f"| {r['rps']:.1f} | {r['errors']} |")
                print(rows[-1])
    finally:
        proc.terminate()
        proc.wait(timeout=40)
    write_section("portal", f"""## Portal latency (issues 4 and 16)

`python -m bench.portal_bench`: gunicorn ({args.workers} workers x {args.threads} thread, production
settings) on loopback, {args.clients} concurrent clients, {args.requests} distinct URLs per endpoint
(regions x years). First with an empty response cache (every answer computed: the read path),
then the same URLs again (answered from the response cache). Server-side time is Django's own
(`Server-Timing` header); client time adds queueing for the workers.

| endpoint | cache | server p50 | server p95 | client p50 | client p95 | req/s | errors |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Targets {"met" if ok else "NOT all met"}. Measured on {machine()}.""")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
