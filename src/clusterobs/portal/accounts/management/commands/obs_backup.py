"""``manage.py obs_backup --out FILE``: see :mod:`clusterobs.portal.backup`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusterobs.errors import ClusterObsError
from clusterobs.portal.backup import backup, describe_os_error


class Command(BaseCommand):
    help = "Back up the portal database, the store and the Panorama editions into one archive."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        out = Path(options["out"])
        try:
            manifest = backup(out)
        except ClusterObsError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # read-only folder, full disk: one line, the archive not written
            raise CommandError(f"backup to {out} failed: {describe_os_error(exc)}") from None
        self.stdout.write(f"wrote {out}: {len(manifest['files'])} files, "
                          f"{len(manifest['editions'])} editions")
