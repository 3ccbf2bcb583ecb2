"""Bad input is a 4xx with a machine code and a translated message — never a 500, never stored."""

import json

import pytest

from apps.catalog.models import Offering
from apps.demands.models import Demand
from tests import factories
from tests.api.test_demands import demand_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db):
    factories.scenario("municipal.water_meter", "municipal")
    factories.kind("module")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")


BASE_OFFERING = {
    "kind": "module",
    "name": "BC260Y",
    "sectors": ["municipal"],
    "technologies": ["nb_iot"],
    "nationwide": True,
    "price_min": "10",
    "price_max": "20",
    "annual_capacity": 1000,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price_min": "-1"}, "price_min"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_max": "Infinity"}, "price_max"),
        ({"price_min": "abc"}, "price_min"),
        ({"annual_capacity": -5}, "annual_capacity"),
        ({"annual_capacity": "many"}, "annual_capacity"),
        ({"kind": "spaceship"}, "kind"),
        ({"sectors": ["no_such_sector"]}, "sectors"),
        ({"technologies": ["6g"]}, "technologies"),
        ({"nationwide": False, "regions": ["999999"]}, "regions"),
        ({"certifications": ["iso_fake"]}, "certifications"),
        ({"name": "模" * 201}, "name"),
        ({"description": "x" * 10001}, "description"),
        ({"sectors": "municipal"}, "sectors"),
        ({"attributes": ["not", "an", "object"]}, "attributes"),
        ({"name": None}, "name"),
        ({"nationwide": False, "regions": []}, "regions"),
    ],
)
def test_offering_field_errors(client_for, reference, vendor_user, change, field):
    response = client_for(vendor_user).post(
        "/api/v1/offerings", {**BASE_OFFERING, **change}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    assert field in error["fields"], error
    assert not Offering.objects.exists()


def test_min_price_above_max_is_its_own_code(client_for, reference, vendor_user):
    response = client_for(vendor_user).post(
        "/api/v1/offerings", {**BASE_OFFERING, "price_min": "30"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "price_range_invalid"
    assert "下限" in response.json()["error"]["fields"]["price_min"][0]


def test_malformed_json_is_a_400(client_for, reference, vendor_user):
    response = client_for(vendor_user).post(
        "/api/v1/offerings", data='{"name": "BC260Y",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_nan_literal_in_json_is_rejected(client_for, reference, vendor_user):
    body = json.dumps({**BASE_OFFERING}).replace('"10"', "NaN")
    response = client_for(vendor_user).post(
        "/api/v1/offerings", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Offering.objects.exists()


def test_json_array_body_is_a_400(client_for, reference, vendor_user):
    response = client_for(vendor_user).post("/api/v1/offerings", [1, 2], format="json")
    assert response.status_code == 400


def test_messages_follow_the_requested_language(client_for, reference, vendor_user):
    client = client_for(vendor_user)
    zh = client.post("/api/v1/offerings", {**BASE_OFFERING, "price_min": "-1"}, format="json")
    en = client.post(
        "/api/v1/offerings",
        {**BASE_OFFERING, "price_min": "-1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert zh.json()["error"]["fields"]["price_min"] != en.json()["error"]["fields"]["price_min"]
    assert "greater than or equal" in en.json()["error"]["fields"]["price_min"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"volume": 0}, "volume"),
        ({"volume": -10}, "volume"),
        ({"volume": 1.5}, "volume"),
        ({"unit_budget": "-3"}, "unit_budget"),
        ({"sector": "space"}, "sector"),
        ({"regions": ["12345"]}, "regions"),
        ({"regions": ["990000"]}, "regions"),
        ({"kinds_needed": []}, "kinds_needed"),
        ({"kinds_needed": ["teleporter"]}, "kinds_needed"),
        ({"mobility": 9}, "mobility"),
        ({"visibility": "secret"}, "visibility"),
        ({"start_date": "2026-13-45"}, "start_date"),
        ({"battery_life_years": "99"}, "battery_life_years"),
        ({"title": ""}, "title"),
    ],
)
def test_demand_field_errors(client_for, reference, enterprise_user, change, field):
    response = client_for(enterprise_user).post(
        "/api/v1/demands", demand_payload(**{"kinds_needed": ["module"], **change}), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not Demand.objects.exists()


def test_unknown_route_and_method_use_the_error_shape(client_for, reference, vendor_user):
    client = client_for(vendor_user)
    assert client.get("/api/v1/offerings/999999").json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/offerings/1")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_oversize_body_is_a_413_in_the_error_shape(client_for, reference, vendor_user):
    body = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = client_for(vendor_user).post(
        "/api/v1/offerings", data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Offering.objects.exists()
