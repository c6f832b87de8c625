"""Fixtures of the community tests: members with verified emails, a moderator, an event, a thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from clusterobs.portal.community.models import Event, Profile, Thread, Topic

PASSWORD = "correct-Horse-battery-9"


def make_user(email: str, name: str, **profile: object):  # type: ignore[no-untyped-def]
    from clusterobs.portal.accounts.models import User

    user = User.objects.create_user(username=email.split("@")[0], email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    p = Profile.of(user)
    p.display_name = name
    for k, v in profile.items():
        setattr(p, k, v)
    p.save()
    return user


@pytest.fixture(autouse=True)
def _fast(settings) -> None:  # type: ignore[no-untyped-def]
    """A fast password hasher (tests only) and a fresh cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture()
def member(db):  # type: ignore[no-untyped-def]
    return make_user("ana@example.org", "Ana Ruiz", region="DE21", country="DE", categories=["4", "1"])


@pytest.fixture()
def other(db):  # type: ignore[no-untyped-def]
    return make_user("bo@example.org", "Bo Berg", region="ITC4", country="IT", categories=["4"],
                     vis_location="public", vis_interests="public")


@pytest.fixture()
def moderator(db):  # type: ignore[no-untyped-def]
    user = make_user("mod@example.org", "Mo Derator")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture()
def event(other):  # type: ignore[no-untyped-def]
    start = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    return Event.objects.create(title="Peer review of S3 strategies", description="**Bring** your plan",
                                online=True, location="https://meet.example.org/s3", start=start,
                                end=start + timedelta(hours=2), time_zone="Europe/Madrid", capacity=1,
                                organiser=other, approved=True)


@pytest.fixture()
def thread(other):  # type: ignore[no-untyped-def]
    topic = Topic.objects.get(slug="smart-specialisation")
    return Thread.objects.create(topic=topic, title="Monitoring indicators", author=other, body="Which ones?")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c
