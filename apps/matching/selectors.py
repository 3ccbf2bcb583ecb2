"""Matching reads: matches, partner suggestions and mismatch figures, scoped to what a principal
may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Greatest

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.selectors import offering_visible_queryset, reference_name
from apps.demands.models import Demand
from apps.demands.selectors import demand_visible_queryset

from .engine.explain import explain_breakdown, explain_unmet, summarise
from .models import Match, MismatchFlag, MismatchSnapshot, PartnerSuggestion

INTRODUCED_OR_LATER = (
    Match.Status.INTRODUCED,
    Match.Status.ACCEPTED,
    Match.Status.DECLINED,
    Match.Status.WON,
    Match.Status.LOST,
)


def match_visible_queryset(principal: Any) -> QuerySet[Match]:
    """Coordinators: all. Enterprises: matches of their own demands. Vendors: matches that
    involve their offerings (and never another vendor's)."""
    queryset = Match.objects.select_related("demand", "offering")
    if is_coordinator(principal):
        return queryset
    orgs = list(principal_org_ids(principal))
    if not orgs:
        return queryset.none()
    # A vendor sees its matches, but a coordinators-only demand only once introduced.
    vendor_side = Q(vendor_ids__overlap=orgs) & (
        ~Q(demand__visibility=Demand.Visibility.COORDINATORS) | Q(status__in=INTRODUCED_OR_LATER)
    )
    return queryset.filter(Q(demand__organization_id__in=orgs) | vendor_side)


@dataclass(frozen=True)
class MatchExplanation:
    """A stored match in words: each criterion and unmet constraint with zh and en sentences."""

    breakdown: dict
    unmet: list[dict]
    summary_zh: str
    summary_en: str


def match_explanation(match: Match) -> MatchExplanation:
    """Render the sentences of a match from the facts the engine stored with it.

    Bundles and rows stored with their text (before engine 1.2) keep the stored sentences.
    """
    breakdown = explain_breakdown(match.breakdown, reference_name)
    if match.explanation_zh or match.explanation_en:
        zh, en = match.explanation_zh, match.explanation_en
    else:
        zh, en = summarise(breakdown, match.score)
    return MatchExplanation(
        breakdown=breakdown,
        unmet=explain_unmet(match.unmet, breakdown),
        summary_zh=zh,
        summary_en=en,
    )


def demand_for_matches(principal: Any, demand_id: int):
    """The demand if the principal may see it (else None)."""
    return demand_visible_queryset(principal).filter(pk=demand_id).first()


def demand_matches_readable(principal: Any, demand_id: int) -> bool:
    """Whether the principal has any of the demand's matches to read: its own organisation and
    coordinators always (even before the first match), a vendor once one involves it."""
    if is_coordinator(principal):
        return True
    orgs = list(principal_org_ids(principal))
    if Demand.objects.filter(pk=demand_id, organization_id__in=orgs).exists():
        return True
    return match_visible_queryset(principal).filter(demand_id=demand_id).exists()


def offering_for_matches(principal: Any, offering_id: int):
    return offering_visible_queryset(principal).filter(pk=offering_id).first()


def mismatch_queryset(principal: Any) -> QuerySet[MismatchFlag]:
    """Coordinators see every flag; others only the flags of their own demands and offerings."""
    queryset = MismatchFlag.objects.order_by("-last_seen", "-id")
    if is_coordinator(principal):
        return queryset
    orgs = list(principal_org_ids(principal))
    return queryset.filter(
        Q(demand__organization_id__in=orgs) | Q(offering__organization_id__in=orgs)
    )


def mismatch_summary() -> dict:
    """Open flags by code and severity, and the latest snapshot's cells (coordinators)."""
    open_flags = (
        MismatchFlag.objects.filter(resolved_at__isnull=True)
        .values("subject_type", "code", "severity")
        .annotate(count=Count("id"))
        .order_by("subject_type", "code", "severity")
    )
    latest = mismatch_snapshot_latest()
    cells = list(
        latest.values("sector", "technology", "province", "demanded", "capacity", "demands")
    )
    taken_at = latest[0].taken_at if cells else None
    return {"open_flags": list(open_flags), "snapshot_taken_at": taken_at, "cells": cells}


def partner_suggestion_list(*, organization_id: int) -> QuerySet[PartnerSuggestion]:
    """A vendor's stored partner suggestions, most shared demands first (empty before the
    first refresh)."""
    return (
        PartnerSuggestion.objects.filter(organization_id=organization_id)
        .select_related("partner")
        .order_by("-demand_count", "-volume", "partner_id")
    )


def mismatch_snapshot_latest() -> QuerySet[MismatchSnapshot]:
    """The cells of the latest aggregation run by sector, technology, province (none before
    the first run)."""
    taken_at = (
        MismatchSnapshot.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    )
    if taken_at is None:
        return MismatchSnapshot.objects.none()
    return MismatchSnapshot.objects.filter(taken_at=taken_at).order_by(
        "sector", "technology", "province"
    )


def mismatch_trend(*, points: int = 60) -> list[dict[str, Any]]:
    """The last `points` aggregation runs, oldest first: taken_at, demanded, capacity and
    shortfall (the gap summed over the cells short of capacity)."""
    runs = (
        MismatchSnapshot.objects.values("taken_at")
        .annotate(
            total_demanded=Sum("demanded"),
            total_capacity=Sum("capacity"),
            shortfall=Sum(Greatest(F("demanded") - F("capacity"), Value(0.0))),
        )
        .order_by("-taken_at")[:points]
    )
    return [
        {
            "taken_at": run["taken_at"],
            "demanded": run["total_demanded"],
            "capacity": run["total_capacity"],
            "shortfall": run["shortfall"],
        }
        for run in reversed(runs)
    ]


def mismatch_flag_open_counts() -> dict[str, int]:
    """Open flags on the dashboard: aggregate cells flagged, and demands with a flag."""
    open_flags = MismatchFlag.objects.filter(resolved_at__isnull=True)
    return {
        "cells": open_flags.filter(subject_type=MismatchFlag.Subject.CELL).count(),
        "demands_flagged": open_flags.filter(subject_type=MismatchFlag.Subject.DEMAND)
        .values("demand_id")
        .distinct()
        .count(),
    }


_SEVERITY_RANK = Case(
    When(severity=MismatchFlag.Severity.HIGH, then=Value(0)),
    When(severity=MismatchFlag.Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def mismatch_flag_open_list(
    *,
    principal: Any,
    subject_type: str | None = None,
    demand_ids: Collection[int] | None = None,
) -> QuerySet[MismatchFlag]:
    """Open flags the principal may see (of one subject type, of some demands), most severe
    and then most recent first."""
    queryset = mismatch_queryset(principal).filter(resolved_at__isnull=True)
    if subject_type is not None:
        queryset = queryset.filter(subject_type=subject_type)
    if demand_ids is not None:
        queryset = queryset.filter(demand_id__in=list(demand_ids))
    return queryset.order_by(_SEVERITY_RANK, "-last_seen", "-id")
