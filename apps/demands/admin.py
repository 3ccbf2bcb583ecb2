"""Admin for demands; reviews go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Demand


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organization",
        "sector",
        "volume",
        "visibility",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "visibility", "sector", "power_source"]
    search_fields = ["title", "description", "organization__name"]
    list_select_related = ["organization", "sector"]
    raw_id_fields = ["organization"]
    readonly_fields = ["status", "created_at", "updated_at", "published_at"]
    show_full_result_count = False
    actions = ["approve_selected"]

    @admin.action(description=_("审核通过并发布所选需求"))
    def approve_selected(self, request, queryset):
        done = 0
        for demand in queryset.filter(status=Demand.Status.PENDING_REVIEW):
            services.demand_review(actor=request.user, demand=demand, approve=True)
            done += 1
        self.message_user(
            request,
            ngettext("已发布 %(n)d 条需求。", "已发布 %(n)d 条需求。", done) % {"n": done},
            messages.SUCCESS,
        )
