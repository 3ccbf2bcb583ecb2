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


def test_advice_for_a_stored_demand_follows_its_profile(client_for, market):
    # given the enterprise's water-meter demand (battery for 8 years, deep indoor coverage)
    url = f"/api/v1/demands/{market['demand'].id}/advice"
    # when its owner asks for technology advice
    response = client_for(market["enterprise"]).get(url)
    # then NB-IoT is advised
    assert response.status_code == 200
    assert response.json()["recommended"] == "nb_iot"


def test_mismatch_summary_is_for_coordinators(client_for, market):
    assert client_for(market["vendor"]).get("/api/v1/mismatches/summary").status_code == 403
    response = client_for(market["coordinator"]).get("/api/v1/mismatches/summary")
    assert response.status_code == 200 and "open_flags" in response.json()


def test_another_organisations_demand_matches_are_a_404_like_a_match(client_for, market):
    # given an enterprise that is not the demand's, and a vendor with one offering on it
    stranger = factories.member(
        factories.OrganizationFactory(name="保定水务", role="enterprise"), "e2"
    )
    url = f"/api/v1/demands/{market['demand'].id}/matches"
    one_match = Match.objects.filter(demand=market["demand"]).first()
    # when each asks for the demand's recommendations
    refused = client_for(stranger).get(url)
    rival = client_for(market["rival"]).get(url)
    # then the stranger learns nothing (404, as for /matches/{id}), the vendor sees only its own
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
    assert client_for(stranger).get(f"/api/v1/matches/{one_match.id}").status_code == 404
    assert rival.status_code == 200
    assert [r["offering"]["id"] for r in rival.json()["results"]] == [market["theirs"].id]


def _flag(*, demand=None, offering=None, code="no_supply"):
    from django.utils import timezone

    from apps.matching.models import MismatchFlag

    subject = f"demand:{demand.id}" if demand else f"offering:{offering.id}"
    return MismatchFlag.objects.create(
        subject_type="demand" if demand else "offering",
        demand=demand,
        offering=offering,
        subject_key=subject,
        code=code,
        severity="high",
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )


def test_mismatches_filter_by_demand_and_offering(client_for, market):
    # given flags on two of the enterprise's demands and on an offering
    other_demand = water_meters(market["demand"].organization, visibility="anonymous")
    wanted = _flag(demand=market["demand"])
    _flag(demand=other_demand)
    on_offering = _flag(offering=market["ours"], code="no_demand")
    client = client_for(market["coordinator"])
    # when a caller filters by one demand, then by one offering
    by_demand = client.get(f"/api/v1/mismatches?demand={market['demand'].id}").json()
    by_offering = client.get(f"/api/v1/mismatches?offering={market['ours'].id}").json()
    # then only that subject's flags come back
    assert [row["id"] for row in by_demand["results"]] == [wanted.id]
    assert [row["id"] for row in by_offering["results"]] == [on_offering.id]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/mismatches?demnad=1",
        "/api/v1/offerings?sectr=municipal",
        "/api/v1/demands?colour=blue",
        "/api/v1/demands/{demand}/matches?minimum_score=80",
    ],
)
def test_unknown_query_filters_are_refused_not_ignored(client_for, market, url):
    # when a list is asked for with a misspelt or unsupported filter, in English
    response = client_for(market["enterprise"]).get(
        url.format(demand=market["demand"].id), HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the API refuses it and names the parameter and the ones it knows
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_query_parameter"
    unknown = url.split("?")[1].split("=")[0]
    assert list(error["fields"]) == [unknown]
    assert error["message"].startswith(f"Unsupported query parameter: {unknown}.")
    assert "cursor" in error["message"]


def test_known_filters_and_paging_parameters_still_work(client_for, market):
    client = client_for(market["enterprise"])
    assert client.get("/api/v1/demands?mine=true&page_size=5").status_code == 200
    assert client.get("/api/v1/offerings?technology=nb_iot&format=json").status_code == 200
    assert client.get("/api/v1/mismatches?open=true&severity=high").status_code == 200
