"""Coordination writes; `audit_record` is the one way to append to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.exceptions import BusinessError, Conflict, PermissionDenied

from .models import AuditEvent, TypicalCase


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: Any,
    organization_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append an audit row; call inside the transaction of the change it records.

    `actor` is a User, an API-key principal (anything with `audit_label`) or None for the system.
    """
    user = actor if getattr(actor, "_meta", None) is not None else None
    label = getattr(actor, "audit_label", None) or (actor.get_username() if user else "system")
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        organization_id=organization_id,
        action=action,
        subject_type=subject._meta.model_name,
        subject_id=str(subject.pk),
        data=data or {},
    )


def typical_case_publish(*, actor: Any, match: Any, title: str, summary: str) -> TypicalCase:
    """A coordinator publishes a won match as a typical case (once per match).

    Raises BusinessError `coordinator_required` (403), `match_not_won` (409), `case_exists`
    (409) or `invalid` (400) for an empty title or summary.
    """
    if not getattr(actor, "is_coordinator", False):
        raise PermissionDenied("coordinator_required", _("只有平台协调员可以发布典型案例。"))
    errors = {}
    if not title.strip():
        errors["title"] = [_("请填写标题。")]
    if not summary.strip():
        errors["summary"] = [_("请填写案例摘要。")]
    if errors:
        raise BusinessError("invalid", _("案例信息不完整。"), fields=errors)
    with transaction.atomic():
        # Decided on the locked match: an outcome changed meanwhile is seen, and two
        # coordinators publishing at once queue here (the second finds the first's case).
        match = type(match).objects.select_for_update().get(pk=match.pk)
        if match.status != "won":
            raise Conflict("match_not_won", _("只有已成交的匹配可以发布为典型案例。"))
        demand = match.demand
        if TypicalCase.objects.filter(match=match).exists():
            raise Conflict("case_exists", _("该匹配已发布为典型案例。"))
        case = TypicalCase.objects.create(
            match=match,
            title=title.strip()[:200],
            summary=summary.strip(),
            sector_id=demand.sector_id,
            technologies=list(match.offering.technologies if match.offering_id else []),
            volume=demand.volume,
            published_by=actor if getattr(actor, "_meta", None) is not None else None,
        )
        audit_record(
            actor=actor,
            action="case.published",
            subject=case,
            organization_id=demand.organization_id,
            data={"match": match.pk},
        )
    return case
