"""Reads of import jobs, scoped to what a principal may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.selectors import is_coordinator, principal_org_ids

from .models import ImportJob


def import_job_queryset(principal: Any) -> QuerySet[ImportJob]:
    """Jobs of the principal's organisations; coordinators see every job. The stored file is
    deferred: no read path needs it."""
    queryset = ImportJob.objects.defer("content")
    if is_coordinator(principal):
        return queryset
    return queryset.filter(organization_id__in=principal_org_ids(principal))
