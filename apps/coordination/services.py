"""Coordination writes; `audit_record` is the one way to append to the audit log."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


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
