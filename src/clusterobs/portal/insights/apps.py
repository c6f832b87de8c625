"""App configuration of the trends and scoreboard pages."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """/trends/ and /scoreboard/ pages (store-backed, no ORM models)."""

    name = "clusterobs.portal.insights"
    label = "insights"
