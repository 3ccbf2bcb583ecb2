"""The audit log, read-only."""

from django.contrib import admin

from .models import AuditEvent, TypicalCase


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "subject_type",
        "subject_id",
        "actor_label",
        "organization",
    ]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id", "actor_label", "action"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    list_display = ["title", "sector", "volume", "published_at", "published_by"]
    list_filter = ["sector"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["match"]
