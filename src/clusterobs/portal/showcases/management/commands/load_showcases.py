"""``manage.py load_showcases``: load the seed policy cases from the data mirror, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clusterobs.portal.showcases import seed, services
from clusterobs.portal.showcases.models import Case, CaseRevision


def load(path: Path | None = None) -> dict[str, int]:
    """Create missing seed cases (published) and refresh seeded cases nobody has edited since.

    Returns counts: ``created``, ``updated``, ``unchanged`` and ``kept`` (edited on the
    portal since seeding, so left as they are). Running it twice changes nothing.
    """
    records = seed.read(path)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    with transaction.atomic():
        for rec in records:
            case = Case.objects.filter(seed_id=rec["seed_id"]).first()
            if case is None:
                case = Case(**rec, status=Case.Status.PUBLISHED)
                services.save_case(case, None, CaseRevision.Action.SEEDED)
                counts["created"] += 1
                continue
            if all(getattr(case, k) == v for k, v in rec.items()):
                counts["unchanged"] += 1
                continue
            last = case.revisions.order_by("-number").first()
            if last is not None and last.action != CaseRevision.Action.SEEDED:
                counts["kept"] += 1
                continue
            before = case.snapshot()
            for k, v in rec.items():
                setattr(case, k, v)
            services.save_case(case, None, CaseRevision.Action.SEEDED, before=before)
            counts["updated"] += 1
    return counts


class Command(BaseCommand):
    help = "Load the policy cases of $CLUSTEROBS_MIRROR/policy_cases/cases.yaml into the library."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="another cases.yaml to load")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load(options["file"])
        except seed.SeedError as exc:
            raise CommandError(str(exc)) from None
        total = Case.objects.exclude(seed_id="").count()
        self.stdout.write(
            f"showcases: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['kept']} kept (edited on the portal); "
            f"{total} seeded cases in the library")
