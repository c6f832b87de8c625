"""``manage.py obs_collectstatic``: collectstatic, skipped when no static source changed.

whitenoise compresses every file again on each collectstatic (~40 s here, plotly.js alone
is 4.8 MB); ``clusterobs serve`` runs this instead, so a restart costs nothing when the
sources (names, sizes, times) are those of the last collection.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

STAMP = ".collected"


def signature() -> str:
    """A hash of every static source file's name, size and modification time."""
    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            st = Path(storage.path(path)).stat()
            digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Collect static files when their sources changed since the last collection."

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = Path(settings.STATIC_ROOT) / STAMP
        current = signature()
        if stamp.is_file() and stamp.read_text("utf-8").strip() == current:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(current + "\n", "utf-8")
