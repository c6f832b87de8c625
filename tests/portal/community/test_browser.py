"""End to end in Debian's Chromium: sign up, verify the email, register for an event, post."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from clusterobs.portal.community.models import Event, Registration, Reply, Thread, Topic

from .conftest import PASSWORD, make_user

# screenshots go to a temporary folder unless COMMUNITY_SCREENSHOTS names one (the docs'
# images are refreshed with COMMUNITY_SCREENSHOTS=docs/screenshots); a test run never
# rewrites files of the repository
SHOTS = Path(os.environ.get("COMMUNITY_SCREENSHOTS") or tempfile.gettempdir()) / "community-shots"


def _seed() -> Event:
    """A few members in different regions, an event and a thread with a reply."""
    organiser = make_user("org@example.org", "Marta Keller", organisation="Bavarian Automotive Cluster",
                          role="cluster-manager", region="DE21", country="DE", categories=["4", "1"],
                          vis_location="public", vis_interests="public")
    for email, name, org, role, region in [
        ("l@example.org", "Luca Bianchi", "Regione Lombardia", "policy-maker", "ITC4"),
        ("s@example.org", "Sofia Lind", "Business Region Göteborg", "business-support", "SE23"),
        ("p@example.org", "Pedro Costa", "University of Coimbra", "researcher", "PT16"),
        ("a@example.org", "Anna Nowak", "Malopolska Agency", "policy-maker", "PL21"),
    ]:
        make_user(email, name, organisation=org, role=role, region=region, country=region[:2],
                  categories=["4"], vis_location="public")
    start = (timezone.now() + timedelta(days=9)).replace(hour=14, minute=0, second=0, microsecond=0)
    event = Event.objects.create(title="Peer learning: automotive regions in transition", online=True,
                                 description="Three regions present their **transition plans**; questions welcome.",
                                 location="https://meet.example.org/auto", start=start, end=start + timedelta(hours=2),
                                 time_zone="Europe/Berlin", capacity=30, organiser=organiser, approved=True)
    topic = Topic.objects.get(slug="smart-specialisation")
    thread = Thread.objects.create(topic=topic, author=organiser, title="Which indicators do you monitor for S3?",
                                   body="We track **employment shares** and LQ of our priority clusters. What else?")
    Reply.objects.create(thread=thread, author=organiser, body="For example: growth over 5 years, wages.")
    return event


@pytest.mark.browser
def test_sign_up_verify_register_and_post(local_page, live_server, transactional_db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    event = _seed()
    page, base = local_page, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)

    # sign up with an email address; the verification email goes to the (test) mail outbox
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", "new.member@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.click("form[method=post] button[type=submit]")  # confirm
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        page.fill("input[name=login]", "new.member@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[method=post] button[type=submit]")
    page.wait_for_url(f"{base}/community/")

    # profile, then register for the event
    page.goto(f"{base}/members/me/")
    page.fill("#id_display_name", "Nora Jensen")
    page.fill("#id_organisation", "Danish Cluster Network")
    page.select_option("#id_role", "cluster-manager")
    page.fill("#id_region", "DK01")
    page.select_option("#id_categories", ["4"])
    page.click("form.cm-form button[type=submit]")
    page.get_by_text("Your profile is saved.").wait_for()
    page.goto(f"{base}/events/{event.pk}/")
    page.get_by_role("button", name="Register").click()
    page.locator(".cm-messages", has_text="You are registered.").wait_for()
    assert Registration.objects.get(event=event, user__email="new.member@example.org").status == "confirmed"

    # post in a thread
    thread = Thread.objects.get()
    page.goto(f"{base}/discussions/t/{thread.pk}/")
    page.fill("#id_body", "We add **export shares**; happy to compare with @MartaKeller.")
    page.get_by_role("button", name="Reply").click()
    page.locator(".cm-markdown strong", has_text="export shares").wait_for()
    assert Reply.objects.filter(author__email="new.member@example.org").exists()
    page.screenshot(path=str(SHOTS / "community-thread.png"), full_page=True)

    page.goto(f"{base}/community/")
    page.screenshot(path=str(SHOTS / "community.png"), full_page=True)
    page.goto(f"{base}/members/")
    page.locator(".leaflet-interactive").first.wait_for()
    page.wait_for_timeout(500)
    assert page.locator("path.leaflet-interactive").count() >= 5
    page.screenshot(path=str(SHOTS / "community-directory.png"), full_page=True)
