"""Coordination reads: the public case library."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import TypicalCase


def typical_case_list(*, sector: str | None = None) -> QuerySet[TypicalCase]:
    """Published typical cases, newest first; never names the parties (the summary does, if
    the coordinator chose to)."""
    queryset = TypicalCase.objects.select_related("sector")
    return queryset.filter(sector_id=sector) if sector else queryset
