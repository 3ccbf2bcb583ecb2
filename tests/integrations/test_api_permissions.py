"""Who may see and change webhook subscriptions, deliveries and API keys."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import APIKey
from apps.integrations import services
from apps.integrations.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_objects(org_a, owner_a, subscription_for):
    """Org A's subscription, one delivery and one API key."""
    subscription, _secret = subscription_for(org_a)
    services.webhook_event_emit(
        event_type="demand.published", organization_ids=[org_a.pk], payload={"demand_id": 1}
    )
    services.webhook_deliveries_send_due()
    key = APIKey.objects.create_key(name="A 的密钥", organization=org_a, scopes=["*"])[0]
    return subscription, WebhookDelivery.objects.get(), key


def _outsider_requests(subscription, delivery, key):
    return [
        ("get", f"/api/v1/webhooks/{subscription.pk}", None),
        ("patch", f"/api/v1/webhooks/{subscription.pk}", {"description": "x"}),
        ("delete", f"/api/v1/webhooks/{subscription.pk}", None),
        ("post", f"/api/v1/webhooks/{subscription.pk}/rotate-secret", {}),
        ("get", f"/api/v1/webhooks/{subscription.pk}/deliveries", None),
        ("get", f"/api/v1/webhook-deliveries/{delivery.pk}", None),
        ("post", f"/api/v1/webhook-deliveries/{delivery.pk}/replay", None),
        ("post", f"/api/v1/api-keys/{key.prefix}/revoke", None),
    ]


@pytest.mark.parametrize("caller", ["owner_b", "key_b", "coordinator"])
def test_other_callers_cannot_reach_org_a_objects(
    caller, a_objects, owner_b, org_b, coordinator_user, client_for, key_client
):
    # given org A's subscription, delivery and key, and a caller from outside org A
    subscription, delivery, key = a_objects
    client = {
        "owner_b": lambda: client_for(owner_b),
        "key_b": lambda: key_client(org_b, ["*"]),
        "coordinator": lambda: client_for(coordinator_user),
    }[caller]()

    # when they list and address A's objects
    listed_hooks = client.get("/api/v1/webhooks").json()["results"]
    listed_keys = client.get("/api/v1/api-keys")
    answers = {
        (method, path): getattr(client, method)(path, body, format="json").status_code
        for method, path, body in _outsider_requests(subscription, delivery, key)
    }

    # then nothing of A's is listed and every object is "not found" (API keys may not even
    # use the key endpoints)
    assert listed_hooks == []
    if caller == "key_b":
        assert listed_keys.status_code == 403
    else:
        assert listed_keys.json()["results"] == []
    expected_key_revoke = 403 if caller == "key_b" else 404
    for (method, path), status in answers.items():
        expected = expected_key_revoke if "/api-keys/" in path else 404
        assert status == expected, (method, path, status)
    subscription.refresh_from_db()
    key.refresh_from_db()
    assert subscription.description == "" and not key.revoked
    assert WebhookSubscription.objects.filter(pk=subscription.pk).exists()


def test_anonymous_callers_are_asked_to_authenticate(a_objects, api):
    subscription, delivery, _key = a_objects
    for path in (
        "/api/v1/webhooks",
        f"/api/v1/webhooks/{subscription.pk}/deliveries",
        f"/api/v1/webhook-deliveries/{delivery.pk}",
    ):
        assert api.get(path).status_code == 401, path
    assert api.get("/api/v1/api-keys").status_code in (401, 403)


def test_members_read_but_only_owners_change(a_objects, member_a, client_for):
    subscription, delivery, _key = a_objects
    client = client_for(member_a)

    assert client.get(f"/api/v1/webhooks/{subscription.pk}").status_code == 200
    assert client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries").status_code == 200
    patch = client.patch(f"/api/v1/webhooks/{subscription.pk}", {"description": "x"})
    assert patch.status_code == 403
    assert patch.json()["error"]["code"] == "owner_required"
    assert client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay").status_code == 403
    assert client.get("/api/v1/api-keys").json()["results"] == []
    created = client.post("/api/v1/api-keys", {"name": "x", "scopes": ["*"]}, format="json")
    assert created.status_code == 403


@pytest.mark.parametrize(
    ("scopes", "read", "write"),
    [
        ([], 403, 403),
        (["offerings:*"], 403, 403),
        (["webhooks:read"], 200, 403),
        (["webhooks:write"], 403, 201),
        (["webhooks:*"], 200, 201),
    ],
)
def test_api_keys_need_the_webhooks_scope(org_a, key_client, scopes, read, write):
    client = key_client(org_a, scopes)
    assert client.get("/api/v1/webhooks").status_code == read
    response = client.post(
        "/api/v1/webhooks",
        {"url": "https://erp.example.com/h", "event_types": ["offering.published"]},
        format="json",
    )
    assert response.status_code == write


def test_revoked_key_is_refused(org_a, owner_a, key_client, client_for):
    # given a working key that the owner revokes
    client = key_client(org_a, ["webhooks:*"])
    assert client.get("/api/v1/webhooks").status_code == 200
    prefix = client.api_key_secret.split(".")[0]
    revoked = client_for(owner_a).post(f"/api/v1/api-keys/{prefix}/revoke")

    # then the key no longer authenticates
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    response = client.get("/api/v1/webhooks")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_secrets_are_shown_once(org_a, owner_a, client_for):
    client = client_for(owner_a)

    # a subscription's secret only in the creation answer
    created = client.post(
        "/api/v1/webhooks",
        {"url": "https://erp.example.com/h", "event_types": ["match.introduced"]},
        format="json",
    ).json()
    assert created["secret"].startswith("whsec_")
    fetched = client.get(f"/api/v1/webhooks/{created['id']}").json()
    listed = client.get("/api/v1/webhooks").json()["results"]
    assert "secret" not in fetched and all("secret" not in item for item in listed)
    assert created["secret"] not in str(fetched)

    # an API key only in the creation answer; the key works for the granted scopes
    issued = client.post(
        "/api/v1/api-keys", {"name": "ERP", "scopes": ["webhooks:read"]}, format="json"
    ).json()
    assert issued["key"].startswith(issued["prefix"] + ".")
    listed_keys = client.get("/api/v1/api-keys").json()["results"]
    assert [k["prefix"] for k in listed_keys] == [issued["prefix"]]
    assert set(listed_keys[0]) == {
        "prefix",
        "name",
        "organization",
        "scopes",
        "created",
        "expiry_date",
        "last_used_at",
        "revoked",
    }
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued['key']}")
    assert partner.get("/api/v1/webhooks").status_code == 200
    assert client.get("/api/v1/api-keys").json()["results"][0]["last_used_at"] is not None


def test_api_key_with_unknown_scope_is_refused(owner_a, client_for):
    response = client_for(owner_a).post(
        "/api/v1/api-keys", {"name": "x", "scopes": ["everything"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_scope"


def test_reenabling_a_disabled_endpoint_clears_its_failures(a_objects, owner_a, client_for):
    # given an endpoint disabled after failures
    subscription, _delivery, _key = a_objects
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=12, disabled_reason="失败"
    )

    # when the owner re-enables it
    response = client_for(owner_a).patch(
        f"/api/v1/webhooks/{subscription.pk}", {"is_active": True}, format="json"
    )

    # then it is active with a clean record
    body = response.json()
    assert response.status_code == 200
    assert body["is_active"] is True
    assert body["consecutive_failures"] == 0 and body["disabled_reason"] == ""
