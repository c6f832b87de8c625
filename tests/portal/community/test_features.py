"""Privacy, XSS, rate limits, waiting list, iCalendar, reminders, notifications, matchmaking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from clusterobs.portal.community.models import (
    ContactRequest,
    Event,
    Notification,
    Profile,
    Registration,
    Reply,
    Thread,
)

from .conftest import client_for, make_user

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_in_profile_thread_reply_and_event_is_harmless(member, other, thread, event) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.filter(user=other).update(display_name=XSS, organisation=XSS, offers=XSS,
                                              vis_offers="public")
    Thread.objects.filter(pk=thread.pk).update(title=XSS, body=f"{XSS}\n\n[link](javascript:alert(1))")
    Reply.objects.create(thread=thread, author=member, body=f'{XSS} <a href="javascript:alert(2)">x</a>')
    Event.objects.filter(pk=event.pk).update(description=XSS + ' <iframe src="https://evil.example"></iframe>')
    c = client_for(member)
    pages = [f"/members/{Profile.of(other).pk}/", "/members/", f"/discussions/t/{thread.pk}/",
             "/discussions/smart-specialisation/", f"/events/{event.pk}/", "/community/"]
    for url in pages:
        html = c.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url
        assert "<img" not in html, url
        assert "javascript:" not in html, url
        assert "<iframe" not in html, url
    # the text survives, escaped
    assert "&lt;script&gt;" in c.get(f"/discussions/t/{thread.pk}/").content.decode()


def test_markdown_is_rendered_through_the_allow_list(member, thread) -> None:  # type: ignore[no-untyped-def]
    Reply.objects.create(thread=thread, author=member, body="**bold** and [a link](https://example.org)")
    html = client_for(member).get(f"/discussions/t/{thread.pk}/").content.decode()
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener"' in html


def test_privacy_of_profile_fields(member, other) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.filter(user=member).update(organisation="Secret Agency", vis_organisation="nobody",
                                               offers="Mentoring", vis_offers="members", vis_location="members")
    pk = Profile.of(member).pk
    anonymous = Client().get(f"/members/{pk}/").content.decode()
    signed_in = client_for(other).get(f"/members/{pk}/").content.decode()
    assert "Secret Agency" not in anonymous and "Secret Agency" not in signed_in
    assert "Mentoring" not in anonymous and "Mentoring" in signed_in
    # searching a hidden field must not reveal it
    assert "Ana Ruiz" not in client_for(other).get("/members/?q=Secret").content.decode()
    assert "Ana Ruiz" not in Client().get("/members/?country=DE").content.decode()
    assert "Ana Ruiz" in client_for(other).get("/members/?country=DE").content.decode()
    # a profile hidden from everyone is 404 for others
    Profile.objects.filter(user=member).update(vis_profile="nobody")
    assert client_for(other).get(f"/members/{pk}/").status_code == 404


def test_map_pins_respect_privacy(member, other) -> None:  # type: ignore[no-untyped-def]
    html = Client().get("/members/").content.decode()
    assert "ITC4" in html  # Bo shows his location publicly
    assert "DE21" not in html  # Ana only to members
    assert "DE21" in client_for(other).get("/members/").content.decode()


def test_email_only_after_acceptance_and_consent(member, other) -> None:  # type: ignore[no-untyped-def]
    c = client_for(member)
    c.post(f"/members/{Profile.of(other).pk}/contact/", {"message": "Let us talk about automotive clusters"})
    req = ContactRequest.objects.get()
    assert Notification.objects.filter(user=other).exists()
    assert "bo@example.org" not in c.get(f"/members/{Profile.of(other).pk}/").content.decode()
    client_for(other).post(f"/members/contacts/{req.pk}/accept/")
    assert "bo@example.org" not in c.get(f"/members/{Profile.of(other).pk}/").content.decode()  # no consent yet
    Profile.objects.filter(user=other).update(email_consent=True)
    assert "bo@example.org" in c.get(f"/members/{Profile.of(other).pk}/").content.decode()
    # a declined request never reveals it
    ContactRequest.objects.filter(pk=req.pk).update(status="declined")
    assert "bo@example.org" not in c.get(f"/members/{Profile.of(other).pk}/").content.decode()


def test_posting_is_rate_limited(member, thread, settings) -> None:  # type: ignore[no-untyped-def]
    settings.COMMUNITY_POST_LIMIT = 3
    c = client_for(member)
    for i in range(3):
        assert c.post(f"/discussions/t/{thread.pk}/reply/", {"body": f"post {i}"}).status_code == 302
    r = c.post(f"/discussions/t/{thread.pk}/reply/", {"body": "one too many"})
    assert r.status_code == 429
    assert "You have posted 3 times in the last 10 minutes" in r.content.decode()
    assert Reply.objects.count() == 3
    # older posts no longer count
    Reply.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert c.post(f"/discussions/t/{thread.pk}/reply/", {"body": "later"}).status_code == 302


def test_waiting_list_promotion(member, other, moderator, event) -> None:  # type: ignore[no-untyped-def]
    client_for(member).post(f"/events/{event.pk}/register/")
    client_for(moderator).post(f"/events/{event.pk}/register/")
    status = dict(Registration.objects.values_list("user__email", "status"))
    assert status == {"ana@example.org": "confirmed", "mod@example.org": "waiting"}
    client_for(member).post(f"/events/{event.pk}/cancel/")
    status = dict(Registration.objects.values_list("user__email", "status"))
    assert status == {"ana@example.org": "cancelled", "mod@example.org": "confirmed"}
    assert Notification.objects.filter(user=moderator, text__contains="A place opened up").exists()


def test_ical_per_event_and_per_member(member, event) -> None:  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    ics = Client().get(f"/events/{event.pk}.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(ics.content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["summary"]) == event.title
    assert vevent.decoded("dtstart") == event.start  # same instant, expressed in Europe/Madrid
    assert str(vevent.decoded("dtstart").tzinfo) == "Europe/Madrid"
    assert cal.walk("VTIMEZONE")
    c = client_for(member)
    assert b"VEVENT" not in c.get("/events/mine.ics").content
    c.post(f"/events/{event.pk}/register/")
    assert b"Peer review of S3 strategies" in c.get("/events/mine.ics").content
    assert Client().get("/events/mine.ics").status_code == 302


def test_reminder_command_sends_once(member, event, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    event.register(member)
    call_command("send_event_reminders", "--hours", "24")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "Europe/Madrid" in mail.outbox[0].body
    call_command("send_event_reminders")
    assert len(mail.outbox) == 1


def test_mentions_and_replies_notify(member, other, thread) -> None:  # type: ignore[no-untyped-def]
    third = make_user("cy@example.org", "Cy Zhou")
    client_for(member).post(f"/discussions/t/{thread.pk}/reply/", {"body": "Agree, @CyZhou has data on this"})
    assert Notification.objects.filter(user=other, text__contains="replied").exists()
    assert Notification.objects.filter(user=third, text__contains="mentioned you").exists()
    assert not Notification.objects.filter(user=member).exists()


def test_suggestions_explain_with_numbers(member, other) -> None:  # type: ignore[no-untyped-def]
    html = client_for(member).get("/members/suggestions/").content.decode()
    assert "Cosine similarity of the traded-cluster employment shares, 2014: 0." in html
    assert "Complementarity 0." in html and "LQ ≥ 1.25" in html
    # Bo shares the Automotive interest (Jaccard 1 of 2 = 0.50)
    assert "Bo Berg" in html and "Jaccard 0.50" in html


def test_api_lists_public_members_and_events(member, other, event) -> None:  # type: ignore[no-untyped-def]
    members = Client().get("/api/v1/community/members").json()
    names = {m["name"] for m in members}
    assert names == {"Ana Ruiz", "Bo Berg"}
    ana = next(m for m in members if m["name"] == "Ana Ruiz")
    assert ana["region"] is None  # location is for members only
    events = Client().get("/api/v1/community/events").json()
    assert events[0]["title"] == event.title and events[0]["ical"] == f"/events/{event.pk}.ics"
