"""Whose behalf an API write is made on: the organisation a principal acts for."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.core.exceptions import BusinessError, PermissionDenied


def acting_organization(principal: Any, organization_id: int | None) -> Organization:
    """The organisation a write is made for: the one given, or the principal's only one."""
    org_ids = getattr(principal, "organization_ids", frozenset())
    if organization_id is None:
        if len(org_ids) != 1:
            raise BusinessError(
                "organization_required",
                _("请指定代表哪个组织操作（organization）。"),
                fields={"organization": [_("该字段是必填项。")]},
            )
        (organization_id,) = org_ids
    if organization_id not in org_ids and not getattr(principal, "is_coordinator", False):
        raise PermissionDenied("not_member", _("您不是该组织的成员。"))
    try:
        return Organization.objects.get(pk=organization_id)
    except Organization.DoesNotExist:
        raise BusinessError(
            "unknown_organization",
            _("组织不存在。"),
            fields={"organization": [_("组织不存在。")]},
        ) from None
