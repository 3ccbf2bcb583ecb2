"""Matching REST API: what each kind of caller sees and may do."""

from __future__ import annotations

import pytest

from apps.demands.models import Demand
from apps.matching import services
from apps.matching.models import Match
from tests import factories

from .test_services import module, reference, water_meters  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(db):
    vendor = factories.OrganizationFactory(name="移远通信")
    rival = factories.OrganizationFactory(name="广和通")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    ours, theirs = module(vendor), module(rival, price_min=24, price_max=30)
    demand = water_meters(enterprise, visibility=Demand.Visibility.ANONYMOUS)
    services.demand_match(demand_id=demand.id)
    return {
        "demand": demand,
        "ours": ours,
        "theirs": theirs,
        "vendor": factories.member(vendor, "v1"),
        "rival": factories.member(rival, "v2"),
        "enterprise": factories.member(enterprise, "e1"),
        "coordinator": factories.coordinator(),
    }


def test_the_enterprise_sees_ranked_matches_with_explanations(client_for, market):
    response = client_for(market["enterprise"]).get(
        f"/api/v1/demands/{market['demand'].id}/matches"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["offering"]["id"] for r in results] == [market["ours"].id, market["theirs"].id]
    assert results[0]["score"] >= results[1]["score"]
    assert results[0]["explanation"].startswith("匹配度")
    assert results[0]["breakdown"]["region"]["zh"]


def test_explanations_are_rendered_in_the_callers_language_from_the_stored_facts(
    client_for, market
):
    # given a rival whose price is now above the budget (stored as facts, not sentences)
    Match.objects.filter(demand=market["demand"]).delete()
    market["theirs"].price_min, market["theirs"].price_max = 30, 40
    market["theirs"].save()
    services.demand_match(demand_id=market["demand"].id)
    stored = Match.objects.get(offering=market["theirs"])
    assert stored.breakdown["price"]["facts"] == {"price": 35, "budget": 25}
    assert stored.explanation_en == ""
    # when the enterprise reads the matches in English
    response = client_for(market["enterprise"]).get(
        f"/api/v1/demands/{market['demand'].id}/matches", HTTP_ACCEPT_LANGUAGE="en"
    )
    # then every criterion, the unmet budget and the summary read as English sentences
    rival = next(r for r in response.json()["results"] if r["offering"]["id"] == stored.offering_id)
    assert rival["explanation"].startswith(f"Match score {rival['score']:.0f}: ")
    assert rival["breakdown"]["price"]["en"] == (
        "Unit price about CNY 35, above the CNY 25 budget by 40%."
    )
    assert rival["breakdown"]["price"]["zh"] == "参考单价约 35 元，超出单位预算 25 元 40%。"
    assert "NB-IoT" in rival["breakdown"]["technology"]["en"]
    assert {"code": "price", "en": rival["breakdown"]["price"]["en"]}.items() <= rival["unmet"][
        0
    ].items()
    assert rival["unmet"][0]["figures"] == {"price": 35.0, "budget": 25.0}


def test_a_vendor_sees_only_its_own_matches_and_not_the_anonymous_enterprise(client_for, market):
    client = client_for(market["vendor"])
    results = client.get(f"/api/v1/demands/{market['demand'].id}/matches").json()["results"]
    assert [r["offering"]["id"] for r in results] == [market["ours"].id]
    assert results[0]["demand"]["organization"] is None
    mine = client.get(f"/api/v1/offerings/{market['ours'].id}/matching-demands").json()
    assert [r["demand"]["id"] for r in mine["results"]] == [market["demand"].id]
    rival_match = Match.objects.get(offering=market["theirs"])
    assert client.get(f"/api/v1/matches/{rival_match.id}").status_code == 404
    assert (
        client.get(f"/api/v1/offerings/{market['theirs'].id}/matching-demands").status_code == 404
    )


def test_coordinator_approves_and_others_cannot(client_for, market):
    match = Match.objects.get(offering=market["ours"])
    denied = client_for(market["vendor"]).post(f"/api/v1/matches/{match.id}/approve", {})
    assert denied.status_code == 403
    response = client_for(market["coordinator"]).post(
        f"/api/v1/matches/{match.id}/approve", {"note": "ok"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = client_for(market["coordinator"]).post(f"/api/v1/matches/{match.id}/approve", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"


def test_advice_for_an_unsaved_profile(client_for, market):
    response = client_for(market["enterprise"]).post(
        "/api/v1/advice",
        {
            "power_source": "battery",
            "battery_life_years": "8",
            "coverage_depth": 2,
            "uplink_kbps": 1,
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["recommended"] == "nb_iot"
    bad = client_for(market["enterprise"]).post("/api/v1/advice", {"mobility": 9}, format="json")
    assert bad.status_code == 400 and "mobility" in bad.json()["error"]["fields"]


def test_mismatch_summary_is_for_coordinators(client_for, market):
    assert client_for(market["vendor"]).get("/api/v1/mismatches/summary").status_code == 403
    response = client_for(market["coordinator"]).get("/api/v1/mismatches/summary")
    assert response.status_code == 200 and "open_flags" in response.json()
