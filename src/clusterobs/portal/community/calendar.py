"""iCalendar (RFC 5545) export of events, per event and per member."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from clusterobs.portal.community.models import Event


def calendar(events: Iterable[Event], host: str, name: str = "Cluster Observatory events") -> bytes:
    """A VCALENDAR with one VEVENT per event, start and end in the event's own time zone."""
    cal = Calendar()
    cal.add("prodid", "-//Cluster Observatory//community//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for e in events:
        tz = ZoneInfo(e.time_zone)
        item = VEvent()
        item.add("uid", f"event-{e.pk}@{host}")
        item.add("summary", e.title)
        item.add("dtstart", e.start.astimezone(tz))
        item.add("dtend", e.end.astimezone(tz))
        item.add("dtstamp", e.created_at)
        item.add("description", e.description)
        item.add("location", "Online" + (f": {e.location}" if e.location else "") if e.online else e.location)
        item.add("url", f"https://{host}/events/{e.pk}/")
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()
