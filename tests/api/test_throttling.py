"""Per-key throttling: each API key has its own bucket; over the rate is a 429 with Retry-After."""

import ipaddress
import secrets
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from apps.accounts import services as account_services
from apps.core.api import throttling
from apps.core.api.throttling import PrincipalRateThrottle
from tests import factories
from tests.core.disposable_services import RedisServer

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


# --- abuse: forged X-Forwarded-For, concurrency, Redis outage --------------------------------

SECTORS = "/api/v1/reference/sectors"


def fresh_address() -> str:
    """An address no earlier run has a bucket for (buckets outlive tests in Redis)."""
    return str(ipaddress.IPv6Address("2001:db8::") + secrets.randbits(64))


def test_a_different_x_forwarded_for_on_each_request_does_not_escape_the_limit(
    api, three_per_minute
):
    # given no trusted proxy (the default) and a client forging the header on every request
    remote = fresh_address()
    statuses = [
        api.get(SECTORS, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    # then every request counts against the address it really came from
    assert statuses == [200, 200, 200, 429, 429]


def test_behind_a_trusted_proxy_clients_are_told_apart_and_cannot_forge(
    api, three_per_minute, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    first, second = fresh_address(), fresh_address()

    def through_proxy(client: str, forged: str) -> int:
        # the proxy appends the peer it saw; whatever the client wrote stays on the left
        header = f"{forged}, {client}"
        return api.get(SECTORS, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=header).status_code

    statuses = [through_proxy(first, forged=f"198.51.100.{i}") for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert through_proxy(second, forged="198.51.100.1") == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_clients_get_exactly_the_limit_through(live_server, settings, monkeypatch):
    # given a 40/hour limit and eight clients behind one trusted proxy sharing one address
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "40/hour"})
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    address = fresh_address()

    def burst(requests: int) -> list[int]:
        statuses = []
        for _ in range(requests):
            request = urllib.request.Request(
                live_server.url + SECTORS, headers={"X-Forwarded-For": address}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        return statuses

    # when they send 120 requests at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for part in pool.map(burst, [15] * 8) for status in part]
    # then exactly 40 pass and the rest are refused
    assert statuses.count(200) == 40
    assert statuses.count(429) == 80


def test_the_throttle_counts_in_process_while_redis_is_down_and_returns_to_redis(
    api, three_per_minute, settings, monkeypatch
):
    # given the throttle's own Redis, retried on every request once it has failed
    server = RedisServer().start()
    settings.THROTTLE_REDIS_URL = server.url
    monkeypatch.setattr(throttling, "REDIS_RETRY_SECONDS", 0)
    remote = fresh_address()
    key = f"iotmatch:throttle:principal:ip:{remote}"
    shared = redis.Redis.from_url(server.url)
    try:
        assert api.get(SECTORS, REMOTE_ADDR=remote).status_code == 200
        assert shared.zcard(key) == 1
        # when Redis goes away
        server.stop()
        during = [api.get(SECTORS, REMOTE_ADDR=remote) for _ in range(4)]
        # then requests are still answered, and still limited (3/min, counted in this process)
        assert [r.status_code for r in during] == [200, 200, 200, 429]
        assert during[-1].json()["error"]["code"] == "throttled"
        assert int(during[-1]["Retry-After"]) > 0
        # when Redis is back (empty: it kept nothing), requests are counted there again
        server.start()
        assert api.get(SECTORS, REMOTE_ADDR=remote).status_code == 200
        assert shared.zcard(key) == 1
    finally:
        server.stop()
