"""gunicorn configuration of the portal (docs/deploy.md).

Run: ``clusterobs serve`` (what ``make run`` starts), or ``gunicorn -c deploy/gunicorn.conf.py
clusterobs.portal.wsgi``. Workers are processes (DuckDB reads are CPU-bound; more threads
would contend on the GIL), each opening the store read-only; a replaced store file is picked
up by the next request (clusterobs.portal.store compares the file's identity), so workers are
not recycled.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# a few threads per worker: a client that reads a large download slowly holds one thread,
# not a whole worker, so /healthz and the pages keep answering (issue 16); page work stays
# spread over the processes
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
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
