"""Idempotency-Key on POST: one object per key, 422 on a different body, 409 while in flight."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.integrations import services
from apps.integrations.models import IdempotencyRecord, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"


def _body(url="https://erp.example.com/hooks", **extra):
    return {"url": url, "event_types": ["demand.published"], **extra}


def test_duplicate_posts_with_the_same_key_create_one_object(owner_a, client_for):
    # given a partner that retries a POST after a lost response
    client = client_for(owner_a)

    # when it sends the same request twice with the same key
    first = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="sync-0001")
    second = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="sync-0001")

    # then one subscription exists and both answers are the same (the secret included)
    assert first.status_code == second.status_code == 201
    assert WebhookSubscription.objects.count() == 1
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first


def test_api_key_callers_get_the_same_guarantee(org_a, key_client):
    client = key_client(org_a, ["webhooks:write", "webhooks:read"])

    responses = [
        client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1") for _ in range(3)
    ]

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert WebhookSubscription.objects.count() == 1
    assert len({r.json()["id"] for r in responses}) == 1


def test_without_a_key_each_post_creates(owner_a, client_for):
    client = client_for(owner_a)
    client.post(URL, _body(), format="json")
    client.post(URL, _body(), format="json")
    assert WebhookSubscription.objects.count() == 2


def test_same_key_with_a_different_body_is_rejected(owner_a, client_for):
    # given a key already used
    client = client_for(owner_a)
    client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="sync-0002")

    # when it is reused for another request
    response = client.post(
        URL,
        _body(url="https://other.example.com/"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="sync-0002",
    )

    # then the API refuses with 422 and creates nothing more
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["message"]
    assert WebhookSubscription.objects.count() == 1


def test_keys_belong_to_their_caller(owner_a, owner_b, client_for):
    # given two organisations that happen to pick the same key
    a = client_for(owner_a).post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    b = client_for(owner_b).post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="order-1")

    # then each gets its own object, never the other's response
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert a.json()["organization"] != b.json()["organization"]


def test_a_refusal_before_the_endpoint_runs_is_not_stored(org_a, member_a, client_for):
    # given a member who may not create subscriptions yet
    client = client_for(member_a)
    refused = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="retry-me")

    # when they are made owner and retry with the same key
    Membership.objects.filter(user=member_a).update(role=Membership.Role.OWNER)
    retried = client_for(member_a).post(
        URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
    )

    # then the retry runs instead of replaying the refusal
    assert refused.status_code == 403
    assert retried.status_code == 201
    assert WebhookSubscription.objects.count() == 1


def test_invalid_keys_are_rejected(owner_a, client_for):
    response = client_for(owner_a).post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"


def test_large_uploads_are_fingerprinted_without_breaking_the_request(
    owner_a, client_for, settings
):
    # given a multipart body above the in-memory limit (as a catalogue upload would be)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = client_for(owner_a)

    def upload(content: bytes):
        return client.post(
            URL,
            {
                "url": "https://erp.example.com/hooks",
                "event_types": ["demand.published"],
                "attachment": SimpleUploadedFile("catalogue.csv", content),
            },
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="big-1",
        )

    # when sent twice, then with one byte changed
    first = upload(b"x" * 5000)
    second = upload(b"x" * 5000)
    changed = upload(b"y" + b"x" * 4999)

    # then the view still parsed the body, the repeat was replayed and the change detected
    assert first.status_code == 201, first.content
    assert first.json()["url"] == "https://erp.example.com/hooks"
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert changed.status_code == 422
    assert WebhookSubscription.objects.count() == 1


def test_expired_records_are_purged_and_the_key_can_be_used_again(owner_a, client_for):
    # given a record older than 24 hours
    client = client_for(owner_a)
    client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when the cleanup runs, then the key is free again
    assert services.idempotency_records_purge() == 1
    again = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201
    assert WebhookSubscription.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_gets_409_while_the_first_is_in_flight(owner_a, monkeypatch):
    # given a first request held inside the endpoint
    entered, release = threading.Event(), threading.Event()
    real_create = services.webhook_subscription_create

    def slow_create(**kwargs):
        entered.set()
        assert release.wait(10)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "webhook_subscription_create", slow_create)
    results = {}

    def first_request():
        client = APIClient()
        client.force_login(owner_a)
        results["first"] = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="race")
        connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert entered.wait(10)

    # when a duplicate arrives meanwhile
    client = APIClient()
    client.force_login(owner_a)
    duplicate = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="race")
    release.set()
    thread.join(10)
    after = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="race")

    # then the duplicate is told to retry, and afterwards gets the first response
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_request_in_progress"
    assert duplicate["Retry-After"] == "1"
    assert results["first"].status_code == 201
    assert after.status_code == 201
    assert after.json()["id"] == results["first"].json()["id"]
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_reservation_is_taken_over(owner_a, client_for):
    # given a reservation left by a request that died long ago
    client = client_for(owner_a)
    client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="crashed")
    IdempotencyRecord.objects.update(
        response_status=None, locked_at=timezone.now() - timedelta(minutes=10)
    )
    WebhookSubscription.objects.all().delete()

    # when the client retries
    retried = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="crashed")

    # then the request runs again instead of answering 409 for a day
    assert retried.status_code == 201
    assert WebhookSubscription.objects.count() == 1
