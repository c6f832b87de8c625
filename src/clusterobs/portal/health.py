"""``/healthz``: can the portal serve pages and sign people in right now?

Each check really uses what the portal needs, the way the pages use it:

``database``
    a query, then a write (a row inserted into the cache table and rolled back): sign-in
    writes sessions, lockout rows and rate-limit counters, so a database that answers
    reads but refuses writes (read-only SQLite file or folder, full disk) is unhealthy.
``store``
    the process's read-only DuckDB connection to the data the pages read (the one they
    use, :func:`clusterobs.portal.store.cursor`) is opened and queried; ``missing: ...``
    when there is no such file.
``edition``
    only when an edition is published (``CURRENT``): its store is opened (the process's
    connection to it, reopened when the file changes) and queried.

200 with ``{"status": "ok", "checks": {...}}`` when every check passes, else 503 with
the failing check's reason (the exception class and its first line, never a traceback).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse

from clusterobs.errors import ClusterObsError, StoreError
from clusterobs.store import editions, engine, lookups


class _Rollback(Exception):
    """Raised to undo the probe write."""


def _reason(exc: BaseException) -> str:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"error: {exc.__class__.__name__}" + (f": {first[:200]}" if first else "")


def check_database() -> str:
    """'ok' when the application database answers a query and accepts a write."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        cache = settings.CACHES.get("default", {})
        if cache.get("BACKEND", "").endswith("DatabaseCache"):
            table = connection.ops.quote_name(cache["LOCATION"])
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)",
                                   ["healthz-probe", "", "2000-01-01 00:00:00"])
                    raise _Rollback
            except _Rollback:
                pass
    except Exception as exc:  # any database failure is a health answer, not an error page
        return _reason(exc)
    return "ok"


def check_store() -> str:
    """'ok' when the portal's own connection to the data it serves opens and holds tables.

    Uses :func:`clusterobs.portal.store.cursor`, so it checks exactly the file the pages read.
    """
    from clusterobs.portal import store

    try:
        with store.cursor() as cur:
            tables = lookups.table_count(cur)
    except StoreError as exc:  # no file: what to run is in the message
        return f"missing: {exc}"
    except (engine.Error, ClusterObsError, OSError) as exc:
        return _reason(exc)
    if not tables:
        return "error: the store holds no tables: run `clusterobs data load`"
    return "ok"


def check_edition() -> str | None:
    """'ok' when the published edition's store opens; None when nothing is published."""
    from clusterobs.portal import store

    try:
        path = editions.current_store()
        if path is None:
            return None
        # the process's connection to that file, as its pages use it (reopened when the file
        # is replaced); opening a new one per probe cost ~100 ms and made /healthz the slowest
        # answer of the portal
        with store.cursor(path) as con:
            lookups.table_count(con)
    except (engine.Error, ClusterObsError, OSError) as exc:
        return _reason(exc)
    return "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the checks when all pass, else 503 (see the module's description)."""
    checks = {"database": check_database(), "store": check_store()}
    edition = check_edition()
    if edition is not None:
        checks["edition"] = edition
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)
