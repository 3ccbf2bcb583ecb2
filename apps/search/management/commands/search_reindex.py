"""`manage.py search_reindex`: rebuild the search index from the database."""

from django.core.management.base import BaseCommand

from apps.search.backends import get_backend
from apps.search.documents import ENTITIES
from apps.search.services import search_reindex

# A fresh Elasticsearch container answers HTTP within ~20 s but takes up to a minute or two
# before its cluster is yellow; `migrate` in docker-compose may start in between.
DEFAULT_WAIT_SECONDS = 180


class Command(BaseCommand):
    help = "Rebuild the search index of offerings and demands from the database."

    def add_arguments(self, parser):
        parser.add_argument("--entity", choices=ENTITIES, action="append", help="only these")
        parser.add_argument(
            "--wait",
            type=float,
            default=DEFAULT_WAIT_SECONDS,
            metavar="SECONDS",
            help="wait this long for the search engine to be ready first (default %(default)s)",
        )

    def handle(self, *args, entity=None, wait=DEFAULT_WAIT_SECONDS, **options):
        get_backend().wait_until_ready(wait)
        counts = search_reindex(entities=entity or ENTITIES)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} documents indexed")
