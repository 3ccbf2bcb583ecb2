"""Public pages: headline figures and listing search with facets."""

from __future__ import annotations

import pytest

from apps.demands.models import Demand
from apps.search.services import search_reindex
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(reference):
    vendor = factories.OrganizationFactory(name="移远通信")
    factories.OfferingFactory(
        organization=vendor, name="BC260Y NB-IoT 水表模组", technologies=["nb_iot"]
    )
    factories.OfferingFactory(organization=vendor, name="EG800Q Cat.1 模组", technologies=["cat1"])
    factories.DemandFactory(
        title="匿名燃气表项目", visibility=Demand.Visibility.ANONYMOUS, technologies=["nb_iot"]
    )
    search_reindex()


def test_home_shows_headline_figures(market, client):
    body = client.get("/").content.decode()
    assert '<span class="figure" id="fig-offerings">2</span>' in body
    assert '<span class="figure" id="fig-demands">1</span>' in body


def test_search_finds_offerings_by_chinese_text_with_technology_facets(market, client):
    body = client.get("/search/", {"q": "水表"}).content.decode()
    assert "<em>水表</em>" in body
    assert "EG800Q" not in body
    assert 'name="technology" value="nb_iot"' in body


def test_a_technology_facet_narrows_the_results(market, client):
    body = client.get("/search/", {"technology": "cat1"}).content.decode()
    assert "EG800Q" in body
    assert "BC260Y" not in body


def test_anonymous_demands_are_found_without_their_enterprise(market, client):
    body = client.get("/search/", {"entity": "demand", "q": "燃气表"}).content.decode()
    assert "匿名企业" in body
    demand = Demand.objects.get()
    assert demand.organization.name not in body


def test_a_bad_cursor_is_a_message_not_an_error_page(market, client):
    response = client.get("/search/", {"cursor": "garbage"})
    assert response.status_code == 200
    assert "翻页游标无效" in response.content.decode()


def test_the_function_facet_shows_translated_names_and_narrows_the_results(market, client):
    # given: a water meter whose own words are 远传表, and the market's modules
    from apps.catalog.models import Function

    factories.OfferingFactory(
        name="LXSY NB-IoT 远传表",
        kind=factories.kind("terminal"),
        function=Function.objects.get(code="water_meter"),
        technologies=["nb_iot"],
    )
    search_reindex()
    # when
    body = client.get("/search/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/search/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    narrowed = client.get("/search/", {"function": "water_meter"}).content.decode()
    # then: a checkbox per function, named in the reader's language, never by its code
    assert 'name="function" value="water_meter"' in body
    assert "智能水表" in body
    assert "Smart water meter" in english
    assert ">产品功能</h3>" in body
    assert "water_meter</span>" not in body
    assert "LXSY" in narrowed
    assert "BC260Y" not in narrowed
    assert 'value="water_meter" checked' in narrowed
