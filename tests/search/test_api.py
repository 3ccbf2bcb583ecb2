"""GET /api/v1/search/{offerings,demands}: what a partner or the web UI sees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.models import Organization
from apps.search.services import search_reindex
from tests import factories

pytestmark = pytest.mark.django_db

OFFERINGS = "/api/v1/search/offerings"
DEMANDS = "/api/v1/search/demands"


@pytest.fixture
def catalogue(db):
    vendor = factories.OrganizationFactory(name="移远通信")
    meter = factories.OfferingFactory(
        organization=vendor,
        name="智能水表远程抄表方案",
        model_number="BC260Y-CN",
        description="NB-IoT 水表模组，十年电池",
        kind=factories.kind("module"),
        technologies=["nb_iot"],
        sectors=["municipal"],
        price_min=Decimal("15"),
    )
    tracker = factories.OfferingFactory(
        name="冷链温湿度追踪器",
        kind=factories.kind("terminal"),
        technologies=["cat1"],
        sectors=["transport_logistics"],
        price_min=Decimal("150"),
        price_max=Decimal("200"),
    )
    factories.OfferingFactory(name="水表草稿", status="draft")
    search_reindex()
    return {"meter": meter, "tracker": tracker}


def test_offering_search_returns_hits_highlights_facets_and_no_drafts(api, catalogue):
    # when
    response = api.get(OFFERINGS, {"q": "水表"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["total_exact"] is True
    (hit,) = body["results"]
    assert hit["id"] == catalogue["meter"].pk
    assert hit["name"] == "智能水表远程抄表方案"
    assert hit["vendor"] == {
        "id": catalogue["meter"].organization_id,
        "name": "移远通信",
        "verified": True,
    }
    assert hit["highlights"]["name"] == "智能<em>水表</em>远程抄表方案"
    assert hit["price_min"] == "15.00"
    assert body["facets"]["kind"] == [{"key": "module", "count": 1}]
    assert set(body["facets"]) == {
        "kind",
        "function",
        "scenario",
        "sector",
        "technology",
        "region",
        "certification",
        "price",
        "verified",
    }
    assert body["next"] is None


def test_filters_accept_repeated_or_comma_separated_values(api, catalogue):
    repeated = api.get(OFFERINGS, {"technology": ["nb_iot", "cat1"], "sort": "price"}).json()
    commas = api.get(OFFERINGS + "?technology=nb_iot,cat1&sort=price").json()
    expected = [catalogue["meter"].pk, catalogue["tracker"].pk]
    assert [h["id"] for h in repeated["results"]] == expected
    assert [h["id"] for h in commas["results"]] == expected
    only = api.get(OFFERINGS, {"kind": "terminal", "price_min": "100", "verified": "true"})
    assert [h["id"] for h in only.json()["results"]] == [catalogue["tracker"].pk]


def test_next_link_walks_the_pages(api, catalogue):
    first = api.get(OFFERINGS, {"page_size": 1, "sort": "price"}).json()
    assert first["next_cursor"]
    second = api.get(first["next"]).json()
    assert [first["results"][0]["id"], second["results"][0]["id"]] == [
        catalogue["meter"].pk,
        catalogue["tracker"].pk,
    ]
    assert second["next"] is None


def test_anonymous_demands_come_without_the_enterprise(api):
    # given
    org = factories.OrganizationFactory(name="保定水务集团", role=Organization.Role.ENTERPRISE)
    factories.DemandFactory(organization=org, title="智能水表 公开", volume=5000)
    factories.DemandFactory(organization=org, title="智能水表 匿名", visibility="anonymous")
    factories.DemandFactory(organization=org, title="智能水表 内部", visibility="coordinators")
    search_reindex()
    # when
    body = api.get(DEMANDS, {"q": "水表"}).json()
    # then
    by_title = {hit["title"]: hit for hit in body["results"]}
    assert set(by_title) == {"智能水表 公开", "智能水表 匿名"}
    assert by_title["智能水表 匿名"]["organization"] is None
    assert by_title["智能水表 匿名"]["anonymous"] is True
    assert by_title["智能水表 公开"]["organization"]["name"] == "保定水务集团"
    assert "保定水务集团" not in str(by_title["智能水表 匿名"])
    assert "0311-12345678" not in str(body)
    assert {b["key"] for b in body["facets"]["volume"]} == {"1k_10k", "100k_1m"}


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"q": "水" * 10_000}, "max_length", "q"),
        ({"q": "水" * 201}, "max_length", "q"),
        ({"region": "北京"}, "invalid", "region"),
        ({"sector": "municipal'; DROP TABLE x"}, "invalid", "sector"),
        ({"price_min": "abc"}, "invalid", "price_min"),
        ({"price_min": "NaN"}, "invalid", "price_min"),
        ({"price_min": "-1"}, "min_value", "price_min"),
        ({"price_min": "50", "price_max": "10"}, "price_range_invalid", "price_max"),
        ({"scenario": "municipal.nowhere"}, "invalid", "scenario"),
        ({"sort": "name"}, "invalid_choice", "sort"),
        ({"page_size": "0"}, "min_value", "page_size"),
        ({"page_size": "1000"}, "max_value", "page_size"),
        ({"verified": "maybe"}, "invalid", "verified"),
        ({"q": "水表\x00"}, "invalid_characters", "q"),
    ],
)
def test_bad_parameters_are_400_in_the_error_shape(api, params, code, field):
    response = api.get(OFFERINGS, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert field in {key.split(".")[0] for key in error["fields"]}


def test_a_price_range_upside_down_says_so_in_the_readers_language(api):
    # when
    chinese = api.get(OFFERINGS, {"price_min": "50", "price_max": "10"}).json()["error"]
    english = api.get(
        OFFERINGS, {"price_min": "50", "price_max": "10"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["error"]
    # then
    assert chinese["code"] == english["code"] == "price_range_invalid"
    assert chinese["message"] == "价格上限不能低于价格下限。"
    assert english["fields"]["price_max"] == ["The upper price cannot be below the lower price."]


def test_an_overlong_query_says_so_in_chinese(api):
    response = api.get(OFFERINGS, {"q": "水" * 10_000})
    assert response.json()["error"]["fields"]["q"] == ["搜索词过长：最多 200 个字符。"]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJzIjoicHJpY2UiLCJrIjpbImFiYyIsMV19", "eyJzIjoicmVjZW50IiwiayI6WzEsMl19", "%00"],
)
def test_a_forged_cursor_is_400_invalid_cursor(api, catalogue, cursor):
    response = api.get(OFFERINGS, {"cursor": cursor, "sort": "price"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "q",
    [
        '"水表" OR 1=1',
        "😀😀",
        "\u200b\u200b",
        "*:*",
        "a" * 200,
        "%_\\",
        "水表 -电表 +x",
    ],
)
def test_hostile_queries_never_fail(api, catalogue, q):
    for url in (OFFERINGS, DEMANDS):
        response = api.get(url, {"q": q})
        assert response.status_code == 200, response.content
        assert "results" in response.json()


def test_the_schema_documents_both_searches(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    offerings = schema["paths"]["/api/v1/search/offerings"]["get"]
    names = {p["name"] for p in offerings["parameters"]}
    assert {
        "q",
        "kind",
        "sector",
        "technology",
        "region",
        "certification",
        "price_min",
        "price_max",
        "verified",
        "sort",
        "cursor",
        "page_size",
    } <= names
    assert "400" in offerings["responses"]
    assert "volume" in {
        p["name"] for p in schema["paths"]["/api/v1/search/demands"]["get"]["parameters"]
    }


@pytest.fixture
def functions_market(db):
    from tests.search.test_functions import function

    water, gas = function("water_meter"), function("gas_meter")
    remote = factories.OfferingFactory(
        name="NB-IoT 远传表",
        description="无磁计量",
        kind=factories.kind("terminal"),
        function=water,
    )
    gas_meter = factories.OfferingFactory(
        name="NB-IoT 智能燃气表", kind=factories.kind("terminal"), function=gas
    )
    national = factories.DemandFactory(
        title="全国水务集团远传表集采", nationwide=True, regions=[], functions=["water_meter"]
    )
    local = factories.DemandFactory(title="城市燃气表更换", functions=["gas_meter"])
    search_reindex()
    return {"remote": remote, "gas": gas_meter, "national": national, "local": local}


def test_offerings_filter_and_facet_by_function(api, functions_market):
    # when
    body = api.get(OFFERINGS, {"function": "water_meter"}).json()
    everything = api.get(OFFERINGS + "?function=water_meter,gas_meter").json()
    # then
    assert [hit["id"] for hit in body["results"]] == [functions_market["remote"].pk]
    assert body["results"][0]["function"] == "water_meter"
    # the chosen group keeps its other values visible (multi-select): choosing the gas meter
    # too would add one
    assert body["facets"]["function"] == [
        {"key": "gas_meter", "count": 1},
        {"key": "water_meter", "count": 1},
    ]
    assert everything["total"] == 2
    assert everything["facets"]["function"] == [
        {"key": "gas_meter", "count": 1},
        {"key": "water_meter", "count": 1},
    ]
    # and the function's own words find it
    found = api.get(OFFERINGS, {"q": "水表"}).json()
    assert [hit["id"] for hit in found["results"]] == [functions_market["remote"].pk]


def test_demands_filter_by_function_and_show_nationwide(api, functions_market):
    # when
    body = api.get(DEMANDS, {"function": "water_meter"}).json()
    everything = api.get(DEMANDS).json()
    # then
    (hit,) = body["results"]
    assert hit["id"] == functions_market["national"].pk
    assert hit["functions"] == ["water_meter"]
    assert hit["nationwide"] is True
    assert hit["regions"] == []
    assert everything["facets"]["function"] == [
        {"key": "gas_meter", "count": 1},
        {"key": "water_meter", "count": 1},
    ]
    assert everything["facets"]["region"] == [
        {"key": "nationwide", "count": 1},
        {"key": "130000", "count": 2},
    ]
    elsewhere = api.get(DEMANDS, {"region": "440300"}).json()
    assert [h["id"] for h in elsewhere["results"]] == [functions_market["national"].pk]


@pytest.mark.parametrize("url", [OFFERINGS, DEMANDS])
def test_an_unknown_function_is_400_in_the_error_shape(api, functions_market, url):
    # when
    response = api.get(url, {"function": ["water_meter", "teleporter"]})
    malformed = api.get(url, {"function": "Water Meter"})
    english = api.get(url, {"function": "teleporter"}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"function": ["未知代码：teleporter"]}
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "invalid"
    assert "function" in {key.split(".")[0] for key in malformed.json()["error"]["fields"]}
    assert english.json()["error"]["fields"] == {"function": ["Unknown codes: teleporter"]}


def test_the_schema_documents_the_function_filter_and_facet(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/search/offerings", "/api/v1/search/demands"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["function"]["schema"]["type"] == "array"
        assert parameters["function"]["explode"] is True
    components = schema["components"]["schemas"]
    assert "function" in components["OfferingSearchFacets"]["properties"]
    assert "function" in components["DemandSearchFacets"]["properties"]
    assert "function" in components["OfferingHit"]["properties"]
    assert {"functions", "nationwide"} <= set(components["DemandHit"]["properties"])
