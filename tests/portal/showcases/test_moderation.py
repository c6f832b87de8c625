"""Submission and moderation: members submit, only moderators publish or reject; every change is kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from clusterobs.portal.showcases import services
from clusterobs.portal.showcases.models import Case, CaseRevision

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Cluster vouchers in Tartu", "summary": "A **voucher** scheme for cluster SMEs.", "country": "EE",
    "regions": "EE00", "level": "regional", "policy_type": "cluster programme (vouchers)",
    "policy_type_code": "", "instruments": "innovation vouchers\ncluster manager training",
    "target_groups": "SMEs", "themes": "digital\nfood", "categories": "", "emerging_industries": "",
    "start_year": "2019", "end_year": "", "budget": "EUR 2 million", "outcomes": "40 vouchers",
    "lessons": "", "sources": "https://example.org/tartu | Tartu vouchers report", "submit": "1",
}


def _submit(client, user, **override):
    client.force_login(user)
    resp = client.post("/showcases/submit/", {**FORM, **override})
    return resp


def test_anonymous_visitors_must_sign_in_to_submit(client, db):
    resp = client.get("/showcases/submit/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_member_submits_but_cannot_publish(client, member):
    resp = _submit(client, member)
    case = Case.objects.get(title="Cluster vouchers in Tartu")
    assert resp.status_code == 302 and resp["Location"] == case.get_absolute_url()
    assert case.status == "submitted" and case.author == member
    assert case.instrument_codes and "sme-support" in case.instrument_codes  # derived from the instruments
    assert client.get(case.get_absolute_url()).status_code == 200  # the author sees the submission
    assert client.post(f"/showcases/{case.slug}/publish/").status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"
    assert client.get("/showcases/?q=Tartu").content.decode().count('data-slug="') == 0
    with pytest.raises(PermissionDenied):
        services.publish(case, member)
    client.logout()
    assert client.get(case.get_absolute_url()).status_code == 404  # not public before publication


def test_moderator_reviews_edits_publishes_and_every_change_is_a_revision(client, member, moderator):
    _submit(client, member)
    case = Case.objects.get(title="Cluster vouchers in Tartu")
    client.force_login(moderator)
    assert case.title in client.get("/showcases/queue/").content.decode()
    # reject needs a reason
    client.post(f"/showcases/{case.slug}/reject/", {"reason": " "})
    case.refresh_from_db()
    assert case.status == "submitted"
    client.post(f"/showcases/{case.slug}/reject/", {"reason": "Please add the evaluation report."})
    case.refresh_from_db()
    assert case.status == "draft" and case.rejection_reason == "Please add the evaluation report."
    # the author edits and resubmits; the moderator edits and publishes
    client.force_login(member)
    assert client.post(f"/showcases/{case.slug}/edit/", {**FORM, "budget": "EUR 2.5 million"}).status_code == 302
    client.force_login(moderator)
    client.post(f"/showcases/{case.slug}/edit/", {**FORM, "budget": "EUR 2.5 million (2019-2023)"})
    assert client.post(f"/showcases/{case.slug}/publish/").status_code == 302
    case.refresh_from_db()
    assert case.status == "published" and case.budget == "EUR 2.5 million (2019-2023)"
    revisions = list(case.revisions.order_by("number"))
    assert [r.action for r in revisions] == ["submitted", "rejected", "edited", "submitted", "edited", "published"]
    assert [r.user for r in revisions] == [member, moderator, member, member, moderator, moderator]
    assert revisions[1].reason == "Please add the evaluation report."
    assert revisions[2].changes["budget"] == ["EUR 2 million", "EUR 2.5 million"]
    assert revisions[-1].snapshot["status"] == "published"
    client.logout()
    assert client.get("/showcases/?q=Tartu").content.decode().count('data-slug="') == 1
    # a member cannot edit a published case any more
    client.force_login(member)
    assert client.get(f"/showcases/{case.slug}/edit/").status_code == 403


def test_members_cannot_edit_other_members_cases(client, member, django_user_model):
    _submit(client, member)
    case = Case.objects.get(title="Cluster vouchers in Tartu")
    other = django_user_model.objects.create_user("other", "o@example.org", "pw-other-123")
    client.force_login(other)
    assert client.get(f"/showcases/{case.slug}/edit/").status_code == 403
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.post(f"/showcases/{case.slug}/archive/").status_code == 403


def test_form_refuses_javascript_sources(client, member):
    resp = _submit(client, member, sources="javascript:alert(1) | click")
    assert resp.status_code == 200 and "is not an http(s) address" in resp.content.decode()
    assert not Case.objects.exists()


def test_admin_actions_need_the_moderation_permission(client, member, moderator):
    _submit(client, member)
    case = Case.objects.get(title="Cluster vouchers in Tartu")
    moderator.is_staff = True
    moderator.save()
    client.force_login(moderator)
    resp = client.post("/admin/showcases/case/", {"action": "publish_cases", "_selected_action": [case.pk]})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.status == "published"
    assert case.revisions.filter(action=CaseRevision.Action.PUBLISHED, user=moderator).exists()
