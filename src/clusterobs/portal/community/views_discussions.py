"""Thin views of discussions: topic spaces, threads, replies, reports and moderation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusterobs.portal.community import markup
from clusterobs.portal.community.forms import ReasonForm, ReplyForm, ThreadForm
from clusterobs.portal.community.models import (
    AbuseReport,
    Notification,
    Profile,
    Reply,
    Thread,
    Topic,
)
from clusterobs.portal.community.roles import (
    is_moderator,
    member_required,
    moderator_required,
    throttled,
)

KINDS = ("thread", "reply")
ACTIONS = ("hide", "show", "lock", "unlock")


def _threads(user: Any) -> Any:
    return Thread.objects.all() if is_moderator(user) else Thread.objects.filter(hidden=False)


def topic_list(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.annotate(n=Count("threads", filter=Q(threads__hidden=False)))
    return render(request, "community/topics.html", {"nav": "community", "topics": topics})


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    threads = _threads(request.user).filter(topic=topic).select_related("author__community_profile") \
        .annotate(n=Count("replies", filter=Q(replies__hidden=False)))
    return render(request, "community/topic.html", {"nav": "community", "topic": topic, "threads": threads})


def _notify(author: Any, thread: Thread, text: str, url: str) -> None:
    """Tell the thread's author and everyone mentioned in *text* (never the writer)."""
    name = Profile.of(author).name
    told = {author.pk}
    if thread.author_id not in told:
        Notification.objects.create(user=thread.author, text=f"{name} replied to “{thread.title}”.", url=url)
        told.add(thread.author_id)
    for user in markup.mentioned(text):
        if user.pk not in told:
            Notification.objects.create(user=user, text=f"{name} mentioned you in “{thread.title}”.", url=url)
            told.add(user.pk)


@member_required
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    form = ThreadForm(request.POST or None)
    if request.method == "POST":
        refused = throttled(request)
        if refused is not None:
            return refused
        if form.is_valid():
            thread = form.save(commit=False)
            thread.topic, thread.author = topic, request.user
            thread.save()
            _notify(request.user, thread, thread.body, f"/discussions/t/{thread.pk}/")
            return redirect("community:thread", pk=thread.pk)
    return render(request, "community/thread_form.html", {"nav": "community", "topic": topic, "form": form})


def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(_threads(request.user).select_related("topic"), pk=pk)
    moderator = is_moderator(request.user)
    replies = thread.replies.select_related("author__community_profile")
    if not moderator:
        replies = replies.filter(hidden=False)
    rows = [{"reply": r, "html": markup.render(r.body), "author": Profile.of(r.author).name} for r in replies]
    return render(request, "community/thread.html", {
        "nav": "community", "thread": thread, "body": markup.render(thread.body), "author": Profile.of(thread.author).name,
        "rows": rows, "form": ReplyForm(), "moderator": moderator})


@require_POST
@member_required
def reply_create(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(Thread, pk=pk, hidden=False)
    if thread.locked:
        return render(request, "community/refused.html", {"message": "This thread is locked: no new replies."},
                      status=403)
    refused = throttled(request)
    if refused is not None:
        return refused
    form = ReplyForm(request.POST)
    if form.is_valid():
        reply = Reply.objects.create(thread=thread, author=request.user, body=form.cleaned_data["body"])
        _notify(request.user, thread, reply.body, f"/discussions/t/{thread.pk}/#reply-{reply.pk}")
    return redirect("community:thread", pk=pk)


@require_POST
@member_required
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in KINDS:
        raise Http404("unknown kind")
    target = get_object_or_404(Thread if kind == "thread" else Reply, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    AbuseReport.objects.create(reporter=request.user, reason=reason or "(no reason given)",
                               **{"thread" if kind == "thread" else "reply": target})
    messages.success(request, "Thank you: a moderator will look at it.")
    thread_pk = target.pk if kind == "thread" else target.thread_id
    return redirect("community:thread", pk=thread_pk)


@require_POST
@moderator_required
def moderate(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    """hide / show / lock / unlock a thread or reply, with a reason."""
    if kind not in KINDS or action not in ACTIONS:
        raise Http404("unknown action")
    target = get_object_or_404(Thread if kind == "thread" else Reply, pk=pk)
    form = ReasonForm(request.POST)
    target.moderation_reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if action in ("hide", "show"):
        target.hidden = action == "hide"
    elif action in ("lock", "unlock") and isinstance(target, Thread):
        target.locked = action == "lock"
    target.save()
    thread_pk = target.pk if isinstance(target, Thread) else target.thread_id
    messages.success(request, f"Done: {action}.")
    return redirect("community:thread", pk=thread_pk)


@require_POST
@moderator_required
def ban(request: HttpRequest, pk: int) -> HttpResponse:
    """Ban (or with ``unban=1`` reinstate) a member, with a reason."""
    profile = get_object_or_404(Profile, pk=pk)
    if profile.user.is_superuser or is_moderator(profile.user):
        return render(request, "community/refused.html", {"message": "Moderators cannot be banned here."}, status=403)
    form = ReasonForm(request.POST)
    profile.banned = request.POST.get("unban") != "1"
    profile.ban_reason = (form.cleaned_data["reason"] if form.is_valid() else "") if profile.banned else ""
    profile.banned_at = timezone.now() if profile.banned else None
    profile.save()
    messages.success(request, f"{profile.name} is {'banned' if profile.banned else 'reinstated'}.")
    return redirect("community:home")
