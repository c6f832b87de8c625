"""Read API of the community: approved upcoming events and the public member directory.

The directory uses the page's filter definition (:func:`community.directory.members`) with an
anonymous viewer, so the API shows exactly what the public page shows.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from clusterobs.portal.api.schemas import MAX_OFFSET
from clusterobs.portal.community import directory
from clusterobs.portal.community.models import Event, Registration

router = Router(tags=["community"])


class EventOut(Schema):
    id: int
    title: str
    online: bool
    location: str
    start: datetime
    end: datetime
    time_zone: str
    capacity: int
    places_left: int
    ical: str


class MemberOut(Schema):
    id: int
    name: str
    organisation: str | None = None
    role: str | None = None
    country: str | None = None
    region: str | None = None
    categories: list[str] | None = None


@router.get("/community/events", response=list[EventOut])
def events(request: HttpRequest, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> list[dict]:
    """Approved events that have not ended, soonest first (``limit``/``offset`` page them)."""
    confirmed = Count("registrations", filter=Q(registrations__status=Registration.CONFIRMED))
    rows = (Event.objects.filter(approved=True, end__gte=timezone.now()).annotate(n_confirmed=confirmed)
            .order_by("start", "pk")[offset: offset + limit])
    return [{**{f: getattr(e, f) for f in ("id", "title", "online", "start", "end", "time_zone", "capacity")},
             "location": "" if e.online else e.location, "places_left": max(0, e.capacity - e.n_confirmed),
             "ical": f"/events/{e.pk}.ics"} for e in rows]


@router.get("/community/members", response=list[MemberOut])
def members(request: HttpRequest, q: str = "", role: str = "", country: str = "", category: str = "",
            limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> list[dict]:
    """Members who list themselves publicly, with only their public fields (``limit``/``offset`` page them)."""
    anonymous = AnonymousUser()
    _, profiles = directory.members({"q": q, "role": role, "country": country, "category": category}, anonymous)
    return [p.card(anonymous) for p in profiles[offset: offset + limit]]
