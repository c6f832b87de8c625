"""Roles of the meeting space and the checks every write goes through.

* visitor: anonymous; reads public pages only.
* member: signed in (email verified, allauth) and not banned; edits their profile, sends
  contact requests, registers for events, posts (rate limited), reports abuse, proposes events.
* moderator: the ``Moderators`` group (permission ``community.moderate_community``);
  approves events, hides and locks posts, bans members, in the site and the admin.
* admin: ``is_superuser``; everything, including the admin screens of every model.

A banned member writes nothing anywhere in the portal: :class:`BannedWritesMiddleware` refuses
every request with a method other than GET, HEAD, OPTIONS or TRACE from a signed-in banned
user (showcases, stress tests, community, account settings, the admin), except signing out.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from clusterobs.portal.community.models import Profile, recent_posts

MODERATORS = "Moderators"
#: methods that change nothing (RFC 9110 safe methods); every other one is a write
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: URL names a banned member may still POST to: signing out of the site and of the admin
SIGN_OUT = ("account_logout", "admin:logout")
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
        profile = banned_profile(request.user)
        if profile is not None:
            return refuse_banned(request, profile)
        return view(request, *args, **kwargs)
    return wrapper


def banned_profile(user: Any) -> Profile | None:
    """The profile of *user* when they are signed in and banned, else None."""
    if not user.is_authenticated:
        return None
    return Profile.objects.filter(user=user, banned=True).first()


def refuse_banned(request: HttpRequest, profile: Profile) -> HttpResponse:
    """The 403 "refused" page of a banned member, with the reason."""
    return render(request, "community/refused.html", {
        "message": f"Your account is suspended from the community: {profile.ban_reason or 'no reason given'}."},
        status=403)


def _sign_out_paths() -> set[str]:
    paths = set()
    for name in SIGN_OUT:
        with suppress(NoReverseMatch):
            paths.add(reverse(name))
    return paths


class BannedWritesMiddleware:
    """Refuse every write (a method that is not safe) of a signed-in banned user with 403 and
    the community's refused page, before any view runs; signing out stays possible.

    One check for the whole portal, so that no view can forget it: showcases, stress tests,
    community, account and admin forms alike. Reads are untouched. Needs request.user
    (after AuthenticationMiddleware) and the edition context of the page layout (after
    EditionMiddleware).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS and request.path_info not in _sign_out_paths():
            profile = banned_profile(request.user)
            if profile is not None:
                return refuse_banned(request, profile)
        return self.get_response(request)


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
