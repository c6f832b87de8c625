"""``manage.py obs_restore ARCHIVE``: see :mod:`clusterobs.portal.backup`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusterobs.errors import ClusterObsError
from clusterobs.portal.backup import restore


class Command(BaseCommand):
    help = "Restore a backup written by obs_backup (verified first: a bad archive changes nothing)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("archive")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            manifest = restore(Path(options["archive"]))
        except ClusterObsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {options['archive']} (made {manifest['created_at']}): "
                          f"{len(manifest['files'])} files, {len(manifest['editions'])} editions, "
                          f"published {manifest['current'] or 'none'}")
