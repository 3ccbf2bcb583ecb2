"""What the web UI shows from the matching app: matches, bundles, flags, introductions, the
mismatch dashboard — shaped for templates, in the active language.

Pages call only this module for matching data and actions, so a change in the matching app
touches one file here. Writes go through the matching app's services; reads use its models
where it offers no selector for them.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.catalog.models import Offering, Region, Sector, SupplyKind, Technology
from apps.coordination.selectors import match_review_queue, typical_case_list
from apps.core.exceptions import BusinessError
from apps.core.i18n import reads_english
from apps.demands.models import Demand
from apps.demands.selectors import demand_reveals_organization, demand_visible_queryset
from apps.matching import services
from apps.matching.engine.radar import BALANCE, NATIONWIDE, NO_TECHNOLOGY, RadarCell
from apps.matching.models import Match, MismatchFlag, RecommendationFeedback
from apps.matching.selectors import (
    demand_disclosure,
    demand_for_matches,
    demand_for_vendor,
    demand_matching_pending,
    match_explanation,
    match_visible_queryset,
    mismatch_flag_open_list,
    new_matches_by_demand,
    partner_suggestion_list,
    radar_breakdown,
    radar_cell,
    radar_cell_flag,
    radar_demands,
    radar_latest,
    radar_trend,
    recommendation_dismissed_keys,
    recommendation_feedback_map,
    recommendation_shortlisted_keys,
    vendor_demand_matches,
)

from .names import enumeration, offering_price

# Pages list the best few; a demand's page does not need the long tail of weak suggestions.
TOP_MATCHES = 10
QUEUE_PAGE = 50
REVIEW_COUNT_CAP = 1000
INTRODUCED_STATUSES = (
    Match.Status.INTRODUCED,
    Match.Status.ACCEPTED,
    Match.Status.DECLINED,
    Match.Status.WON,
    Match.Status.LOST,
)
# Coordinator actions offered per match status (the services decide what is allowed).
ACTIONS = {
    Match.Status.SUGGESTED: ("approve", "reject"),
    Match.Status.APPROVED: ("introduce",),
    Match.Status.ACCEPTED: ("won", "lost"),
}


def _text(zh: str, en: str) -> str:
    return (en or zh) if reads_english() else (zh or en)


def _criterion_labels() -> dict[str, str]:
    return {
        "function": _("产品功能"),
        "technology": _("技术匹配"),
        "sector": _("行业与场景"),
        "region": _("区域覆盖"),
        "capacity": _("产能与规模"),
        "price": _("价格与预算"),
        "certification": _("认证"),
        "text": _("文本相关度"),
        "credibility": _("厂商信誉"),
        "freshness": _("信息新鲜度"),
    }


@dataclass
class MatchView:
    """A match as a card: who, how good, why, and what can be done with it."""

    id: int
    title: str
    subtitle: str
    score: float
    status: str
    status_label: str
    explanation: str
    criteria: list[dict] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    actions: tuple[str, ...] = ()
    demand_id: int | None = None
    demand_title: str = ""
    enterprise: str = ""
    offering_id: int | None = None
    # Set when the offering has a public page to link to (published).
    offering_public: bool = False
    vendor_id: int | None = None
    vendor_name: str = ""
    kind_name: str = ""
    # Tells apart a vendor's listings of the same name (the propose choice on a demand page).
    model_number: str = ""
    # What an enterprise compares before opening the offering: its price with its unit and
    # its yearly capacity.
    price: str = ""
    capacity: int | None = None
    origin_label: str = ""
    note: str = ""
    can_express_interest: bool = False
    parts: list[dict] = field(default_factory=list)
    # Each side's answer to an introduction ("需求方：待答复"), shown once introduced.
    responses: list[str] = field(default_factory=list)
    # The enterprise's verdict (its own cards, and coordinators reading it beside the match).
    shortlisted: bool = False
    dismissed: bool = False
    dismissed_reason: str = ""
    dismissed_note: str = ""
    # The enterprise may still ask for an introduction; it already did.
    can_request: bool = False
    # The enterprise may still dismiss (or restore) it: not yet introduced.
    can_dismiss: bool = False
    requested: bool = False


def _criteria(breakdown: dict) -> list[dict]:
    labels = _criterion_labels()
    return [
        {
            "label": labels.get(code, code),
            # a requested but unfit technology scores below 0 on purpose; show it as 0 %
            "score": min(max(item.get("score") or 0, 0.0), 1.0) * 100,
            "text": _text(item.get("zh", ""), item.get("en", "")),
        }
        for code, item in (breakdown or {}).items()
        if isinstance(item, dict)  # a bundle's breakdown lists its components instead
    ]


def _offerings_of(matches: list[Match]) -> dict[int, Offering]:
    ids = {m.offering_id for m in matches if m.offering_id}
    ids |= {pk for m in matches for pk in m.bundle_offering_ids}
    return {
        o.pk: o for o in Offering.objects.filter(pk__in=ids).select_related("organization", "kind")
    }


def _match_view(match: Match, offerings: dict[int, Offering], *, principal: Any) -> MatchView:
    offering = offerings.get(match.offering_id) if match.offering_id else None
    parts = [offerings[pk] for pk in match.bundle_offering_ids if pk in offerings]
    if offering is not None:
        title = offering.name
        subtitle = f"{offering.organization.name} · {offering.kind.name}"
    else:
        title = " + ".join(o.name for o in parts) or _("组合方案")
        subtitle = enumeration(dict.fromkeys(o.organization.name for o in parts))
    demand = match.demand
    reveals = demand_reveals_organization(principal, demand)
    explained = match_explanation(match)
    return MatchView(
        id=match.pk,
        title=title,
        subtitle=subtitle,
        score=match.score,
        status=match.status,
        status_label=match.get_status_display(),
        explanation=_text(explained.summary_zh, explained.summary_en),
        criteria=_criteria(explained.breakdown),
        unmet=[_text(u["zh"], u["en"]) for u in explained.unmet],
        actions=ACTIONS.get(match.status, ()),
        demand_id=demand.pk,
        demand_title=demand.title,
        enterprise=demand.organization.name if reveals else _("匿名企业"),
        offering_id=match.offering_id,
        offering_public=offering is not None and offering.status == Offering.Status.PUBLISHED,
        vendor_id=offering.organization_id if offering is not None else None,
        vendor_name=offering.organization.name if offering is not None else "",
        kind_name=offering.kind.name if offering is not None else "",
        model_number=offering.model_number if offering is not None else "",
        price=offering_price(offering) if offering is not None else "",
        capacity=offering.annual_capacity if offering is not None else None,
        origin_label=match.get_origin_display() if match.origin != Match.Origin.ENGINE else "",
        note=match.note,
        parts=[
            {
                "kind": o.kind.name,
                "name": o.name,
                "organization": o.organization.name,
                "id": o.pk,
                "organization_id": o.organization_id,
                "public": o.status == Offering.Status.PUBLISHED,
            }
            for o in parts
        ],
        responses=_responses(match) if match.status in INTRODUCED_STATUSES else [],
    )


def _responses(match: Match) -> list[str]:
    return [
        _("需求方：%(answer)s") % {"answer": match.get_enterprise_response_display()},
        _("供给方：%(answer)s") % {"answer": match.get_vendor_response_display()},
    ]


def _views(queryset: QuerySet[Match], *, principal: Any, feedback: bool = False) -> list[MatchView]:
    """Cards for the matches; `feedback` adds the enterprise's verdicts (one query more)."""
    matches = list(queryset.select_related("demand", "demand__organization"))
    offerings = _offerings_of(matches)
    views = [_match_view(m, offerings, principal=principal) for m in matches]
    if feedback:
        verdicts = recommendation_feedback_map(matches)
        reasons = dict(RecommendationFeedback.Reason.choices)
        for match, view in zip(matches, views, strict=True):
            verdict = verdicts.get((match.demand_id, match.pair_key))
            if verdict is not None:
                view.shortlisted = verdict.shortlisted
                view.dismissed = verdict.dismissed
                view.dismissed_reason = reasons.get(verdict.dismissed_reason, "")
                view.dismissed_note = verdict.dismissed_note
            view.requested = match.origin == Match.Origin.ENTERPRISE_REQUEST
            view.can_request = match.status in services.REQUESTABLE_STATUSES and not view.requested
            view.can_dismiss = match.status in services.DISMISSABLE_STATUSES
    return views


# --- public -----------------------------------------------------------------------------


def headline_figures() -> dict[str, int]:
    return {
        "introductions": Match.objects.filter(status__in=INTRODUCED_STATUSES).count(),
        "cases": typical_case_list().count(),
    }


# --- enterprise -------------------------------------------------------------------------


def _flag_view(flag: MismatchFlag) -> dict[str, Any]:
    titles = _flag_titles()
    return {
        "code": flag.code,
        "severity": flag.severity,
        "severity_label": flag.get_severity_display(),
        "title": titles.get(flag.code, flag.code),
        "text": _text(flag.message_zh, flag.message_en),
        "help": _flag_help().get(flag.code, ""),
    }


def _flag_titles() -> dict[str, str]:
    return {
        "no_supply": _("没有可行的供给"),
        "no_regional_supply": _("部署区域内没有供给"),
        "tech_unsupported": _("没有网络技术能满足需求画像"),
        "capacity_shortfall": _("产能不足"),
        "price_gap": _("预算低于市场价格"),
        "cert_gap": _("缺少具备所需认证的供给"),
        "tech_misfit": _("指定的网络技术不合适"),
        "incomplete_chain": _("产业链不完整"),
        "no_demand": _("暂无匹配需求"),
        "stale": _("信息长期未更新"),
    }


def _flag_help() -> dict[str, str]:
    return {
        "no_supply": _("放宽必需认证或供给类型，或请协调员邀请相关厂商入驻。"),
        "no_regional_supply": _("考虑全国服务的厂商，或扩大部署区域。"),
        "tech_unsupported": _("放宽速率、时延、移动性或续航要求。"),
        "capacity_shortfall": _("延长部署周期、分批采购，或同时选择多家供应商。"),
        "price_gap": _("提高单位预算，或考虑成本更低的网络技术。"),
        "cert_gap": _("确认认证是否必需，或请厂商补充认证。"),
        "tech_misfit": _("改用建议的网络技术，或清空“指定网络技术”由平台推荐。"),
        "incomplete_chain": _("补充缺失环节的供给类型，或选择整体解决方案。"),
    }


RECOMMENDATION_VIEWS = ("", "shortlisted", "dismissed")


def demand_panels(*, principal: Any, demand: Demand, show: str = "") -> dict[str, Any]:
    """Recommended suppliers, bundles, mismatch flags and introductions of one demand.

    `show` picks the recommendations: "" those not dismissed, "shortlisted" or "dismissed".
    """
    live = (
        match_visible_queryset(principal)
        .filter(demand=demand)
        .exclude(status=Match.Status.REJECTED)
    )
    dismissed = recommendation_dismissed_keys(demand_id=demand.pk)
    shortlisted = recommendation_shortlisted_keys(demand_id=demand.pk)
    show = show if show in RECOMMENDATION_VIEWS else ""
    if show == "dismissed":
        listed = live.filter(pair_key__in=dismissed)
    elif show == "shortlisted":
        listed = live.filter(pair_key__in=shortlisted)
    else:
        listed = live.exclude(pair_key__in=dismissed)
    singles = listed.filter(offering__isnull=False).order_by("-score")[:TOP_MATCHES]
    bundles = listed.filter(offering__isnull=True).order_by("-score")[:5]
    flags = mismatch_flag_open_list(
        principal=principal, subject_type=MismatchFlag.Subject.DEMAND, demand_ids=[demand.pk]
    )
    return {
        "show": show,
        # Both tabs' counts in one query.
        "counts": live.aggregate(
            shortlisted=Count("pk", filter=Q(pair_key__in=shortlisted)),
            dismissed=Count("pk", filter=Q(pair_key__in=dismissed)),
        ),
        "dismiss_reasons": RecommendationFeedback.Reason.choices,
        "matches": _views(singles, principal=principal, feedback=True),
        "bundles": _views(bundles, principal=principal, feedback=True),
        "flags": [_flag_view(f) for f in flags],
        "matching_pending": demand_matching_pending(demand_id=demand.pk),
        "introductions": _introduction_views(
            live.filter(status__in=INTRODUCED_STATUSES), side="enterprise", principal=principal
        ),
    }


def offering_recommendation_panel(
    *, principal: Any, organization: Organization, offering_id: int
) -> dict[str, Any]:
    """The organisation's recommendations of one offering, one card per demand of theirs, best
    first, with their actions: the offering's page carries the next step (shortlist, request
    an introduction)."""
    matches = (
        match_visible_queryset(principal)
        .filter(offering_id=offering_id, demand__organization=organization)
        .exclude(status=Match.Status.REJECTED)
        .order_by("-score")[:TOP_MATCHES]
    )
    return {
        "recommendations": _views(matches, principal=principal, feedback=True),
        "dismiss_reasons": RecommendationFeedback.Reason.choices,
    }


def recommendation_act(
    *, principal: Any, match_id: int, action: str, reason: str = "", note: str = ""
) -> Match:
    """shortlist / unshortlist / dismiss / restore / request on one of the principal's
    recommendations, through the matching services (which check it is the enterprise's own)."""
    match = _visible_match(principal, match_id)
    if action == "shortlist":
        services.recommendation_shortlist(actor=principal, match=match)
    elif action == "unshortlist":
        services.recommendation_shortlist(actor=principal, match=match, shortlisted=False)
    elif action == "dismiss":
        services.recommendation_dismiss(actor=principal, match=match, reason=reason, note=note)
    elif action == "restore":
        services.recommendation_restore(actor=principal, match=match)
    elif action == "request":
        services.match_introduction_request(actor=principal, match=match, note=note)
    else:
        raise BusinessError("unknown_action", _("未知操作。"))
    return match


# --- introductions ----------------------------------------------------------------------


def _introduction_views(
    queryset: QuerySet[Match],
    *,
    side: str,
    principal: Any,
    limit: int | None = None,
    organization_id: int | None = None,
) -> list[dict]:
    """The introductions from `side`'s point of view, latest first (the first `limit`): each
    names its demand, the other side and the offerings introduced (on the vendor side only
    those of `organization_id`), with their model numbers."""
    views = []
    matches = list(
        queryset.select_related("demand", "demand__organization").order_by("-updated_at")[:limit]
    )
    offerings = _offerings_of(matches)
    responses = dict(Match.Response.choices)
    for match in matches:
        view = _match_view(match, offerings, principal=principal)
        mine = match.enterprise_response if side == "enterprise" else match.vendor_response
        theirs = match.vendor_response if side == "enterprise" else match.enterprise_response
        if side == "enterprise":
            counterpart = view.vendor_name or view.subtitle
            contact_org = (
                offerings.get(match.offering_id).organization
                if match.offering_id and match.offering_id in offerings
                else None
            )
        else:
            counterpart = view.enterprise
            contact_org = match.demand.organization
        both_accepted = match.status in (Match.Status.ACCEPTED, Match.Status.WON)
        if both_accepted and side == "vendor":
            counterpart = match.demand.organization.name
        views.append(
            {
                "id": match.pk,
                "side": side,
                "title": match.demand.title,
                # Where the title leads: the demand's page for either side.
                "url": reverse("vendor:demand", args=[match.demand_id])
                if side == "vendor"
                else reverse("enterprise:demand", args=[match.demand_id]),
                "counterpart": counterpart,
                "score": match.score,
                "status": match.status,
                "status_label": match.get_status_display(),
                "my_response": mine,
                "my_response_label": responses.get(mine, mine),
                "their_response": theirs,
                "their_response_label": responses.get(theirs, theirs),
                "can_respond": match.status == Match.Status.INTRODUCED
                and mine == Match.Response.PENDING,
                "contact": _contact(contact_org) if both_accepted and contact_org else "",
                "offerings": _introduced_offerings(
                    match, offerings, organization_id if side == "vendor" else None
                ),
            }
        )
    return views


def _introduced_offerings(
    match: Match, offerings: dict[int, Offering], organization_id: int | None
) -> list[dict]:
    """The offerings in `match` (the one offering, or its parts of a bundle), only those of
    `organization_id` when given, each with its name, model number and page."""
    ids = [match.offering_id] if match.offering_id else match.bundle_offering_ids
    return [
        {
            "name": offering.name,
            "model_number": offering.model_number,
            "url": reverse("offering", args=[offering.pk]),
        }
        for pk in ids
        if (offering := offerings.get(pk)) is not None
        and organization_id in (None, offering.organization_id)
    ]


def _contact(organization: Organization) -> str:
    return " ".join(
        part
        for part in (
            organization.contact_name,
            organization.contact_phone,
            organization.contact_email,
        )
        if part
    )


def _introduced(principal: Any, organization: Organization) -> list[tuple[str, QuerySet[Match]]]:
    """(side, its introductions) for each side the organisation is on, enterprise first."""
    introduced = match_visible_queryset(principal).filter(status__in=INTRODUCED_STATUSES)
    sides = []
    if organization.is_enterprise:
        sides.append(("enterprise", introduced.filter(demand__organization=organization)))
    if organization.is_vendor:
        sides.append(("vendor", introduced.filter(vendor_ids__contains=[organization.pk])))
    return sides


def introductions_for(*, principal: Any, organization: Organization) -> list[dict]:
    """Introductions involving `organization`, from its side (enterprise or vendor)."""
    views = []
    for side, queryset in _introduced(principal, organization):
        views += _introduction_views(
            queryset, side=side, principal=principal, organization_id=organization.pk
        )
    return views


def introduction_respond(
    *, principal: Any, organization: Organization, match_id: int, accept: bool
) -> None:
    match = _visible_match(principal, match_id)
    side = "enterprise" if match.demand.organization_id == organization.pk else "vendor"
    services.match_respond(actor=principal, match=match, side=side, accept=accept)


# --- vendor -----------------------------------------------------------------------------


def vendor_demand_panels(
    *, principal: Any, organization: Organization, offering_id: int | None = None, page: Any = 1
) -> dict[str, Any]:
    """Open demands the vendor's published offerings match (or one offering's, `offering_id`),
    best first, one card per demand, QUEUE_PAGE to a page."""
    matches = (
        match_visible_queryset(principal)
        .filter(
            vendor_ids__contains=[organization.pk],
            demand__status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED),
        )
        .exclude(demand__visibility=Demand.Visibility.COORDINATORS)
        .exclude(status=Match.Status.REJECTED)
    )
    if offering_id is not None:
        matches = matches.filter(offering_id=offering_id, offering__organization=organization)
    ranked = matches.values("demand_id").annotate(best=Max("score")).order_by("-best", "demand_id")
    demands = Paginator(ranked, QUEUE_PAGE).get_page(page)
    order = [row["demand_id"] for row in demands]
    best = matches.filter(demand_id__in=order).order_by("demand_id", "-score", "id")
    views = {}
    for view in _views(best.distinct("demand_id"), principal=principal):
        view.subtitle = view.enterprise
        view.title, view.demand_title = view.demand_title, view.title
        views[view.demand_id] = view
    views = [views[demand_id] for demand_id in order if demand_id in views]
    # Every fitting offering of the vendor per demand: the card says how many, and the demand's
    # page lets the vendor choose which one to propose.
    fitting = dict(
        Match.objects.filter(demand_id__in=order, offering__organization=organization)
        .exclude(status=Match.Status.REJECTED)
        .values("demand_id")
        .annotate(n=Count("id"))
        .values_list("demand_id", "n")
    )
    for view in views:
        view.offering_count = fitting.get(view.demand_id, 1)  # type: ignore[attr-defined]
    return {"demand_matches": views, "page": demands}


def _can_propose(match: Match) -> bool:
    """The vendor may still propose this offering: a suggestion not yet asked for by it."""
    return (
        match.status in services.REQUESTABLE_STATUSES
        and match.origin != Match.Origin.VENDOR_INTEREST
    )


def vendor_demand(*, principal: Any, organization: Organization, demand_id: int) -> dict[str, Any]:
    """One demand as a vendor reads it: the requirements, who posted it as far as it may know
    (`demand_disclosure`), and every offering of its that fits, to choose which to propose.

    Raises BusinessError `not_found` (404) for a demand the vendor may not open.
    """
    demand = demand_for_vendor(principal, demand_id)
    if demand is None:
        raise BusinessError("not_found", _("需求不存在。"), status=404)
    disclosure = demand_disclosure(principal, demand)
    matches = list(
        vendor_demand_matches(principal, organization_id=organization.pk, demand_id=demand.pk)
    )
    offerings = _offerings_of(matches)
    fitting = []
    for match in matches:
        view = _match_view(match, offerings, principal=principal)
        view.can_express_interest = _can_propose(match)
        fitting.append(view)
    is_open = demand.status in (Demand.Status.PUBLISHED, Demand.Status.MATCHED)
    return {
        "demand": demand,
        "organization_name": demand.organization.name if disclosure.organization else _("匿名企业"),
        "contacts": _contact(demand.organization) if disclosure.contacts else "",
        "fitting": fitting,
        "is_open": is_open,
        "can_propose": is_open and any(v.can_express_interest for v in fitting),
    }


def interest_express(
    *,
    principal: Any,
    organization: Organization,
    demand_id: int,
    offering_id: int | None,
    note: str = "",
) -> None:
    # The API's permission-checked selector: a demand this vendor may not see is not found.
    demand = demand_for_matches(principal, demand_id)
    offering = Offering.objects.filter(pk=offering_id or 0, organization=organization).first()
    if demand is None or offering is None:
        raise BusinessError("not_found", _("需求或供给不存在。"), status=404)
    services.interest_express(actor=principal, demand=demand, offering=offering, note=note)


def partner_suggestions(*, principal: Any, organization: Organization) -> dict[str, Any]:
    """Complementary vendors (module ↔ terminal ↔ platform …) and the demands served together,
    as the matching worker last stored them (`computed_at` None: never computed yet)."""
    suggestions = list(partner_suggestion_list(organization_id=organization.pk))
    if not suggestions:
        return {"partners": [], "computed_at": None}
    kinds = {k.pk: k.name for k in SupplyKind.objects.all()}
    demand_ids = {d for p in suggestions for d in p.demand_ids[:5]}
    titles = {
        d.pk: d.title if demand_reveals_organization(principal, d) else _("匿名需求") + f" #{d.pk}"
        for d in Demand.objects.filter(pk__in=demand_ids)
    }
    # The shared demands the vendor may open (to propose an offering there, together).
    openable = set(
        demand_visible_queryset(principal).filter(pk__in=demand_ids).values_list("pk", flat=True)
    )
    return {
        "partners": [
            {
                "id": p.partner_id,
                "name": p.partner.name,
                "kinds": enumeration(kinds.get(k, k) for k in p.kinds),
                "score": p.demand_count,
                "explanation": _text(p.explanation_zh, p.explanation_en),
                "demand_links": [
                    {"id": d, "title": titles[d], "open": d in openable}
                    for d in p.demand_ids[:5]
                    if d in titles
                ],
            }
            for p in suggestions
        ],
        "computed_at": min(p.computed_at for p in suggestions),
    }


# --- my work ----------------------------------------------------------------------------

WORK_LIST = 10


def work_panels(*, principal: Any, organization: Organization, since: Any) -> dict[str, Any]:
    """The matching side of a member's home: introductions waiting on my answer, recent
    introductions, and demands with matches new since `since` (per role of the organisation)."""
    # Only the few shown are read: an organisation's introductions accumulate for years.
    waiting: list[dict] = []
    recent: list[dict] = []
    for side, queryset in _introduced(principal, organization):
        awaiting_me = Q(status=Match.Status.INTRODUCED) & Q(
            **{f"{side}_response": Match.Response.PENDING}
        )
        waiting += _introduction_views(
            queryset.filter(awaiting_me),
            side=side,
            principal=principal,
            limit=WORK_LIST,
            organization_id=organization.pk,
        )
        recent += _introduction_views(
            queryset.exclude(awaiting_me),
            side=side,
            principal=principal,
            limit=WORK_LIST,
            organization_id=organization.pk,
        )
    new = {}
    for side, wanted in (
        ("enterprise", organization.is_enterprise),
        ("vendor", organization.is_vendor),
    ):
        if wanted:
            new[side] = new_matches_by_demand(
                principal, organization_id=organization.pk, side=side, since=since, limit=WORK_LIST
            )
    return {
        "waiting": waiting[:WORK_LIST],
        "introductions": recent[:WORK_LIST],
        "new_matches": new,
    }


# --- coordinator ------------------------------------------------------------------------


def review_queue_count() -> int:
    """Suggested matches waiting for review, counted up to REVIEW_COUNT_CAP + 1 (shown as
    "1,000+"): an exact COUNT over hundreds of thousands of suggestions took 190–480 ms of
    the today page at 100k offerings, and nobody reviews the thousandth one from there."""
    return Match.objects.filter(status=Match.Status.SUGGESTED)[: REVIEW_COUNT_CAP + 1].count()


def coordinator_match_panels(
    *,
    status: str,
    principal: Any = None,
    origin: str = "",
    search: str = "",
    sort: str = "score",
    feedback: str = "",
    page: int = 1,
) -> dict[str, Any]:
    """One page of the coordinators' match queue (`match_review_queue`); pages are counted
    by fetching one row more than shown, since COUNT over millions of suggestions is slow."""
    if status not in Match.Status.values:
        status = Match.Status.SUGGESTED
    page = max(1, page)
    offset = (page - 1) * QUEUE_PAGE
    queryset = match_review_queue(
        status=status, origin=origin, search=search, sort=sort, feedback=feedback
    )
    views = _views(queryset[offset : offset + QUEUE_PAGE + 1], principal=principal, feedback=True)
    return {
        "matches": views[:QUEUE_PAGE],
        "statuses": Match.Status.choices,
        "origins": Match.Origin.choices,
        "feedback_choices": [("dismissed", _("需求方已忽略")), ("shortlisted", _("需求方已收藏"))],
        "page_number": page,
        "has_next": len(views) > QUEUE_PAGE,
    }


def match_transition(*, principal: Any, match_id: int, action: str, note: str = "") -> None:
    """approve / reject / introduce / won / lost through the matching services, which audit
    each transition and announce introductions by e-mail."""
    match = _visible_match(principal, match_id)
    if action == "approve":
        services.match_approve(actor=principal, match=match, note=note)
    elif action == "reject":
        services.match_reject(actor=principal, match=match, note=note)
    elif action == "introduce":
        services.match_introduce(actor=principal, match=match, note=note)
    elif action in ("won", "lost"):
        services.match_close(actor=principal, match=match, won=action == "won", note=note)
    else:
        raise BusinessError("unknown_action", _("未知操作。"))


def _visible_match(principal: Any, match_id: int) -> Match:
    match = match_visible_queryset(principal).filter(pk=match_id).first()
    if match is None:
        raise BusinessError("not_found", _("匹配不存在。"), status=404)
    return match


# --- mismatch dashboard -----------------------------------------------------------------


# The balance scale's colours (ColorBrewer RdBu, 5 classes: red shortfall, blue surplus).
BALANCE_COLOURS = {
    "shortfall_severe": "#ca0020",
    "shortfall": "#f4a582",
    "balanced": "#f7f7f7",
    "spare": "#92c5de",
    "idle": "#0571b0",
}


def figure(value: float | None) -> str:
    """A count with the active language's digit grouping (1,234,567), rounded to a whole."""
    if value is None:
        return "—"
    return number_format(round(value), decimal_pos=0, use_l10n=True, force_grouping=True)


def percent(value: float | None) -> str:
    """A share as a percentage to one decimal (— without demand)."""
    return "—" if value is None else f"{value:.1%}"


def _balance_labels() -> dict[str, tuple[str, str]]:
    return {
        "shortfall_severe": (
            _("严重缺口"),
            _("超过一半的需求连接没有可行供给"),
        ),
        "shortfall": (_("缺口"), _("部分需求连接没有可行供给")),
        "balanced": (_("基本平衡"), _("需求连接都有可行供给，产能不足需求的 2 倍")),
        "spare": (_("富余"), _("需求都有可行供给，归属产能为年需求量的 2–10 倍")),
        "idle": (_("严重富余"), _("归属产能为年需求量的 10 倍以上")),
    }


def _legend() -> list[dict[str, Any]]:
    labels = _balance_labels()
    return [
        {
            "key": key,
            "value": value,
            "colour": BALANCE_COLOURS[key],
            "label": labels[key][0],
            "text": labels[key][1],
        }
        for key, value in BALANCE.items()
    ]


def _radar_names() -> dict[str, dict[str, str]]:
    """Names of the radar's codes in the active language, looked up once per page (the
    balance labels too: translating them per cell cost ~65 µs a cell)."""
    return {
        "balance": {key: label for key, (label, _meaning) in _balance_labels().items()},
        "sector": {s.pk: s.name for s in Sector.objects.all()},
        "technology": {
            **{t.pk: t.name for t in Technology.objects.all()},
            NO_TECHNOLOGY: _("无可行技术"),
        },
        "province": {
            **{r.pk: r.name for r in Region.objects.filter(level=Region.Level.PROVINCE)},
            NATIONWIDE: _("全国部署（不分省份）"),
        },
    }


def _cell_view(cell: RadarCell, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A cell's figures as the page prints them (grouped digits, whole percentages)."""
    return {
        "sector": cell.sector,
        "technology": cell.technology,
        "province": cell.province,
        "sector_name": names["sector"].get(cell.sector, cell.sector),
        "technology_name": names["technology"].get(cell.technology, cell.technology),
        "province_name": names["province"].get(cell.province, cell.province),
        "demanded": figure(cell.demanded),
        "covered": figure(cell.covered),
        "unmet": figure(cell.unmet),
        "coverage": percent(cell.coverage),
        "need": figure(cell.need),
        "capacity": figure(cell.capacity),
        "demands": figure(cell.demands),
        "unserved": figure(cell.unserved),
        "balance": cell.balance,
        "balance_label": names["balance"][cell.balance],
        "balance_colour": BALANCE_COLOURS[cell.balance],
    }


def _is_short(cell: RadarCell) -> bool:
    return cell.balance in ("shortfall", "shortfall_severe")


def mismatch_dashboard() -> dict[str, Any]:
    """The radar of the latest day: figures, heatmap sector × technology, provinces, the
    daily trend (all from the stored snapshot, measures as in apps/matching/engine/radar.py)."""
    radar = radar_latest()
    names = _radar_names()
    legend = _legend()
    short_cells: dict[str, int] = defaultdict(int)
    for cell in radar.cells:
        if _is_short(cell):
            short_cells[cell.province] += 1
    sector_codes = [c for c in names["sector"] if any(h.sector == c for h in radar.heatmap)]
    tech_codes = [c for c in names["technology"] if any(h.technology == c for h in radar.heatmap)]
    heat_cells = []
    for cell in radar.heatmap:
        view = _cell_view(cell, names)
        heat_cells.append(
            {
                "value": [
                    tech_codes.index(cell.technology),
                    sector_codes.index(cell.sector),
                    BALANCE[cell.balance],
                ],
                "tip": [
                    f"{view['sector_name']} × {view['technology_name']}",
                    f"{_('需求连接数')}: {view['demanded']}",
                    f"{_('有可行供给的连接数')}: {view['covered']}",
                    f"{_('未满足连接数')}: {view['unmet']}",
                    f"{_('覆盖率')}: {view['coverage']}",
                    f"{_('归属的可行年产能')}: {view['capacity']}",
                    f"{_('供需状态')}: {view['balance_label']}",
                ],
            }
        )
    provinces = sorted(radar.provinces, key=lambda c: (-c.unmet, -c.demanded, c.province))
    province_rows = [
        {**_cell_view(cell, names), "short_cells": figure(short_cells.get(cell.province, 0))}
        for cell in provinces
    ]
    top = sorted(radar.provinces, key=lambda c: -c.demanded)[:15]
    total = radar.total
    return {
        "day": radar.day,
        "taken_at": radar.taken_at,
        "summary": {
            **(_cell_view(total, names) if total else {}),
            "short_cells": figure(sum(1 for c in radar.cells if _is_short(c))),
        }
        if total
        else None,
        "legend": legend,
        "provinces": province_rows,
        "charts": {
            "heatmap": {
                "sectors": [names["sector"][c] for c in sector_codes],
                "sector_codes": sector_codes,
                "technologies": [names["technology"][c] for c in tech_codes],
                "tech_codes": tech_codes,
                "cells": heat_cells,
                "pieces": [
                    {"value": item["value"], "color": item["colour"], "label": item["label"]}
                    for item in legend
                ],
            },
            "provinces": {
                "names": [names["province"].get(c.province, c.province) for c in top],
                "series": [
                    {"name": _("需求连接数"), "data": [round(c.demanded) for c in top]},
                    {"name": _("有可行供给的连接数"), "data": [round(c.covered) for c in top]},
                ],
            },
            "trend": _trend(),
        },
    }


def _trend() -> dict[str, Any]:
    """The whole market per day (Asia/Shanghai days): demanded, covered, unmet connections."""
    points = radar_trend()
    return {
        "dates": [day.isoformat() for day, _cell in points],
        "series": [
            {"name": _("需求连接数"), "data": [round(c.demanded) for _d, c in points]},
            {"name": _("有可行供给的连接数"), "data": [round(c.covered) for _d, c in points]},
            {"name": _("未满足连接数"), "data": [round(c.unmet) for _d, c in points]},
        ],
    }


def mismatch_cell(*, principal: Any, sector: str, technology: str, province: str) -> dict[str, Any]:
    """The demands behind one radar figure (a cell, sector × technology, or a province), each
    once with the connections it adds and its open flags; the figure itself from the snapshot."""
    names = _radar_names()
    cell = radar_cell(sector=sector, technology=technology, province=province)
    rows, count = radar_demands(sector=sector, technology=technology, province=province)
    flag = (
        radar_cell_flag(sector=sector, technology=technology, province=province)
        if sector and technology and province
        else None
    )
    parts = [
        names[axis].get(code, code)
        for axis, code in (("sector", sector), ("technology", technology), ("province", province))
        if code
    ]
    detailed = bool(sector and technology and province)
    return {
        "title": " × ".join(parts),
        "cell": _cell_view(cell, names) if cell else None,
        "breakdown": []
        if detailed
        else [
            _cell_view(c, names)
            for c in radar_breakdown(sector=sector, technology=technology, province=province)
        ],
        "cell_flag": _flag_view(flag) if flag else None,
        "count": count,
        "shown": len(rows),
        "demands": [
            {
                "demand": row.demand,
                "counted": figure(row.counted),
                "covered": figure(row.covered),
                "feasible": row.coverage.feasible,
                "flags": [_flag_view(f) for f in row.flags],
            }
            for row in rows
        ],
    }


def mismatch_workbook(*, principal: Any) -> bytes:
    """The radar of the latest day (cells, sector × technology, provinces, daily trend) with
    the same figures as the page, and the open flags, as an xlsx."""
    from openpyxl import Workbook

    radar = radar_latest()
    names = _radar_names()
    labels = _balance_labels()
    workbook = Workbook()
    measures = [
        _("需求连接数"),
        _("有可行供给的连接数"),
        _("未满足连接数"),
        _("覆盖率"),
        _("年需求量"),
        _("归属的可行年产能"),
        _("需求数"),
        _("无可行供给的需求数"),
        _("供需状态"),
    ]

    def figures(cell: RadarCell) -> list[Any]:
        return [
            round(cell.demanded),
            round(cell.covered),
            round(cell.unmet),
            cell.coverage,
            round(cell.need),
            round(cell.capacity),
            cell.demands,
            cell.unserved,
            labels[cell.balance][0],
        ]

    def sheet(title: str, header: list[str], rows: list[list[Any]], first: int):
        out = workbook.create_sheet(title)
        out.append(header + measures)
        for row in rows:
            out.append(row)
        for column in out.iter_cols(min_col=first, max_col=first + 7, min_row=2):
            for item in column:
                item.number_format = "0.0%" if item.column == first + 3 else "#,##0"
        return out

    workbook.remove(workbook.active)

    def name(axis: str, code: str) -> str:
        return names[axis].get(code, code)

    sheet(
        _("供需单元"),
        [_("行业代码"), _("网络技术代码"), _("省份代码"), _("行业"), _("网络技术"), _("省份")],
        [
            [
                c.sector,
                c.technology,
                c.province,
                name("sector", c.sector),
                name("technology", c.technology),
                name("province", c.province),
                *figures(c),
            ]
            for c in radar.cells
        ],
        7,
    )
    sheet(
        _("行业×网络技术"),
        [_("行业代码"), _("网络技术代码"), _("行业"), _("网络技术")],
        [
            [
                c.sector,
                c.technology,
                name("sector", c.sector),
                name("technology", c.technology),
                *figures(c),
            ]
            for c in radar.heatmap
        ],
        5,
    )
    sheet(
        _("按省份"),
        [_("省份代码"), _("省份")],
        [[c.province, name("province", c.province), *figures(c)] for c in radar.provinces],
        3,
    )
    sheet(
        _("趋势"),
        [_("日期")],
        [[day.isoformat(), *figures(c)] for day, c in radar_trend()],
        2,
    )
    flags = workbook.create_sheet(_("错配提示"))
    flags.append([_("对象类型"), _("对象键"), _("类型"), _("严重程度"), _("说明"), _("首次发现")])
    for flag in mismatch_flag_open_list(principal=principal)[:100_000]:
        flags.append(
            [
                flag.get_subject_type_display(),
                flag.subject_key,
                flag.code,
                flag.get_severity_display(),
                _text(flag.message_zh, flag.message_en),
                timezone.localtime(flag.first_seen).replace(tzinfo=None),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
