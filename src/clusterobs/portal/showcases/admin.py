"""Admin of the case library: moderation actions (publish, reject, archive) keep revisions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clusterobs.portal.showcases import services
from clusterobs.portal.showcases.models import Case, CaseRevision

ADMIN_REJECT_REASON = "Rejected in the admin: see the moderators' notes."


class CaseRevisionInline(admin.TabularInline):
    model = CaseRevision
    extra = 0
    can_delete = False
    fields = ("number", "action", "user", "reason", "created_at")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("title", "country", "level", "policy_type_code", "status", "author", "updated_at")
    list_filter = ("status", "level", "policy_type_code", "country")
    search_fields = ("title", "summary", "policy_type", "slug")
    readonly_fields = ("seed_id", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CaseRevisionInline]
    actions = ["publish_cases", "reject_cases", "archive_cases"]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return services.is_moderator(request.user)

    def save_model(self, request: HttpRequest, obj: Case, form: Any, change: bool) -> None:
        before = Case.objects.get(pk=obj.pk).snapshot() if change else None
        action = CaseRevision.Action.EDITED if change else CaseRevision.Action.CREATED
        services.save_case(obj, request.user, action, before=before)

    def _each(self, request: HttpRequest, queryset: QuerySet[Case], fn: Any, done: str, *args: Any) -> None:
        for case in queryset:
            fn(case, request.user, *args)
        self.message_user(request, f"{queryset.count()} case(s) {done}.", messages.SUCCESS)

    @admin.action(permissions=["moderate"], description="Publish the selected cases")
    def publish_cases(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._each(request, queryset, services.publish, "published")

    @admin.action(permissions=["moderate"], description="Reject the selected cases (back to draft)")
    def reject_cases(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._each(request, queryset, services.reject, "rejected", ADMIN_REJECT_REASON)

    @admin.action(permissions=["moderate"], description="Archive the selected cases")
    def archive_cases(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._each(request, queryset, services.archive, "archived")


@admin.register(CaseRevision)
class CaseRevisionAdmin(admin.ModelAdmin):
    list_display = ("case", "number", "action", "user", "created_at")
    list_filter = ("action",)
    readonly_fields = ("case", "number", "action", "user", "reason", "changes", "snapshot", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
