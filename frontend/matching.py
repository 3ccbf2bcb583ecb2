"""What the web UI shows from the matching app: matches, bundles, flags, introductions, the
mismatch dashboard and typical cases — shaped for templates, in the active language.

Pages call only this module for matching data and actions, so a change in the matching app
touches one file here. Writes go through the matching app's services; reads use its models
where it offers no selector for them.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.catalog.models import Offering, Region, Sector, SupplyKind, Technology
from apps.catalog.selectors import offering_visible_queryset
from apps.coordination.selectors import match_review_queue
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.demands.selectors import demand_reveals_organization
from apps.matching import services
from apps.matching.models import Match, MismatchFlag
from apps.matching.selectors import (
    demand_for_matches,
    match_explanation,
    match_visible_queryset,
    mismatch_flag_open_counts,
    mismatch_flag_open_list,
    mismatch_snapshot_latest,
    mismatch_trend,
    partner_suggestion_list,
)

from .names import enumeration

# Pages list the best few; a demand's page does not need the long tail of weak suggestions.
TOP_MATCHES = 10
QUEUE_PAGE = 50
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


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _text(zh: str, en: str) -> str:
    return (en or zh) if _english() else (zh or en)


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
    origin_label: str = ""
    note: str = ""
    can_express_interest: bool = False
    parts: list[dict] = field(default_factory=list)


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
    )


def _views(queryset: QuerySet[Match], *, principal: Any) -> list[MatchView]:
    matches = list(queryset.select_related("demand", "demand__organization"))
    offerings = _offerings_of(matches)
    return [_match_view(m, offerings, principal=principal) for m in matches]


# --- public -----------------------------------------------------------------------------


def headline_figures() -> dict[str, int]:
    return {
        "introductions": Match.objects.filter(status__in=INTRODUCED_STATUSES).count(),
        "cases": len(published_cases()),
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


def demand_panels(*, principal: Any, demand: Demand) -> dict[str, Any]:
    """Recommended suppliers, bundles, mismatch flags and introductions of one demand."""
    live = (
        match_visible_queryset(principal)
        .filter(demand=demand)
        .exclude(status=Match.Status.REJECTED)
    )
    singles = live.filter(offering__isnull=False).order_by("-score")[:TOP_MATCHES]
    bundles = live.filter(offering__isnull=True).order_by("-score")[:5]
    flags = mismatch_flag_open_list(
        principal=principal, subject_type=MismatchFlag.Subject.DEMAND, demand_ids=[demand.pk]
    )
    return {
        "matches": _views(singles, principal=principal),
        "bundles": _views(bundles, principal=principal),
        "flags": [_flag_view(f) for f in flags],
        "introductions": _introduction_views(
            live.filter(status__in=INTRODUCED_STATUSES), side="enterprise", principal=principal
        ),
    }


# --- introductions ----------------------------------------------------------------------


def _introduction_views(queryset: QuerySet[Match], *, side: str, principal: Any) -> list[dict]:
    views = []
    matches = list(
        queryset.select_related("demand", "demand__organization").order_by("-updated_at")
    )
    offerings = _offerings_of(matches)
    responses = dict(Match.Response.choices)
    for match in matches:
        view = _match_view(match, offerings, principal=principal)
        mine = match.enterprise_response if side == "enterprise" else match.vendor_response
        theirs = match.vendor_response if side == "enterprise" else match.enterprise_response
        if side == "enterprise":
            counterpart = view.subtitle
            title = view.title
            contact_org = (
                offerings.get(match.offering_id).organization
                if match.offering_id and match.offering_id in offerings
                else None
            )
        else:
            counterpart = view.enterprise
            title = match.demand.title
            contact_org = match.demand.organization
        both_accepted = match.status in (Match.Status.ACCEPTED, Match.Status.WON)
        if both_accepted and side == "vendor":
            counterpart = match.demand.organization.name
        views.append(
            {
                "id": match.pk,
                "title": title,
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
            }
        )
    return views


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


def introductions_for(*, principal: Any, organization: Organization) -> list[dict]:
    """Introductions involving `organization`, from its side (enterprise or vendor)."""
    introduced = match_visible_queryset(principal).filter(status__in=INTRODUCED_STATUSES)
    views = []
    if organization.is_enterprise:
        views += _introduction_views(
            introduced.filter(demand__organization=organization),
            side="enterprise",
            principal=principal,
        )
    if organization.is_vendor:
        views += _introduction_views(
            introduced.filter(vendor_ids__contains=[organization.pk]),
            side="vendor",
            principal=principal,
        )
    return views


def introduction_respond(
    *, principal: Any, organization: Organization, match_id: int, accept: bool
) -> None:
    match = _visible_match(principal, match_id)
    side = "enterprise" if match.demand.organization_id == organization.pk else "vendor"
    services.match_respond(actor=principal, match=match, side=side, accept=accept)


# --- vendor -----------------------------------------------------------------------------


def vendor_demand_panels(*, principal: Any, organization: Organization) -> dict[str, Any]:
    """Open demands the vendor's published offerings match, best first, one card per demand."""
    matches = (
        match_visible_queryset(principal)
        .filter(
            vendor_ids__contains=[organization.pk],
            demand__status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED),
        )
        .exclude(demand__visibility=Demand.Visibility.COORDINATORS)
        .exclude(status=Match.Status.REJECTED)
        .order_by("-score")[: QUEUE_PAGE * 2]
    )
    views, seen = [], set()
    for view in _views(matches, principal=principal):
        if view.demand_id in seen:
            continue
        seen.add(view.demand_id)
        view.subtitle = view.enterprise
        view.title, view.demand_title = view.demand_title, view.title
        # Interest turns a suggestion into a request for the coordinators (once, per offering).
        view.can_express_interest = bool(
            view.status == Match.Status.SUGGESTED and view.offering_id and not view.origin_label
        )
        views.append(view)
    return {"demand_matches": views[:QUEUE_PAGE]}


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
    return {
        "partners": [
            {
                "name": p.partner.name,
                "kinds": enumeration(kinds.get(k, k) for k in p.kinds),
                "score": p.demand_count,
                "explanation": _text(p.explanation_zh, p.explanation_en),
                "demands": [titles[d] for d in p.demand_ids[:5] if d in titles],
            }
            for p in suggestions
        ],
        "computed_at": min(p.computed_at for p in suggestions),
    }


# --- coordinator ------------------------------------------------------------------------


def review_queue_count() -> int:
    return Match.objects.filter(status=Match.Status.SUGGESTED).count()


def coordinator_match_panels(
    *,
    status: str,
    principal: Any = None,
    origin: str = "",
    search: str = "",
    sort: str = "score",
    page: int = 1,
) -> dict[str, Any]:
    """One page of the coordinators' match queue (`match_review_queue`); pages are counted
    by fetching one row more than shown, since COUNT over millions of suggestions is slow."""
    if status not in Match.Status.values:
        status = Match.Status.SUGGESTED
    page = max(1, page)
    offset = (page - 1) * QUEUE_PAGE
    queryset = match_review_queue(status=status, origin=origin, search=search, sort=sort)
    views = _views(queryset[offset : offset + QUEUE_PAGE + 1], principal=principal)
    return {
        "matches": views[:QUEUE_PAGE],
        "statuses": Match.Status.choices,
        "origins": Match.Origin.choices,
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


def mismatch_dashboard() -> dict[str, Any]:
    """Heatmap sector × technology, provinces and trend, from the stored snapshots."""
    sectors = {s.pk: s.name for s in Sector.objects.all()}
    technologies = {t.pk: t.name for t in Technology.objects.all()}
    provinces = {r.pk: r.name for r in Region.objects.filter(level=Region.Level.PROVINCE)}
    latest = list(mismatch_snapshot_latest())

    cells: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    by_province: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in latest:
        cells[(row.sector, row.technology)][0] += row.demanded
        cells[(row.sector, row.technology)][1] += row.capacity
        entry = by_province[row.province]
        entry[0] += row.demanded
        entry[1] += row.capacity
        entry[2] += 1 if row.demanded > row.capacity else 0
    sector_codes = [code for code in sectors if any(k[0] == code for k in cells)] or list(sectors)
    tech_codes = [code for code in technologies if any(k[1] == code for k in cells)] or list(
        technologies
    )
    heat_cells = [
        [
            tech_codes.index(tech),
            sector_codes.index(sector),
            round(demanded - capacity),
            round(demanded),
            round(capacity),
        ]
        for (sector, tech), (demanded, capacity) in cells.items()
        if sector in sector_codes and tech in tech_codes
    ]
    province_rows = sorted(
        (
            {
                "code": code,
                "name": provinces.get(code, code),
                "demanded": round(v[0]),
                "capacity": round(v[1]),
                "gap": round(max(v[0] - v[1], 0)),
                "cells": v[2],
            }
            for code, v in by_province.items()
            # Nationwide capacity reaches every province: list those with demand in them.
            if v[0] > 0
        ),
        key=lambda row: -row["gap"],
    )
    labels = {"demanded": _("需求量"), "capacity": _("可行产能"), "gap": _("缺口")}
    return {
        "summary": {
            **mismatch_flag_open_counts(),
            "demanded": round(sum(r.demanded for r in latest)),
            "capacity": round(sum(r.capacity for r in latest)),
        },
        "provinces": province_rows,
        "charts": {
            "heatmap": {
                "sectors": [sectors[c] for c in sector_codes],
                "sector_codes": sector_codes,
                "technologies": [technologies[c] for c in tech_codes],
                "tech_codes": tech_codes,
                "cells": heat_cells,
                "labels": labels,
            },
            "provinces": {
                "names": [row["name"] for row in province_rows[:15]],
                "demanded": [row["demanded"] for row in province_rows[:15]],
                "capacity": [row["capacity"] for row in province_rows[:15]],
                "labels": labels,
            },
            "trend": _trend(),
        },
    }


def _trend() -> dict[str, Any]:
    """Per snapshot: total demanded, feasible capacity and shortfall across the short cells."""
    runs = mismatch_trend(points=60)
    return {
        "dates": [run["taken_at"].strftime("%m-%d %H:%M") for run in runs],
        "series": [
            {"name": _("需求量"), "data": [round(run["demanded"]) for run in runs]},
            {"name": _("可行产能"), "data": [round(run["capacity"]) for run in runs]},
            {"name": _("缺口"), "data": [round(run["shortfall"]) for run in runs]},
        ],
    }


def mismatch_cell(*, principal: Any, sector: str, technology: str, province: str) -> dict[str, Any]:
    """The open demands behind one cell (any of sector, technology, province may be empty)."""
    demands = Demand.objects.filter(
        status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED)
    ).select_related("organization")
    parts = []
    if sector:
        demands = demands.filter(sector_id=sector)
        parts.append(Sector.objects.filter(pk=sector).first())
    if technology:
        demands = demands.filter(Q(technologies__contains=[technology]) | Q(technologies=[]))
        parts.append(Technology.objects.filter(pk=technology).first())
    if province:
        cities = list(Region.objects.filter(parent_id=province).values_list("pk", flat=True))
        demands = demands.filter(regions__overlap=[province, *cities])
        parts.append(Region.objects.filter(pk=province).first())
    demands = list(demands.order_by("-volume")[:QUEUE_PAGE])
    flags = mismatch_flag_open_list(
        principal=principal,
        subject_type=MismatchFlag.Subject.DEMAND,
        demand_ids=[d.pk for d in demands],
    )[:QUEUE_PAGE]
    return {
        "title": " × ".join(p.name for p in parts if p is not None),
        "demands": demands,
        "flags": [_flag_view(f) for f in flags],
    }


def mismatch_workbook(*, principal: Any) -> bytes:
    """The latest snapshot cells and the open flags as an xlsx."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("供需单元")
    sheet.append(
        [_("行业"), _("网络技术"), _("省份"), _("需求量"), _("可行产能"), _("缺口"), _("需求数")]
    )
    for row in mismatch_snapshot_latest():
        sheet.append(
            [
                row.sector,
                row.technology,
                row.province,
                row.demanded,
                row.capacity,
                max(row.demanded - row.capacity, 0),
                row.demands,
            ]
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
                flag.first_seen.replace(tzinfo=None),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- typical cases ----------------------------------------------------------------------


def case_candidates() -> list[MatchView]:
    won = Match.objects.filter(status=Match.Status.WON).order_by("-updated_at")[:QUEUE_PAGE]
    views = _views(won, principal=None)
    for view in views:
        view.suggested_title = f"{view.demand_title} · {view.title}"  # type: ignore[attr-defined]
        view.suggested_summary = view.explanation  # type: ignore[attr-defined]
    return views


def published_cases() -> list[dict]:
    """Published typical cases, when the coordination app provides `typical_case_list()`."""
    try:
        from apps.coordination import selectors
    except ImportError:  # the coordination app has no reads of its own yet
        return []
    case_list = getattr(selectors, "typical_case_list", None)
    return list(case_list()) if case_list else []


def case_offerings(cases: list[Any], *, principal: Any) -> dict[int, list[Offering]]:
    """Case id → the offerings of its match (a bundle's parts) that the principal may open,
    with their vendors: cases link to offering and vendor pages, never to the enterprise."""
    wanted = {
        case.pk: [case.match.offering_id]
        if case.match.offering_id
        else case.match.bundle_offering_ids
        for case in cases
    }
    visible = {
        o.pk: o
        for o in offering_visible_queryset(principal).filter(
            pk__in={pk for ids in wanted.values() for pk in ids},
            status=Offering.Status.PUBLISHED,
        )
    }
    return {
        case_id: [visible[pk] for pk in ids if pk in visible] for case_id, ids in wanted.items()
    }


def case_publish(*, principal: Any, match_id: int, title: str, summary: str) -> None:
    """Publish a won match as a typical case through `typical_case_publish` (coordination)."""
    from apps.coordination import services as coordination_services

    publish = getattr(coordination_services, "typical_case_publish", None)
    if publish is None:
        raise BusinessError("cases_unavailable", _("典型案例功能尚未就绪。"), status=503)
    publish(
        actor=principal, match=_visible_match(principal, match_id), title=title, summary=summary
    )
