"""Reads of organisations and memberships, scoped to what a principal may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import Membership, Organization


def principal_org_ids(principal: Any) -> frozenset[int]:
    """Organisation ids a user or API-key principal acts for (empty when anonymous)."""
    if not getattr(principal, "is_authenticated", False):
        return frozenset()
    return principal.organization_ids


def is_coordinator(principal: Any) -> bool:
    return bool(getattr(principal, "is_authenticated", False) and principal.is_coordinator)


def organization_visible_queryset(principal: Any) -> QuerySet[Organization]:
    """Verified organisations for everyone; one's own and, for coordinators, all of them."""
    queryset = Organization.objects.select_related("province", "city")
    if is_coordinator(principal):
        return queryset
    return queryset.filter(
        Q(verification_status=Organization.Verification.VERIFIED)
        | Q(pk__in=principal_org_ids(principal))
    )


def organization_can_see_contacts(principal: Any, organization: Organization) -> bool:
    return is_coordinator(principal) or organization.pk in principal_org_ids(principal)


def organization_is_owner(principal: Any, organization: Organization) -> bool:
    return organization.pk in getattr(principal, "owned_organization_ids", frozenset())


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("id")
