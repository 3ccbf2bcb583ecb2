"""`manage.py search_reconcile`: report (and with --repair fix) index drift from the database."""

from django.core.management.base import BaseCommand

from apps.search.documents import ENTITIES
from apps.search.services import search_reconcile

SAMPLE = 10


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: listings missing from the index, "
        "extra in it, or stale. Exit status 1 when differences remain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="re-sync every difference")
        parser.add_argument("--entity", choices=ENTITIES, action="append", help="only these")

    def handle(self, *args, repair=False, entity=None, **options):
        report = search_reconcile(repair=repair, entities=entity or ENTITIES)
        for differences in report:
            self.stdout.write(
                f"{differences.entity}: {differences.total} differences "
                f"(missing {len(differences.missing)}, extra {len(differences.extra)}, "
                f"stale {len(differences.stale)})"
            )
            for label in ("missing", "extra", "stale"):
                ids = getattr(differences, label)
                if ids:
                    self.stdout.write(
                        f"  {label}: {ids[:SAMPLE]}{' …' if len(ids) > SAMPLE else ''}"
                    )
        if repair:
            remaining = search_reconcile(repair=False, entities=entity or ENTITIES)
            left = sum(d.total for d in remaining)
            self.stdout.write(f"after repair: {left} differences")
            if left:
                raise SystemExit(1)
        elif any(d.total for d in report):
            raise SystemExit(1)
