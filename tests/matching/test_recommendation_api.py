"""The recommendation actions over REST, as a partner's system calls them with an API key."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.models import Organization
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(organization=enterprise)
    meter = factories.OfferingFactory(organization=vendor, name="NB-IoT 智能水表")
    module = factories.OfferingFactory(organization=vendor, name="BC260Y 模组")
    return {
        "enterprise": enterprise,
        "vendor": vendor,
        "demand": demand,
        "meter": factories.stored_match(demand, meter, score=88),
        "module": factories.stored_match(demand, module, score=70),
    }


def _key_client(organization, scopes=("matches:*",)) -> APIClient:
    _key, secret = account_services.apikey_create(
        actor=None, name="erp", organization=organization, scopes=list(scopes)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def test_a_partner_shortlists_and_lists_the_shortlist(market):
    client = _key_client(market["enterprise"])
    response = client.post(f"/api/v1/matches/{market['meter'].pk}/shortlist", {}, format="json")
    assert response.status_code == 200
    assert response.json()["feedback"]["shortlisted"] is True
    listed = client.get(f"/api/v1/demands/{market['demand'].pk}/matches?shortlisted=true")
    assert [r["id"] for r in listed.json()["results"]] == [market["meter"].pk]
    others = client.get(f"/api/v1/demands/{market['demand'].pk}/matches?shortlisted=false")
    assert [r["id"] for r in others.json()["results"]] == [market["module"].pk]


def test_a_partner_dismisses_with_a_reason_and_the_list_leaves_it_out(market):
    client = _key_client(market["enterprise"])
    response = client.post(
        f"/api/v1/matches/{market['module'].pk}/dismiss",
        {"reason": "function", "note": "需要整表"},
        format="json",
    )
    assert response.status_code == 200
    feedback = response.json()["feedback"]
    assert (feedback["dismissed"], feedback["dismissed_reason"], feedback["dismissed_note"]) == (
        True,
        "function",
        "需要整表",
    )
    kept = client.get(f"/api/v1/demands/{market['demand'].pk}/matches?dismissed=false").json()
    assert [r["id"] for r in kept["results"]] == [market["meter"].pk]
    left = client.get(f"/api/v1/demands/{market['demand'].pk}/matches?dismissed=true").json()
    assert [r["id"] for r in left["results"]] == [market["module"].pk]
    everything = client.get(f"/api/v1/demands/{market['demand'].pk}/matches").json()
    assert {r["id"]: r["feedback"]["dismissed"] for r in everything["results"]} == {
        market["meter"].pk: False,
        market["module"].pk: True,
    }
    # and restoring brings it back
    restored = client.post(f"/api/v1/matches/{market['module'].pk}/restore", {}, format="json")
    assert restored.json()["feedback"]["dismissed"] is False


def test_an_unknown_reason_is_a_400_in_the_one_error_shape(market):
    response = _key_client(market["enterprise"]).post(
        f"/api/v1/matches/{market['module'].pk}/dismiss", {"reason": "meh"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_other_without_words_is_refused_by_the_service(market):
    response = _key_client(market["enterprise"]).post(
        f"/api/v1/matches/{market['module'].pk}/dismiss", {"reason": "other"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "note" in response.json()["error"]["fields"]


def test_a_partner_requests_an_introduction(market):
    response = _key_client(market["enterprise"]).post(
        f"/api/v1/matches/{market['meter'].pk}/request-introduction",
        {"note": "本月内"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["origin"], body["note"]) == (
        "suggested",
        "enterprise_request",
        "本月内",
    )
    # asking again once a coordinator approved it is a conflict
    Match.objects.filter(pk=market["meter"].pk).update(status=Match.Status.APPROVED)
    again = _key_client(market["enterprise"]).post(
        f"/api/v1/matches/{market['meter'].pk}/request-introduction", {}, format="json"
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_in_progress")


def test_another_organisations_match_is_not_found(market):
    stranger = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    client = _key_client(stranger)
    for path in ("shortlist", "dismiss", "restore", "request-introduction"):
        response = client.post(
            f"/api/v1/matches/{market['meter'].pk}/{path}", {"reason": "price"}, format="json"
        )
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_the_vendor_may_read_the_match_but_not_judge_it_for_the_enterprise(market):
    client = _key_client(market["vendor"])
    response = client.post(f"/api/v1/matches/{market['meter'].pk}/shortlist", {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_demand_owner")
    # and never reads the enterprise's verdicts
    detail = client.get(f"/api/v1/matches/{market['meter'].pk}").json()
    assert detail["feedback"] is None


def test_a_key_without_the_write_scope_is_refused(market):
    client = _key_client(market["enterprise"], scopes=("matches:read",))
    response = client.post(f"/api/v1/matches/{market['meter'].pk}/shortlist", {}, format="json")
    assert response.status_code == 403
