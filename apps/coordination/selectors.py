"""Coordination reads: typical cases (the public library, what it says of vendors, the
collection's queues) and what waits on a coordinator (review queues, vendor interest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from apps.accounts.models import Organization
from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.models import Offering
from apps.catalog.selectors import offering_review_queue
from apps.demands.models import Demand
from apps.demands.selectors import demand_review_queue
from apps.matching.models import REQUEST_ORIGINS, Match, RecommendationFeedback

from .models import CASE_ENDED_STATUSES, AuditEvent, CaseConsent, TypicalCase

# A party's request for an introduction (a vendor's interest, an enterprise's request) waits
# on a coordinator until it is approved (or rejected) and then until the parties are introduced.
INTEREST_WAITING_STATUSES = (Match.Status.SUGGESTED, Match.Status.APPROVED)
ORGANIZATION_QUEUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "name": ("name", "id"),
}
# Newest/oldest by when the match was first suggested (ids grow with creation): a rematch
# rewrites rows' updated_at, and sorting 200k suggestions by it took 1.2 s at 100k offerings,
# where walking the primary key backwards takes 4 ms.
MATCH_QUEUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "score": ("-score", "id"),
    "newest": ("-id",),
    "oldest": ("id",),
}
INTEREST_QUEUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "oldest": ("waiting_since", "id"),
    "newest": ("-waiting_since", "-id"),
    "score": ("-score", "id"),
}


def typical_case_list(*, sector: str | None = None) -> QuerySet[TypicalCase]:
    """Published typical cases, newest first; never names the enterprise (the text does, if
    the coordinator chose to and the enterprise consented)."""
    queryset = TypicalCase.objects.filter(status=TypicalCase.Status.PUBLISHED).select_related(
        "sector", "match"
    )
    return queryset.filter(sector_id=sector) if sector else queryset


def typical_case_list_of_vendor(*, vendor_id: int) -> QuerySet[TypicalCase]:
    """Published typical cases a vendor took part in (a bundle's vendors included), newest
    first."""
    return typical_case_list().filter(match__vendor_ids__contains=[vendor_id])


def typical_case_counts(*, vendor_ids: list[int] | None = None) -> dict[int, int]:
    """Published typical cases per vendor organisation (a case counts for every vendor of its
    match, a bundle's included); vendors without cases are absent. Cases still collecting
    consent or in review, and rejected ones, never count."""
    cases = TypicalCase.objects.filter(status=TypicalCase.Status.PUBLISHED)
    if vendor_ids is not None:
        cases = cases.filter(match__vendor_ids__overlap=list(vendor_ids))
    wanted = None if vendor_ids is None else set(vendor_ids)
    counts: dict[int, int] = {}
    for vendors in cases.values_list("match__vendor_ids", flat=True).iterator():
        for vendor in vendors:
            if wanted is None or vendor in wanted:
                counts[vendor] = counts.get(vendor, 0) + 1
    return counts


def typical_case_vendors_since(*, since: datetime | None) -> tuple[set[int], datetime | None]:
    """Vendors of cases published after `since`, and the latest publication time among them
    (None when there are none). One query: the matching worker asks before every task."""
    cases = TypicalCase.objects.filter(status=TypicalCase.Status.PUBLISHED)
    if since is not None:
        cases = cases.filter(published_at__gt=since)
    rows = list(cases.values_list("match__vendor_ids", "published_at"))
    vendors = {vendor for vendor_ids, _ in rows for vendor in vendor_ids}
    return vendors, max((at for _, at in rows), default=None)


# The coordinators' case queue: what waits on them first, then what waits on the parties.
CASE_QUEUE_ORDER = (
    TypicalCase.Status.IN_REVIEW,
    TypicalCase.Status.NOMINATED,
    TypicalCase.Status.PUBLISHED,
    TypicalCase.Status.REJECTED,
    TypicalCase.Status.DECLINED,
)


def typical_case_queue(*, status: str = "") -> QuerySet[TypicalCase]:
    """Every case for coordinators (`status` narrows) in CASE_QUEUE_ORDER, oldest first
    within a status, with its consents."""
    queryset = TypicalCase.objects.all()
    if status in TypicalCase.Status.values:
        queryset = queryset.filter(status=status)
    priority = Case(
        *(When(status=value, then=Value(rank)) for rank, value in enumerate(CASE_QUEUE_ORDER)),
        default=Value(len(CASE_QUEUE_ORDER)),
    )
    return (
        queryset.prefetch_related("consents__organization")
        .annotate(queue_rank=priority)
        .order_by("queue_rank", "created_at", "id")
    )


def typical_case_visible_get(*, principal: Any, case_id: int) -> TypicalCase | None:
    """A case as the principal may see it: coordinators any, parties theirs (whatever its
    state), everyone else a published one only."""
    queryset = TypicalCase.objects.select_related("sector", "match", "match__demand")
    if not is_coordinator(principal):
        queryset = queryset.filter(
            Q(status=TypicalCase.Status.PUBLISHED)
            | Q(consents__organization_id__in=principal_org_ids(principal))
        ).distinct()
    return queryset.prefetch_related("consents__organization").filter(pk=case_id).first()


def typical_case_list_of_organization(*, organization_id: int) -> QuerySet[TypicalCase]:
    """Cases an organisation is a party to (asked for consent), newest first."""
    return (
        TypicalCase.objects.filter(consents__organization_id=organization_id)
        .prefetch_related("consents__organization")
        .order_by("-created_at", "-id")
    )


def typical_case_awaiting_consent(*, organization_id: int) -> QuerySet[TypicalCase]:
    """Nominated cases still waiting for this organisation's consent, oldest first."""
    return TypicalCase.objects.filter(
        status=TypicalCase.Status.NOMINATED,
        consents__organization_id=organization_id,
        consents__decision=CaseConsent.Decision.PENDING,
    ).order_by("created_at", "id")


def case_nominable_matches(*, organization_id: int | None = None) -> QuerySet[Match]:
    """Won introductions without a live case (nominated, in review or published), newest
    first; `organization_id` keeps those the organisation took part in."""
    live = TypicalCase.objects.filter(match=OuterRef("pk")).exclude(status__in=CASE_ENDED_STATUSES)
    queryset = Match.objects.filter(status=Match.Status.WON).exclude(Exists(live))
    if organization_id is not None:
        queryset = queryset.filter(
            Q(demand__organization_id=organization_id) | Q(vendor_ids__contains=[organization_id])
        )
    return queryset.select_related("demand").order_by("-updated_at", "-id")


def vendor_interest_queue(*, status: str = "", sort: str = "oldest") -> QuerySet[Match]:
    """Matches a vendor or the enterprise asked to be introduced on that wait on a coordinator
    (to approve, or to introduce once approved; `status` narrows to one of the two), with their
    demand and offering loaded.

    Each row carries `waiting_since`: when the request was made (its audit row), since a
    rematch refreshes the match row's own timestamps; the row's last change when unaudited.
    """
    statuses = [status] if status in INTEREST_WAITING_STATUSES else INTEREST_WAITING_STATUSES
    expressed = (
        AuditEvent.objects.filter(
            action__in=("match.interest", "match.introduction_requested"),
            subject_type=Match._meta.model_name,
            subject_id=Cast(OuterRef("pk"), CharField()),
        )
        .order_by("-id")
        .values("created_at")[:1]
    )
    return (
        Match.objects.filter(origin__in=REQUEST_ORIGINS, status__in=statuses)
        .select_related("demand", "demand__organization", "offering", "offering__organization")
        .annotate(waiting_since=Coalesce(Subquery(expressed), F("updated_at")))
        .order_by(*INTEREST_QUEUE_ORDERINGS.get(sort, INTEREST_QUEUE_ORDERINGS["oldest"]))
    )


def coordinator_waiting_counts() -> dict[str, int]:
    """What waits on coordinators, one COUNT each: offerings and demands awaiting review,
    vendor interest awaiting approval or introduction (the navigation's badges) and
    organisations awaiting verification (the queue tabs' badges)."""
    return {
        "offerings": offering_review_queue().count(),
        "demands": demand_review_queue().count(),
        "interest": Match.objects.filter(
            origin__in=REQUEST_ORIGINS, status__in=INTEREST_WAITING_STATUSES
        ).count(),
        "organizations": organization_verification_queue().count(),
    }


def organization_verification_queue(
    *, search: str = "", role: str = "", province: str = "", sort: str = "oldest"
) -> QuerySet[Organization]:
    """Organisations awaiting verification (they wait since they signed up); `search` matches
    the name or the unified social credit code, `role` keeps vendors or enterprises (an
    organisation that is both counts as either)."""
    queryset = Organization.objects.filter(
        verification_status=Organization.Verification.PENDING
    ).select_related("province", "city")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(credit_code__icontains=search))
    if role in (Organization.Role.VENDOR, Organization.Role.ENTERPRISE):
        queryset = queryset.filter(role__in=[role, Organization.Role.BOTH])
    if province:
        queryset = queryset.filter(province_id=province)
    return queryset.order_by(
        *ORGANIZATION_QUEUE_ORDERINGS.get(sort, ORGANIZATION_QUEUE_ORDERINGS["oldest"])
    )


# The enterprise's verdicts a coordinator may narrow the match queue to.
FEEDBACK_FILTERS = ("dismissed", "shortlisted")


def match_review_queue(
    *, status: str, origin: str = "", search: str = "", sort: str = "score", feedback: str = ""
) -> QuerySet[Match]:
    """Matches in one status for the coordinators' match queue, best score first by default;
    `origin` keeps engine suggestions or requested introductions, `search` matches the demand's
    title or the offering's name, `feedback` keeps the ones the enterprise dismissed (or
    shortlisted). Millions of rows: page it without COUNT (see the view)."""
    queryset = Match.objects.filter(status=status)
    if origin in Match.Origin.values:
        queryset = queryset.filter(origin=origin)
    if feedback in FEEDBACK_FILTERS:
        verdicts = RecommendationFeedback.objects.filter(
            demand_id=OuterRef("demand_id"), pair_key=OuterRef("pair_key")
        )
        verdicts = (
            verdicts.exclude(dismissed_reason="")
            if feedback == "dismissed"
            else verdicts.filter(shortlisted=True)
        )
        queryset = queryset.filter(Exists(verdicts))
    ordering = MATCH_QUEUE_ORDERINGS.get(sort, MATCH_QUEUE_ORDERINGS["score"])
    if search:
        queryset = queryset.filter(_match_search(search))
        if sort not in ("newest", "oldest"):
            # Sorting the few matches found beats walking the score index past the thousands
            # that do not match (41 ms instead of 165 ms for "水表" at 100k offerings).
            ordering = ((F("score") + 0).desc(), "id")
    return queryset.order_by(*ordering)


# A match search finds the demands and offerings whose title or name holds the words through
# their bigram indexes (apps.core.lookups), then the matches behind them through the
# (demand, score) and (offering, score) indexes. Words found in more listings than this fall
# back to semi-joins.
MATCH_SEARCH_IDS = 5000


def _match_search(search: str) -> Q:
    demands = Demand.objects.filter(title__substring=search).values_list("pk", flat=True)
    offerings = Offering.objects.filter(name__substring=search).values_list("pk", flat=True)
    demand_ids = list(demands[: MATCH_SEARCH_IDS + 1])
    offering_ids = list(offerings[: MATCH_SEARCH_IDS + 1])
    if len(demand_ids) > MATCH_SEARCH_IDS or len(offering_ids) > MATCH_SEARCH_IDS:
        return Q(demand__in=demands) | Q(offering__in=offerings)
    return Q(demand_id__in=demand_ids) | Q(offering_id__in=offering_ids)
