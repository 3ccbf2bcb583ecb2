"""Writes of organisations, memberships and API keys; each audited in its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.coordination.services import audit_record
from apps.core.api.scopes import scope_is_valid
from apps.core.exceptions import BusinessError, Conflict, PermissionDenied
from apps.search.services import outbox_enqueue_organization

from .models import APIKey, Membership, Organization, User


def organization_register(
    *,
    user: User,
    name: str,
    credit_code: str,
    role: str,
    province_id: str,
    city_id: str | None = None,
    **details: Any,
) -> Organization:
    """Create an organisation awaiting verification, with `user` as its owner.

    Raises BusinessError `credit_code_taken` (409) when the code is already registered.
    """
    organization = Organization(
        name=name,
        credit_code=credit_code,
        role=role,
        province_id=province_id,
        city_id=city_id,
        **details,
    )
    organization.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            organization.save()
            Membership.objects.create(
                user=user, organization=organization, role=Membership.Role.OWNER
            )
            audit_record(
                actor=user,
                action="organization.registered",
                subject=organization,
                organization_id=organization.pk,
            )
    except IntegrityError:
        raise Conflict(
            "credit_code_taken",
            _("该统一社会信用代码已注册。"),
            fields={"credit_code": [_("该统一社会信用代码已注册。")]},
        ) from None
    return organization


def organization_update(*, actor: Any, organization: Organization, **changes: Any) -> Organization:
    """Change an organisation's descriptive fields (owners only; not its verification)."""
    with transaction.atomic():
        for field, value in changes.items():
            setattr(organization, field, value)
        organization.save()
        audit_record(
            actor=actor,
            action="organization.updated",
            subject=organization,
            organization_id=organization.pk,
            data={"fields": sorted(changes)},
        )
        outbox_enqueue_organization(organization_id=organization.pk)
    return organization


def organization_verify(
    *, actor: Any, organization: Organization, approve: bool, note: str = ""
) -> Organization:
    """A coordinator verifies or rejects an organisation."""
    if not getattr(actor, "is_coordinator", False):
        raise PermissionDenied("coordinator_required", _("只有平台协调员可以审核组织。"))
    if not approve and not note.strip():
        raise BusinessError(
            "reason_required",
            _("驳回时必须填写原因。"),
            fields={"note": [_("驳回时必须填写原因。")]},
        )
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        organization.verification_status = (
            Organization.Verification.VERIFIED if approve else Organization.Verification.REJECTED
        )
        organization.verification_note = note
        organization.verified_at = timezone.now() if approve else None
        organization.save(
            update_fields=["verification_status", "verification_note", "verified_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="organization.verified" if approve else "organization.rejected",
            subject=organization,
            organization_id=organization.pk,
            data={"note": note},
        )
        outbox_enqueue_organization(organization_id=organization.pk)
    return organization


def membership_add(
    *, actor: Any, organization: Organization, user: User, role: str = Membership.Role.MEMBER
) -> Membership:
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
        audit_record(
            actor=actor,
            action="membership.set",
            subject=membership,
            organization_id=organization.pk,
            data={"user": user.get_username(), "role": role},
        )
    return membership


def apikey_create(
    *,
    actor: Any,
    name: str,
    organization: Organization | None = None,
    scopes: list[str] | None = None,
    expiry_date: datetime | None = None,
    is_platform: bool = False,
) -> tuple[APIKey, str]:
    """Issue a key; returns the stored key and the secret, which is shown only this once.

    Scopes are `<family>:read`, `<family>:write`, `<family>:*` or `*` (apps.core.api.scopes).
    """
    scopes = scopes if scopes is not None else ["*"]
    invalid = [scope for scope in scopes if not scope_is_valid(scope)]
    if invalid:
        raise BusinessError(
            "invalid_scope",
            _("未知的权限范围：%(scopes)s") % {"scopes": ", ".join(invalid)},
            fields={"scopes": [_("未知的权限范围：%(scopes)s") % {"scopes": ", ".join(invalid)}]},
        )
    if organization is None and not is_platform:
        raise BusinessError("organization_required", _("API 密钥必须属于一个组织。"))
    with transaction.atomic():
        key, secret = APIKey.objects.create_key(
            name=name,
            organization=organization,
            scopes=scopes,
            expiry_date=expiry_date,
            is_platform=is_platform,
            created_by=actor if isinstance(actor, User) else None,
        )
        audit_record(
            actor=actor,
            action="apikey.issued",
            subject=key,
            organization_id=organization.pk if organization else None,
            data={"prefix": key.prefix, "scopes": scopes, "platform": is_platform},
        )
    return key, secret


def apikey_revoke(*, actor: Any, key: APIKey) -> APIKey:
    with transaction.atomic():
        key.revoked = True
        key.save(update_fields=["revoked"])
        audit_record(
            actor=actor,
            action="apikey.revoked",
            subject=key,
            organization_id=key.organization_id,
            data={"prefix": key.prefix},
        )
    return key
