"""Drills: PostgreSQL or Redis goes away under a production-shaped web process, and comes back.

The web tier is gunicorn with DEBUG off, as deployed. PostgreSQL is reached through a TCP
relay the drill cuts (established connections drop, new ones are refused); Redis (cache,
broker and throttle) is a redis-server of the drill's own that it shuts down. Expected: only
JSON 503s with a machine code and Retry-After on the API, a translated 503 page elsewhere,
readiness naming the dependency, and every path healthy again without a restart.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import connection

from apps.accounts import services as account_services
from apps.catalog.models import Offering
from tests import factories
from tests.api.test_bad_input import BASE_OFFERING
from tests.core.disposable_services import RedisServer, TcpRelay, Web, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(120),
]


@pytest.fixture
def world():
    factories.scenario("municipal.water_meter", "municipal")
    factories.kind("module")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")
    vendor = factories.OrganizationFactory()
    _key, secret = account_services.apikey_create(
        actor=None, name="drill", organization=vendor, scopes=["*"]
    )
    return {"Authorization": f"Api-Key {secret}"}


@pytest.fixture
def stack(world):
    settings_dict = connection.settings_dict
    relay = TcpRelay(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    relay.start()
    redis_server = RedisServer().start()
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
        f"@127.0.0.1:{relay.port}/{settings_dict['NAME']}"
    )
    web = Web(
        {
            "DATABASE_URL": database_url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "REDIS_URL": redis_server.url,
            "DJANGO_SECURE": "0",
        }
    )
    try:
        yield web, relay, redis_server, world
    finally:
        web.stop()
        relay.stop()
        redis_server.stop()


def assert_json_503(answer, code: str) -> None:
    status, headers, body = answer
    assert status == 503, body[:300]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == code
    assert int(headers["Retry-After"]) > 0


def api_traffic(web: Web, auth: dict, rounds: int) -> list:
    """Reads and writes a partner would send: list, create, and an idempotent create."""
    answers = []
    for i in range(rounds):
        answers.append(web.request("GET", "/api/v1/offerings", headers=auth))
        answers.append(
            web.request("POST", "/api/v1/offerings", {**BASE_OFFERING, "name": f"D{i}"}, auth)
        )
        answers.append(
            web.request(
                "POST",
                "/api/v1/offerings",
                {**BASE_OFFERING, "name": f"I{i}"},
                {**auth, "Idempotency-Key": f"drill-{i}"},
            )
        )
    return answers


def test_postgresql_down_answers_json_503s_and_recovers_without_a_restart(stack):
    web, relay, _redis, auth = stack
    # given a web process that has served reads and writes over persistent connections
    before = api_traffic(web, auth, rounds=2)
    assert Counter(status for status, _h, _b in before) == {200: 2, 201: 4}

    # when PostgreSQL's link is cut
    relay.cut()
    during = api_traffic(web, auth, rounds=10)
    page = web.request("GET", "/", headers={"Accept-Language": "zh-hans"})
    ready = web.request("GET", "/readyz")
    alive = web.request("GET", "/healthz")

    # then every API call is a JSON 503 naming the database, never a 500 or an HTML page
    assert Counter(status for status, _h, _b in during) == {503: 30}
    for answer in during:
        assert_json_503(answer, "database_unavailable")
    assert page[0] == 503
    assert page[1]["Content-Type"].startswith("text/html")
    assert "数据库暂时不可用" in page[2].decode()
    assert ready[0] == 503
    assert json.loads(ready[2]) == {
        "status": "unavailable",
        "database": "unavailable: OperationalError",
        "cache": "ok",
        "broker": "ok",
    }
    assert alive[0] == 200

    # when the link is back, the same process serves everything again
    relay.restore()
    after = api_traffic(web, auth, rounds=2)
    assert Counter(status for status, _h, _b in after) == {200: 2, 201: 4}
    assert web.request("GET", "/readyz")[0] == 200
    assert web.request("GET", "/")[0] == 200
    # and nothing refused during the outage was stored: 4 creates before, 2 after (the two
    # idempotent creates after it replay the first ones: their keys were not kept by a 503)
    assert Offering.objects.count() == 6
    assert [h.get("Idempotent-Replayed") for _s, h, _b in after[2::3]] == ["true", "true"]


def test_redis_down_leaves_the_api_answering_and_readiness_names_it(stack):
    web, _relay, redis_server, auth = stack
    assert web.request("GET", "/api/v1/offerings", headers=auth)[0] == 200

    # when Redis (cache, broker, rate-limit buckets) goes away
    redis_server.stop()
    during = [web.request("GET", "/api/v1/offerings", headers=auth) for _ in range(20)]
    during += [web.request("GET", "/api/v1/reference/sectors") for _ in range(20)]
    ready = web.request("GET", "/readyz")

    # then the API keeps answering (the throttle counts in-process), readiness names the cause
    assert Counter(status for status, _h, _b in during) == {200: 40}
    assert ready[0] == 503
    body = json.loads(ready[2])
    assert body["database"] == "ok"
    assert body["cache"].startswith("unavailable: ")
    assert body["broker"].startswith("unavailable: ")

    # when Redis is back, readiness recovers by itself
    redis_server.start()
    wait_until(lambda: web.request("GET", "/readyz")[0] == 200, timeout=15, interval=0.2)
    assert web.request("GET", "/api/v1/offerings", headers=auth)[0] == 200
