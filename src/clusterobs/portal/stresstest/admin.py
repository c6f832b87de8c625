"""Admin of stress-test responses: staff can read every response (answers are read-only)."""

from django.contrib import admin

from clusterobs.portal.stresstest.models import Response


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("policy_name", "region", "owner", "status", "updated")
    list_filter = ("status", "version")
    search_fields = ("policy_name", "region", "region_name")
    readonly_fields = ("token", "answers", "scores", "created", "updated", "submitted")
    raw_id_fields = ("owner",)
