"""Changing cases (always with a revision), the moderation workflow, and links from other pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from clusterobs.portal.showcases import taxonomy
from clusterobs.portal.showcases.models import Case, CaseRevision

MODERATE_PERMISSION = "showcases.moderate_case"
MODERATORS_GROUP = "moderators"


def is_moderator(user: Any) -> bool:
    """True for users holding the moderation permission (directly, via the group, or superuser)."""
    return bool(user and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def can_edit(user: Any, case: Case) -> bool:
    """Moderators edit any case; authors edit their own case until it is published."""
    if is_moderator(user):
        return True
    return bool(user and user.is_authenticated and case.author_id == user.pk
                and case.status in (Case.Status.DRAFT, Case.Status.SUBMITTED))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


@transaction.atomic
def save_case(case: Case, user: Any, action: str, reason: str = "",
              before: dict[str, Any] | None = None) -> CaseRevision:
    """Save *case* and record the change as its next revision (*before*: content before the change)."""
    case.save()
    after = case.snapshot()
    last = case.revisions.aggregate(n=Max("number"))["n"] or 0
    return CaseRevision.objects.create(
        case=case, number=last + 1, user=user if user and user.is_authenticated else None,
        action=action, reason=reason, changes=_diff(before or {}, after), snapshot=after)


def submit(case: Case, user: Any) -> CaseRevision:
    """The author (or a moderator) sends a draft for review."""
    if not can_edit(user, case):
        raise PermissionDenied("only the author or a moderator can submit this case")
    before = case.snapshot()
    case.status = Case.Status.SUBMITTED
    case.rejection_reason = ""
    return save_case(case, user, CaseRevision.Action.SUBMITTED, before=before)


def publish(case: Case, user: Any) -> CaseRevision:
    """A moderator publishes the case; anyone else gets PermissionDenied."""
    if not is_moderator(user):
        raise PermissionDenied("only moderators can publish cases")
    before = case.snapshot()
    case.status = Case.Status.PUBLISHED
    case.rejection_reason = ""
    return save_case(case, user, CaseRevision.Action.PUBLISHED, before=before)


def reject(case: Case, user: Any, reason: str) -> CaseRevision:
    """A moderator sends the case back to its author as a draft, saying why."""
    if not is_moderator(user):
        raise PermissionDenied("only moderators can reject cases")
    reason = reason.strip()
    if not reason:
        raise ValidationError("a rejection needs a reason the author can act on")
    before = case.snapshot()
    case.status = Case.Status.DRAFT
    case.rejection_reason = reason
    return save_case(case, user, CaseRevision.Action.REJECTED, reason=reason, before=before)


def archive(case: Case, user: Any, reason: str = "") -> CaseRevision:
    """A moderator withdraws a case from the library (it stays in the history)."""
    if not is_moderator(user):
        raise PermissionDenied("only moderators can archive cases")
    before = case.snapshot()
    case.status = Case.Status.ARCHIVED
    return save_case(case, user, CaseRevision.Action.ARCHIVED, reason=reason, before=before)


def published() -> QuerySet[Case]:
    """The cases anyone may see."""
    return Case.objects.filter(status=Case.Status.PUBLISHED)


def region_q(region_code: str) -> Q:
    """Cases tied to *region_code*, to a region containing it or inside it, or national cases of its country."""
    code = region_code.strip().upper()
    q = Q(pk__in=[])
    if not code:
        return q
    for n in range(2, len(code) + 1):  # the region itself and every NUTS parent
        q |= Q(facets__contains=f"|r:{code[:n]}|")
    q |= Q(facets__contains=f"|r:{code}")  # regions inside it (the code is a prefix)
    country = taxonomy.iso_country(code[:2])
    q |= Q(country=country, level="national")
    return q


def cases_for_region(region_code: str) -> QuerySet[Case]:
    """Published cases whose regions include *region_code* (or its NUTS parents) or its country.

    ``cases_for_region("ES21")`` gives the Basque case and Spanish national cases;
    ``cases_for_region("UKM7")`` the Scottish case (NUTS ``UK`` is ISO ``GB``).
    """
    return published().filter(region_q(region_code)).order_by("title")
