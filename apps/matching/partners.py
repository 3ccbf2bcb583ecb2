"""Partner suggestions: which vendors complete a vendor's offerings into solution bundles.

The engine's `suggest_partners` is too slow for a page request (it matches each of the
vendor's offerings against the open demands), so a worker stores its results here and the web
UI reads them through `selectors.partner_suggestion_list`.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Offering

from . import loader
from .engine import ENGINE_VERSION
from .engine.bundles import suggest_partners
from .models import PartnerSuggestion

PARTNERS_PER_VENDOR = 10


def _vendors_with_published_offerings() -> list[int]:
    return list(
        Offering.objects.filter(status=Offering.Status.PUBLISHED)
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
        .distinct()
    )


def partner_suggestions_refresh(*, vendor_ids: list[int] | None = None) -> int:
    """Recompute and store the partner suggestions of `vendor_ids` (None: every vendor with
    published offerings, and drop the rows of vendors that no longer have any).

    Each vendor's rows are replaced in one transaction, so readers see the old set or the
    new one and a killed run keeps what it finished. Returns the number of rows stored.
    """
    full = vendor_ids is None
    targets = _vendors_with_published_offerings() if full else sorted(set(vendor_ids))
    state = loader.market()
    weights = loader.weights()
    stored = 0
    for vendor_id in targets:
        suggestions = suggest_partners(
            state.offerings,
            state.demands,
            vendor_id,
            now=time.time(),
            weights=weights,
            limit=PARTNERS_PER_VENDOR,
        )
        now = timezone.now()
        rows = [
            PartnerSuggestion(
                organization_id=vendor_id,
                partner_id=s.vendor_id,
                kinds=list(s.kinds),
                demand_ids=list(s.demand_ids),
                demand_count=len(s.demand_ids),
                volume=s.volume,
                explanation_zh=s.explanation_zh,
                explanation_en=s.explanation_en,
                engine_version=ENGINE_VERSION,
                computed_at=now,
            )
            for s in sorted(suggestions, key=lambda s: s.vendor_id)
        ]
        with transaction.atomic():
            PartnerSuggestion.objects.filter(organization_id=vendor_id).exclude(
                partner_id__in=[row.partner_id for row in rows]
            ).delete()
            # An upsert rather than delete-and-insert: two workers refreshing one vendor at
            # once both succeed instead of one failing on the unique (vendor, partner) pair.
            PartnerSuggestion.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["organization", "partner"],
                update_fields=[
                    "kinds",
                    "demand_ids",
                    "demand_count",
                    "volume",
                    "explanation_zh",
                    "explanation_en",
                    "engine_version",
                    "computed_at",
                ],
            )
        stored += len(rows)
    if full:
        PartnerSuggestion.objects.exclude(organization_id__in=targets).delete()
    return stored
