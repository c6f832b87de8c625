"""Thin views of the entry page, the directory, profiles, matchmaking and contact requests."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusterobs.portal.community import directory, matching
from clusterobs.portal.community.forms import ContactForm, ProfileForm
from clusterobs.portal.community.models import ContactRequest, Event, Notification, Profile, Thread
from clusterobs.portal.community.roles import is_moderator, member_required

CONTACTS_PER_DAY = 10


def home(request: HttpRequest) -> HttpResponse:
    """The entry page: what is on, recent discussions, your notifications and suggestions."""
    ctx = {
        "nav": "community",
        "events": Event.objects.filter(approved=True, end__gte=timezone.now())[:5],
        "threads": Thread.objects.filter(hidden=False).select_related("topic", "author__community_profile")[:6],
        "member_count": Profile.objects.filter(banned=False).exclude(vis_profile="nobody").count(),
    }
    if request.user.is_authenticated:
        ctx["profile"] = Profile.of(request.user)
        ctx["notifications"] = Notification.objects.filter(user=request.user, read=False)[:5]
        ctx["pending"] = ContactRequest.objects.filter(recipient=request.user, status="pending").count()
        ctx["moderator"] = is_moderator(request.user)
    return render(request, "community/home.html", ctx)


def member_list(request: HttpRequest) -> HttpResponse:
    """The directory with search, filters and a map of members' regions (privacy respected)."""
    form, profiles = directory.members(request.GET, request.user)
    profiles = list(profiles[:200])
    cards = [p.card(request.user) for p in profiles]
    names = matching.category_names()
    for c in cards:
        c["category_names"] = [names.get(k, k) for k in c.get("categories", [])]
        c["country_name"] = ""
    return render(request, "community/members.html", {
        "nav": "community", "form": form, "cards": cards, "categories": sorted(names.items(), key=lambda kv: kv[1]),
        "pins": json.dumps(directory.pins(profiles, request.user, matching.centroids()))})


def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(Profile, pk=pk, banned=False)
    if not profile.visible("profile", request.user):
        raise Http404("no such member")
    card = profile.card(request.user)
    names = matching.category_names()
    card["category_names"] = [names.get(k, k) for k in card.get("categories", [])]
    contact = None
    if request.user.is_authenticated:
        contact = ContactRequest.objects.filter(
            Q(sender=request.user, recipient=profile.user) | Q(sender=profile.user, recipient=request.user)).first()
    email = contact.email_of(profile.user) if contact else None
    return render(request, "community/member.html", {
        "nav": "community", "card": card, "profile": profile, "contact": contact, "email": email,
        "form": ContactForm(), "own": request.user.is_authenticated and request.user.pk == profile.user_id})


@member_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = Profile.of(request.user)
    options = {"categories": [(k, v) for k, v in sorted(matching.category_names().items(), key=lambda kv: kv[1])],
               "emerging": sorted(matching.emerging_names().items(), key=lambda kv: kv[1]),
               "regions": set(matching.region_names())}
    form = ProfileForm(request.POST or None, instance=profile, **options)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("community:profile")
    return render(request, "community/profile_form.html", {"nav": "community", "form": form, "profile": profile})


@member_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """People and regions to meet, each with the numbers behind the suggestion."""
    profile = Profile.of(request.user)
    region = request.GET.get("region", "").strip().upper()[:9] or profile.region
    peers, partners = matching.regions_for(region) if region else ([], [])
    people = matching.people_for(profile, peers, partners)
    return render(request, "community/suggestions.html", {
        "nav": "community", "profile": profile, "region": region, "region_name": matching.region_names().get(region),
        "peers": peers, "partners": partners, "people": people, "year": matching.YEAR})


@require_POST
@member_required
def contact_send(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(Profile, pk=pk, banned=False)
    if profile.user_id == request.user.pk or not profile.visible("profile", request.user):
        raise Http404("no such member")
    form = ContactForm(request.POST)
    since = timezone.now() - timezone.timedelta(days=1)
    if ContactRequest.objects.filter(sender=request.user, created_at__gte=since).count() >= CONTACTS_PER_DAY:
        return render(request, "community/refused.html", {
            "message": f"You can send at most {CONTACTS_PER_DAY} contact requests a day. Please try again tomorrow."},
            status=429)
    if form.is_valid() and not ContactRequest.objects.filter(sender=request.user, recipient=profile.user).exists():
        ContactRequest.objects.create(sender=request.user, recipient=profile.user, message=form.cleaned_data["message"])
        Notification.objects.create(user=profile.user, text=f"{Profile.of(request.user).name} asks to get in touch.",
                                    url="/members/contacts/")
        messages.success(request, "Your request was sent.")
    return redirect("community:member", pk=pk)


@member_required
def contacts(request: HttpRequest) -> HttpResponse:
    received = ContactRequest.objects.filter(recipient=request.user).select_related("sender__community_profile")
    sent = ContactRequest.objects.filter(sender=request.user).select_related("recipient__community_profile")
    rows = [{"r": r, "other": Profile.of(r.sender), "email": r.email_of(r.sender)} for r in received]
    rows_sent = [{"r": r, "other": Profile.of(r.recipient), "email": r.email_of(r.recipient)} for r in sent]
    return render(request, "community/contacts.html", {"nav": "community", "received": rows, "sent": rows_sent})


@require_POST
@member_required
def contact_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    """Accept or decline; only the recipient may answer (others get 404)."""
    req = get_object_or_404(ContactRequest, pk=pk, recipient=request.user)
    req.status = ContactRequest.ACCEPTED if answer == "accept" else ContactRequest.DECLINED
    req.answered_at = timezone.now()
    req.save()
    if req.status == ContactRequest.ACCEPTED:
        Notification.objects.create(user=req.sender, text=f"{Profile.of(request.user).name} accepted your request.",
                                    url="/members/contacts/")
    return redirect("community:contacts")


@member_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=request.user)[:50])
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read=False).update(read=True)
        return redirect("community:notifications")
    return render(request, "community/notifications.html", {"nav": "community", "items": items})
