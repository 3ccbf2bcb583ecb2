"""Webhook outbox and delivery: signatures, backoff, disabling, replay, rotation, targets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from apps.integrations import services
from apps.integrations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

pytestmark = pytest.mark.django_db


def _make_due() -> None:
    """Pretend the scheduled wait has passed for every pending delivery."""
    WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )


def _emit_demand(org_ids, demand_id=42):
    services.webhook_event_emit(
        event_type="demand.published",
        organization_ids=org_ids,
        payload={"demand_id": demand_id, "title": "智能水表远程抄表", "sector": "municipal"},
    )


def test_signed_delivery_survives_failing_endpoint_and_verifies_with_reference_library(
    org_a, receiver, subscription_for
):
    # given an endpoint that fails twice before accepting
    subscription, secret = subscription_for(org_a)
    receiver.statuses = [500, 503]
    with transaction.atomic():
        _emit_demand([org_a.pk])

    # when the worker runs three times, each time after the scheduled wait
    first_run = services.webhook_deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    wait_after_first = delivery.next_attempt_at - delivery.last_attempt_at
    _make_due()
    services.webhook_deliveries_send_due()
    delivery.refresh_from_db()
    wait_after_second = delivery.next_attempt_at - delivery.last_attempt_at
    _make_due()
    services.webhook_deliveries_send_due()

    # then the partner received the same message three times, each verifiable by the
    # Standard Webhooks reference library with the secret shown at creation
    assert first_run == 1
    assert len(receiver.requests) == 3
    message_ids = set()
    for headers, body in receiver.requests:
        payload = Webhook(secret).verify(body, headers)
        assert payload["type"] == "demand.published"
        assert payload["data"] == {
            "demand_id": 42,
            "title": "智能水表远程抄表",
            "sector": "municipal",
        }
        message_ids.add(headers["webhook-id"])
        assert secret.startswith("whsec_")
    assert len(message_ids) == 1 and message_ids.pop().startswith("msg_")
    # backoff: about 1 minute, then about 4 minutes (up to 10 % jitter)
    assert timedelta(minutes=1) <= wait_after_first <= timedelta(minutes=1.1) + timedelta(seconds=1)
    assert (
        timedelta(minutes=4) <= wait_after_second <= timedelta(minutes=4.4) + timedelta(seconds=1)
    )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempt_count == 3
    log = list(delivery.attempts.order_by("attempted_at"))
    assert [a.status_code for a in log] == [500, 503, 200]
    assert [a.succeeded for a in log] == [False, False, True]
    assert log[0].response_excerpt == "failure 500"
    assert log[2].response_excerpt == "received"
    assert all(a.duration_ms < 5000 for a in log)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert subscription.last_success_at is not None


def test_tampered_body_fails_verification(org_a, receiver, subscription_for):
    # given a delivered message
    _sub, secret = subscription_for(org_a)
    _emit_demand([org_a.pk])
    services.webhook_deliveries_send_due()
    headers, body = receiver.requests[0]

    # when a byte of the body is changed, then the reference verifier rejects it
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"42", b"43"), headers)


def test_backoff_schedule_spans_about_three_days():
    # given the documented schedule: nine attempts, waits growing fourfold from 1 minute
    waits = [services.retry_delay(n) for n in range(1, services.MAX_ATTEMPTS)]

    # then the waits are 1 m, 4 m, 16 m, 64 m, 256 m, 1024 m, then capped at 24 h
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes == [1, 4, 16, 64, 256, 1024, 1440, 1440]
    horizon = sum(waits, timedelta())
    assert timedelta(days=2.75) <= horizon <= timedelta(days=3)
    assert services.retry_delay(services.MAX_ATTEMPTS) is None


def test_delivery_gives_up_after_the_last_scheduled_attempt(org_a, receiver, subscription_for):
    # given an endpoint that always fails
    subscription_for(org_a)
    receiver.statuses = [500] * 20
    _emit_demand([org_a.pk])

    # when the worker runs more often than the schedule allows
    for _ in range(services.MAX_ATTEMPTS + 3):
        services.webhook_deliveries_send_due()
        _make_due()

    # then exactly MAX_ATTEMPTS were made and the delivery is marked failed
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == services.MAX_ATTEMPTS
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert delivery.attempts.count() == services.MAX_ATTEMPTS


def test_endpoint_is_disabled_after_sustained_failure(org_a, receiver, subscription_for):
    # given an endpoint failing for three days with many failures, and two pending messages
    subscription, _secret = subscription_for(org_a)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=services.DISABLE_MIN_FAILURES - 1,
        failing_since=timezone.now() - services.DISABLE_AFTER - timedelta(minutes=1),
    )
    receiver.statuses = [500] * 5
    _emit_demand([org_a.pk], demand_id=1)
    _emit_demand([org_a.pk], demand_id=2)

    # when the next attempt fails too
    services.webhook_deliveries_send_due(limit=1)

    # then the endpoint is disabled, the other message is not sent, and new events skip it
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert subscription.disabled_at is not None
    assert str(services.DISABLE_MIN_FAILURES) in subscription.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    _make_due()
    assert services.webhook_deliveries_send_due() == 0
    _emit_demand([org_a.pk], demand_id=3)
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 1


def test_recent_failures_do_not_disable(org_a, receiver, subscription_for):
    # given an endpoint that has failed many times but only for an hour
    subscription, _secret = subscription_for(org_a)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=50, failing_since=timezone.now() - timedelta(hours=1)
    )
    receiver.statuses = [500]
    _emit_demand([org_a.pk])

    # when it fails again
    services.webhook_deliveries_send_due()

    # then it stays active and the delivery will be retried
    subscription.refresh_from_db()
    assert subscription.is_active is True
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING


def test_replay_sends_the_same_message_again(
    org_a, owner_a, receiver, subscription_for, client_for
):
    # given a delivered message
    _sub, secret = subscription_for(org_a)
    _emit_demand([org_a.pk])
    services.webhook_deliveries_send_due()
    delivery = WebhookDelivery.objects.get()

    # when the owner replays it and the worker runs
    response = client_for(owner_a).post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay")
    services.webhook_deliveries_send_due()

    # then the partner gets it a second time with the same webhook-id, logged as a replay
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first[0]["webhook-id"] == second[0]["webhook-id"]
    Webhook(secret).verify(second[1], second[0])
    log = list(delivery.attempts.order_by("attempted_at"))
    assert [a.is_replay for a in log] == [False, True]


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    org_a, owner_a, receiver, subscription_for, client_for
):
    # given a subscription whose secret the owner rotates
    subscription, old_secret = subscription_for(org_a)
    response = client_for(owner_a).post(
        f"/api/v1/webhooks/{subscription.pk}/rotate-secret", {"keep_previous_hours": 24}
    )
    new_secret = response.json()["secret"]

    # when a message is delivered
    _emit_demand([org_a.pk])
    services.webhook_deliveries_send_due()

    # then receivers holding either secret can verify it
    assert response.status_code == 200
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    headers, body = receiver.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(body, headers)
    Webhook(new_secret).verify(body, headers)


def test_rotation_without_grace_retires_the_old_secret_at_once(
    org_a, owner_a, receiver, subscription_for, client_for
):
    # given a rotation that keeps no previous secret
    subscription, old_secret = subscription_for(org_a)
    new_secret = (
        client_for(owner_a)
        .post(f"/api/v1/webhooks/{subscription.pk}/rotate-secret", {"keep_previous_hours": 0})
        .json()["secret"]
    )

    # when a message is delivered
    _emit_demand([org_a.pk])
    services.webhook_deliveries_send_due()

    # then only the new secret verifies it
    headers, body = receiver.requests[0]
    Webhook(new_secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(body, headers)


def test_secret_is_stored_encrypted(org_a, subscription_for):
    # given a new subscription
    subscription, secret = subscription_for(org_a)

    # then the database row does not contain the secret
    stored = WebhookSubscription.objects.filter(pk=subscription.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    assert secret[len("whsec_") :] not in stored["secret_encrypted"]


def test_emit_reaches_only_listed_organisations_and_subscribed_event_types(
    org_a, org_b, receiver, subscription_for
):
    # given A subscribed to demand events, B subscribed only to matches
    subscription_for(org_a, ["demand.published"])
    subscription_for(org_b, ["match.suggested"])

    # when a demand event is emitted for both and a match event for A only
    _emit_demand([org_a.pk, org_b.pk])
    services.webhook_event_emit(
        event_type="match.suggested", organization_ids=[org_a.pk], payload={"match_id": 1}
    )
    services.webhook_deliveries_send_due()

    # then only A's demand subscription received anything, once
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0][1])["type"] == "demand.published"
    assert WebhookEvent.objects.count() == 1  # the match event had no listener: nothing stored


def test_emit_is_part_of_the_callers_transaction(org_a, subscription_for):
    # given a subscriber
    subscription_for(org_a)

    # when the caller's transaction rolls back after emitting
    with pytest.raises(RuntimeError), transaction.atomic():
        _emit_demand([org_a.pk])
        raise RuntimeError("publish failed")

    # then no event or delivery remains
    assert WebhookEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_emit_rejects_unknown_event_types(org_a):
    with pytest.raises(ValueError):
        services.webhook_event_emit(
            event_type="demand.deleted", organization_ids=[org_a.pk], payload={}
        )


def test_redirect_to_another_host_is_not_followed(org_a, receiver, subscription_for):
    # given an endpoint that redirects elsewhere
    subscription_for(org_a)
    receiver.statuses = [307]
    receiver.extra_headers = {"Location": "http://localhost:9/steal"}
    _emit_demand([org_a.pk])

    # when delivered
    services.webhook_deliveries_send_due()

    # then the redirect is logged as a failure and only one request was made
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded is False
    assert attempt.status_code == 307
    assert "redirect" in attempt.error
    assert len(receiver.requests) == 1


def test_private_targets_are_refused_when_not_allowed(
    org_a, receiver, subscription_for, client_for, owner_a, settings
):
    # given a subscription to a loopback address made while private targets were allowed
    subscription_for(org_a)
    _emit_demand([org_a.pk])

    # when production rules apply
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    services.webhook_deliveries_send_due()
    response = client_for(owner_a).post(
        "/api/v1/webhooks",
        {"url": receiver.url, "event_types": ["demand.published"]},
        format="json",
    )

    # then nothing reaches the address, and new subscriptions to it are rejected
    assert receiver.requests == []
    assert WebhookAttempt.objects.get().error.startswith("refused")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_url_refused"


def test_non_http_urls_are_refused(owner_a, client_for):
    response = client_for(owner_a).post(
        "/api/v1/webhooks",
        {"url": "ftp://example.com/hook", "event_types": ["demand.published"]},
        format="json",
    )
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
