"""Thin views of the case library: library (search, filters, map, downloads), case pages,
submission and moderation. Filtering is :mod:`.filters`, changes go through :mod:`.services`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusterobs.portal.filters import FORMATS, BadInput
from clusterobs.portal.showcases import downloads, mapdata, services, taxonomy
from clusterobs.portal.showcases.filters import CaseFilter
from clusterobs.portal.showcases.forms import CaseForm, RejectForm
from clusterobs.portal.showcases.models import Case, CaseRevision

FORMAT_PARAM = "format"


def _options() -> dict[str, Any]:
    """Choices of the filter selects: vocabularies plus the countries and categories in use."""
    pub = services.published()
    countries = sorted(set(pub.values_list("country", flat=True)))
    used: set[str] = set()
    for cats, emerging in pub.values_list("categories", "emerging_industries"):
        used.update(cats)
        used.update(emerging)
    return {"levels": taxonomy.LEVELS, "policy_types": taxonomy.POLICY_TYPES,
            "instruments": taxonomy.INSTRUMENTS, "countries": countries,
            "categories": mapdata.category_choices(used)}


def library(request: HttpRequest) -> HttpResponse:
    """The library: search box, filters, the map and the list of published cases."""
    f = CaseFilter.parse(request.GET)
    cases = list(f.apply(services.published()))
    fmt = request.GET.get(FORMAT_PARAM, "")
    if fmt:
        if fmt not in ("csv", "xlsx"):
            raise BadInput(f"format={fmt[:20]!r} is not allowed: expected csv or xlsx")
        return downloads.response(cases, fmt)
    qs = urlencode(f.active)
    ctx = {"f": f, "cases": cases, "qs": qs, "nav": "showcases", "terms": f.terms(),
           "map": mapdata.markers(cases), "total": services.published().count(),
           "downloads": {x: f"?{qs}&format={x}" if qs else f"?format={x}" for x in FORMATS if x != "parquet"},
           "is_moderator": services.is_moderator(request.user), **_options()}
    return render(request, "showcases/library.html", ctx)


def case_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One case; drafts and submissions only for their author and moderators."""
    case = get_object_or_404(Case, slug=slug)
    editable = services.can_edit(request.user, case)
    if case.status != Case.Status.PUBLISHED and not editable:
        raise Http404("no such case")
    moderator = services.is_moderator(request.user)
    ctx = {"case": case, "nav": "showcases", "editable": editable, "is_moderator": moderator,
           "region_names": mapdata.names(case.regions),
           "categories": mapdata.category_choices([*case.categories, *case.emerging_industries]),
           "map": mapdata.markers([case]),
           "revisions": case.revisions.select_related("user").order_by("-number") if editable else [],
           "reject_form": RejectForm(auto_id="reject-%s") if moderator else None}
    return render(request, "showcases/case.html", ctx)


@login_required
def submit_case(request: HttpRequest) -> HttpResponse:
    """A signed-in member proposes a case; it waits for a moderator (or stays a draft)."""
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = form.save(commit=False)
        case.author = request.user
        case.status = Case.Status.SUBMITTED if "submit" in request.POST else Case.Status.DRAFT
        action = CaseRevision.Action.SUBMITTED if case.status == Case.Status.SUBMITTED else CaseRevision.Action.CREATED
        services.save_case(case, request.user, action)
        messages.success(request, "Thank you: a moderator will review the case before it is published."
                         if case.status == Case.Status.SUBMITTED else "Saved as a draft.")
        return redirect(case)
    return render(request, "showcases/form.html", {"form": form, "nav": "showcases", "case": None})


@login_required
def edit_case(request: HttpRequest, slug: str) -> HttpResponse:
    """The author edits a draft or submission; a moderator edits any case. Every save is a revision."""
    case = get_object_or_404(Case, slug=slug)
    if not services.can_edit(request.user, case):
        raise PermissionDenied("you cannot edit this case")
    before = case.snapshot()
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        case = form.save(commit=False)
        services.save_case(case, request.user, CaseRevision.Action.EDITED, before=before)
        if "submit" in request.POST and case.status == Case.Status.DRAFT:
            services.submit(case, request.user)
        messages.success(request, "Saved.")
        return redirect(case)
    return render(request, "showcases/form.html", {"form": form, "nav": "showcases", "case": case})


@require_POST
@login_required
def moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """submit (author or moderator); publish, reject (with a reason), archive (moderators only)."""
    case = get_object_or_404(Case, slug=slug)
    try:
        if action == "submit":
            services.submit(case, request.user)
        elif action == "publish":
            services.publish(case, request.user)
        elif action == "reject":
            services.reject(case, request.user, request.POST.get("reason", ""))
        elif action == "archive":
            services.archive(case, request.user, request.POST.get("reason", ""))
        else:
            raise Http404("no such action")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(case)
    messages.success(request, f"Case {action}ed." if action != "submit" else "Case submitted for review.")
    return redirect("showcases:queue" if action in ("publish", "reject") else case.get_absolute_url())


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Moderators: cases waiting for review, then drafts; members: their own cases."""
    moderator = services.is_moderator(request.user)
    mine = Case.objects.filter(author=request.user).order_by("-updated_at")
    waiting = Case.objects.filter(status=Case.Status.SUBMITTED).order_by("updated_at") if moderator else []
    return render(request, "showcases/queue.html", {"nav": "showcases", "is_moderator": moderator,
                                                    "waiting": waiting, "mine": mine})
