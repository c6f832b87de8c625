"""Admin screens for moderators (group Moderators) and admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone

from clusterobs.portal.community.models import (
    AbuseReport,
    ContactRequest,
    Event,
    Notification,
    Profile,
    Registration,
    Reply,
    Thread,
    Topic,
)


class Moderated(admin.ModelAdmin):
    """Hide/show actions, allowed to holders of community.moderate_community."""

    actions = ["hide", "show"]

    def has_moderate_permission(self, request: Any) -> bool:
        return bool(request.user.has_perm("community.moderate_community"))

    @admin.action(permissions=["moderate"], description="Hide the selected posts")
    def hide(self, request: Any, queryset: Any) -> None:
        queryset.update(hidden=True)

    @admin.action(permissions=["moderate"], description="Show the selected posts again")
    def show(self, request: Any, queryset: Any) -> None:
        queryset.update(hidden=False)


@admin.register(Thread)
class ThreadAdmin(Moderated):
    list_display = ["title", "topic", "author", "created_at", "hidden", "locked"]
    list_filter = ["hidden", "locked", "topic"]
    search_fields = ["title", "body"]
    actions = ["hide", "show", "lock", "unlock"]

    @admin.action(permissions=["moderate"], description="Lock the selected threads")
    def lock(self, request: Any, queryset: Any) -> None:
        queryset.update(locked=True)

    @admin.action(permissions=["moderate"], description="Unlock the selected threads")
    def unlock(self, request: Any, queryset: Any) -> None:
        queryset.update(locked=False)


@admin.register(Reply)
class ReplyAdmin(Moderated):
    list_display = ["id", "thread", "author", "created_at", "hidden"]
    list_filter = ["hidden"]
    search_fields = ["body"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "role", "region", "approved_organiser", "banned", "ban_reason"]
    list_filter = ["role", "banned", "approved_organiser"]
    search_fields = ["display_name", "organisation", "user__email"]
    actions = ["approve_organiser", "unban"]

    def has_moderate_permission(self, request: Any) -> bool:
        return bool(request.user.has_perm("community.moderate_community"))

    @admin.action(permissions=["moderate"], description="Let the selected members publish events")
    def approve_organiser(self, request: Any, queryset: Any) -> None:
        queryset.update(approved_organiser=True)

    @admin.action(permissions=["moderate"], description="Lift the ban of the selected members")
    def unban(self, request: Any, queryset: Any) -> None:
        queryset.update(banned=False, ban_reason="", banned_at=None)

    def save_model(self, request: Any, obj: Profile, form: Any, change: bool) -> None:
        if obj.banned and obj.banned_at is None:
            obj.banned_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "start", "time_zone", "online", "capacity", "organiser", "approved"]
    list_filter = ["approved", "online"]
    actions = ["approve"]

    def has_moderate_permission(self, request: Any) -> bool:
        return bool(request.user.has_perm("community.moderate_community"))

    @admin.action(permissions=["moderate"], description="Approve the selected events")
    def approve(self, request: Any, queryset: Any) -> None:
        queryset.update(approved=True)


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    list_display = ["reason", "reporter", "thread", "reply", "created_at", "resolved"]
    list_filter = ["resolved"]


admin.site.register(Topic, list_display=["title", "kind", "code", "slug"], prepopulated_fields={"slug": ["title"]})
admin.site.register(Registration, list_display=["event", "user", "status", "created_at"], list_filter=["status"])
admin.site.register(ContactRequest, list_display=["sender", "recipient", "status", "created_at"])
admin.site.register(Notification, list_display=["user", "text", "read", "created_at"])
