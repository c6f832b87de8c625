"""``manage.py obs_backup --out FILE``: see :mod:`clusterobs.portal.backup`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from clusterobs.portal.backup import backup


class Command(BaseCommand):
    help = "Back up the portal database, the store and the Panorama editions into one archive."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        manifest = backup(Path(options["out"]))
        self.stdout.write(f"wrote {options['out']}: {len(manifest['files'])} files, "  # type: ignore[arg-type]
                          f"{len(manifest['editions'])} editions")  # type: ignore[arg-type]
