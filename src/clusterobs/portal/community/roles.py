"""Roles of the meeting space and the checks every write goes through.

* visitor: anonymous; reads public pages only.
* member: signed in (email verified, allauth) and not banned; edits their profile, sends
  contact requests, registers for events, posts (rate limited), reports abuse, proposes events.
* moderator: the ``Moderators`` group (permission ``community.moderate_community``);
  approves events, hides and locks posts, bans members, in the site and the admin.
* admin: ``is_superuser``; everything, including the admin screens of every model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clusterobs.portal.community.models import Profile, recent_posts

MODERATORS = "Moderators"
PERMISSION = "community.moderate_community"
View = Callable[..., HttpResponse]


def post_limit() -> tuple[int, int]:
    """(posts, minutes): at most this many threads and replies per member per window."""
    return (int(getattr(settings, "COMMUNITY_POST_LIMIT", 5)), int(getattr(settings, "COMMUNITY_POST_WINDOW", 10)))


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm(PERMISSION)))


def is_banned(user: Any) -> bool:
    return bool(user.is_authenticated and Profile.objects.filter(user=user, banned=True).exists())


def member_required(view: View) -> View:
    """Anonymous → the login page; banned → 403 with the reason."""
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = Profile.objects.filter(user=request.user, banned=True).first()
        if profile is not None:
            return render(request, "community/refused.html", {
                "message": f"Your account is suspended from the community: {profile.ban_reason or 'no reason given'}."},
                status=403)
        return view(request, *args, **kwargs)
    return wrapper


def moderator_required(view: View) -> View:
    """Anonymous → the login page; members without the moderator role → 403."""
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            raise PermissionDenied("moderators only")
        return view(request, *args, **kwargs)
    return wrapper


def throttled(request: HttpRequest) -> HttpResponse | None:
    """A 429 page when the member posted too much lately, else None."""
    limit, minutes = post_limit()
    if is_moderator(request.user) or recent_posts(request.user, minutes) < limit:
        return None
    message = (f"You have posted {limit} times in the last {minutes} minutes, the most allowed. "
               "Please wait a few minutes before posting again; your text was not lost: go back to copy it.")
    return render(request, "community/refused.html", {"message": message}, status=429)
