"""`manage.py search_reindex`: rebuild the search index from the database."""

from django.core.management.base import BaseCommand

from apps.search.documents import ENTITIES
from apps.search.services import search_reindex


class Command(BaseCommand):
    help = "Rebuild the search index of offerings and demands from the database."

    def add_arguments(self, parser):
        parser.add_argument("--entity", choices=ENTITIES, action="append", help="only these")

    def handle(self, *args, entity=None, **options):
        counts = search_reindex(entities=entity or ENTITIES)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} documents indexed")
