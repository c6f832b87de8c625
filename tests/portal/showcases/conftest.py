"""Fixtures of the showcases tests: the 25 real seed cases, members and moderators."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from clusterobs.portal.showcases.management.commands.load_showcases import load
from clusterobs.portal.showcases.models import Case

SEED_COUNT = 25


@pytest.fixture()
def seeded(db):  # type: ignore[no-untyped-def]
    """The real cases of $CLUSTEROBS_MIRROR/policy_cases/cases.yaml, loaded by the command's loader."""
    counts = load()
    assert counts["created"] == SEED_COUNT
    assert Case.objects.filter(status=Case.Status.PUBLISHED).count() == SEED_COUNT
    return counts


@pytest.fixture()
def member(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user("member", "member@example.org", "pw-member-123")


@pytest.fixture()
def moderator(django_user_model):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("moderator", "mod@example.org", "pw-mod-123")
    # the group comes from a data migration; transactional (browser) tests flush it, so recreate it
    group, _ = Group.objects.get_or_create(name="moderators")
    group.permissions.add(Permission.objects.get(codename="moderate_case", content_type__app_label="showcases"))
    user.groups.add(group)
    return user
