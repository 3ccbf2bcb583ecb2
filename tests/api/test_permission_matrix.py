"""Who may do what to whose objects: every object endpoint × every kind of caller.

Each cell runs against a fresh world, so a state change in one cell never leaks into another.
The table is the contract; a change in behaviour must change the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.models import Organization
from apps.imports.models import ImportJob
from apps.integrations.services import webhook_subscription_create
from apps.matching.models import Match
from tests import factories

CALLERS = (
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "vendor",
    "key_without_scope",
    "revoked_key",
    "coordinator",
)


@dataclass
class World:
    clients: dict[str, APIClient]
    ids: dict[str, int | str]


@pytest.fixture
def world(db) -> World:
    factories.region("130000", "河北省")
    org_a = factories.OrganizationFactory(name="企业A", role=Organization.Role.ENTERPRISE)
    org_b = factories.OrganizationFactory(name="企业B", role=Organization.Role.ENTERPRISE)
    org_v = factories.OrganizationFactory(name="厂商V", role=Organization.Role.VENDOR)
    users = {
        "enterprise_a": factories.member(org_a, "owner-a"),
        "enterprise_b": factories.member(org_b, "owner-b"),
        "vendor": factories.member(org_v, "owner-v"),
        "coordinator": factories.coordinator("coord"),
    }
    clients = {"anonymous": APIClient()}
    for name, user in users.items():
        clients[name] = APIClient()
        clients[name].force_login(user)
    _key, narrow = account_services.apikey_create(
        actor=None, name="narrow", organization=org_v, scopes=[]
    )
    revoked_key, revoked = account_services.apikey_create(
        actor=None, name="old", organization=org_v, scopes=["*"]
    )
    account_services.apikey_revoke(actor=None, key=revoked_key)
    for name, secret in (("key_without_scope", narrow), ("revoked_key", revoked)):
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    a_key, _secret = account_services.apikey_create(
        actor=None, name="a-erp", organization=org_a, scopes=["*"]
    )
    subscription, _secret = webhook_subscription_create(
        actor=users["enterprise_a"],
        organization=org_a,
        url="https://hooks.example.cn/a",
        event_types=["demand.published"],
    )
    job = ImportJob.objects.create(organization=org_v, filename="catalogue.xlsx", content=b"x")
    anonymous_demand = factories.DemandFactory(organization=org_a, visibility="anonymous")
    published_offering = factories.OfferingFactory(organization=org_v)
    match = Match.objects.create(
        demand=anonymous_demand,
        offering=published_offering,
        vendor_ids=[org_v.pk],
        pair_key=f"o:{published_offering.pk}",
        score=80.0,
        engine_version="test",
        computed_at=timezone.now(),
    )
    ids = {
        "org_a": org_a.pk,
        "match_av": match.pk,
        "draft_demand_a": factories.DemandFactory(organization=org_a, status="draft").pk,
        "pending_demand_a": factories.DemandFactory(organization=org_a, status="pending_review").pk,
        "anonymous_demand_a": factories.DemandFactory(
            organization=org_a, visibility="anonymous"
        ).pk,
        "draft_offering_v": factories.OfferingFactory(organization=org_v, status="draft").pk,
        "published_offering_v": published_offering.pk,
        "webhook_a": subscription.pk,
        "key_a": a_key.prefix,
        "import_v": job.pk,
    }
    return World(clients=clients, ids=ids)


#               anonymous enterprise_a enterprise_b vendor no_scope revoked coordinator
MATRIX = [
    ("GET", "/api/v1/demands/{draft_demand_a}", None, (401, 200, 404, 404, 403, 401, 200)),
    (
        "PATCH",
        "/api/v1/demands/{draft_demand_a}",
        {"title": "改"},
        (401, 200, 404, 404, 403, 401, 200),
    ),
    ("POST", "/api/v1/demands/{draft_demand_a}/submit", None, (401, 200, 404, 404, 403, 401, 200)),
    ("POST", "/api/v1/demands/{draft_demand_a}/close", None, (401, 200, 404, 404, 403, 401, 200)),
    (
        "POST",
        "/api/v1/demands/{pending_demand_a}/approve",
        None,
        (401, 403, 403, 403, 403, 401, 200),
    ),
    (
        "POST",
        "/api/v1/demands/{pending_demand_a}/reject",
        {"note": "不清楚"},
        (401, 403, 403, 403, 403, 401, 200),
    ),
    ("GET", "/api/v1/demands/{anonymous_demand_a}", None, (401, 200, 200, 200, 403, 401, 200)),
    (
        "PATCH",
        "/api/v1/demands/{anonymous_demand_a}",
        {"title": "改"},
        (401, 200, 403, 403, 403, 401, 200),
    ),
    ("GET", "/api/v1/offerings/{draft_offering_v}", None, (404, 404, 404, 200, 403, 401, 200)),
    (
        "PATCH",
        "/api/v1/offerings/{draft_offering_v}",
        {"name": "改"},
        (401, 404, 404, 200, 403, 401, 200),
    ),
    (
        "POST",
        "/api/v1/offerings/{draft_offering_v}/submit",
        None,
        (401, 404, 404, 200, 403, 401, 200),
    ),
    ("GET", "/api/v1/offerings/{published_offering_v}", None, (200, 200, 200, 200, 403, 401, 200)),
    (
        "PATCH",
        "/api/v1/offerings/{published_offering_v}",
        {"name": "改"},
        (401, 403, 403, 200, 403, 401, 200),
    ),
    (
        "POST",
        "/api/v1/offerings/{published_offering_v}/archive",
        None,
        (401, 403, 403, 200, 403, 401, 200),
    ),
    ("GET", "/api/v1/organizations/{org_a}", None, (200, 200, 200, 200, 403, 401, 200)),
    (
        "PATCH",
        "/api/v1/organizations/{org_a}",
        {"description": "改"},
        (401, 200, 403, 403, 403, 401, 403),
    ),
    ("POST", "/api/v1/organizations/{org_a}/verify", None, (401, 403, 403, 403, 403, 401, 200)),
    ("GET", "/api/v1/webhooks/{webhook_a}", None, (401, 200, 404, 404, 403, 401, 404)),
    (
        "PATCH",
        "/api/v1/webhooks/{webhook_a}",
        {"description": "改"},
        (401, 200, 404, 404, 403, 401, 404),
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_a}", None, (401, 204, 404, 404, 403, 401, 404)),
    (
        "POST",
        "/api/v1/webhooks/{webhook_a}/rotate-secret",
        None,
        (401, 200, 404, 404, 403, 401, 404),
    ),
    ("GET", "/api/v1/webhooks/{webhook_a}/deliveries", None, (401, 200, 404, 404, 403, 401, 404)),
    ("POST", "/api/v1/api-keys/{key_a}/revoke", None, (401, 200, 404, 404, 403, 401, 404)),
    ("GET", "/api/v1/imports/{import_v}", None, (401, 404, 404, 200, 403, 401, 200)),
    ("GET", "/api/v1/matches/{match_av}", None, (401, 200, 404, 200, 403, 401, 200)),
    ("POST", "/api/v1/matches/{match_av}/approve", None, (401, 403, 403, 403, 403, 401, 200)),
    # the enterprise's own verdicts: the vendor and coordinators see the match but may not judge
    ("POST", "/api/v1/matches/{match_av}/shortlist", None, (401, 200, 404, 403, 403, 401, 403)),
    (
        "POST",
        "/api/v1/matches/{match_av}/dismiss",
        {"reason": "price"},
        (401, 200, 404, 403, 403, 401, 403),
    ),
    (
        "GET",
        "/api/v1/demands/{anonymous_demand_a}/matches",
        None,
        (401, 200, 404, 404, 403, 401, 200),
    ),
    (
        "GET",
        "/api/v1/offerings/{published_offering_v}/matching-demands",
        None,
        (401, 404, 404, 200, 403, 401, 200),
    ),
]


@pytest.mark.parametrize("caller_index", range(len(CALLERS)), ids=CALLERS)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _b, _e in MATRIX]
)
def test_permission_matrix(world, method, path, body, expected, caller_index):
    caller = CALLERS[caller_index]
    url = path.format(**world.ids)
    client = world.clients[caller]
    if body is None:
        response = client.generic(method, url)
    else:
        response = client.generic(method, url, json.dumps(body), content_type="application/json")
    assert response.status_code == expected[caller_index], (
        caller,
        method,
        url,
        response.content[:300],
    )
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


LIST_LEAKS = [
    # (caller, list url, id key that must NOT appear)
    ("vendor", "/api/v1/demands", "draft_demand_a"),
    ("enterprise_b", "/api/v1/demands", "draft_demand_a"),
    ("enterprise_a", "/api/v1/offerings", "draft_offering_v"),
    ("anonymous", "/api/v1/offerings", "draft_offering_v"),
    ("enterprise_b", "/api/v1/webhooks", "webhook_a"),
    ("vendor", "/api/v1/webhooks", "webhook_a"),
    ("enterprise_b", "/api/v1/api-keys", "key_a"),
    ("enterprise_a", "/api/v1/imports", "import_v"),
]


@pytest.mark.parametrize(("caller", "url", "hidden"), LIST_LEAKS)
def test_lists_never_show_other_organisations_private_objects(world, caller, url, hidden):
    response = world.clients[caller].get(url.format(**world.ids))
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    listed = {row.get("id", row.get("prefix")) for row in rows}
    assert world.ids[hidden] not in listed


@pytest.mark.parametrize("caller", ["enterprise_b", "vendor", "anonymous"])
def test_contacts_and_credit_code_never_reach_other_organisations(world, caller):
    body = world.clients[caller].get(f"/api/v1/organizations/{world.ids['org_a']}").json()
    assert body["contact_phone"] is None
    assert body["contact_email"] is None
    assert body["credit_code"] is None


@pytest.mark.parametrize("caller", ["enterprise_b", "vendor"])
def test_anonymous_demand_never_names_its_enterprise(world, caller):
    one = world.clients[caller].get(f"/api/v1/demands/{world.ids['anonymous_demand_a']}").json()
    assert one["organization"] is None
    listed = world.clients[caller].get("/api/v1/demands").json()["results"]
    assert all(
        row["organization"] is None
        for row in listed
        if row["id"] == world.ids["anonymous_demand_a"]
    )
    assert "企业A" not in str(listed)
