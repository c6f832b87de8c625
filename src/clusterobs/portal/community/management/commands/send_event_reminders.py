"""Email registered members about events starting within the next hours (console backend by default)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils import timezone

from clusterobs.portal.community.models import Event, Registration


class Command(BaseCommand):
    help = "Send reminder emails for approved events starting within --hours (default 24); once per event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, hours: int = 24, **options: Any) -> None:
        now = timezone.now()
        due = Event.objects.filter(approved=True, reminder_sent_at__isnull=True,
                                   start__gte=now, start__lte=now + timedelta(hours=hours))
        sent = 0
        for event in due:
            start = event.start.astimezone(ZoneInfo(event.time_zone))
            where = "online" + (f" ({event.location})" if event.location else "") if event.online else event.location
            for reg in event.registrations.filter(status=Registration.CONFIRMED).select_related("user"):
                send_mail(f"Reminder: {event.title}",
                          f"{event.title} starts {start:%A %d %B %Y, %H:%M} ({event.time_zone}), {where}.\n"
                          f"Details and calendar file: /events/{event.pk}/\n",
                          settings.DEFAULT_FROM_EMAIL, [reg.user.email])
                sent += 1
            event.reminder_sent_at = now
            event.save(update_fields=["reminder_sent_at"])
        self.stdout.write(f"{sent} reminder(s) sent for {len(due)} event(s).")
