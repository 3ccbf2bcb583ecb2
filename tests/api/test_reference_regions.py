"""Reference regions over the API: counties listed under their parent, filters checked."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db):
    call_command("load_reference", verbosity=0)


def test_the_counties_of_a_city_are_listed_by_parent(api, regions):
    # when a partner asks for what lies under Shijiazhuang
    response = api.get("/api/v1/reference/regions", {"parent": "130100"})
    # then it gets the city's counties, named in both languages, and nothing else
    assert response.status_code == 200
    rows = response.json()
    assert {row["parent"] for row in rows} == {"130100"}
    assert {row["level"] for row in rows} == {"county"}
    chang_an = next(row for row in rows if row["code"] == "130102")
    assert (chang_an["name_zh"], chang_an["name_en"]) == ("长安区", "Chang'an District")
    # a municipality's districts hang from the province itself
    beijing = api.get("/api/v1/reference/regions", {"parent": "110000", "level": "county"})
    assert "110101" in {row["code"] for row in beijing.json()}


def test_regions_list_every_level_and_filter_by_level(api, regions):
    every = api.get("/api/v1/reference/regions").json()
    assert {row["level"] for row in every} == {"province", "city", "county"}
    provinces = api.get("/api/v1/reference/regions", {"level": "province"}).json()
    assert len(provinces) == 34


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"province": "130000"}, "unknown_query_parameter", "province"),
        ({"level": "village"}, "invalid_choice", "level"),
    ],
)
def test_unknown_filters_and_levels_are_refused(api, regions, query, code, field):
    response = api.get("/api/v1/reference/regions", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]


def test_other_reference_lists_keep_their_one_filter_and_refuse_the_rest(api, regions):
    assert api.get("/api/v1/reference/scenarios", {"sector": "municipal"}).status_code == 200
    assert api.get("/api/v1/reference/functions", {"kind": "module"}).status_code == 200
    refused = api.get("/api/v1/reference/sectors", {"kind": "module"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unknown_query_parameter"
