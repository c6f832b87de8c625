"""Load test (issues 11, 16): 60 s at 50 concurrent clients over the map, region pages and the API.

Loopback only, bounded in time (``--seconds``) and in requests (``--max-requests``); it
starts ``clusterobs serve`` (gunicorn, what ``make run`` starts) on a free 127.0.0.1 port with
production settings, runs the mix, then each kind of request alone and the same load on
``/healthz`` (the floor), and stops it at the end. Reports requests, req/s, errors and
p50/p95/p99 of the client-side latency per run, and each throughput as a ratio of /healthz's.

The load comes from ``wrk`` (a native client: 2 threads, event-driven; ``apt-get install wrk``,
in .ci/run) so that the figure measures the server, not 50 Python threads competing with it
for the same 2 cores; without wrk the Python client below runs instead (``--client python``).
Run: ``python -m bench.load_test [--seconds 60] [--clients 50] [--client wrk|python]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import machine, write_section
from bench.portal_bench import _free_port, _pct, _regions, _wait, clear_response_cache, results_file


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


def _serve(port: int) -> subprocess.Popen[bytes]:
    """``clusterobs serve`` (what ``make run`` starts: gunicorn, deploy/gunicorn.conf.py) on
    loopback with production settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings", "DJANGO_DEBUG": "0",
           "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SECRET_KEY": "load-test-only-" + os.urandom(16).hex(), "GUNICORN_CMD_ARGS": "--log-level warning"}
    cli = Path(sys.executable).with_name("clusterobs")
    return subprocess.Popen([str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL)


def _load(jobs: Any, seconds: float, clients: int, max_requests: int) -> tuple[dict[str, dict[str, float]], float]:
    """Rows per kind of request and for all of them (count, req/s, errors, p50/p95/p99 ms),
    and the wall time."""
    lock = threading.Lock()
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    stop, budget = time.monotonic() + seconds, [max_requests]
    threads = [threading.Thread(target=_client, args=(jobs, lock, stop, budget, results, errors))
               for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    rows = {k: {"requests": len(v), "errors": errors[k], "p50": _pct(v, 50), "p95": _pct(v, 95),
                "p99": _pct(v, 99), "rps": len(v) / wall} for k, v in sorted(results.items())}
    if len(rows) > 1:
        every = [x for v in results.values() for x in v]
        rows["all of the mix"] = {"requests": len(every), "errors": sum(errors.values()), "p50": _pct(every, 50),
                                  "p95": _pct(every, 95), "p99": _pct(every, 99), "rps": len(every) / wall}
    return rows, wall


#: wrk's script: cycle over the paths (each thread from its own offset), accept gzip as a
#: browser does, and print the summary as one JSON line (p95 is not in wrk's own report)
_WRK_SCRIPT = """
local paths = {%s}
local i = 0
local first = true
request = function()
  if first then i = math.random(#paths); first = false end
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %%d, "seconds": %%f, "errors": %%d, "p50": %%f, "p95": %%f, "p99": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3))
end
"""


def _wrk(base: str, paths: list[str], seconds: float, clients: int) -> dict[str, float]:
    """One wrk run over *paths* (count, req/s, errors, p50/p95/p99 ms)."""
    script = _WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "30s",
                              "-s", fh.name, base], capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
    finally:
        os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    r = json.loads(line[4:])
    return {"requests": r["requests"], "errors": r["errors"], "p50": r["p50"], "p95": r["p95"],
            "p99": r["p99"], "rps": r["requests"] / r["seconds"], "seconds": r["seconds"]}


def _mix_paths(regions: list[str]) -> dict[str, list[str]]:
    """The paths of each kind of request of the mix (the same URLs as :func:`_urls`)."""
    out: dict[str, list[str]] = defaultdict(list)
    for kind, url in itertools.islice(_urls("", regions), 4 * len(regions)):
        out[kind].append(url)
    return out


def _table(rows: dict[str, dict[str, float]]) -> str:
    return "\n".join(f"| {k} | {r['requests']:,} | {r['rps']:.0f} | {r['errors']} | {r['p50']:.0f} | "
                     f"{r['p95']:.0f} | {r['p99']:.0f} |" for k, r in rows.items())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the mix; each kind alone runs a third of it")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=200_000, help="python client only")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args(argv or [])

    regions = _regions(results_file(), 150)
    clear_response_cache()  # the mix starts cold: every URL is computed once
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(port)
    short = max(5.0, args.seconds / 3)
    try:
        _wait(base, proc, seconds=300)  # the first start collects the static files
        if args.client == "wrk":
            paths = _mix_paths(regions)
            mix = {"all of the mix": _wrk(base, [p for group in zip(*paths.values(), strict=True) for p in group],
                                          args.seconds, args.clients)}
            mix_wall = mix["all of the mix"]["seconds"]
            alone = {f"{kind} alone": _wrk(base, urls, short, args.clients) for kind, urls in paths.items()}
            health = {"/healthz": _wrk(base, ["/healthz"], short, args.clients)}
            health_wall = health["/healthz"]["seconds"]
            mix.update(alone)
        else:
            mix, mix_wall = _load(_urls(base, regions), args.seconds, args.clients, args.max_requests)
            health, health_wall = _load(itertools.cycle([("/healthz", f"{base}/healthz")]), args.seconds,
                                        args.clients, args.max_requests)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    whole = mix["all of the mix"]
    total, floor = int(whole["requests"]), health["/healthz"]["rps"]
    allrows = {**mix, **health}
    ratio = "; ".join(f"{k} {r['rps'] / floor:.2f}" for k, r in mix.items() if k != "all of the mix")
    client = ("`wrk` (native, 2 threads, `Accept-Encoding: gzip`)" if args.client == "wrk"
              else "50 Python threads (urllib)")
    write_section("loadtest", f"""## Load test (issues 11 and 16)

`python -m bench.load_test`: `clusterobs serve` (what `make run` starts: gunicorn with
deploy/gunicorn.conf.py, production settings) on loopback, {args.clients} concurrent connections from
{client} for {mix_wall:.0f} s over an equal mix of map page, region page, clusters API and GeoJSON
({len(regions)} NUTS-2 regions, each with one of 8 years: {4 * len(regions)} distinct URLs), starting with an empty response
cache; then each kind alone{f" for {short:.0f} s" if args.client == "wrk" else ""} (its URLs answered from the cache by then), and the same
load for {health_wall:.0f} s on `/healthz` (the framework's floor: a database query and write, the
store opened). Client-side latency in ms:

| request | count | req/s | errors | p50 | p95 | p99 |
|---|---|---|---|---|---|---|
{_table(allrows)}

The mix: {total / mix_wall:.0f} req/s, {total / mix_wall / floor:.2f} x the `/healthz` floor
({floor:.0f} req/s); as a ratio of the floor: {ratio}.
The client runs on the same 2 cores as the server.

Measured on {machine()}.""")
    return {"requests": total, "rps": total / mix_wall, "healthz_rps": floor,
            "errors": int(whole["errors"]), "rows": allrows}


if __name__ == "__main__":
    print(main(sys.argv[1:]))
