"""Admin for operators: the search outbox, with failed events to look at and retry."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboxEvent


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("待处理")),
            ("retrying", _("重试中")),
            ("failed", _("已失败")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(failed_at__isnull=True, attempts=0)
        if value == "retrying":
            return queryset.filter(failed_at__isnull=True, attempts__gt=0)
        if value == "failed":
            return queryset.filter(failed_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "entity",
        "entity_id",
        "attempts",
        "available_at",
        "failed_at",
        "short_error",
    ]
    list_filter = [OutboxStateFilter, "entity"]
    search_fields = ["=entity_id"]
    readonly_fields = [
        "entity",
        "entity_id",
        "created_at",
        "attempts",
        "available_at",
        "failed_at",
        "last_error",
    ]
    actions = ["retry_selected"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("最近错误"))
    def short_error(self, event: OutboxEvent) -> str:
        return event.last_error[:120]

    @admin.action(description=_("重新同步所选失败事件"))
    def retry_selected(self, request, queryset):
        done = services.outbox_retry_failed(ids=queryset.values_list("id", flat=True))
        self.message_user(
            request,
            ngettext("已重新排队 %(n)d 个失败事件。", "已重新排队 %(n)d 个失败事件。", done)
            % {"n": done},
            messages.SUCCESS,
        )
