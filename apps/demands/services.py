"""Demand writes: create, edit, submit, review, close — validated, audited, announced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.catalog.attributes import enumeration, is_blank
from apps.catalog.models import (
    Certification,
    Function,
    Protocol,
    Region,
    SupplyKind,
    Technology,
)
from apps.catalog.reference.kinds import kind_price_units
from apps.catalog.reference.positioning import POSITIONING_CODES
from apps.catalog.services import (
    listing_announce,
    listing_owner_check,
    listing_transition,
    review_reason_check,
    validate_codes,
)
from apps.coordination.services import audit_record
from apps.core.exceptions import BusinessError, PermissionDenied

from .models import Demand, PowerSource

DEMAND_FIELDS = (
    "title",
    "description",
    "sector",
    "scenario",
    "functions",
    "technologies",
    "technology_flexible",
    "deployment",
    "uplink_kbps",
    "max_latency_ms",
    "mobility",
    "power_source",
    "battery_life_years",
    "coverage_depth",
    "needs_voice",
    "needs_video",
    "needs_positioning",
    "positioning_method",
    "kinds_needed",
    "nationwide",
    "regions",
    "volume",
    "unit_budget",
    "budget_unit",
    "start_date",
    "rollout_months",
    "certifications",
    "protocols",
    "visibility",
    "expires_at",
)
_CODE_FIELDS = {
    "technologies": Technology,
    "kinds_needed": SupplyKind,
    "regions": Region,
    "certifications": Certification,
    "protocols": Protocol,
    "functions": Function,
}


def demand_functions_prefill(values: dict[str, Any]) -> None:
    """A demand that does not say which functions it needs needs its scenario's."""
    if values.get("functions") is None:
        scenario = values.get("scenario")
        values["functions"] = list(scenario.functions) if scenario is not None else []


# What a demand needs before review (besides its regions), with the words its form shows
# when one is missing; the web form marks these fields.
NEEDED_FIELDS = {
    "title": lambda: _("请填写需求标题。"),
    "sector": lambda: _("请选择行业。"),
    "volume": lambda: _("请填写规模（连接数/台数）。"),
    "kinds_needed": lambda: _("至少选择一种所需供给类型。"),
}
# Demands an enterprise is still preparing: saved as drafts, they may leave fields empty,
# and only these can be submitted for review.
DRAFT_STATUSES = {Demand.Status.DRAFT, Demand.Status.REJECTED}


def demand_errors(
    values: dict[str, Any], *, complete: bool = True, previous_start: dt.date | None = None
) -> dict[str, list[str]]:
    """Every problem of a demand's values at once, by field (empty when valid): unknown
    codes, a scenario of another sector, a budget in a unit no needed kind is priced in, a
    start date in the past (unless it is `previous_start`, the one already saved), and — when
    `complete` (for review, not a draft) — every field left empty that a demand needs."""
    errors = validate_codes(values, _CODE_FIELDS)
    if values.get("nationwide"):
        values["regions"] = []  # nationwide is a region of its own, not 34 province codes
    if complete:
        for field, message in NEEDED_FIELDS.items():
            if is_blank(values.get(field)):
                errors.setdefault(field, []).append(message())
        if not values.get("nationwide") and not values.get("regions"):
            errors.setdefault("regions", []).append(_("至少选择一个部署区域，或选择“全国部署”。"))
        if values.get("power_source") == PowerSource.BATTERY and not values.get(
            "battery_life_years"
        ):
            errors.setdefault("battery_life_years", []).append(_("电池供电时请填写电池寿命要求。"))
    scenario, sector = values.get("scenario"), values.get("sector")
    if scenario is not None and sector is not None and scenario.sector_id != sector.pk:
        errors.setdefault("scenario", []).append(_("所选场景不属于该行业。"))
    unit = values.get("budget_unit") or "device"
    kinds = SupplyKind.objects.filter(pk__in=values.get("kinds_needed") or [])
    if (
        values.get("unit_budget") is not None
        and kinds
        and not any(unit in kind_price_units(k.code, k.attribute_spec) for k in kinds)
    ):
        errors.setdefault("budget_unit", []).append(
            _("所需供给类型都不按该单位计价：%(kinds)s。")
            % {"kinds": enumeration(k.name for k in kinds)}
        )
    method = values.get("positioning_method") or ""
    if method and method not in POSITIONING_CODES:
        errors.setdefault("positioning_method", []).append(
            _("未知的定位方式：%(code)s。") % {"code": method}
        )
    elif method and not values.get("needs_positioning"):
        errors.setdefault("positioning_method", []).append(
            _("定位方式只在需要定位时填写：请勾选“需要定位”，或清空定位方式。")
        )
    start = values.get("start_date")
    if start is not None and start != previous_start and start < timezone.localdate():
        errors.setdefault("start_date", []).append(_("计划启动日期不能早于今天。"))
    return errors


def _demand_validate(
    values: dict[str, Any], *, complete: bool = True, previous_start: dt.date | None = None
) -> None:
    errors = demand_errors(values, complete=complete, previous_start=previous_start)
    if errors:
        raise BusinessError("invalid", _("需求信息有误，请检查标出的字段。"), fields=errors)


def demand_create(
    *, actor: Any, organization: Organization, incomplete_ok: bool = False, **values: Any
) -> Demand:
    """Create a draft demand for an enterprise organisation the actor acts for.

    With `incomplete_ok` (saving a draft) fields a demand needs may be left empty;
    `demand_submit` asks for them. Raises BusinessError with every problem by field.
    """
    listing_owner_check(actor=actor, organization=organization)
    if not organization.is_enterprise:
        raise PermissionDenied("enterprise_role_required", _("只有需求方组织可以发布需求。"))
    demand_functions_prefill(values)
    _demand_validate(values, complete=not incomplete_ok)
    with transaction.atomic():
        demand = Demand.objects.create(organization=organization, **values)
        audit_record(
            actor=actor, action="demand.created", subject=demand, organization_id=organization.pk
        )
        listing_announce(demand)
    return demand


def demand_update(
    *, actor: Any, demand: Demand, incomplete_ok: bool = False, **changes: Any
) -> Demand:
    """Change a demand; the whole demand is re-validated before anything is saved.

    A draft (or rejected) demand may be saved incomplete with `incomplete_ok`; one waiting
    for review or published stays complete.
    """
    listing_owner_check(actor=actor, organization=demand.organization)
    if demand.status in (Demand.Status.CLOSED, Demand.Status.EXPIRED):
        raise BusinessError("not_editable", _("已关闭或已过期的需求不能修改。"), status=409)
    if "scenario" in changes and "functions" not in changes:
        changes["functions"] = None  # a new scenario brings its own functions
    values = {field: getattr(demand, field) for field in DEMAND_FIELDS} | changes
    demand_functions_prefill(values)
    changes = {field: values[field] for field in changes}
    _demand_validate(
        values,
        complete=not (incomplete_ok and demand.status in DRAFT_STATUSES),
        previous_start=demand.start_date,
    )
    with transaction.atomic():
        for field, value in changes.items():
            setattr(demand, field, value)
        demand.save()
        audit_record(
            actor=actor,
            action="demand.updated",
            subject=demand,
            organization_id=demand.organization_id,
            data={"fields": sorted(changes)},
        )
        listing_announce(demand)
    return demand


def _transition(*, demand: Demand, **kwargs: Any) -> Demand:
    return listing_transition(
        listing=demand,
        published_payload={"sector": demand.sector_id, "kinds_needed": demand.kinds_needed},
        **kwargs,
    )


def demand_submit(*, actor: Any, demand: Demand) -> Demand:
    """Send a draft (or a rejected demand after edits) to the coordinators' review queue.

    Raises BusinessError `incomplete` with every missing or wrong field when the demand is not
    complete (a draft saved with fields left empty, or a start date now past).
    """
    listing_owner_check(actor=actor, organization=demand.organization)
    values = {field: getattr(demand, field) for field in DEMAND_FIELDS}
    errors = demand_errors(values, complete=True)
    if errors:
        raise BusinessError(
            "incomplete", _("需求还有未填写或有误的内容，不能提交审核。"), fields=errors
        )
    return _transition(
        actor=actor,
        demand=demand,
        allowed_from=DRAFT_STATUSES,
        to=Demand.Status.PENDING_REVIEW,
        action="submitted",
    )


def demand_review(*, actor: Any, demand: Demand, approve: bool, note: str = "") -> Demand:
    """A coordinator publishes or rejects (with a reason) a demand awaiting review."""
    if not getattr(actor, "is_coordinator", False):
        raise PermissionDenied("coordinator_required", _("只有平台协调员可以审核需求。"))
    review_reason_check(approve=approve, note=note)
    return _transition(
        actor=actor,
        demand=demand,
        allowed_from={Demand.Status.PENDING_REVIEW},
        to=Demand.Status.PUBLISHED if approve else Demand.Status.REJECTED,
        action="approved" if approve else "rejected",
        note=note,
    )


def demand_close(*, actor: Any, demand: Demand) -> Demand:
    listing_owner_check(actor=actor, organization=demand.organization)
    return _transition(
        actor=actor,
        demand=demand,
        allowed_from=set(Demand.Status) - {Demand.Status.CLOSED, Demand.Status.EXPIRED},
        to=Demand.Status.CLOSED,
        action="closed",
    )
