"""Admin: import jobs are read-only records of what was uploaded and what happened."""

from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organization",
        "filename",
        "dry_run",
        "status",
        "total_rows",
        "error_rows",
        "created_at",
    ]
    list_filter = ["status", "dry_run"]
    search_fields = ["filename", "organization__name", "actor_label"]
    exclude = ["content"]
    readonly_fields = [field.name for field in ImportJob._meta.fields if field.name != "content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content").select_related("organization")

    def has_add_permission(self, request) -> bool:
        return False
