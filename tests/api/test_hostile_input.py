"""Inputs a hostile client sends: each is a 4xx in the error shape, never a 500 or an HTML page."""

import base64

import pytest

from apps.accounts.credit_code import check_character
from apps.accounts.models import Organization
from apps.catalog.models import Offering
from tests import factories
from tests.api.test_bad_input import BASE_OFFERING
from tests.api.test_organizations import VALID as VALID_ORGANIZATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db):
    factories.scenario("municipal.water_meter", "municipal")
    factories.kind("module")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/offerings", "/api/v1/demands", "/api/v1/webhooks"])
def test_json_nested_2000_deep_is_a_400_on_every_json_endpoint(client_for, vendor_user, path):
    body = '{"name": ' + nested(2000) + "}"  # 4 KB
    response = client_for(vendor_user).post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert "64" in error["message"]


def test_json_nested_within_the_limit_reaches_validation(client_for, reference, vendor_user):
    # given a body nested 64 deep — within the limit, so the serializer judges it
    body = '{"name": "BC260Y", "attributes": ' + nested(63) + "}"
    # when
    response = client_for(vendor_user).post(
        "/api/v1/offerings", data=body, content_type="application/json"
    )
    # then the answer is about the field, not about the nesting
    assert response.status_code == 400
    assert "attributes" in response.json()["error"]["fields"]


def test_brackets_inside_strings_do_not_count_as_nesting(client_for, reference, vendor_user):
    payload = {**BASE_OFFERING, "description": "[{" * 500 + '\\"]' * 10}
    response = client_for(vendor_user).post("/api/v1/offerings", payload, format="json")
    assert response.status_code == 201, response.content[:300]
    assert Offering.objects.get().description.startswith("[{[{")


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/reference/regions?parent=%00", "parent"),
        ("/api/v1/reference/scenarios?sector=%00", "sector"),
        ("/api/v1/reference/regions?level=province%01", "level"),
        ("/api/v1/offerings?kind=mod%00ule", "kind"),
        ("/api/v1/search/offerings?q=%E6%B0%B4%00%E8%A1%A8", "q"),
        ("/api/v1/offerings?x%00y=1", "x?y"),
    ],
)
def test_control_characters_in_a_query_parameter_are_a_400_without_authentication(
    api, reference, path, parameter
):
    response = api.get(path)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "invalid_characters"
    assert list(error["fields"]) == [parameter]


def test_control_characters_on_a_page_are_a_plain_400(client, reference):
    response = client.get("/search/?q=%00")
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


def test_ordinary_text_with_spaces_and_chinese_passes_the_guard(api, reference):
    response = api.get("/api/v1/reference/regions?parent=130000&level=city")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/offerings/1/nope", "/api/v2/"])
def test_unknown_api_urls_are_a_json_404_in_the_error_shape(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_api_urls_missing_only_their_slash_still_redirect(api):
    response = api.get("/api/docs")
    assert response.status_code == 301
    assert response["Location"] == "/api/docs/"


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        base64.b64encode(b"o=abc").decode(),
        base64.b64encode(b"p=not-a-number").decode(),
        "%E6%B0%B4",
    ],
)
def test_a_malformed_cursor_is_a_400_invalid_cursor(api, cursor):
    factories.OfferingFactory.create_batch(3, status=Offering.Status.PUBLISHED)
    response = api.get(f"/api/v1/offerings?page_size=1&cursor={cursor}")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor"
    assert "cursor" in error["fields"]


def test_a_cursor_the_api_issued_still_pages(api):
    factories.OfferingFactory.create_batch(3, status=Offering.Status.PUBLISHED)
    first = api.get("/api/v1/offerings?page_size=2").json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1


def test_every_null_in_an_organisation_is_nullable_in_the_schema(
    api, client_for, vendor_org, enterprise_user
):
    # given what another organisation sees of a vendor: contacts withheld as null
    body = client_for(enterprise_user).get(f"/api/v1/organizations/{vendor_org.pk}").json()
    nulls = {name for name, value in body.items() if value is None}
    assert {"contact_name", "contact_phone", "contact_email", "credit_code"} <= nulls
    # when the published schema describes that response
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    properties = schema["components"]["schemas"]["OrganizationOut"]["properties"]
    # then each of those fields is declared nullable
    assert {name for name in nulls if not properties[name].get("nullable")} == set()


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    "code",
    [
        "000000000000000000",  # its check character is right: it passed before
        *(with_check(char * 17) for char in "123456789ANY"),  # one character repeated
        with_check("91000000" + "000000000"),  # no division 000000
        with_check("0" + "1130100" + "MA07DEM10"),  # no registration authority 0
        with_check("91130100" + "MA07DEM11"),  # organisation code check character wrong
    ],
)
def test_degenerate_credit_codes_are_refused_by_the_api(client_for, code):
    factories.region("130000", "河北省")
    user = factories.UserFactory(username="newcomer")
    response = client_for(user).post(
        "/api/v1/organizations", {**VALID_ORGANIZATION, "credit_code": code}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"].startswith("invalid_credit_code")
    assert "credit_code" in response.json()["error"]["fields"]
    assert not Organization.objects.exists()
