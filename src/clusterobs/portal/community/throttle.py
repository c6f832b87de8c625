"""django-axes helper: the sign-in identifier of an allauth login (allauth passes ``email``).

Without it axes records ``username=None`` for every allauth sign-in and its
``[["username", "ip_address"]]`` lockout degrades to a lock per address. Enable with
``AXES_USERNAME_CALLABLE = "clusterobs.portal.community.throttle.axes_username"``.
"""

from __future__ import annotations

from typing import Any


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """The email (or username) being signed in with, lower-cased."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login") or request.POST.get("username")
    return str(value).strip().lower() if value else None
