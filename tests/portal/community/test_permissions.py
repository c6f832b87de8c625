"""Every write of the community app refused to visitors and to the wrong role; CSRF; throttled login."""

from __future__ import annotations

import pytest
from django.test import Client

from clusterobs.portal.community.models import ContactRequest, Event, Profile, Reply, Thread

from .conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

# (url template, data): every POST endpoint of the app; {e} event, {t} thread, {r} reply, {p} profile, {c} contact
WRITES = [
    ("/members/me/", {"display_name": "x"}),
    ("/members/{p}/contact/", {"message": "hi"}),
    ("/members/contacts/{c}/accept/", {}),
    ("/members/{p}/ban/", {"reason": "spam"}),
    ("/community/notifications/", {}),
    ("/events/new/", {"title": "x"}),
    ("/events/{e}/register/", {}),
    ("/events/{e}/cancel/", {}),
    ("/events/{e}/approve/", {"approved": "0"}),
    ("/discussions/smart-specialisation/new/", {"title": "x", "body": "y"}),
    ("/discussions/t/{t}/reply/", {"body": "y"}),
    ("/discussions/thread/{t}/report/", {"reason": "r"}),
    ("/discussions/thread/{t}/hide/", {"reason": "r"}),
    ("/discussions/thread/{t}/lock/", {}),
    ("/discussions/reply/{r}/hide/", {}),
]
MODERATOR_ONLY = {"/members/{p}/ban/", "/events/{e}/approve/", "/discussions/thread/{t}/hide/",
                  "/discussions/thread/{t}/lock/", "/discussions/reply/{r}/hide/"}


@pytest.fixture()
def ids(member, other, event, thread):  # type: ignore[no-untyped-def]
    reply = Reply.objects.create(thread=thread, author=other, body="first")
    contact = ContactRequest.objects.create(sender=other, recipient=member, message="hello")
    return {"e": event.pk, "t": thread.pk, "r": reply.pk, "p": Profile.of(other).pk, "c": contact.pk}


def _snapshot() -> tuple:
    return (Event.objects.filter(approved=True).count(), Thread.objects.filter(hidden=False, locked=False).count(),
            Reply.objects.filter(hidden=False).count(), Profile.objects.filter(banned=True).count(),
            ContactRequest.objects.filter(status="pending").count())


@pytest.mark.parametrize(("url", "data"), WRITES)
def test_anonymous_writes_go_to_login(ids, url, data) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot()
    r = Client().post(url.format(**ids), data)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert _snapshot() == before


@pytest.mark.parametrize(("url", "data"), [w for w in WRITES if w[0] in MODERATOR_ONLY])
def test_members_cannot_moderate(ids, member, url, data) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot()
    r = client_for(member).post(url.format(**ids), data)
    assert r.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize(("url", "data"), [w for w in WRITES if w[0] in MODERATOR_ONLY])
def test_moderators_can_moderate(ids, moderator, url, data) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot()
    r = client_for(moderator).post(url.format(**ids), data)
    assert r.status_code == 302
    assert _snapshot() != before


def test_only_the_recipient_answers_a_contact_request(ids, other, moderator) -> None:  # type: ignore[no-untyped-def]
    # the sender and a third member get 404: the request is not theirs to answer
    for user in (other, moderator):
        assert client_for(user).post(f"/members/contacts/{ids['c']}/accept/").status_code == 404
    assert ContactRequest.objects.get(pk=ids["c"]).status == "pending"


def test_banned_member_cannot_post(ids, member) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.filter(user=member).update(banned=True, ban_reason="spam links")
    r = client_for(member).post(f"/discussions/t/{ids['t']}/reply/", {"body": "again"})
    assert r.status_code == 403 and b"spam links" in r.content
    assert Reply.objects.count() == 1


def test_locked_thread_refuses_replies(ids, member) -> None:  # type: ignore[no-untyped-def]
    Thread.objects.filter(pk=ids["t"]).update(locked=True)
    assert client_for(member).post(f"/discussions/t/{ids['t']}/reply/", {"body": "x"}).status_code == 403


def test_hidden_thread_is_404_for_members_and_visible_to_moderators(ids, member, moderator) -> None:  # type: ignore[no-untyped-def]
    Thread.objects.filter(pk=ids["t"]).update(hidden=True)
    assert Client().get(f"/discussions/t/{ids['t']}/").status_code == 404
    assert client_for(member).get(f"/discussions/t/{ids['t']}/").status_code == 404
    assert client_for(moderator).get(f"/discussions/t/{ids['t']}/").status_code == 200


def test_member_event_awaits_approval_and_is_not_public(member) -> None:  # type: ignore[no-untyped-def]
    data = {"title": "Proposal", "description": "d", "online": "on", "location": "", "time_zone": "Europe/Berlin",
            "start": "2030-05-01T10:00", "end": "2030-05-01T12:00", "capacity": "10"}
    r = client_for(member).post("/events/new/", data)
    assert r.status_code == 302
    e = Event.objects.get(title="Proposal")
    assert not e.approved
    assert e.start.isoformat() == "2030-05-01T08:00:00+00:00"  # 10:00 in Berlin (CEST) is 08:00 UTC
    assert Client().get(f"/events/{e.pk}/").status_code == 404
    assert client_for(member).post(f"/events/{e.pk}/register/").status_code == 404


def test_approved_organiser_publishes_directly(member) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.filter(user=member).update(approved_organiser=True)
    data = {"title": "Published", "online": "on", "time_zone": "UTC", "start": "2030-05-01T10:00",
            "end": "2030-05-01T12:00", "capacity": "10"}
    client_for(member).post("/events/new/", data)
    assert Event.objects.get(title="Published").approved


def test_csrf_token_required(member, thread) -> None:  # type: ignore[no-untyped-def]
    c = Client(enforce_csrf_checks=True)
    c.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    assert c.post(f"/discussions/t/{thread.pk}/reply/", {"body": "no token"}).status_code == 403
    assert Reply.objects.count() == 0
    # with the token of the page the same post succeeds
    page = c.get(f"/discussions/t/{thread.pk}/")
    token = page.context["csrf_token"]
    assert c.post(f"/discussions/t/{thread.pk}/reply/", {"body": "with token", "csrfmiddlewaretoken": token}).status_code == 302
    assert Reply.objects.count() == 1


def test_login_is_throttled_after_five_failures(member) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    for _ in range(5):
        r = c.post("/accounts/login/", {"login": "ana@example.org", "password": "wrong-password"})
        assert "_auth_user_id" not in c.session
    r = c.post("/accounts/login/", {"login": "ana@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in c.session  # the right password is refused while locked out
    assert r.status_code != 302
    from axes.models import AccessAttempt

    # django-axes recorded the five failures and locked the user at this address out; the
    # attempt made while locked out is refused and counted too
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 6


def test_right_password_logs_in(member) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    r = c.post("/accounts/login/", {"login": "ana@example.org", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/community/"
