"""``/healthz``: is the portal up, is its database reachable, is a store loaded?"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse

from clusterobs import config


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with checks when the application database answers and the store exists, else 503."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    checks["store"] = "ok" if config.store_path().exists() else "missing"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)
