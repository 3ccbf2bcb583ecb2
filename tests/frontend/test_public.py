"""Public pages: headline figures and listing search with facets."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

from apps.catalog.models import SupplyKind
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


def test_a_typo_or_pinyin_is_read_and_the_page_says_so(market, client):
    # when
    typo = client.get("/search/", {"q": "水标"}).content.decode()
    pinyin = client.get("/search/", {"q": "shuibiao"}).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/search/", {"q": "shuibiao"}).content.decode()
    # then: the water-meter module found, with a link to the query as read
    assert "BC260Y" in typo
    assert 'id="did-you-mean"' in typo
    assert "没有找到“水标”。您是不是要找：" in typo
    assert "q=%E6%B0%B4%E8%A1%A8" in typo  # 水表
    assert "BC260Y" in pinyin
    assert 'Nothing found for "shuibiao". Did you mean' in english
    assert 'id="other-readings"' not in pinyin  # one reading only


def test_two_values_of_one_facet_can_be_chosen_and_the_others_keep_their_counts(market, client):
    # when
    one = client.get("/search/", {"technology": "cat1"}).content.decode()
    both = client.get("/search/?technology=cat1&technology=nb_iot").content.decode()
    # then: NB-IoT stays choosable beside the chosen Cat.1, and choosing both shows both
    assert 'name="technology" value="nb_iot"' in one
    assert 'value="cat1" checked' in one
    assert "BC260Y" in both and "EG800Q" in both


def test_a_price_range_upside_down_is_a_message_at_the_price_fields(market, client):
    # when
    body = client.get("/search/", {"price_min": "50", "price_max": "10"}).content.decode()
    letters = client.get("/search/", {"price_min": "abc"}).content.decode()
    # then
    assert '<p class="errorlist" id="price-error">价格上限不能低于价格下限。</p>' in body
    assert 'aria-invalid="true"' in body
    assert "单价应为不小于 0 的数字。" in letters


def _facts(body: str) -> list[str]:
    return re.findall(r'<article class="hit card">.*?<small>(.*?)</small>', body, re.S)


def test_a_result_states_its_price_in_its_unit_as_its_page_does(reference, client):
    # given a module priced per device and an IoT card priced per card-month
    vendor = factories.OrganizationFactory(name="移远通信")
    factories.OfferingFactory(
        organization=vendor, name="NB-IoT 模组 甲", price_min=Decimal("12"), price_max=Decimal("15")
    )
    factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 物联网卡 乙",
        kind=SupplyKind.objects.get(code="connectivity"),
        attributes={"price_unit": "card_month"},
        price_min=Decimal("1.5"),
        price_max=Decimal("1.5"),
    )
    search_reindex()
    # when they are searched for
    facts = " | ".join(_facts(client.get("/search/", {"q": "NB-IoT"}).content.decode()))
    # then each price carries its unit, the monthly one per card-year as on its page
    assert "12–15 元/台" in facts and "18 元/卡/年" in facts
    client.cookies["django_language"] = "en"
    facts = " | ".join(_facts(client.get("/search/", {"q": "NB-IoT"}).content.decode()))
    assert "¥12–15 per device" in facts and "¥18 per card-year" in facts


def test_a_demand_result_without_technologies_starts_with_its_regions(reference, client):
    factories.DemandFactory(
        title="扬州智能水表",
        technologies=[],
        nationwide=False,
        regions=["321000"],
        unit_budget=None,
    )
    search_reindex()
    (facts,) = _facts(client.get("/search/", {"entity": "demand", "q": "水表"}).content.decode())
    assert facts.startswith("扬州市 · 规模 "), facts
    assert "预算" not in facts


def test_a_later_page_of_results_leads_back_to_the_one_before(reference, client):
    vendor = factories.OrganizationFactory(name="宁水仪表")
    for n in range(45):
        factories.OfferingFactory(organization=vendor, name=f"NB-IoT 智能水表 {n:02d}")
    search_reindex()
    first = client.get("/search/", {"q": "水表", "sort": "recent"}).content.decode()
    assert 'rel="prev"' not in first
    second = client.get(_link(first, "next")).content.decode()
    third = client.get(_link(second, "next")).content.decode()
    assert 'rel="next"' not in third
    # back from the third page is the second, and back from the second the first
    assert _titles(client.get(_link(third, "prev")).content.decode()) == _titles(second)
    assert _titles(client.get(_link(second, "prev")).content.decode()) == _titles(first)


def _link(body: str, rel: str) -> str:
    return "/search/" + html.unescape(re.search(rf'href="(\?[^"]+)" rel="{rel}"', body)[1])


def _titles(body: str) -> list[str]:
    return re.findall(r'<a href="/offerings/\d+/"><strong>(.*?)</strong>', body)
