"""Webhook writes: subscriptions, the event outbox, signed delivery with backoff, replay.

Contract for other apps — `webhook_event_emit(event_type=..., organization_ids=..., payload=...)`:
- call it inside the transaction of the change it announces (demand or offering published,
  match suggested / introduced / status changed, mismatch raised): the event and one delivery
  row per interested active subscription are written in that transaction, so a rollback
  sends nothing and a commit loses nothing; a worker is woken after the commit;
- `organization_ids` are the organisations whose subscriptions receive the event; the same
  `payload` goes to all of them, so it must only hold what every one of them may see (emit
  once per organisation when they may see different things, e.g. an anonymous demand);
- `payload` is the event's `data`: ids and codes a partner uses to fetch the resource over
  REST, never contacts; values must be JSON-serialisable with Django's encoder (datetimes,
  decimals and UUIDs become strings);
- an unknown `event_type` raises ValueError (a programming error, not a business failure).

Partners receive `{"type", "timestamp", "data"}` signed per the Standard Webhooks spec.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from apps.accounts.models import Organization
from apps.coordination.services import audit_record
from apps.core.exceptions import BusinessError, Conflict

from .models import (
    EventType,
    IdempotencyRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from .webhook_secrets import webhook_secret_decrypt, webhook_secret_encrypt, webhook_secret_generate
from .webhook_transport import TargetRefused, private_targets_allowed, url_check, webhook_post

logger = logging.getLogger(__name__)

# Backoff: 1 min × 4^(n-1), capped at 24 h — 1 m, 4 m, 16 m, 64 m, 4.3 h, 17 h, 24 h, 24 h.
# Nine attempts spread over 70.75 h (≈ 3 days), plus up to 10 % jitter per wait so that
# endpoints coming back after an outage are not hit by every retry in the same second.
RETRY_BASE = timedelta(minutes=1)
RETRY_FACTOR = 4
RETRY_CAP = timedelta(hours=24)
MAX_ATTEMPTS = 9
RETRY_JITTER = 0.10
# An endpoint is disabled once it has failed for as long as the retry horizon with at least
# this many failed attempts in a row (so a single slow event cannot disable it on its own).
DISABLE_AFTER = timedelta(days=3)
DISABLE_MIN_FAILURES = 10
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
MAX_PREVIOUS_SECRET_GRACE = timedelta(days=7)
MAX_SUBSCRIPTIONS_PER_ORGANIZATION = 20
# One worker run sends at most this many; with 10 s timeouts that is under 9 min, inside
# the 14 min soft time limit, and the claim lease below outlasts it.
DELIVERY_BATCH = 50
CLAIM_LEASE = timedelta(minutes=15)
RESPONSE_EXCERPT_CHARS = 1000


def retry_delay(failed_attempts: int) -> timedelta | None:
    """The wait before the next attempt after `failed_attempts` failures, without jitter.

    None when the schedule is exhausted (MAX_ATTEMPTS reached).
    """
    if failed_attempts >= MAX_ATTEMPTS:
        return None
    return min(RETRY_BASE * RETRY_FACTOR ** (failed_attempts - 1), RETRY_CAP)


def _jittered(delay: timedelta) -> timedelta:
    # uuid4 randomness is enough for spreading retries; this is not security-relevant.
    fraction = uuid.uuid4().int % 1000 / 1000 * RETRY_JITTER
    return delay * (1 + fraction)


# --- emitting -------------------------------------------------------------------------------


def webhook_event_has_subscribers(event_type: str) -> bool:
    """Whether any active subscription listens to `event_type` (lets hot paths skip work)."""
    return WebhookSubscription.objects.filter(
        is_active=True, event_types__contains=[event_type]
    ).exists()


def webhook_event_emit(*, event_type: str, organization_ids: Iterable[int], payload: dict) -> None:
    """Queue `event_type` for the active subscriptions of `organization_ids` (see module doc)."""
    if event_type not in EventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    subscription_ids = list(
        WebhookSubscription.objects.filter(
            organization_id__in=set(organization_ids),
            is_active=True,
            event_types__contains=[event_type],
        ).values_list("pk", flat=True)
    )
    if not subscription_ids:
        return
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            message_id=f"msg_{uuid.uuid4().hex}", event_type=event_type, payload=data
        )
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, subscription_id=pk, next_attempt_at=now)
            for pk in subscription_ids
        )
        transaction.on_commit(_wake_delivery_worker)


def _wake_delivery_worker() -> None:
    # Only a nudge for low latency: the periodic `integrations.deliver_webhooks` run sends
    # whatever is due, so a broker hiccup here delays delivery by seconds, never loses it.
    from kombu.exceptions import OperationalError

    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.apply_async()
    except (OperationalError, OSError):
        logger.warning("could not wake the webhook worker; the periodic run will deliver")


# --- subscriptions --------------------------------------------------------------------------


def _validate_url(url: str) -> None:
    try:
        url_check(url, allow_private=private_targets_allowed())
    except TargetRefused:
        message = _("只接受指向公网地址的 http 或 https 地址。")
        raise BusinessError("webhook_url_refused", message, fields={"url": [message]}) from None


def _validate_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EventType.values))
    if unknown or not event_types:
        message = (
            _("未知的事件类型：%(types)s") % {"types": ", ".join(unknown)}
            if unknown
            else _("至少订阅一种事件。")
        )
        raise BusinessError("invalid_event_types", message, fields={"event_types": [message]})
    return sorted(set(event_types))


def webhook_subscription_create(
    *,
    actor: Any,
    organization: Organization,
    url: str,
    event_types: list[str],
    description: str = "",
) -> tuple[WebhookSubscription, str]:
    """Create an active subscription; returns it and its `whsec_` secret, shown only now.

    Raises BusinessError `webhook_url_refused`, `invalid_event_types` or
    `too_many_subscriptions`.
    """
    _validate_url(url)
    event_types = _validate_event_types(event_types)
    secret = webhook_secret_generate()
    with transaction.atomic():
        # Lock the organisation so two concurrent creates cannot both pass the cap.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if (
            WebhookSubscription.objects.filter(organization=organization).count()
            >= MAX_SUBSCRIPTIONS_PER_ORGANIZATION
        ):
            raise Conflict(
                "too_many_subscriptions",
                _("每个组织最多 %(n)d 个 Webhook 订阅。")
                % {"n": MAX_SUBSCRIPTIONS_PER_ORGANIZATION},
            )
        subscription = WebhookSubscription.objects.create(
            organization=organization,
            url=url,
            description=description,
            event_types=event_types,
            secret_encrypted=webhook_secret_encrypt(secret),
            created_by=actor if getattr(actor, "_meta", None) is not None else None,
        )
        audit_record(
            actor=actor,
            action="webhook.created",
            subject=subscription,
            organization_id=organization.pk,
            data={"url": url, "event_types": event_types},
        )
    return subscription, secret


def webhook_subscription_update(
    *, actor: Any, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change `url`, `event_types`, `description` or `is_active`.

    Re-activating an endpoint that was disabled after failures clears its failure record;
    deliveries still pending resume.
    """
    allowed = {"url", "event_types", "description", "is_active"}
    if unexpected := set(changes) - allowed:
        raise TypeError(f"cannot change {sorted(unexpected)}")
    if "url" in changes:
        _validate_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _validate_event_types(changes["event_types"])
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if changes.get("is_active") and not subscription.is_active:
            subscription.disabled_at = None
            subscription.disabled_reason = ""
            subscription.consecutive_failures = 0
            subscription.failing_since = None
        for field, value in changes.items():
            setattr(subscription, field, value)
        subscription.save()
        audit_record(
            actor=actor,
            action="webhook.updated",
            subject=subscription,
            organization_id=subscription.organization_id,
            data={"fields": sorted(changes)},
        )
    if changes.get("is_active"):
        transaction.on_commit(_wake_delivery_worker)
    return subscription


def webhook_subscription_delete(*, actor: Any, subscription: WebhookSubscription) -> None:
    """Delete the subscription with its delivery log."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="webhook.deleted",
            subject=subscription,
            organization_id=subscription.organization_id,
            data={"url": subscription.url},
        )
        subscription.delete()


def webhook_subscription_rotate_secret(
    *,
    actor: Any,
    subscription: WebhookSubscription,
    keep_previous_for: timedelta = PREVIOUS_SECRET_GRACE,
) -> tuple[WebhookSubscription, str]:
    """Replace the signing secret; returns the new one, shown only now.

    For `keep_previous_for` (at most 7 days; zero ends it at once) every message carries a
    signature with the old secret too, so receivers can switch without losing messages.
    """
    if not timedelta(0) <= keep_previous_for <= MAX_PREVIOUS_SECRET_GRACE:
        message = _("旧密钥保留时间须在 0 到 168 小时之间。")
        raise BusinessError(
            "invalid_grace_period", message, fields={"keep_previous_hours": [message]}
        )
    secret = webhook_secret_generate()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if keep_previous_for:
            subscription.previous_secret_encrypted = subscription.secret_encrypted
            subscription.previous_secret_expires_at = timezone.now() + keep_previous_for
        else:
            subscription.previous_secret_encrypted = ""
            subscription.previous_secret_expires_at = None
        subscription.secret_encrypted = webhook_secret_encrypt(secret)
        subscription.save()
        audit_record(
            actor=actor,
            action="webhook.secret_rotated",
            subject=subscription,
            organization_id=subscription.organization_id,
            data={"keep_previous_hours": keep_previous_for.total_seconds() / 3600},
        )
    return subscription, secret


# --- delivery -------------------------------------------------------------------------------


def webhook_body(event: WebhookEvent) -> bytes:
    """The exact bytes sent and signed: `{"type", "timestamp", "data"}` as compact UTF-8 JSON."""
    envelope = {
        "type": event.event_type,
        "timestamp": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_signature_headers(
    *, subscription: WebhookSubscription, message_id: str, body: bytes, sent_at: datetime
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (one `v1,` per live secret)."""
    sent_at = sent_at.astimezone(UTC)
    secrets_in_use = [webhook_secret_decrypt(subscription.secret_encrypted)]
    if (
        subscription.previous_secret_encrypted
        and subscription.previous_secret_expires_at
        and subscription.previous_secret_expires_at > sent_at
    ):
        secrets_in_use.append(webhook_secret_decrypt(subscription.previous_secret_encrypted))
    text = body.decode()
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=sent_at, data=text)
        for secret in secrets_in_use
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def webhook_deliveries_send_due(*, limit: int = DELIVERY_BATCH) -> int:
    """Attempt up to `limit` due deliveries of active subscriptions; returns how many.

    Safe on several workers at once: each claims its rows with SKIP LOCKED and leases them
    for CLAIM_LEASE, so a worker that dies mid-batch only delays those deliveries.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now,
                subscription__is_active=True,
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=claimed).update(next_attempt_at=now + CLAIM_LEASE)
    for delivery_id in claimed:
        _delivery_attempt(delivery_id=delivery_id)
    return len(claimed)


def _delivery_attempt(*, delivery_id: int) -> None:
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    subscription, event = delivery.subscription, delivery.event
    body = webhook_body(event)
    sent_at = timezone.now()
    headers = webhook_signature_headers(
        subscription=subscription, message_id=event.message_id, body=body, sent_at=sent_at
    )
    result = webhook_post(subscription.url, body=body, headers=headers)
    now = timezone.now()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=sent_at,
            succeeded=result.succeeded,
            status_code=result.status_code,
            response_excerpt=result.response_excerpt[:RESPONSE_EXCERPT_CHARS],
            error=result.error[:300],
            duration_ms=result.duration_ms,
            is_replay=delivery.schedule_position == 0 and delivery.attempt_count > 0,
        )
        delivery.attempt_count += 1
        delivery.schedule_position += 1
        delivery.last_attempt_at = sent_at
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error[:300]
        if result.succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.succeeded_at = now
            delivery.next_attempt_at = None
            subscription.consecutive_failures = 0
            subscription.failing_since = None
            subscription.last_success_at = now
        else:
            delay = retry_delay(delivery.schedule_position)
            if delay is None:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + _jittered(delay)
            subscription.consecutive_failures += 1
            subscription.failing_since = subscription.failing_since or sent_at
        delivery.save()
        if (
            not result.succeeded
            and subscription.is_active
            and subscription.consecutive_failures >= DISABLE_MIN_FAILURES
            and subscription.failing_since <= now - DISABLE_AFTER
        ):
            _subscription_disable(subscription=subscription, now=now)
        subscription.save()


def _subscription_disable(*, subscription: WebhookSubscription, now: datetime) -> None:
    subscription.is_active = False
    subscription.disabled_at = now
    subscription.disabled_reason = _("自 %(since)s 起连续 %(n)d 次投递失败，已自动停用。") % {
        "since": subscription.failing_since.isoformat(),
        "n": subscription.consecutive_failures,
    }
    WebhookDelivery.objects.filter(
        subscription=subscription, status=WebhookDelivery.Status.PENDING
    ).update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        last_error="endpoint disabled after sustained failure",
    )
    audit_record(
        actor=None,
        action="webhook.disabled",
        subject=subscription,
        organization_id=subscription.organization_id,
        data={"consecutive_failures": subscription.consecutive_failures},
    )


def webhook_delivery_replay(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its state, with a fresh backoff schedule.

    The message keeps its `webhook-id`, so receivers that already processed it can dedupe.
    Raises Conflict `webhook_inactive` when the subscription is paused or disabled.
    """
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if not delivery.subscription.is_active:
            raise Conflict("webhook_inactive", _("该 Webhook 订阅已停用，请先重新启用后再重放。"))
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.schedule_position = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "schedule_position", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="webhook.delivery_replayed",
            subject=delivery,
            organization_id=delivery.subscription.organization_id,
            data={"message_id": delivery.event.message_id},
        )
        transaction.on_commit(_wake_delivery_worker)
    return delivery


# --- housekeeping ---------------------------------------------------------------------------

# Delivery logs are for debugging an integration; a month is enough and keeps tables small.
WEBHOOK_HISTORY_RETENTION = timedelta(days=30)


def idempotency_records_purge() -> int:
    """Delete idempotency records past their 24 h; returns how many."""
    deleted, _detail = IdempotencyRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def webhook_history_purge() -> int:
    """Delete events older than the retention whose deliveries are all final; returns events."""
    cutoff = timezone.now() - WEBHOOK_HISTORY_RETENTION
    stale = WebhookEvent.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=WebhookDelivery.Status.PENDING
    )
    _total, per_model = stale.delete()
    return per_model.get(WebhookEvent._meta.label, 0)
