"""Thin views of events: list, detail, create (moderators and approved organisers publish,
members propose), register and cancel, approve, iCalendar export."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusterobs.portal.community import markup
from clusterobs.portal.community.calendar import calendar
from clusterobs.portal.community.forms import EventForm
from clusterobs.portal.community.models import Event, Profile, Registration
from clusterobs.portal.community.roles import is_moderator, member_required, moderator_required


def visible_events(user: object) -> object:
    """Approved events, plus (for a member) their own proposals, plus all for moderators."""
    if is_moderator(user):
        return Event.objects.all()
    if getattr(user, "is_authenticated", False):
        return Event.objects.filter(Q(approved=True) | Q(organiser=user))
    return Event.objects.filter(approved=True)


def event_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    events = visible_events(request.user)
    return render(request, "community/events.html", {
        "nav": "community", "upcoming": events.filter(end__gte=now), "past": events.filter(end__lt=now)[:20],
        "pending": Event.objects.filter(approved=False) if is_moderator(request.user) else []})


def _local(event: Event) -> dict[str, object]:
    tz = ZoneInfo(event.time_zone)
    return {"start": event.start.astimezone(tz), "end": event.end.astimezone(tz)}


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(visible_events(request.user), pk=pk)
    mine = None
    if request.user.is_authenticated:
        mine = Registration.objects.filter(event=event, user=request.user).first()
    return render(request, "community/event.html", {
        "nav": "community", "event": event, "local": _local(event), "description": markup.render(event.description),
        "mine": mine, "left": event.places_left(), "waiting": event.registrations.filter(status="waiting").count(),
        "moderator": is_moderator(request.user)})


@member_required
def event_create(request: HttpRequest) -> HttpResponse:
    """Moderators and approved organisers publish directly; other members' events await approval."""
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event.organiser = request.user
        event.approved = is_moderator(request.user) or Profile.of(request.user).approved_organiser
        event.save()
        messages.success(request, "Event published." if event.approved else
                         "Event proposed: a moderator will review it before it is listed.")
        return redirect("community:event", pk=event.pk)
    return render(request, "community/event_form.html", {"nav": "community", "form": form})


@require_POST
@member_required
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk, approved=True)
    if event.end < timezone.now():
        messages.error(request, "This event is over.")
    else:
        reg = event.register(request.user)
        messages.success(request, "You are registered." if reg.status == Registration.CONFIRMED else
                         "The event is full: you are on the waiting list and will be told when a place opens.")
    return redirect("community:event", pk=pk)


@require_POST
@member_required
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    if event.cancel(request.user) is not None:
        messages.success(request, "Your registration is cancelled.")
    return redirect("community:event", pk=pk)


@require_POST
@moderator_required
def event_approve(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    event.approved = request.POST.get("approved", "1") == "1"
    event.save(update_fields=["approved"])
    return redirect("community:event", pk=pk)


def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk, approved=True)
    resp = HttpResponse(calendar([event], request.get_host(), event.title), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return resp


@member_required
def my_ics(request: HttpRequest) -> HttpResponse:
    """The member's calendar: events they are registered for (confirmed or waiting)."""
    events = Event.objects.filter(approved=True, registrations__user=request.user,
                                  registrations__status__in=["confirmed", "waiting"]).distinct()
    resp = HttpResponse(calendar(events, request.get_host(), "My Cluster Observatory events"),
                        content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="my-events.ics"'
    return resp
