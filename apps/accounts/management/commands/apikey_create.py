"""Issue an API key for an organisation (or a platform key for coordinator tooling)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Organization
from apps.core.exceptions import BusinessError


class Command(BaseCommand):
    help = "Issue an API key; the secret is printed once and only its hash is stored."

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--organization", help="organisation id, credit code or exact name")
        target.add_argument(
            "--platform", action="store_true", help="a coordinator key for platform tools"
        )
        parser.add_argument("--name", required=True, help="what the key is for, e.g. erp-sync")
        parser.add_argument(
            "--scopes", nargs="+", default=["*"], help="e.g. offerings:* demands:read (default *)"
        )
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, **options) -> None:
        organization = None
        if options["organization"]:
            organization = self._find(options["organization"])
        expiry = (
            timezone.now() + timedelta(days=options["expires_in_days"])
            if options["expires_in_days"]
            else None
        )
        try:
            key, secret = services.apikey_create(
                actor=None,
                name=options["name"],
                organization=organization,
                scopes=options["scopes"],
                expiry_date=expiry,
                is_platform=options["platform"],
            )
        except BusinessError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        owner = organization.name if organization else "platform"
        self.stdout.write(
            f"API key for {owner} (prefix {key.prefix}, scopes {' '.join(key.scopes)}):"
        )
        self.stdout.write(secret)

    def _find(self, ref: str) -> Organization:
        queryset = Organization.objects.all()
        match = (
            (queryset.filter(pk=int(ref)) if ref.isdigit() else queryset.none())
            or queryset.filter(credit_code=ref)
            or queryset.filter(name=ref)
        )
        found = list(match[:2])
        if len(found) != 1:
            raise CommandError(f"no single organisation matches {ref!r}")
        return found[0]
