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
# a worker whose threads are all busy accepts no more connections (they go to another worker
# instead of waiting behind its downloads)
worker_connections = threads
# no keep-alive: with a connection limit of `threads` per worker, idle keep-alive connections
# held every slot and the other clients waited in the backlog for seconds (a load test with
# 50 keep-alive connections starved: gunicorn warned "No keepalived connections can be
# handled"); a proxy in front (docs/deploy.md) keeps its own connections to browsers alive
keepalive = 0
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
