"""API-key authentication (`Authorization: Api-Key <prefix>.<secret>`) for partners.

A valid key authenticates as an `APIKeyPrincipal`: the key's organisation (or, for a platform
key, coordinator rights) without any person behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from .models import APIKey

# Writing last_used_at on every request would serialise hot keys on one row; a minute is
# precise enough for "is this key still in use".
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class APIKeyPrincipal:
    """What `request.user` is for an API-key request; duck-types the parts of User we use."""

    key: APIKey
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    owned_organization_ids: frozenset[int] = field(default_factory=frozenset)
    is_coordinator: bool = False
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None
    id: None = None

    @property
    def audit_label(self) -> str:
        return f"api-key:{self.key.prefix}"

    def has_scope(self, scope: str) -> bool:
        scopes = self.key.scopes or []
        family = scope.split(":", 1)[0]
        return "*" in scopes or scope in scopes or f"{family}:*" in scopes

    def get_username(self) -> str:
        return self.audit_label


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"
    key_parser = KeyParser()

    def authenticate(self, request) -> tuple[APIKeyPrincipal, APIKey] | None:
        raw = self.key_parser.get(request)
        if raw is None:
            return None
        try:
            key = APIKey.objects.get_from_key(raw.strip())
        except APIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("API 密钥无效或已被吊销。")) from None
        if key.has_expired:
            raise exceptions.AuthenticationFailed(_("API 密钥已过期。"))
        now = timezone.now()
        if (
            key.last_used_at is None
            or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        org_ids = frozenset([key.organization_id]) if key.organization_id else frozenset()
        principal = APIKeyPrincipal(
            key=key,
            organization_ids=org_ids,
            owned_organization_ids=org_ids,
            is_coordinator=key.is_platform,
        )
        return principal, key

    def authenticate_header(self, request) -> str:
        return self.keyword
