"""`manage.py matching_rebuild`: full rematch, mismatch aggregation and partner suggestions, in
this process."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.matching import partners, services


class Command(BaseCommand):
    help = (
        "Rematch every open demand, aggregate mismatch cells and refresh partner suggestions "
        "(synchronously)."
    )

    def handle(self, *args, **options) -> None:
        run = services.full_rematch(owner="manage.py matching_rebuild")
        if run is None:
            self.stderr.write("another full rematch holds the lease; nothing done")
            return
        cells = services.mismatch_aggregate()
        suggestions = partners.partner_suggestions_refresh()
        self.stdout.write(
            f"rematched {run.demands_done} demands; {cells} mismatch cells; "
            f"{suggestions} partner suggestions"
        )
