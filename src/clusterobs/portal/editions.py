"""Edition selector: every data page can show a past Panorama edition instead of the live store.

``?edition=2026-H1`` on any page chooses that edition's frozen store and remembers the choice
in a cookie; ``?edition=live`` goes back to the live data. The choice is applied per request
by :class:`EditionMiddleware` through a context variable that
:func:`clusterobs.portal.store.cursor` reads, so views need no change. An unknown or
malformed edition is a 400 with a message, never a fallback to other numbers.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.html import escape

from clusterobs.errors import StoreError
from clusterobs.store import editions

COOKIE = "edition"
LIVE = "live"
selected_store: contextvars.ContextVar[Path | None] = contextvars.ContextVar("edition_store", default=None)


def _choice(request: HttpRequest) -> tuple[str | None, bool]:
    """(edition name or None for live, whether the request set it explicitly)."""
    if COOKIE in request.GET:
        value = request.GET[COOKIE].strip()
        return (None if value in ("", LIVE) else value), True
    return request.COOKIES.get(COOKIE) or None, False


class EditionMiddleware:
    """Point the store at the chosen edition for the duration of one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name, explicit = _choice(request)
        path = None
        if name is not None:
            try:
                path = editions.store_path(name)
                if not path.is_file():
                    raise StoreError(f"edition {name!r} has no data store")
            except StoreError as exc:
                if not explicit:  # a stale cookie: forget it, show the live data
                    name = None
                else:
                    return HttpResponseBadRequest(f"<p>{escape(str(exc))}</p>")
        request.edition = name  # type: ignore[attr-defined]
        token = selected_store.set(path if name else None)
        try:
            response = self.get_response(request)
        finally:
            selected_store.reset(token)
        if explicit:
            if name:
                response.set_cookie(COOKIE, name, max_age=30 * 86400, samesite="Lax", httponly=True)
            else:
                response.delete_cookie(COOKIE)
        return response


def edition_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the editions to choose from and the one shown."""
    try:
        available = list(reversed(editions.names()))
    except StoreError:
        available = []
    return {"editions_available": available, "edition_shown": getattr(request, "edition", None)}
