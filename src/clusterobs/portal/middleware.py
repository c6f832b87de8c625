"""Turn the portal's deliberate errors into clear responses instead of 500s.

:class:`~clusterobs.portal.filters.BadInput` becomes a 400 page with the message,
:class:`~clusterobs.portal.filters.NotFound` a 404 page with suggestions, and a missing or
unreadable store (:class:`~clusterobs.errors.StoreError`) a 503 page saying what to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from clusterobs.errors import StoreError
from clusterobs.portal.filters import BadInput, NotFound


class ErrorPagesMiddleware:
    """Render 400/404/503 pages for the errors views raise on purpose."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """The error page for *exc*, or None to let Django handle other exceptions."""
        if isinstance(exc, BadInput):
            status, title, ctx = 400, "Bad request", {"message": exc.message}
        elif isinstance(exc, NotFound):
            status, title = 404, "Not found"
            ctx = {"message": exc.message, "suggestions": exc.suggestions}
        elif isinstance(exc, StoreError):
            status, title, ctx = 503, "Data not available", {"message": str(exc)}
        else:
            return None
        html = render_to_string("error.html", {"title": title, "status": status, **ctx}, request)
        return HttpResponse(html, status=status)


class ServerTimingMiddleware:
    """Add ``Server-Timing: app;dur=<ms>`` (time spent in Django) to every response.

    Browsers show it in their developer tools; ``bench/portal_bench.py`` reads it to report
    server-side latency apart from the time a request waits in the client or the socket.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
        return response


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy of ``settings.CONTENT_SECURITY_POLICY`` on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
