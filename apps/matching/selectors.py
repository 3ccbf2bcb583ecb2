"""Matching reads: matches, partner suggestions and mismatch figures, scoped to what a principal
may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.selectors import offering_visible_queryset, reference_name
from apps.demands.models import Demand
from apps.demands.selectors import demand_reveals_organization, demand_visible_queryset

from .engine.explain import explain_breakdown, explain_unmet, summarise
from .engine.radar import RadarCell
from .models import (
    DemandCoverage,
    Match,
    MatchingOutboxEvent,
    MismatchFlag,
    MismatchSnapshot,
    PartnerSuggestion,
    RecommendationFeedback,
)

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


# An introduction both sides accepted (and its outcome) discloses the parties to each other.
DISCLOSED_STATUSES = (Match.Status.ACCEPTED, Match.Status.WON, Match.Status.LOST)


@dataclass(frozen=True)
class DemandDisclosure:
    """What a principal may learn of who posted a demand: the organisation's name, and its
    contacts."""

    organization: bool
    contacts: bool


def demand_disclosure(principal: Any, demand: Demand) -> DemandDisclosure:
    """The demand's owner and coordinators see everything. Others learn the organisation of a
    public demand (`demand_reveals_organization`, the rule search follows too) and, once an
    introduction on the demand involving them was accepted by both sides, the organisation of
    any demand and its contacts."""
    if is_coordinator(principal) or demand.organization_id in principal_org_ids(principal):
        return DemandDisclosure(organization=True, contacts=True)
    orgs = list(principal_org_ids(principal))
    accepted = bool(orgs) and (
        Match.objects.filter(
            demand_id=demand.pk, vendor_ids__overlap=orgs, status__in=DISCLOSED_STATUSES
        ).exists()
    )
    return DemandDisclosure(
        organization=accepted or demand_reveals_organization(principal, demand),
        contacts=accepted,
    )


def demand_for_vendor(principal: Any, demand_id: int) -> Demand | None:
    """A demand a vendor may open: one visible to it, or one it was introduced on (a
    coordinators-only demand included); None otherwise."""
    demand = demand_for_matches(principal, demand_id)
    if demand is not None:
        return demand
    if match_visible_queryset(principal).filter(demand_id=demand_id).exists():
        return Demand.objects.select_related("organization", "sector", "scenario").get(pk=demand_id)
    return None


def vendor_demand_matches(principal: Any, *, organization_id: int, demand_id: int):
    """The stored matches of one vendor's own offerings (not bundles) with one demand, best
    first: every offering of its that fits the demand."""
    return (
        match_visible_queryset(principal)
        .filter(demand_id=demand_id, offering__organization_id=organization_id)
        .exclude(status=Match.Status.REJECTED)
        .select_related("offering__kind", "offering__organization")
        .order_by("-score", "id")
    )


def recommendation_feedback_map(
    matches: Collection[Match],
) -> dict[tuple[int, str], RecommendationFeedback]:
    """(demand id, pair key) → the enterprise's feedback, for the given matches (one query)."""
    demand_ids = {m.demand_id for m in matches}
    keys = {m.pair_key for m in matches}
    if not keys:
        return {}
    rows = RecommendationFeedback.objects.filter(demand_id__in=demand_ids, pair_key__in=keys)
    return {(f.demand_id, f.pair_key): f for f in rows}


def recommendation_dismissed_keys(*, demand_id: int | OuterRef) -> QuerySet:
    """The pair keys the enterprise dismissed on a demand (a subquery; `demand_id` may be an
    OuterRef)."""
    return (
        RecommendationFeedback.objects.filter(demand_id=demand_id)
        .exclude(dismissed_reason="")
        .values("pair_key")
    )


def recommendation_shortlisted_keys(*, demand_id: int) -> QuerySet:
    """The pair keys the enterprise shortlisted on a demand (a subquery)."""
    return RecommendationFeedback.objects.filter(demand_id=demand_id, shortlisted=True).values(
        "pair_key"
    )


def new_matches_by_demand(
    principal: Any, *, organization_id: int, side: str, since: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """Demands with matches stored since `since`, most new matches first: for the enterprise
    (`side` "enterprise") its own demands' recommendations, for a vendor the open demands its
    offerings fit. Each row: demand_id, title, new (count). Dismissed recommendations and
    rejected matches do not count."""
    queryset = match_visible_queryset(principal).filter(created_at__gt=since)
    if side == "enterprise":
        queryset = queryset.filter(demand__organization_id=organization_id).exclude(
            pair_key__in=recommendation_dismissed_keys(demand_id=OuterRef("demand_id"))
        )
    else:
        queryset = queryset.filter(
            offering__organization_id=organization_id,
            demand__status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED),
        )
    rows = (
        queryset.exclude(status=Match.Status.REJECTED)
        .values("demand_id", "demand__title")
        .annotate(new=Count("id"))
        .order_by("-new", "-demand_id")[:limit]
    )
    return [
        {"demand_id": r["demand_id"], "title": r["demand__title"], "new": r["new"]} for r in rows
    ]


def demand_matches_readable(principal: Any, demand_id: int) -> bool:
    """Whether the principal has any of the demand's matches to read: its own organisation and
    coordinators always (even before the first match), a vendor once one involves it."""
    if is_coordinator(principal):
        return True
    orgs = list(principal_org_ids(principal))
    if Demand.objects.filter(pk=demand_id, organization_id__in=orgs).exists():
        return True
    return match_visible_queryset(principal).filter(demand_id=demand_id).exists()


def demand_matching_pending(*, demand_id: int) -> bool:
    """Whether the demand's last change still waits in the matching outbox, so its stored
    matches (or their absence) may not reflect it yet. An event that failed for good is not
    waiting: the full rematch covers that demand."""
    return MatchingOutboxEvent.objects.filter(
        entity=MatchingOutboxEvent.Entity.DEMAND, entity_id=demand_id, failed_at__isnull=True
    ).exists()


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


def partner_suggestion_list(*, organization_id: int) -> QuerySet[PartnerSuggestion]:
    """A vendor's stored partner suggestions, most shared demands first (empty before the
    first refresh)."""
    return (
        PartnerSuggestion.objects.filter(organization_id=organization_id)
        .select_related("partner")
        .order_by("-demand_count", "-volume", "partner_id")
    )


@dataclass(frozen=True)
class Radar:
    """The latest day's radar (engine/radar.py): the whole market, sector × technology over
    every province, provinces over every sector and technology, and the cells themselves."""

    day: date | None
    taken_at: datetime | None
    total: RadarCell | None
    heatmap: list[RadarCell]
    provinces: list[RadarCell]
    cells: list[RadarCell]


def _radar_cell(row: MismatchSnapshot) -> RadarCell:
    return RadarCell(
        sector=row.sector,
        technology=row.technology,
        province=row.province,
        demanded=row.demanded,
        covered=row.covered,
        need=row.need,
        capacity=row.capacity,
        demands=row.demands,
        unserved=row.unserved,
    )


def _radar_day() -> date | None:
    """The latest day with a snapshot (None before the first aggregation)."""
    return MismatchSnapshot.objects.order_by("-day").values_list("day", flat=True).first()


def radar_latest() -> Radar:
    """The radar of the latest day with a snapshot (empty before the first aggregation)."""
    day = _radar_day()
    if day is None:
        return Radar(None, None, None, [], [], [])
    rows = list(
        MismatchSnapshot.objects.filter(day=day).order_by("sector", "technology", "province")
    )
    total, heatmap, provinces, cells = None, [], [], []
    for row in rows:
        cell = _radar_cell(row)
        if not row.sector and not row.province:
            total = cell
        elif not row.sector:
            provinces.append(cell)
        elif not row.province:
            heatmap.append(cell)
        else:
            cells.append(cell)
    return Radar(day, rows[0].taken_at, total, heatmap, provinces, cells)


def radar_cell(*, sector: str = "", technology: str = "", province: str = "") -> RadarCell | None:
    """One stored cell or roll-up of the latest day (None when it has no demand)."""
    day = _radar_day()
    row = MismatchSnapshot.objects.filter(
        day=day, sector=sector, technology=technology, province=province
    ).first()
    return _radar_cell(row) if row is not None else None


def radar_breakdown(
    *, sector: str = "", technology: str = "", province: str = ""
) -> list[RadarCell]:
    """The sector × technology × province cells of the latest day inside a roll-up (a
    sector × technology pair, or a province), the most unmet connections first."""
    day = _radar_day()
    rows = MismatchSnapshot.objects.filter(day=day).exclude(sector="").exclude(province="")
    if sector:
        rows = rows.filter(sector=sector)
    if technology:
        rows = rows.filter(technology=technology)
    if province:
        rows = rows.filter(province=province)
    cells = [_radar_cell(row) for row in rows]
    return sorted(cells, key=lambda c: (-c.unmet, -c.demanded, c.sector, c.technology, c.province))


# How far back the radar's trend looks, on the dashboard, its export and the API alike.
RADAR_TREND_DAYS = 90


def radar_trend(*, days: int = RADAR_TREND_DAYS) -> list[tuple[date, RadarCell]]:
    """The whole market's figures per day over the last `days` days with a snapshot, oldest
    first."""
    rows = MismatchSnapshot.objects.filter(sector="", technology="", province="").order_by("-day")[
        :days
    ]
    return [(row.day, _radar_cell(row)) for row in reversed(rows)]


@dataclass(frozen=True)
class RadarDemand:
    """A demand behind a radar figure: the connections it adds to the cell (its volume, or its
    share of it in one province) and how many of them have feasible supply."""

    demand: Demand
    coverage: DemandCoverage
    counted: float
    covered: float
    flags: list[MismatchFlag]


def radar_demands(
    *, sector: str = "", technology: str = "", province: str = "", limit: int = 50
) -> tuple[list[RadarDemand], int]:
    """The demands summed into a cell or roll-up (as radar_cells sums them), the most
    connections first, each with its open flags; and how many there are in all."""
    queryset = DemandCoverage.objects.all()
    if sector:
        queryset = queryset.filter(sector=sector)
    if technology:
        queryset = queryset.filter(technology=technology)
    if province:
        queryset = queryset.filter(provinces__contains=[province]).annotate(
            counted=ExpressionWrapper(
                F("volume") / Func(F("provinces"), function="cardinality"),
                output_field=FloatField(),
            )
        )
    else:
        queryset = queryset.annotate(counted=F("volume"))
    count = queryset.count()
    rows = list(
        queryset.select_related("demand__organization").order_by("-counted", "demand_id")[:limit]
    )
    flags: dict[int, list[MismatchFlag]] = {}
    for flag in MismatchFlag.objects.filter(
        subject_type=MismatchFlag.Subject.DEMAND,
        resolved_at__isnull=True,
        demand_id__in=[row.demand_id for row in rows],
    ).order_by(_SEVERITY_RANK, "code"):
        flags.setdefault(flag.demand_id, []).append(flag)
    return (
        [
            RadarDemand(
                demand=row.demand,
                coverage=row,
                counted=row.counted,
                covered=row.counted * row.covered_share,
                flags=flags.get(row.demand_id, []),
            )
            for row in rows
        ],
        count,
    )


def radar_cell_flag(*, sector: str, technology: str, province: str) -> MismatchFlag | None:
    """The open flag of one cell (sector × technology × province), if it has one."""
    return MismatchFlag.objects.filter(
        subject_key=f"cell:{sector}:{technology}:{province}", resolved_at__isnull=True
    ).first()


def mismatch_open_flag_counts() -> list[dict[str, Any]]:
    """Open flags by subject type, code and severity."""
    return list(
        MismatchFlag.objects.filter(resolved_at__isnull=True)
        .values("subject_type", "code", "severity")
        .annotate(count=Count("id"))
        .order_by("subject_type", "code", "severity")
    )


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
