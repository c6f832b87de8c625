"""App configuration of the explorer pages."""

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ExplorerConfig(AppConfig):
    """Map, region, category and compare pages."""

    name = "clusterobs.portal.explorer"
    label = "explorer"

    def ready(self) -> None:
        """Put plotly.js from the installed wheel into the static vendor folder."""
        from clusterobs.portal.explorer.vendor import install_plotly

        install_plotly(Path(settings.VENDOR_DIR))
