"""A banned member writes nothing anywhere in the portal (community.roles.BannedWritesMiddleware):
every POST of a signed-in banned member is a 403 with the community's "refused" page and the
reason, and nothing changes; reading pages and signing out still work; the same member, once
unbanned, writes normally."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from clusterobs.portal.community.models import (
    AbuseReport,
    ContactRequest,
    Event,
    Profile,
    Registration,
    Reply,
    Thread,
    Topic,
)
from clusterobs.portal.showcases.models import Case
from clusterobs.portal.stresstest.models import Response
from tests.portal.community.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

REASON = "spam links"
CASE = {
    "title": "Cluster vouchers in Tartu", "summary": "A **voucher** scheme for cluster SMEs.", "country": "EE",
    "regions": "EE00", "level": "regional", "policy_type": "cluster programme (vouchers)",
    "policy_type_code": "", "instruments": "innovation vouchers", "target_groups": "SMEs", "themes": "digital",
    "categories": "", "emerging_industries": "", "start_year": "2019", "end_year": "", "budget": "EUR 2 million",
    "outcomes": "40 vouchers", "lessons": "", "sources": "https://example.org/tartu | Tartu vouchers report",
}
PROFILE = {"display_name": "Ana R.", "organisation": "Cluster agency", "role": "", "country": "DE", "region": "",
           "offers": "", "seeks": "", "vis_profile": "members", "vis_organisation": "members", "vis_role": "members",
           "vis_location": "members", "vis_interests": "members", "vis_offers": "members"}


@pytest.fixture(autouse=True)
def _fast(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache
    cache.clear()


@pytest.fixture()
def member(db):  # type: ignore[no-untyped-def]
    return make_user("ana@example.org", "Ana Ruiz", country="DE")


@pytest.fixture()
def world(member):  # type: ignore[no-untyped-def]
    """The member's own draft showcase and stress test (made before any ban), another's event and thread."""
    other = make_user("bo@example.org", "Bo Berg", country="IT")
    start = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    event = Event.objects.create(title="Peer review", description="d", online=True, location="https://x.example",
                                 start=start, end=start + timedelta(hours=2), time_zone="Europe/Madrid",
                                 capacity=5, organiser=other, approved=True)
    thread = Thread.objects.create(topic=Topic.objects.get(slug="smart-specialisation"), title="Monitoring",
                                   author=other, body="Which indicators?")
    c = client_for(member)
    assert c.post("/showcases/submit/", {**CASE, "title": "My draft"}).status_code == 302
    case = Case.objects.get(title="My draft")
    assert case.status == "draft" and case.author == member
    assert c.post("/stress-test/", {"region": "ITC4", "policy_name": "My policy"}).status_code == 302
    test = Response.objects.get(policy_name="My policy")
    assert test.owner == member
    return {"case": case.slug, "token": test.token, "event": event.pk, "thread": thread.pk,
            "profile": Profile.of(thread.author).pk}


# (label, request, what must stay the same when refused and change when allowed)
Write = tuple[str, Callable[[Client, dict], Any], Callable[[Any], Any]]
WRITES: list[Write] = [
    ("showcase submission", lambda c, w: c.post("/showcases/submit/", {**CASE, "submit": "1"}),
     lambda m: Case.objects.filter(title=CASE["title"]).count()),
    ("showcase edit", lambda c, w: c.post(f"/showcases/{w['case']}/edit/", {**CASE, "title": "My draft",
                                                                           "budget": "EUR 3 million"}),
     lambda m: Case.objects.get(title="My draft").budget),
    ("showcase sent for review", lambda c, w: c.post(f"/showcases/{w['case']}/submit/"),
     lambda m: Case.objects.get(title="My draft").status),
    ("stress test start", lambda c, w: c.post("/stress-test/", {"region": "ITC4", "policy_name": "Another"}),
     lambda m: Response.objects.count()),
    ("stress test section save", lambda c, w: c.post(f"/stress-test/r/{w['token']}/s/S1/",
                                                     {"section": "S1", "nav": "next", "S1.1": "4"}),
     lambda m: Response.objects.get(policy_name="My policy").answers),
    ("stress test autosave", lambda c, w: c.post(
        f"/stress-test/r/{w['token']}/autosave/", json.dumps({"section": "S2", "answers": {"S2.1": "3"}}),
        content_type="application/json"),
     lambda m: Response.objects.get(policy_name="My policy").answers),
    ("discussion thread", lambda c, w: c.post("/discussions/smart-specialisation/new/",
                                              {"title": "Peer review", "body": "Who joins?"}),
     lambda m: Thread.objects.count()),
    ("discussion reply", lambda c, w: c.post(f"/discussions/t/{w['thread']}/reply/", {"body": "again"}),
     lambda m: Reply.objects.count()),
    ("abuse report", lambda c, w: c.post(f"/discussions/thread/{w['thread']}/report/", {"reason": "off topic"}),
     lambda m: AbuseReport.objects.count()),
    ("event proposal", lambda c, w: c.post("/events/new/", {
        "title": "Proposal", "description": "d", "online": "on", "location": "", "time_zone": "Europe/Berlin",
        "start": "2030-05-01T10:00", "end": "2030-05-01T12:00", "capacity": "10"}),
     lambda m: Event.objects.count()),
    ("event registration", lambda c, w: c.post(f"/events/{w['event']}/register/"),
     lambda m: Registration.objects.count()),
    ("contact request", lambda c, w: c.post(f"/members/{w['profile']}/contact/", {"message": "hello"}),
     lambda m: ContactRequest.objects.count()),
    ("profile edit", lambda c, w: c.post("/members/me/", PROFILE),
     lambda m: Profile.of(m).display_name),
    ("account email added", lambda c, w: c.post("/accounts/email/", {"action_add": "", "email": "new@example.org"}),
     lambda m: EmailAddress.objects.filter(user=m).count()),
    ("account password change", lambda c, w: c.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": "another-Horse-9-battery", "password2": "another-Horse-9-battery"}),
     lambda m: type(m).objects.get(pk=m.pk).password),
]


def _ban(user) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.filter(user=user).update(banned=True, ban_reason=REASON)


@pytest.mark.parametrize(("label", "write", "state"), WRITES, ids=[w[0] for w in WRITES])
def test_banned_member_cannot_write(world, member, label, write, state) -> None:  # type: ignore[no-untyped-def]
    _ban(member)
    before = state(member)
    r = write(client_for(member), world)
    assert r.status_code == 403, (label, r.status_code)
    assert b"Not possible right now" in r.content and REASON.encode() in r.content  # community/refused.html
    assert state(member) == before, label


@pytest.mark.parametrize(("label", "write", "state"), WRITES, ids=[w[0] for w in WRITES])
def test_unbanned_member_can_write(world, member, label, write, state) -> None:  # type: ignore[no-untyped-def]
    _ban(member)
    Profile.objects.filter(user=member).update(banned=False, ban_reason="")  # lifted
    before = state(member)
    r = write(client_for(member), world)
    assert r.status_code in (200, 302), (label, r.status_code, r.content[:500])
    assert state(member) != before, label


def test_banned_member_still_reads_pages(world, member) -> None:  # type: ignore[no-untyped-def]
    _ban(member)
    c = client_for(member)
    for url in ("/showcases/", f"/showcases/{world['case']}/", "/stress-test/",
                f"/stress-test/r/{world['token']}/s/S1/", "/discussions/", f"/discussions/t/{world['thread']}/",
                "/events/", "/api/v1/showcases", "/api/v1/community/events"):
        assert c.get(url).status_code == 200, url
    assert c.head("/showcases/").status_code == 200


def test_banned_member_can_sign_out(member) -> None:  # type: ignore[no-untyped-def]
    _ban(member)
    c = client_for(member)
    r = c.post("/accounts/logout/")
    assert r.status_code == 302
    assert "_auth_user_id" not in c.session
    # signed out, a write is what it is for any visitor: the sign-in page
    r = c.post("/showcases/submit/", {**CASE, "submit": "1"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_another_member_is_not_affected(world, member) -> None:  # type: ignore[no-untyped-def]
    _ban(member)
    cy = make_user("cy@example.org", "Cy Lee")
    r = client_for(cy).post(f"/discussions/t/{world['thread']}/reply/", {"body": "welcome"})
    assert r.status_code == 302 and Reply.objects.count() == 1
