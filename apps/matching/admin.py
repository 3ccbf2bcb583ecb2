"""Admin views of matches, enterprises' verdicts on recommendations, partner suggestions,
mismatch flags, snapshots, rematch runs and the matching outbox (read-mostly)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Match,
    MatchingOutboxEvent,
    MatchRun,
    MatchRunSlice,
    MismatchFlag,
    MismatchSnapshot,
    PartnerSuggestion,
    RecommendationFeedback,
)


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "demand", "pair_key", "kind", "score", "status", "origin", "computed_at")
    list_filter = ("status", "origin", "kind", "engine_version")
    search_fields = ("pair_key", "demand__title")
    raw_id_fields = ("demand", "offering")
    readonly_fields = ("breakdown", "unmet", "engine_version", "computed_at")


@admin.register(RecommendationFeedback)
class RecommendationFeedbackAdmin(admin.ModelAdmin):
    list_display = ("demand", "pair_key", "shortlisted", "dismissed_reason", "updated_at")
    list_filter = ("shortlisted", "dismissed_reason")
    search_fields = ("demand__title", "pair_key", "dismissed_note")
    raw_id_fields = ("demand", "updated_by")


@admin.register(PartnerSuggestion)
class PartnerSuggestionAdmin(admin.ModelAdmin):
    list_display = ("organization", "partner", "kinds", "demand_count", "volume", "computed_at")
    list_filter = ("engine_version",)
    search_fields = ("organization__name", "partner__name")
    raw_id_fields = ("organization", "partner")
    readonly_fields = ("engine_version", "computed_at")


@admin.register(MismatchFlag)
class MismatchFlagAdmin(admin.ModelAdmin):
    list_display = ("subject_key", "code", "severity", "first_seen", "last_seen", "resolved_at")
    list_filter = ("subject_type", "code", "severity")
    search_fields = ("subject_key",)
    raw_id_fields = ("demand", "offering")


@admin.register(MismatchSnapshot)
class MismatchSnapshotAdmin(admin.ModelAdmin):
    list_display = ("day", "sector", "technology", "province", "demanded", "covered", "capacity")
    list_filter = ("day", "sector", "technology")


class MatchRunSliceInline(admin.TabularInline):
    model = MatchRunSlice
    extra = 0
    readonly_fields = ("number", "cursor", "done")
    exclude = ("demand_ids",)


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    inlines = (MatchRunSliceInline,)
    list_display = (
        "id",
        "engine_version",
        "status",
        "demands_done",
        "lease_owner",
        "started_at",
        "finished_at",
        "requested_by",
    )


@admin.register(MatchingOutboxEvent)
class MatchingOutboxEventAdmin(admin.ModelAdmin):
    """Listings waiting to be matched; failed ones (retries used up) can be put back in line."""

    list_display = (
        "id",
        "entity",
        "entity_id",
        "created_at",
        "attempts",
        "available_at",
        "failed_at",
    )
    list_filter = ("entity", ("failed_at", admin.EmptyFieldListFilter))
    search_fields = ("=entity_id",)
    readonly_fields = ("entity", "entity_id", "created_at", "attempts", "last_error")
    actions = ("retry",)

    @admin.action(description=_("重新匹配所选对象"))
    def retry(self, request, queryset) -> None:
        count = services.matching_outbox_retry(event_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d 个事件已重新排队。", "%(n)d 个事件已重新排队。", count) % {"n": count},
            messages.SUCCESS,
        )
