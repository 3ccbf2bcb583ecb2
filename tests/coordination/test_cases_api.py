"""The typical-case API: the library is public, nothing before publication leaks, and every
refusal is a 4xx with a machine code."""

import pytest
from django.utils import timezone

from apps.accounts.models import Organization
from apps.accounts.services import apikey_create
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db

ASSESSED = {
    "title": "河北 20 万只 NB-IoT 水表",
    "summary": "深度覆盖井下表计。",
    "results": "抄表率 99%。",
    "assessment": {
        "technology": {"rating": "strong", "note": ""},
        "results": {"rating": "adequate", "note": ""},
        "replicability": {"rating": "adequate", "note": ""},
    },
}


@pytest.fixture
def won_match(enterprise_org, vendor_org):
    offering = factories.OfferingFactory(organization=vendor_org, technologies=["nb_iot"])
    demand = factories.DemandFactory(organization=enterprise_org)
    return factories.stored_match(demand, offering, score=88.0, status=Match.Status.WON)


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_nominate_consent_edit_publish_and_the_public_library(
    api, client_for, won_match, enterprise_user, vendor_user, coordinator_user, vendor_org
):
    vendor, enterprise = client_for(vendor_user), client_for(enterprise_user)
    coordinator = client_for(coordinator_user)
    # a party nominates: 201, every party pending, nothing public
    created = vendor.post("/api/v1/cases", {"match": won_match.pk, "note": "效果好"}, format="json")
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["status"] == "nominated"
    assert {c["decision"] for c in case["consents"]} == {"pending"}
    assert api.get("/api/v1/cases").json()["results"] == []
    _error(api.get(f"/api/v1/cases/{case['id']}"), 404, "not_found")
    # publishing before consent: wrong state
    _error(coordinator.post(f"/api/v1/cases/{case['id']}/publish"), 409, "invalid_transition")
    # both parties consent
    for client in (enterprise, vendor):
        answered = client.post(
            f"/api/v1/cases/{case['id']}/consent", {"grant": True}, format="json"
        )
        assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "in_review"
    # the coordinator must assess before publishing
    _error(coordinator.post(f"/api/v1/cases/{case['id']}/publish"), 400, "assessment_incomplete")
    edited = coordinator.put(f"/api/v1/cases/{case['id']}", ASSESSED, format="json")
    assert edited.status_code == 200, edited.content
    published = coordinator.post(f"/api/v1/cases/{case['id']}/publish")
    assert published.json()["status"] == "published"
    # the public sees it, with its offering and vendor, but not the parties' consents
    listed = api.get("/api/v1/cases").json()["results"]
    assert [row["id"] for row in listed] == [case["id"]]
    assert listed[0]["offerings"] == [won_match.offering_id]
    assert listed[0]["vendors"] == [vendor_org.pk]
    assert listed[0]["consents"] is None and listed[0]["assessment"] is None


def test_wrong_party_and_wrong_state_are_4xx_with_codes(
    client_for, won_match, enterprise_user, vendor_user, coordinator_user, vendor_org
):
    stranger = client_for(factories.member(factories.OrganizationFactory(), "stranger"))
    enterprise, vendor = client_for(enterprise_user), client_for(vendor_user)
    # a match the caller cannot see is a 404
    _error(stranger.post("/api/v1/cases", {"match": won_match.pk}, format="json"), 404, "not_found")
    case = enterprise.post("/api/v1/cases", {"match": won_match.pk}, format="json").json()
    _error(
        enterprise.post("/api/v1/cases", {"match": won_match.pk}, format="json"), 409, "case_exists"
    )
    # the enterprise cannot answer for the vendor
    _error(
        enterprise.post(
            f"/api/v1/cases/{case['id']}/consent",
            {"grant": True, "organization": vendor_org.pk},
            format="json",
        ),
        403,
        "not_a_party",
    )
    # only coordinators edit, publish or reject
    _error(vendor.post(f"/api/v1/cases/{case['id']}/publish"), 403, "permission_denied")
    _error(
        vendor.put(f"/api/v1/cases/{case['id']}", ASSESSED, format="json"), 403, "permission_denied"
    )
    _error(
        vendor.post(f"/api/v1/cases/{case['id']}/reject", {"reason": "x"}, format="json"),
        403,
        "permission_denied",
    )
    # a declined case takes no more answers
    enterprise.post(f"/api/v1/cases/{case['id']}/consent", {"grant": False}, format="json")
    _error(
        vendor.post(f"/api/v1/cases/{case['id']}/consent", {"grant": True}, format="json"),
        409,
        "invalid_transition",
    )
    _error(
        client_for(coordinator_user).post(f"/api/v1/cases/{case['id']}/reject", {"reason": "x"}),
        409,
        "invalid_transition",
    )


def test_an_api_key_needs_the_matches_scope_to_nominate(api, won_match, vendor_org):
    _key, secret = apikey_create(
        actor=None, name="ro", organization=vendor_org, scopes=["matches:read"]
    )
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    _error(
        api.post("/api/v1/cases", {"match": won_match.pk}, format="json"), 403, "permission_denied"
    )
    assert api.get("/api/v1/cases").status_code == 200


def test_bundle_vendor_member_of_two_parties_must_name_one(enterprise_org, client_for):
    both = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    other = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    factories.member(both, "two-hats")
    user = factories.member(other, "two-hats")
    parts = [factories.OfferingFactory(organization=org) for org in (both, other)]
    match = Match.objects.create(
        demand=factories.DemandFactory(organization=enterprise_org),
        bundle_offering_ids=[o.pk for o in parts],
        vendor_ids=[both.pk, other.pk],
        pair_key="b:" + "-".join(str(o.pk) for o in parts),
        score=70.0,
        engine_version="test",
        computed_at=timezone.now(),
        status=Match.Status.WON,
    )
    client = client_for(user)
    case = client.post("/api/v1/cases", {"match": match.pk}, format="json").json()
    url = f"/api/v1/cases/{case['id']}/consent"
    _error(client.post(url, {"grant": True}, format="json"), 400, "organization_required")
    answered = client.post(url, {"grant": True, "organization": other.pk}, format="json")
    assert answered.status_code == 200
    decisions = {c["organization"]: c["decision"] for c in answered.json()["consents"]}
    assert decisions[other.pk] == "granted" and decisions[both.pk] == "pending"
