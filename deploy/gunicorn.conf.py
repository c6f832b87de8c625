"""gunicorn configuration of the portal (docs/deploy.md).

Run: ``clusterobs serve`` (what ``make run`` starts), or ``gunicorn -c deploy/gunicorn.conf.py
clusterobs.portal.wsgi``. One worker process per core, each with 10 threads, each opening
the store read-only; a replaced store file is picked up by the next request
(clusterobs.portal.store compares the file's identity), so workers are not recycled.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# one process per core, 10 threads each. Measured with wrk, 50 keep-alive clients, the load
# test's mix (docs/benchmarks.md "Load test"): on 2 cores, 5 workers x 4 threads (the usual
# 2 x cores + 1) gave p95 360 ms / p99 1.3 s from the cache, 2 x 10 gave p95 85 ms / p99 141 ms
# and 1,370 req/s (more processes than cores take turns on them, and a keep-alive connection
# waits while its worker is off the CPU); from an empty cache (60 s) 2 x 10: p95 126 ms,
# 2 x 25: 179 ms, 3 x 10: 175 ms. Threads also keep a slow download from holding a worker:
# /healthz and the pages keep answering (issue 16)
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
# the app (Django, every view, the API schemas: ~2 s of imports) is loaded once in the master
# and the workers fork from it, instead of each worker loading it and then answering its first
# request 0.8 s late (clusterobs/portal/wsgi.py); no database or store is open before the fork
preload_app = True
threads = int(os.environ.get("GUNICORN_THREADS", 10))
# connections: keep-alive (a browser or proxy reuses its connection) and gunicorn's default
# limit of 1000 per worker. Measured with wrk, 50 keep-alive connections, a warm map page
# (docs/benchmarks.md): a limit of one connection per thread let idle keep-alive connections
# hold every slot and starved the rest (0 answers in 20 s for some clients); no keep-alive made
# every request a new connection (p99 3.9 s); keep-alive 5 s with the default limit gave
# p50 35 ms, p99 259 ms at 700 req/s. A worker whose threads are busy with a download
# queues the requests of its other connections; downloads are bounded (clusters API
# MAX_ROWS), and the whole-edition package is a static file
worker_connections = 1000
keepalive = 5
timeout = 60
graceful_timeout = 30
# no recycling: with max_requests = 2000 each of the 5 workers restarted every ~14 s at 700
# req/s, and every restart (a new process importing Django, its connections closed and
# re-queued) put 1.5-2 s into the load test's tail: cached pages alone had p95 0.9-2.2 s,
# and 66-150 ms without it (docs/benchmarks.md "Load test")
max_requests = 0
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
