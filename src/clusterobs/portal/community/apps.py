"""Meeting space: member directory, matchmaking, events and discussions."""
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

THEMES = [
    ("smart-specialisation", "Smart specialisation strategies", "Designing and monitoring S3 priorities"),
    ("cluster-management", "Cluster management excellence", "Running a cluster organisation: services, members, funding"),
    ("green-transition", "Green and digital transition", "Clusters in the twin transition"),
    ("interregional-cooperation", "Interregional cooperation", "Partnerships across regions and borders"),
]


def _setup(sender: Any, **kwargs: Any) -> None:
    """The Moderators group with its permissions, and the default policy-theme spaces (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    from clusterobs.portal.community.models import Topic

    group, _ = Group.objects.get_or_create(name="Moderators")
    codenames = ["moderate_community", "view_profile", "change_profile", "view_event", "change_event",
                 "view_thread", "change_thread", "view_reply", "change_reply", "view_abusereport",
                 "change_abusereport", "view_topic", "add_topic", "change_topic"]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="community", codename__in=codenames))
    for slug, title, description in THEMES:
        Topic.objects.get_or_create(slug=slug, defaults={"title": title, "kind": "theme", "description": description})


class CommunityConfig(AppConfig):
    name = "clusterobs.portal.community"
    label = "community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_setup, sender=self)
