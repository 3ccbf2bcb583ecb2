"""Reads of reference data and offerings, scoped to what a principal may see."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Func, Model, Q, QuerySet

from apps.accounts.models import Organization
from apps.accounts.selectors import (
    is_coordinator,
    organization_visible_queryset,
    principal_org_ids,
)

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
from .reference.positioning import POSITIONING_METHODS

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
        **{("positioning", code): (zh, en) for code, zh, en in POSITIONING_METHODS},
        **{
            (dimension, code): (zh, en)
            for dimension, model in NAMED_DIMENSIONS.items()
            for code, zh, en in model.objects.values_list("code", "name_zh", "name_en")
        },
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


def lookup_key(text: str) -> str:
    """How a typed code or name is compared: full-width forms folded (ＮＢ → nb), case and
    surrounding blanks ignored."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def reference_code_lookup(model: type[Model]) -> dict[str, list[str]]:
    """`lookup_key` of every code, Chinese name and English name of a reference table → the
    codes it names: one, or several for a name two rows share (Suzhou, Taizhou …). A key that
    is a code names only that code."""
    lookup: dict[str, list[str]] = {}
    rows = list(model.objects.values_list("code", "name_zh", "name_en"))
    for code, zh, en in rows:
        for name in (zh, en):
            if name:
                codes = lookup.setdefault(lookup_key(name), [])
                if code not in codes:
                    codes.append(code)
    for code, _zh, _en in rows:
        lookup[lookup_key(code)] = [code]
    return lookup


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


# --- public pages -----------------------------------------------------------------------

VENDOR_ROLES = (Organization.Role.VENDOR, Organization.Role.BOTH)


def offering_public_get(*, principal: Any, offering_id: int) -> Offering | None:
    """One offering as its public page shows it: published ones for everyone, others only for
    their own organisation and coordinators (None when the principal may not see it)."""
    return (
        offering_visible_queryset(principal)
        .select_related("function", "organization__province")
        .filter(pk=offering_id)
        .first()
    )


def vendor_profile_get(*, principal: Any, organization_id: int) -> Organization | None:
    """A vendor organisation for its public profile: a verified vendor, or one with a published
    offering (its listings are public already); one's own and, for coordinators, any vendor.
    None for enterprises-only organisations, whose demands may be anonymous."""
    found = (
        organization_visible_queryset(principal)
        .filter(pk=organization_id, role__in=VENDOR_ROLES)
        .first()
    )
    if found is not None:
        return found
    return (
        Organization.objects.select_related("province", "city")
        .filter(pk=organization_id, role__in=VENDOR_ROLES)
        .filter(offerings__status=Offering.Status.PUBLISHED)
        .distinct()
        .first()
    )


def vendor_published_offerings(*, organization_id: int) -> QuerySet[Offering]:
    """A vendor's published offerings, newest first."""
    return (
        Offering.objects.filter(organization_id=organization_id, status=Offering.Status.PUBLISHED)
        .select_related("kind", "function")
        .order_by("-published_at", "-pk")
    )


def vendor_coverage(*, organization_id: int) -> dict[str, Any]:
    """What a vendor's published offerings hold between them: {"certifications": [codes],
    "nationwide": bool, "regions": [codes]} (codes sorted; regions empty when nationwide).
    Aggregated in PostgreSQL: a vendor with thousands of listings costs three small queries."""
    published = Offering.objects.filter(
        organization_id=organization_id, status=Offering.Status.PUBLISHED
    )

    def distinct_codes(field: str) -> list[str]:
        codes = published.annotate(code=Func(F(field), function="unnest")).values_list(
            "code", flat=True
        )
        return sorted(set(codes.distinct()))

    nationwide = published.filter(nationwide=True).exists()
    return {
        "certifications": distinct_codes("certifications"),
        "nationwide": nationwide,
        "regions": [] if nationwide else distinct_codes("regions"),
    }


# Review queues: oldest waiting first by default (reviewing clears them from the top); a
# listing waits since its last change, which submitting it for review is.
REVIEW_QUEUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "oldest": ("updated_at", "id"),
    "newest": ("-updated_at", "-id"),
    "name": ("name", "id"),
}


def province_region_codes(province: str) -> list[str]:
    """A province's code and the codes of its cities and counties: listings name any of them
    (every division in a province shares its code's first two digits)."""
    codes = Region.objects.filter(code__startswith=province[:2]).exclude(code=province)
    return [province, *codes.values_list("code", flat=True)]


def county_codes(cities: Iterable[str]) -> list[str]:
    """The codes of the counties of these cities (one query; none for no cities)."""
    cities = list(cities)
    if not cities:
        return []
    counties = Region.objects.filter(parent_id__in=cities, level=Region.Level.COUNTY)
    return list(counties.values_list("code", flat=True))


def counties_by_parent() -> dict[str, list[tuple[str, str, str]]]:
    """Every county as (code, zh name, en name), grouped under its city (or its province where
    no city stands above it), in reference order."""
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    counties = Region.objects.filter(level=Region.Level.COUNTY).order_by("sort_order", "code")
    for code, zh, en, parent in counties.values_list("code", "name_zh", "name_en", "parent_id"):
        grouped.setdefault(parent, []).append((code, zh, en))
    return grouped


def offering_review_queue_search(
    *,
    search: str = "",
    kind: str = "",
    sector: str = "",
    scenario: str = "",
    technology: str = "",
    province: str = "",
    organization_id: int | None = None,
    sort: str = "oldest",
) -> QuerySet[Offering]:
    """Offerings awaiting review narrowed by the queue's filters; `search` matches the name,
    model number or vendor name; `province` keeps nationwide listings and those serving it or
    one of its cities or counties. Unknown `sort` values fall back to oldest waiting first."""
    queryset = offering_review_queue()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(model_number__icontains=search)
            | Q(organization__name__icontains=search)
        )
    if kind:
        queryset = queryset.filter(kind_id=kind)
    if sector:
        queryset = queryset.filter(sectors__contains=[sector])
    if scenario:
        queryset = queryset.filter(scenarios__contains=[scenario])
    if technology:
        queryset = queryset.filter(technologies__contains=[technology])
    if province:
        queryset = queryset.filter(
            Q(nationwide=True) | Q(regions__overlap=province_region_codes(province))
        )
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset.order_by(*REVIEW_QUEUE_ORDERINGS.get(sort, REVIEW_QUEUE_ORDERINGS["oldest"]))
