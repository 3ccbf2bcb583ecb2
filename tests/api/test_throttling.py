"""Per-key throttling: each API key has its own bucket; over the rate is a 429 with Retry-After."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import services as account_services
from apps.core.api.throttling import PrincipalRateThrottle
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(monkeypatch):
    # Buckets are keyed by the key's random prefix, so fresh keys start empty.
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "3/min"})


def key_for(organization, **kwargs) -> str:
    _key, secret = account_services.apikey_create(
        actor=None, name="t", organization=organization, scopes=["*"], **kwargs
    )
    return secret


def test_a_key_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected(
    api, three_per_minute
):
    first = key_for(factories.OrganizationFactory())
    second = key_for(factories.OrganizationFactory())
    statuses = [
        api.get("/api/v1/offerings", HTTP_AUTHORIZATION=f"Api-Key {first}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    throttled = api.get("/api/v1/offerings", HTTP_AUTHORIZATION=f"Api-Key {first}")
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert api.get("/api/v1/offerings", HTTP_AUTHORIZATION=f"Api-Key {second}").status_code == 200


def test_an_expired_key_is_refused(api):
    secret = key_for(
        factories.OrganizationFactory(), expiry_date=timezone.now() - timedelta(minutes=1)
    )
    response = api.get("/api/v1/offerings", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
