"""Matching reads scoped to what a principal may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.selectors import offering_visible_queryset
from apps.demands.models import Demand
from apps.demands.selectors import demand_visible_queryset

from .models import Match, MismatchFlag, MismatchSnapshot

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


def demand_for_matches(principal: Any, demand_id: int):
    """The demand if the principal may see it (else None)."""
    return demand_visible_queryset(principal).filter(pk=demand_id).first()


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
    latest = MismatchSnapshot.objects.order_by("-taken_at").values_list("taken_at", flat=True)
    taken_at = latest.first()
    cells = (
        list(
            MismatchSnapshot.objects.filter(taken_at=taken_at)
            .order_by("sector", "technology", "province")
            .values("sector", "technology", "province", "demanded", "capacity", "demands")
        )
        if taken_at
        else []
    )
    return {"open_flags": list(open_flags), "snapshot_taken_at": taken_at, "cells": cells}
