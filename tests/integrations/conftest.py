"""Fixtures for the integration tests: two organisations, API keys, a local webhook receiver."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.models import COORDINATOR_GROUP, Organization
from apps.accounts.services import apikey_create
from apps.integrations.services import webhook_subscription_create
from tests import factories

IDEMPOTENCY_MIDDLEWARE = "apps.integrations.idempotency.IdempotencyMiddleware"


@pytest.fixture(autouse=True)
def _integration_settings(settings):
    # The local receiver listens on 127.0.0.1, which production settings refuse.
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.ROOT_URLCONF = "tests.integrations.urls"
    if IDEMPOTENCY_MIDDLEWARE not in settings.MIDDLEWARE:
        auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE[: auth + 1],
            IDEMPOTENCY_MIDDLEWARE,
            *settings.MIDDLEWARE[auth + 1 :],
        ]


@pytest.fixture
def org_a(db) -> Organization:
    return factories.OrganizationFactory(name="甲物联（测试）", role=Organization.Role.VENDOR)


@pytest.fixture
def org_b(db) -> Organization:
    return factories.OrganizationFactory(name="乙水务（测试）", role=Organization.Role.ENTERPRISE)


@pytest.fixture
def owner_a(org_a):
    return factories.member(org_a, "owner-a")


@pytest.fixture
def member_a(org_a):
    return factories.member(org_a, "member-a", role="member")


@pytest.fixture
def owner_b(org_b):
    return factories.member(org_b, "owner-b")


@pytest.fixture
def key_client():
    """An APIClient sending `Authorization: Api-Key …` for a fresh key of `organization`."""

    def make(organization: Organization, scopes: list[str]) -> APIClient:
        _key, secret = apikey_create(
            actor=None, name="test", organization=organization, scopes=scopes
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        client.api_key_secret = secret
        return client

    return make


@dataclass
class Receiver:
    """A partner endpoint: answers with `statuses` in turn (then 200) and records requests."""

    statuses: list[int] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            code = state.statuses.pop(0) if state.statuses else 200
            self.send_response(code)
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            answer = b"received" if code < 300 else f"failure {code}".encode()
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscription_for(receiver):
    """A live subscription of `organization` pointing at the receiver; returns (sub, secret)."""

    def make(organization: Organization, event_types: list[str] | None = None, url: str = ""):
        return webhook_subscription_create(
            actor=None,
            organization=organization,
            url=url or receiver.url,
            event_types=event_types or ["demand.published", "match.suggested"],
        )

    return make


@pytest.fixture
def coordinator_user(db):
    # Transactional tests flush migration-made rows (the coordinator group) and --reuse-db
    # keeps the flushed database, so recreate the group rather than rely on the migration.
    Group.objects.get_or_create(name=COORDINATOR_GROUP)
    return factories.coordinator()
