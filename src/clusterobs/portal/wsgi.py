"""WSGI entry point (gunicorn clusterobs.portal.wsgi).

Loading the URL configuration imports every view and builds the API's schemas: 0.8 s that
Django otherwise spends in the first request each worker answers, with 50 clients waiting
behind it (docs/benchmarks.md "Load test"). It is done here, at import: gunicorn's
``preload_app`` (deploy/gunicorn.conf.py) then does it once in the master, and the workers
start from its copy. Nothing here opens a database or the store (each worker opens its own
connections on first use: neither survives a fork).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterobs.portal.settings")
application = get_wsgi_application()
_resolver = get_resolver()
_resolver.resolve("/")
_ = _resolver.reverse_dict  # the reverse lookups every page's links use
