"""Reads of reference data and offerings, scoped to what a principal may see."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids

from .models import (
    Certification,
    Function,
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
    "functions": Function,
    "regions": Region,
}

# Singular dimension names, as the matching engine and stored match facts use them.
NAMED_DIMENSIONS: dict[str, type[Model]] = {
    "technology": Technology,
    "kind": SupplyKind,
    "sector": Sector,
    "scenario": Scenario,
    "certification": Certification,
    "function": Function,
    "protocol": Protocol,
    "region": Region,
}
# Reference data changes a few times a year (load_reference, admin); a name edited there
# shows in rendered explanations within this many seconds.
NAMES_TTL_SECONDS = 60.0
_names: tuple[float, dict[tuple[str, str], tuple[str, str]]] | None = None


def reference_name_table() -> dict[tuple[str, str], tuple[str, str]]:
    """(dimension, code) → (zh, en) display names of every reference code, read now."""
    return {
        (dimension, code): (zh, en)
        for dimension, model in NAMED_DIMENSIONS.items()
        for code, zh, en in model.objects.values_list("code", "name_zh", "name_en")
    }


def reference_names() -> dict[tuple[str, str], tuple[str, str]]:
    """`reference_name_table`, cached in the process for NAMES_TTL_SECONDS."""
    global _names
    now = time.monotonic()
    if _names is None or now - _names[0] > NAMES_TTL_SECONDS:
        _names = (now, reference_name_table())
    return _names[1]


def reference_name(dimension: str, code: str) -> tuple[str, str]:
    """(zh, en) display names of one code; the code itself when it is unknown."""
    return reference_names().get((dimension, code), (code, code))


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
