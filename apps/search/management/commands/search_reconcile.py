"""`manage.py search_reconcile`: report (and with --repair fix) index drift from the database
and outbox events set aside as failed."""

from django.core.management.base import BaseCommand

from apps.search.documents import ENTITIES
from apps.search.services import search_reconcile

SAMPLE = 10


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: listings missing from the index, "
        "extra in it, or stale, and outbox events that failed too often. "
        "Exit status 1 when differences or failed events remain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="re-sync every difference and every listing with a failed outbox event",
        )
        parser.add_argument("--entity", choices=ENTITIES, action="append", help="only these")

    def handle(self, *args, repair=False, entity=None, **options):
        entities = entity or ENTITIES
        report = search_reconcile(repair=repair, entities=entities)
        for differences in report:
            self.stdout.write(
                f"{differences.entity}: {differences.total} differences "
                f"(missing {len(differences.missing)}, extra {len(differences.extra)}, "
                f"stale {len(differences.stale)}), "
                f"{len(differences.failed_events)} failed outbox events"
            )
            for label in ("missing", "extra", "stale"):
                ids = getattr(differences, label)
                if ids:
                    self.stdout.write(
                        f"  {label}: {ids[:SAMPLE]}{' …' if len(ids) > SAMPLE else ''}"
                    )
            for event in differences.failed_events[:SAMPLE]:
                self.stdout.write(
                    f"  failed: {event.entity}#{event.entity_id} after {event.attempts} tries"
                    f" ({event.failed_at:%Y-%m-%d %H:%M:%S}): {event.last_error[:200]}"
                )
            for entity_id, error in differences.unrepaired[:SAMPLE]:
                self.stdout.write(f"  still failing: {differences.entity}#{entity_id}: {error}")
        if repair:
            remaining = search_reconcile(repair=False, entities=entities)
            left = sum(d.total for d in remaining)
            failed = sum(len(d.failed_events) for d in remaining)
            self.stdout.write(f"after repair: {left} differences, {failed} failed outbox events")
            if left or failed:
                raise SystemExit(1)
        elif any(d.total or d.failed_events for d in report):
            raise SystemExit(1)
