"""Reads of reference data and offerings, scoped to what a principal may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids

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

REFERENCE_MODELS: dict[str, type[Model]] = {
    "sectors": Sector,
    "scenarios": Scenario,
    "technologies": Technology,
    "certifications": Certification,
    "protocols": Protocol,
    "kinds": SupplyKind,
    "regions": Region,
}


def unknown_codes(model: type[Model], codes: Iterable[str]) -> list[str]:
    """The codes among `codes` that are not rows of the reference `model`, in input order."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    known = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return [code for code in wanted if code not in known]


def offering_visible_queryset(principal: Any) -> QuerySet[Offering]:
    """Published offerings for everyone, plus one's own in any status; coordinators see all."""
    queryset = Offering.objects.select_related("organization", "kind")
    if is_coordinator(principal):
        return queryset
    return queryset.filter(
        Q(status=Offering.Status.PUBLISHED) | Q(organization_id__in=principal_org_ids(principal))
    )


def offering_review_queue() -> QuerySet[Offering]:
    return Offering.objects.filter(status=Offering.Status.PENDING_REVIEW).select_related(
        "organization", "kind"
    )
