"""Reads of demands, scoped to what a principal may see, and their anonymised presentation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids

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
