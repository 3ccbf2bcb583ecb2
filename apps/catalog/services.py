"""Offering writes: create, edit, submit for review, review, archive.

Every write validates the whole listing (reference codes, price range, kind-specific
attributes), records an audit row and announces the change to search in one transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.coordination.services import audit_record
from apps.core.exceptions import BusinessError, PermissionDenied
from apps.integrations.services import webhook_event_emit
from apps.matching.services import matching_schedule
from apps.search.services import outbox_enqueue

from .attributes import is_blank, validate_attributes
from .fields import OFFERING_FIELD_LIST
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
from .selectors import unknown_codes

OFFERING_FIELDS = (
    "kind",
    "function",
    "name",
    "model_number",
    "description",
    "sectors",
    "scenarios",
    "technologies",
    "nationwide",
    "regions",
    "certifications",
    "protocols",
    "price_min",
    "price_max",
    "min_order",
    "annual_capacity",
    "lead_time_days",
    "attributes",
)
_CODE_FIELDS = {
    "sectors": Sector,
    "scenarios": Scenario,
    "technologies": Technology,
    "regions": Region,
    "certifications": Certification,
    "protocols": Protocol,
}
EDITABLE_STATUSES = {
    Offering.Status.DRAFT,
    Offering.Status.REJECTED,
    Offering.Status.PUBLISHED,
    Offering.Status.PENDING_REVIEW,
}


def listing_owner_check(*, actor: Any, organization: Organization) -> None:
    """Raise unless `actor` acts for `organization` (coordinators may act for anyone)."""
    if getattr(actor, "is_coordinator", False):
        return
    if organization.pk not in getattr(actor, "organization_ids", frozenset()):
        raise PermissionDenied("not_owner", _("只能修改本组织的信息。"))


def validate_codes(values: dict[str, Any], code_fields: dict[str, Any]) -> dict[str, list[str]]:
    """Field → messages for every reference code in `values` that does not exist."""
    errors: dict[str, list[str]] = {}
    for field, model in code_fields.items():
        missing = unknown_codes(model, values.get(field) or [])
        if missing:
            errors[field] = [_("未知代码：%(codes)s") % {"codes": ", ".join(missing)}]
    return errors


def offering_function_resolve(values: dict[str, Any]) -> dict[str, list[str]]:
    """Turn `values["function"]` (a code) into the Function row of the listing's kind.

    A listing that names no function gets the platform's best guess from its kind,
    technologies, scenarios and words, marked unconfirmed for the vendor to check; the
    errors (unknown function, a function of another kind) by field.
    """
    from .reference.functions import guess_function

    kind, code = values.get("kind"), values.get("function")
    if isinstance(code, Function):
        code = code.code
    if not code:
        if kind is None:
            return {}
        code = guess_function(
            kind.code,
            technologies=list(values.get("technologies") or []),
            scenarios=list(values.get("scenarios") or []),
            name=f"{values.get('name', '')} {values.get('model_number', '')}",
            description=values.get("description") or "",
            attributes=values.get("attributes") or {},
        )
        values["function"] = Function.objects.filter(code=code).first() if code else None
        values["function_confirmed"] = False
        return {}
    function = Function.objects.filter(code=code).select_related("kind").first()
    if function is None:
        return {"function": [_("未知的产品功能：%(code)s") % {"code": code}]}
    if kind is not None and function.kind_id != kind.code:
        return {
            "function": [
                _("“%(function)s”是%(its)s的功能，不适用于%(kind)s。")
                % {"function": function.name, "its": function.kind.name, "kind": kind.name}
            ]
        }
    values["function"] = function
    values["function_confirmed"] = True
    return {}


def offering_missing(values: dict[str, Any]) -> dict[str, list[str]]:
    """The fields a listing needs before review that `values` leave empty (by field)."""
    errors: dict[str, list[str]] = {}
    for spec in OFFERING_FIELD_LIST:
        if not spec.required or not is_blank(values.get(spec.code)):
            continue
        if spec.code == "sectors":
            errors["sectors"] = [_("至少选择一个行业。")]
        elif spec.reference:
            errors[spec.code] = [_("请选择%(label)s。") % {"label": spec.label}]
        else:
            errors[spec.code] = [_("请填写%(label)s。") % {"label": spec.label}]
    if not values.get("nationwide") and not values.get("regions"):
        errors["regions"] = [_("请选择服务区域，或勾选“全国服务”。")]
    return errors


def offering_errors(values: dict[str, Any], *, complete: bool = True) -> dict[str, list[str]]:
    """Every problem of a listing's values at once, by field (empty when it is valid):
    unknown codes, a function of another kind, price min above max, kind-specific attributes,
    and — when `complete` (a listing for review, not a draft) — every field left empty that a
    listing needs. Resolves `values["function"]` as `offering_function_resolve`."""
    errors = validate_codes(values, _CODE_FIELDS)
    errors.update(offering_function_resolve(values))
    if complete:
        for field, messages in offering_missing(values).items():
            errors.setdefault(field, []).extend(messages)
    price_min, price_max = values.get("price_min"), values.get("price_max")
    if price_min is not None and price_max is not None and Decimal(price_min) > Decimal(price_max):
        errors.setdefault("price_min", []).append(_("单价下限不能高于上限。"))
    kind = values.get("kind")
    if kind is not None:
        attribute_errors = validate_attributes(
            spec=kind.attribute_spec, attributes=values.get("attributes") or {}, complete=complete
        )
        for name, messages in attribute_errors.items():
            errors.setdefault(f"attributes.{name}", []).extend(messages)
    return errors


def _offering_validate(values: dict[str, Any], *, complete: bool = True) -> None:
    errors = offering_errors(values, complete=complete)
    if errors:
        code = {"price_min": "price_range_invalid", "function": "function_invalid"}.get(
            next(iter(errors)) if len(errors) == 1 else "", "invalid"
        )
        raise BusinessError(code, _("供给信息有误，请检查标出的字段。"), fields=errors)


# Listings a vendor is still preparing: saved as drafts, they may leave fields empty, and
# only these can be submitted for review.
DRAFT_STATUSES = {Offering.Status.DRAFT, Offering.Status.REJECTED}


def offering_create(
    *, actor: Any, organization: Organization, incomplete_ok: bool = False, **values: Any
) -> Offering:
    """Create a draft offering for a vendor organisation the actor acts for.

    With `incomplete_ok` (saving a draft) fields a listing needs may be left empty;
    `offering_submit` asks for them. Raises BusinessError with every problem by field.
    """
    listing_owner_check(actor=actor, organization=organization)
    if not organization.is_vendor:
        raise PermissionDenied("vendor_role_required", _("只有供给方组织可以发布供给。"))
    unknown = set(values) - set(OFFERING_FIELDS)
    if unknown:
        raise BusinessError(
            "unknown_fields", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    values.setdefault("attributes", {})
    _offering_validate(values, complete=not incomplete_ok)
    with transaction.atomic():
        offering = Offering.objects.create(organization=organization, **values)
        audit_record(
            actor=actor,
            action="offering.created",
            subject=offering,
            organization_id=organization.pk,
        )
        listing_announce(offering)
    return offering


def offering_update(
    *, actor: Any, offering: Offering, incomplete_ok: bool = False, **changes: Any
) -> Offering:
    """Change an offering's fields; the whole listing is re-validated before anything is saved.

    A draft (or rejected) listing may be saved incomplete with `incomplete_ok`; one waiting
    for review or published stays complete.
    """
    listing_owner_check(actor=actor, organization=offering.organization)
    if offering.status not in EDITABLE_STATUSES:
        raise BusinessError("not_editable", _("已下架的供给不能修改。"), status=409)
    unknown = set(changes) - set(OFFERING_FIELDS)
    if unknown:
        raise BusinessError(
            "unknown_fields", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    values = {field: getattr(offering, field) for field in OFFERING_FIELDS} | changes
    if "function" not in changes and not offering.function_confirmed:
        values["function"] = None  # still the platform's guess: guess again from the changes
    _offering_validate(values, complete=not (incomplete_ok and offering.status in DRAFT_STATUSES))
    if "function" not in changes and offering.function_confirmed:
        values["function_confirmed"] = True  # kept as the vendor confirmed it
    with transaction.atomic():
        for field, value in changes.items():
            if field != "function":  # resolved into a Function row below
                setattr(offering, field, value)
        offering.function = values["function"]
        offering.function_confirmed = values["function_confirmed"]
        offering.save()
        audit_record(
            actor=actor,
            action="offering.updated",
            subject=offering,
            organization_id=offering.organization_id,
            data={"fields": sorted(changes)},
        )
        listing_announce(offering)
    return offering


def listing_announce(listing: Any) -> None:
    """Tell search and matching that an offering or demand changed (both act after commit)."""
    entity = listing._meta.model_name
    outbox_enqueue(entity=entity, entity_id=listing.pk)
    matching_schedule(entity=entity, entity_id=listing.pk)


def review_reason_check(*, approve: bool, note: str) -> None:
    if not approve and not note.strip():
        raise BusinessError(
            "reason_required",
            _("驳回时必须填写原因。"),
            fields={"note": [_("驳回时必须填写原因。")]},
        )


def listing_transition(
    *,
    actor: Any,
    listing: Any,
    allowed_from: set[str],
    to: str,
    action: str,
    note: str = "",
    published_payload: dict[str, Any] | None = None,
) -> Any:
    """Move an offering or demand to status `to` under a row lock, in one transaction.

    Audits `<entity>.<action>`, announces the change, and on publication emits the
    `<entity>.published` webhook with `published_payload`. The listing's review note becomes
    `note`, so it is shown only with the status of the review that wrote it. Raises BusinessError
    `invalid_status_transition` (409) unless the current status is in `allowed_from`.
    """
    model = type(listing)
    entity = model._meta.model_name
    with transaction.atomic():
        listing = (
            model.objects.select_for_update().select_related("organization").get(pk=listing.pk)
        )
        if listing.status not in allowed_from:
            raise BusinessError(
                "invalid_status_transition",
                _("当前状态“%(status)s”下不能执行此操作。")
                % {"status": listing.get_status_display()},
                status=409,
            )
        previous = listing.status
        listing.status = to
        if to == "published":
            listing.published_at = timezone.now()
        # A review note answers the version that was reviewed: a resubmission, an approval
        # without a note or a close leaves it behind (it stays in the audit row).
        listing.review_note = note
        listing.save(update_fields=["status", "published_at", "review_note", "updated_at"])
        audit_record(
            actor=actor,
            action=f"{entity}.{action}",
            subject=listing,
            organization_id=listing.organization_id,
            data={"from": previous, "to": to, "note": note},
        )
        listing_announce(listing)
        if to == "published":
            webhook_event_emit(
                event_type=f"{entity}.published",
                organization_ids=[listing.organization_id],
                payload={
                    f"{entity}_id": listing.pk,
                    "organization_id": listing.organization_id,
                    **(published_payload or {}),
                },
            )
    return listing


def _transition(*, offering: Offering, **kwargs: Any) -> Offering:
    return listing_transition(
        listing=offering,
        published_payload={"kind": offering.kind_id, "technologies": offering.technologies},
        **kwargs,
    )


def offering_submit(*, actor: Any, offering: Offering) -> Offering:
    """Send a draft (or a rejected listing after edits) to the coordinators' review queue.

    Raises BusinessError `incomplete` with every missing or wrong field when the listing is
    not complete (a draft saved with fields left empty).
    """
    listing_owner_check(actor=actor, organization=offering.organization)
    values = {field: getattr(offering, field) for field in OFFERING_FIELDS}
    errors = offering_errors(values, complete=True)
    if errors:
        raise BusinessError(
            "incomplete", _("供给还有未填写或有误的内容，不能提交审核。"), fields=errors
        )
    return _transition(
        actor=actor,
        offering=offering,
        allowed_from=DRAFT_STATUSES,
        to=Offering.Status.PENDING_REVIEW,
        action="submitted",
    )


def offering_review(*, actor: Any, offering: Offering, approve: bool, note: str = "") -> Offering:
    """A coordinator publishes or rejects (with a reason) an offering awaiting review."""
    if not getattr(actor, "is_coordinator", False):
        raise PermissionDenied("coordinator_required", _("只有平台协调员可以审核供给。"))
    review_reason_check(approve=approve, note=note)
    return _transition(
        actor=actor,
        offering=offering,
        allowed_from={Offering.Status.PENDING_REVIEW},
        to=Offering.Status.PUBLISHED if approve else Offering.Status.REJECTED,
        action="approved" if approve else "rejected",
        note=note,
    )


def offering_archive(*, actor: Any, offering: Offering) -> Offering:
    """Take an offering off the market; it stays readable to its owner."""
    listing_owner_check(actor=actor, organization=offering.organization)
    return _transition(
        actor=actor,
        offering=offering,
        allowed_from=set(Offering.Status) - {Offering.Status.ARCHIVED},
        to=Offering.Status.ARCHIVED,
        action="archived",
    )


def supply_kind_get(code: str) -> SupplyKind:
    try:
        return SupplyKind.objects.get(pk=code)
    except SupplyKind.DoesNotExist:
        raise BusinessError(
            "unknown_code",
            _("未知供给类型：%(code)s") % {"code": code},
            fields={"kind": [_("未知代码：%(codes)s") % {"codes": code}]},
        ) from None
