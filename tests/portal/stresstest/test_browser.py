"""A whole stress test in headless Chromium: start, every section (autosave and submit),
review, results with the radar chart. Only 127.0.0.1 may be requested (``local_page``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clusterobs.portal.stresstest.models import Response
from clusterobs.sources import questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Q = questionnaire.load()


def _answer(item) -> str:  # type: ignore[no-untyped-def]
    """A fixed pattern: Likert 1..5 by question number, yes/no alternating, one don't know."""
    n = int(item.id.split(".")[1])
    if item.id == "S7.6":
        return "dk"
    return str(n % 5 + 1) if item.scale == "likert" else ("yes" if n % 2 else "no")


def test_whole_questionnaire_to_results(local_page, live_server):
    page = local_page
    page.goto(live_server.url + "/stress-test/")
    page.select_option("#id_region", "ITC4")
    page.fill("#id_policy_name", "Lombardy cluster programme")
    page.click("button:text('Start')")
    page.wait_for_url("**/s/S1/")
    token = page.url.split("/r/")[1].split("/")[0]

    # S1 by autosave only: the answers survive a reload without pressing a button
    for item in Q.sections[0].items:
        page.check(f"input[name='{item.id}'][value='{_answer(item)}']")
    expect(page.locator("#st-count")).to_have_text("6 of 41 questions answered")
    page.wait_for_selector("#st-form[data-state=saved]")
    page.reload()
    assert page.is_checked(f"input[name='S1.1'][value='{_answer(Q.sections[0].items[0])}']")
    assert Response.objects.get(token=token).answers["S1.1"] == _answer(Q.sections[0].items[0])

    for n, section in enumerate(Q.sections):
        if n > 0:
            page.wait_for_url(f"**/s/{section.id}/")
            assert page.locator("h1").inner_text().startswith(f"{section.id}. {section.title}")
            for item in section.items:
                page.check(f"input[name='{item.id}'][value='{_answer(item)}']")
        page.click("button[name=nav][value=next]")
    page.wait_for_url("**/review/")
    assert page.locator("text=still open").count() == 0
    page.click("#st-submit")
    page.wait_for_url("**/results/")
    page.wait_for_selector("#st-radar[data-state=ready]")
    rows = page.locator("#st-scores tbody tr")
    assert rows.count() == len(Q.sections)
    saved = Response.objects.get(token=token)
    assert saved.status == "submitted" and len(saved.answers) == 41
    # S1: S1.1 "2" (w 2) -> .25, S1.2 "3" -> .5, S1.3 "4" -> .75, S1.4 "5" reversed -> 0,
    # S1.5 yes -> 1, S1.6 "2" -> .25: 10 * (2*.25 + .5 + .75 + 0 + 1 + .25) / 7 = 10 * 3 / 7 = 4.29
    assert saved.scores["S1"] == 4.29
    assert rows.nth(0).locator("td").first.inner_text() == "4.3"
    assert page.locator("#st-guidance li").count() > 0
