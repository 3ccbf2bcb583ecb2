"""Reads of webhook subscriptions, deliveries and API keys, scoped to the caller's organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.accounts.models import APIKey
from apps.accounts.selectors import principal_org_ids

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscription_queryset(principal: Any) -> QuerySet[WebhookSubscription]:
    """Subscriptions of the organisations the principal belongs to (coordinators included:
    platform staff manage endpoints through the admin, not on behalf of partners)."""
    return WebhookSubscription.objects.filter(organization_id__in=principal_org_ids(principal))


def webhook_delivery_queryset(principal: Any) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(
            subscription__organization_id__in=principal_org_ids(principal)
        )
        .select_related("event", "subscription")
        .prefetch_related(
            Prefetch(
                "attempts",
                queryset=WebhookAttempt.objects.order_by("-attempted_at", "-id"),
            )
        )
    )


def api_key_queryset(principal: Any) -> QuerySet[APIKey]:
    """Keys of the organisations the principal owns (never a platform key)."""
    owned = getattr(principal, "owned_organization_ids", frozenset())
    if not getattr(principal, "is_authenticated", False):
        owned = frozenset()
    return APIKey.objects.filter(organization_id__in=owned, is_platform=False).select_related(
        "organization"
    )
