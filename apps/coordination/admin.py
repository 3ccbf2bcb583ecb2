"""The audit log, read-only."""

from django.contrib import admin

from .models import AuditEvent, CaseConsent, TypicalCase


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


class CaseConsentInline(admin.TabularInline):
    model = CaseConsent
    fields = ["organization", "side", "decision", "decided_by", "decided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through the collection's services (the coordinator pages)."""

    list_display = ["title", "status", "sector", "volume", "created_at", "published_at"]
    list_filter = ["status", "sector"]
    inlines = [CaseConsentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    search_fields = ["title", "summary"]
    raw_id_fields = ["match"]
