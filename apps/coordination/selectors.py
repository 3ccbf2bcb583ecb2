"""Coordination reads: the public case library and what it says of vendors."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, QuerySet

from .models import TypicalCase


def typical_case_list(*, sector: str | None = None) -> QuerySet[TypicalCase]:
    """Published typical cases, newest first; never names the parties (the summary does, if
    the coordinator chose to)."""
    queryset = TypicalCase.objects.select_related("sector")
    return queryset.filter(sector_id=sector) if sector else queryset


def typical_case_counts(*, vendor_ids: list[int] | None = None) -> dict[int, int]:
    """Published typical cases per vendor organisation (a case counts for every vendor of its
    match, a bundle's included); vendors without cases are absent."""
    counts: dict[int, int] = {}
    rows = TypicalCase.objects.values_list("match__vendor_ids", flat=True)
    for vendors in rows.iterator():
        for vendor in vendors:
            if vendor_ids is None or vendor in vendor_ids:
                counts[vendor] = counts.get(vendor, 0) + 1
    return counts


def typical_case_vendors_since(*, since: datetime | None) -> tuple[set[int], datetime | None]:
    """Vendors of cases published after `since`, and the latest publication time."""
    cases = TypicalCase.objects.all()
    if since is not None:
        cases = cases.filter(published_at__gt=since)
    vendors = {
        v for vendor_ids in cases.values_list("match__vendor_ids", flat=True) for v in vendor_ids
    }
    latest = cases.aggregate(at=Max("published_at"))["at"]
    return vendors, latest
