"""gunicorn configuration of the portal (docs/deploy.md).

Run: ``clusterobs serve`` (what ``make run`` starts), or ``gunicorn -c deploy/gunicorn.conf.py
clusterobs.portal.wsgi``. Workers are processes (DuckDB reads are CPU-bound; more threads
would contend on the GIL), each opening the store read-only; ``max_requests`` recycles
workers so a replaced store file is picked up.
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
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
