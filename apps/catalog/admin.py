"""Admin for reference data and offerings; reviews go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Certification,
    Offering,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)


class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "sort_order"]
    search_fields = ["code", "name_zh", "name_en"]


admin.site.register([Sector, Certification, Protocol, SupplyKind], ReferenceAdmin)


@admin.register(Scenario)
class ScenarioAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "name_en", "sector"]
    list_filter = ["sector"]


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]


@admin.register(Technology)
class TechnologyAdmin(ReferenceAdmin):
    """Coordinators tune the capability thresholds here; the engine reads them as data."""

    list_display = [
        "code",
        "name_zh",
        "max_uplink_kbps",
        "typical_latency_ms",
        "max_mobility",
        "max_coverage_depth",
        "max_battery_years",
        "supports_voice",
        "supports_video",
        "cost_rank",
    ]
    list_editable = ["max_uplink_kbps", "typical_latency_ms", "max_battery_years", "cost_rank"]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "model_number",
        "organization",
        "kind",
        "status",
        "price_min",
        "price_max",
        "updated_at",
    ]
    list_filter = ["status", "kind", "nationwide"]
    search_fields = ["name", "model_number", "organization__name"]
    list_select_related = ["organization", "kind"]
    raw_id_fields = ["organization"]
    readonly_fields = ["status", "created_at", "updated_at", "published_at"]
    show_full_result_count = False  # COUNT(*) over a million rows costs seconds
    actions = ["approve_selected"]

    @admin.action(description=_("审核通过并发布所选供给"))
    def approve_selected(self, request, queryset):
        done = 0
        for offering in queryset.filter(status=Offering.Status.PENDING_REVIEW):
            services.offering_review(actor=request.user, offering=offering, approve=True)
            done += 1
        self.message_user(
            request,
            ngettext("已发布 %(n)d 条供给。", "已发布 %(n)d 条供给。", done) % {"n": done},
            messages.SUCCESS,
        )
