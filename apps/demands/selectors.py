"""Reads of demands, scoped to what a principal may see, and their anonymised presentation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.selectors import province_region_codes

from .models import Demand

MARKET_STATUSES = (Demand.Status.PUBLISHED, Demand.Status.MATCHED)


def demand_visible_queryset(principal: Any) -> QuerySet[Demand]:
    """One's own demands in any status; published public/anonymous demands for signed-in users.

    Coordinators see everything. Demands visible to coordinators only never leave their owner.
    """
    queryset = Demand.objects.select_related("organization", "sector", "scenario")
    if is_coordinator(principal):
        return queryset
    own = Q(organization_id__in=principal_org_ids(principal))
    if not getattr(principal, "is_authenticated", False):
        return queryset.none()
    market = Q(status__in=MARKET_STATUSES) & ~Q(visibility=Demand.Visibility.COORDINATORS)
    return queryset.filter(own | market)


def demand_reveals_organization(principal: Any, demand: Demand) -> bool:
    """Whether `principal` may learn which organisation posted `demand`."""
    if is_coordinator(principal) or demand.organization_id in principal_org_ids(principal):
        return True
    return demand.visibility == Demand.Visibility.PUBLIC


def demand_review_queue() -> QuerySet[Demand]:
    return Demand.objects.filter(status=Demand.Status.PENDING_REVIEW).select_related(
        "organization", "sector"
    )


# Oldest waiting first by default; a demand waits since its last change (its submission).
REVIEW_QUEUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "oldest": ("updated_at", "id"),
    "newest": ("-updated_at", "-id"),
    "name": ("title", "id"),
    "volume": ("-volume", "id"),
}


def demand_review_queue_search(
    *,
    search: str = "",
    kind: str = "",
    sector: str = "",
    scenario: str = "",
    technology: str = "",
    province: str = "",
    organization_id: int | None = None,
    sort: str = "oldest",
) -> QuerySet[Demand]:
    """Demands awaiting review narrowed by the queue's filters; `search` matches the title or
    the enterprise's name; `kind` is a supply kind the demand needs; `province` keeps
    nationwide demands and those deploying there or in one of its cities."""
    queryset = demand_review_queue()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search) | Q(organization__name__icontains=search)
        )
    if kind:
        queryset = queryset.filter(kinds_needed__contains=[kind])
    if sector:
        queryset = queryset.filter(sector_id=sector)
    if scenario:
        queryset = queryset.filter(scenario_id=scenario)
    if technology:
        queryset = queryset.filter(technologies__contains=[technology])
    if province:
        queryset = queryset.filter(
            Q(nationwide=True) | Q(regions__overlap=province_region_codes(province))
        )
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset.order_by(*REVIEW_QUEUE_ORDERINGS.get(sort, REVIEW_QUEUE_ORDERINGS["oldest"]))
