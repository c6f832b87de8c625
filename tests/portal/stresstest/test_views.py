"""The stress-test pages: flow, privacy (owner, private link, staff; 404 for everyone else),
refusal of tampered answers and section ids, results and the PDF."""

from __future__ import annotations

import json

import pytest

from clusterobs.core import stresstest as st
from clusterobs.portal.stresstest.models import Response
from clusterobs.sources import questionnaire

pytestmark = pytest.mark.django_db
Q = questionnaire.load()


def _all_answers(likert: str = "4", yesno: str = "yes") -> dict[str, str]:
    return {i.id: (likert if i.scale == "likert" else yesno) for s in Q.sections for i in s.items}


def _response(**kw) -> Response:  # type: ignore[no-untyped-def]
    return Response.objects.create(**{"region": "ITC4", "region_name": "Lombardia",
                                      "policy_name": "Test policy", **kw})  # fmt: skip


def _submitted(answers: dict[str, str] | None = None, **kw) -> Response:  # type: ignore[no-untyped-def]
    answers = answers or _all_answers()
    scores = {s.id: s.score for s in st.section_scores(Q, answers)}
    return _response(answers=answers, scores=scores, status="submitted", **kw)


def test_start_creates_a_response_with_an_unguessable_token(client):
    html = client.get("/stress-test/").content.decode()
    assert "ITC4 · Lombardia" in html and "41 questions in 7 sections" in html
    resp = client.post("/stress-test/", {"region": "ITC4", "policy_name": "  Lombardy   clusters "})
    r = Response.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/stress-test/r/{r.token}/s/S1/"
    assert len(r.token) == 32 and r.region_name == "Lombardia" and r.policy_name == "Lombardy clusters"
    assert r.owner is None and r.status == "draft"


def test_start_refuses_a_region_not_in_the_store(client):
    resp = client.post("/stress-test/", {"region": "XX99", "policy_name": "Policy"})
    assert resp.status_code == 400 and "Select a valid choice" in resp.content.decode()
    assert not Response.objects.exists()


def test_whole_flow_by_normal_submit(client):
    r = _response()
    for n, s in enumerate(Q.sections):
        data = {"section": s.id, "nav": "next", **{i.id: _all_answers()[i.id] for i in s.items}}
        resp = client.post(f"/stress-test/r/{r.token}/s/{s.id}/", data)
        nxt = f"s/{Q.sections[n + 1].id}/" if n + 1 < len(Q.sections) else "review/"
        assert resp["Location"] == f"/stress-test/r/{r.token}/{nxt}"
    assert client.post(f"/stress-test/r/{r.token}/review/")["Location"].endswith("/results/")
    r.refresh_from_db()
    assert r.status == "submitted" and r.submitted is not None
    # S1: five Likert "4" (S1.4 reversed -> 0.25), S1.5 yes; weights S1.1 = 2, others 1:
    # 10 * (2*.75 + .75 + .75 + .25 + 1 + .75) / 7 = 10 * 5 / 7 = 7.14
    assert r.scores["S1"] == 7.14
    html = client.get(f"/stress-test/r/{r.token}/results/").content.decode()
    assert 'data-section="S1"' in html and "7.1" in html and "st-radar-data" in html
    assert "id=\"st-no-benchmark\"" in html  # fewer than 5 other responses
    # submitted answers are frozen
    client.post(f"/stress-test/r/{r.token}/s/S1/", {"section": "S1", "S1.1": "1"})
    r.refresh_from_db()
    assert r.answers["S1.1"] == "4"


def test_autosave_saves_valid_answers_as_json(client):
    r = _response()
    resp = client.post(f"/stress-test/r/{r.token}/autosave/", json.dumps(
        {"section": "S2", "answers": {"S2.1": "3", "S2.7": "dk"}}), content_type="application/json")
    assert resp.status_code == 200 and resp.json()["done"] == 2 and resp.json()["total"] == 41
    r.refresh_from_db()
    assert r.answers == {"S2.1": "3", "S2.7": "dk"}
    # the private link resumes at the first section with open questions
    assert client.get(f"/stress-test/r/{r.token}/")["Location"].endswith("/s/S1/")


@pytest.mark.parametrize("body, message", [
    ({"section": "S2", "answers": {"S2.1": "7"}}, "'7' is not an allowed answer"),
    ({"section": "S2", "answers": {"S2.1": "3", "S2.2": "yes"}}, "S2.2: 'yes' is not an allowed"),
    ({"section": "S2", "answers": {"S1.1": "3"}}, "not in section 'S2'"),
    ({"section": "S2", "answers": {"S2.1": "3", "is_staff": "1"}}, "unknown question 'is_staff'"),
    ({"section": "S9", "answers": {"S2.1": "3"}}, "unknown section 'S9'"),
    ({"section": "S2", "answers": {"S2.1": 3}}, "must be text"),
    ({"section": "S2", "answers": ["S2.1"]}, "expected a JSON object"),
])  # fmt: skip
def test_autosave_refuses_tampered_input_and_saves_nothing(client, body, message):
    r = _response(answers={"S2.1": "1"})
    resp = client.post(f"/stress-test/r/{r.token}/autosave/", json.dumps(body),
                       content_type="application/json")  # fmt: skip
    assert resp.status_code == 400 and message in resp.json()["message"]
    assert "Nothing was saved" in resp.json()["message"]
    r.refresh_from_db()
    assert r.answers == {"S2.1": "1"}


def test_form_post_refuses_tampered_values_and_section_ids(client):
    r = _response(answers={"S1.1": "2"})
    url = f"/stress-test/r/{r.token}/s/S1/"
    resp = client.post(url, {"section": "S1", "S1.1": "5", "S1.2": "99"})
    assert resp.status_code == 400
    assert "Refused: S1.2: &#x27;99&#x27; is not an allowed answer" in resp.content.decode()
    resp = client.post(url, {"section": "S3", "S1.1": "5"})  # hidden section id changed
    assert resp.status_code == 400 and "does not match this page" in resp.content.decode()
    resp = client.post(f"/stress-test/r/{r.token}/s/S8/", {"section": "S8", "S1.1": "5"})
    assert resp.status_code == 400 and b"unknown section" in resp.content
    r.refresh_from_db()
    assert r.answers == {"S1.1": "2"}


def test_submit_needs_every_question_answered(client):
    r = _response(answers={"S1.1": "2"})
    resp = client.post(f"/stress-test/r/{r.token}/review/")
    assert resp.status_code == 400 and "40 question(s) still open" in resp.content.decode()
    r.refresh_from_db()
    assert r.status == "draft"


PAGES = ["", "s/S1/", "review/", "results/", "results.pdf"]


@pytest.mark.parametrize("page", PAGES)
def test_other_users_and_anonymous_visitors_get_404_without_the_link(client, django_user_model, page):
    owner = django_user_model.objects.create(username="owner", email="owner@example.org")
    other = django_user_model.objects.create(username="other", email="other@example.org")
    r = _submitted(owner=owner)
    guess = r.token[:-1] + ("A" if r.token[-1] != "A" else "B")
    assert client.get(f"/stress-test/r/{guess}/{page}").status_code == 404  # anonymous
    client.force_login(other)
    assert client.get(f"/stress-test/r/{guess}/{page}").status_code == 404
    assert client.get(f"/stress-test/r/{r.pk}/{page}").status_code == 404  # no access by id
    assert "Test policy" not in client.get("/stress-test/").content.decode()  # not in their list


def test_owner_list_private_link_and_staff(client, django_user_model):
    owner = django_user_model.objects.create(username="owner", email="owner@example.org")
    r = _submitted(owner=owner)
    client.force_login(owner)
    assert f"/stress-test/r/{r.token}/" in client.get("/stress-test/").content.decode()
    resp = client.get(f"/stress-test/r/{r.token}/results/")
    assert resp.status_code == 200
    assert resp["Cache-Control"] == "private, no-store" and resp["Referrer-Policy"] == "same-origin"
    client.logout()
    assert client.get(f"/stress-test/r/{r.token}/results/").status_code == 200  # link holder
    staff = django_user_model.objects.create(username="admin", email="admin@example.org",
                                                is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(f"/admin/stresstest/response/{r.pk}/change/").status_code == 200


def test_benchmark_only_from_five_other_submitted_responses(client):
    for n in range(4):
        _submitted(_all_answers("2"), policy_name=f"other {n}")
    _response(answers=_all_answers("5"))  # drafts never count
    r = _submitted(_all_answers("5"))
    html = client.get(f"/stress-test/r/{r.token}/results/").content.decode()
    assert "(n=" not in html and "st-no-benchmark" in html
    _submitted(_all_answers("2"), policy_name="other 4")
    html = client.get(f"/stress-test/r/{r.token}/results/").content.decode()
    # S3 with all Likert "2" (S3.6 reversed -> .75) and S3.4 yes, weights S3.1 = 2:
    # 10 * (2*.25 + .25 + .25 + 1 + .25 + .75) / 7 = 10 * 3 / 7 = 4.29 in each of the 5 -> 4.3
    assert "4.3 <span class=\"help\">(n=5)</span>" in html


def test_evidence_check_on_the_regions_data(client, con):
    # a claim to target strong emerging industries in a region where none has >= 2 stars
    year, rated, strong = con.execute(
        """SELECT max(year), count(*) FILTER (WHERE year = (SELECT max(year) FROM ratings WHERE region = 'ITC4'
                  AND scheme = 'emerging' AND method = 'eco-classic')), 0
           FROM ratings WHERE region = 'ITC4' AND scheme = 'emerging' AND method = 'eco-classic'""").fetchone()
    n_strong = con.execute("""SELECT count(*) FROM ratings WHERE region = 'ITC4' AND scheme = 'emerging'
                              AND method = 'eco-classic' AND year = ? AND stars >= 2""", [year]).fetchone()[0]
    answers = _all_answers("5") | {"S5.1": "5"}
    r = _submitted(answers)
    html = client.get(f"/stress-test/r/{r.token}/results/").content.decode()
    if n_strong == 0:
        assert f"Lombardia: 0 of {rated} emerging industries rated ≥ 2 stars (eco-classic, {year})" in html
    else:
        assert "S5.1" not in html.split('id="h-evidence"')[1].split("<h2>")[0]
    weak = con.execute("""SELECT count(*) FROM scoreboard_scores WHERE region = 'ITC4'
                          AND status_eu = 'weakness'""").fetchone()[0]
    evidence = html.split('id="h-evidence"')[1]
    if weak:  # every claim of "5" on a framework condition that is a weakness is contradicted
        assert "of the EU average (weakness ≤ 90%)" in evidence
    assert "claims on framework conditions not checked" not in html  # the store has a scoreboard


def test_pdf_export(client):
    r = _submitted()
    resp = client.get(f"/stress-test/r/{r.token}/results.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF") and len(resp.content) > 20_000
