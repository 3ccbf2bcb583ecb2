"""Search that forgives and ranks, as a partner or the web page sees it through
/api/v1/search/*: pinyin, typos, synonyms, English, places, most words, multi-select facets,
scenarios, and the vocabulary kept beside the index."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.catalog.models import Function
from apps.search.models import VocabularyTerm
from apps.search.selectors import _region_names
from apps.search.services import outbox_drain, search_reindex
from tests import factories

pytestmark = pytest.mark.django_db

OFFERINGS = "/api/v1/search/offerings"
DEMANDS = "/api/v1/search/demands"


def names(body: dict) -> list[str]:
    return [hit["name"] for hit in body["results"]]


@pytest.fixture
def market(db):
    call_command("load_reference", verbosity=0)
    _region_names.cache_clear()

    def offering(name, function, kind="terminal", **values):
        return factories.OfferingFactory(
            name=name,
            kind=factories.kind(kind),
            function=Function.objects.get(code=function),
            **values,
        )

    items = {
        "meter": offering(
            "NB-IoT 远传水表",
            "water_meter",
            description="无磁采样，IP68，电池 6 年",
            nationwide=False,
            regions=["130000"],
            scenarios=["municipal.water_meter"],
        ),
        "meter_gd": offering(
            "NB-IoT 光电直读水表", "water_meter", nationwide=False, regions=["440000"]
        ),
        "emeter": offering("单相远程费控电能表", "electricity_meter"),
        "pda": offering("4G 工业手持终端（PDA）", "handheld_pda"),
        "hydrant": offering("智慧消火栓监测终端", "hydrant_monitor"),
        "parking": offering(
            "地磁车位检测器", "parking_sensor", scenarios=["municipal.smart_parking"]
        ),
        "mention": offering(
            "NB-IoT 数据采集终端",
            "dtu",
            description="RS485 采集，可接水表、电表、燃气表等各类表计",
        ),
        "module": offering("FG131 RedCap 模组", "module_redcap", kind="module"),
    }
    search_reindex()
    return items


@pytest.mark.parametrize(
    ("q", "expected", "understood"),
    [
        ("shuibiao", "NB-IoT 远传水表", "水表"),
        ("水标", "NB-IoT 远传水表", "水表"),
        ("地磁检侧器", "地磁车位检测器", "地磁检测器"),
        ("RedCap modle", "FG131 RedCap 模组", "RedCap module"),
    ],
)
def test_pinyin_and_typos_find_what_was_meant_and_say_how_they_were_read(
    api, market, q, expected, understood
):
    # when
    body = api.get(OFFERINGS, {"q": q}).json()
    # then
    assert expected in names(body)
    assert body["did_you_mean"] == understood
    assert body["relaxed"] is False


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("电表", "单相远程费控电能表"),
        ("消防栓", "智慧消火栓监测终端"),
        ("巴枪", "4G 工业手持终端（PDA）"),
        ("water meter", "NB-IoT 远传水表"),
        ("RedCap module", "FG131 RedCap 模组"),
        ("smart parking", "地磁车位检测器"),
    ],
)
def test_synonyms_everyday_words_and_english_names_find_the_listing(api, market, q, expected):
    body = api.get(OFFERINGS, {"q": q}).json()
    assert names(body)[0] == expected
    assert body["did_you_mean"] is None


def test_ambiguous_initials_search_the_likeliest_and_offer_the_others(api, market):
    # given: 设备 and 水表 share the initials sb; more listings are 水表 by function here
    factories.OfferingFactory(
        name="物联网设备管理平台",
        kind=factories.kind("platform"),
        function=Function.objects.get(code="platform_device"),
    )
    search_reindex()
    # when
    body = api.get(OFFERINGS, {"q": "sb"}).json()
    # then
    assert body["did_you_mean"] == "水表"
    assert set(names(body)[:2]) == {"NB-IoT 远传水表", "NB-IoT 光电直读水表"}
    assert body["other_readings"] == ["设备"]


def test_initials_read_as_the_product_word_when_a_generic_word_has_as_many_listings(api, market):
    # given as many listings that are 设备 by function as water meters, and 设备 in more text
    for name, function, kind in (
        ("智能手环", "wearable", "terminal"),
        ("物联网设备管理平台", "platform_device", "platform"),
    ):
        factories.OfferingFactory(
            name=name,
            kind=factories.kind(kind),
            function=Function.objects.get(code=function),
            description="适配各类物联网设备",
        )
    for name in ("通用 NB-IoT 模组", "Cat.1 通用模组"):
        factories.OfferingFactory(
            name=name, kind=factories.kind("module"), description="可嵌入各类终端设备"
        )
    search_reindex()
    counts = {
        term: (listings, named)
        for term, listings, named in VocabularyTerm.objects.filter(
            entity="offering", term__in=["设备", "水表"]
        ).values_list("term", "listings", "named")
    }
    assert counts["设备"][1] == counts["水表"][1] and counts["设备"][0] > counts["水表"][0]
    # when
    body = api.get(OFFERINGS, {"q": "sb"}).json()
    # then sb is read as 水表, which names one product; 设备 (three functions) is offered next
    assert body["did_you_mean"] == "水表"
    assert set(names(body)[:2]) == {"NB-IoT 远传水表", "NB-IoT 光电直读水表"}
    assert body["other_readings"][0] == "设备"


def test_a_listing_named_for_the_words_ranks_above_one_that_mentions_them(api, market):
    # when
    body = api.get(OFFERINGS, {"q": "水表"}).json()
    # then: both water meters, then the data logger whose description lists 水表
    assert names(body)[-1] == "NB-IoT 数据采集终端"
    assert set(names(body)[:2]) == {"NB-IoT 远传水表", "NB-IoT 光电直读水表"}
    assert body["results"][0]["score"] > 3 * body["results"][-1]["score"]


def test_a_place_name_finds_the_listings_serving_it(api, market):
    # when: 河北 is in no listing's text
    body = api.get(OFFERINGS, {"q": "智能水表 河北"}).json()
    # then: the meter serving Hebei, not the one serving Guangdong
    assert names(body) == ["NB-IoT 远传水表"]


@pytest.mark.parametrize("query", ["智能水表 石家庄", "水表 哈尔滨", "水表 正定县"])
def test_a_city_or_county_name_finds_the_listings_serving_it(api, market, query):
    # when: no listing names the place (石家庄 and 正定县 are in Hebei, 哈尔滨 is not)
    body = api.get(OFFERINGS, {"q": query}).json()
    # then: the meter serving the province, as asked, not relaxed to the one serving Guangdong
    expected = [] if "哈尔滨" in query else ["NB-IoT 远传水表"]
    assert [n for n in names(body) if "水表" in n] == expected
    assert not body["relaxed"]


def test_a_query_matching_most_of_its_words_still_finds(api, market):
    # when: no listing says 蓝牙
    body = api.get(OFFERINGS, {"q": "NB-IoT 远传水表 蓝牙"}).json()
    # then
    assert names(body)[0] == "NB-IoT 远传水表"
    assert body["relaxed"] is True


def test_nothing_to_find_is_an_empty_answer_without_a_suggestion(api, market):
    body = api.get(OFFERINGS, {"q": "量子计算机"}).json()
    assert body["total"] == 0
    assert body["did_you_mean"] is None


def test_choosing_a_facet_value_keeps_the_others_of_its_group_countable(api, market):
    # when
    body = api.get(OFFERINGS, {"kind": "module"}).json()
    both = api.get(OFFERINGS + "?kind=module&kind=terminal").json()
    # then: one module shown, and the terminals still offered with their count
    assert body["total"] == 1
    assert {b["key"]: b["count"] for b in body["facets"]["kind"]} == {"terminal": 7, "module": 1}
    assert {b["key"]: b["count"] for b in body["facets"]["function"]} == {"module_redcap": 1}
    assert both["total"] == 8


def test_scenario_is_a_facet_and_a_filter(api, market):
    # when
    body = api.get(OFFERINGS, {"scenario": "municipal.smart_parking"}).json()
    # then
    assert names(body) == ["地磁车位检测器"]
    counts = {b["key"]: b["count"] for b in body["facets"]["scenario"]}
    assert counts == {"municipal.smart_parking": 1, "municipal.water_meter": 1}
    assert body["results"][0]["scenarios"] == ["municipal.smart_parking"]


def test_demands_are_understood_the_same_way(api, market):
    # given
    factories.DemandFactory(
        title="县城 NB-IoT 远传水表采购",
        scenario=factories.scenario("municipal.water_meter"),
        functions=["water_meter", "service_operations"],
    )
    factories.DemandFactory(title="县城路灯改造", functions=["service_operations"])
    search_reindex()
    # when
    body = api.get(DEMANDS, {"q": "shuibiao"}).json()
    # then
    assert [hit["title"] for hit in body["results"]] == ["县城 NB-IoT 远传水表采购"]
    assert body["did_you_mean"] == "水表"
    assert body["results"][0]["scenario"] == "municipal.water_meter"
    # and a vendor's English finds the demands needing the function (its names, singular or
    # plural)
    needing = api.get(DEMANDS, {"q": "water meters"}).json()
    assert [hit["title"] for hit in needing["results"]] == ["县城 NB-IoT 远传水表采购"]


def test_the_vocabulary_follows_the_index(market):
    # given: a listing published after the rebuild reaches the index through the outbox
    factories.OfferingFactory(name="智能燃气表", kind=factories.kind("terminal"))
    outbox_drain()
    # then: its words are in the vocabulary, with their pinyin
    gas = VocabularyTerm.objects.get(entity="offering", term="燃气表")
    assert (gas.pinyin, gas.initials) == ("ranqibiao", "rqb")
    meter = VocabularyTerm.objects.get(entity="offering", term="水表")
    # counted by the rebuild: in three listings, two of them water meters by function
    assert (meter.listings, meter.named) == (3, 2)


class TestForgivingOnEveryBackend:
    """The same reading of a query on PostgreSQL and (with ELASTICSEARCH_URL) Elasticsearch:
    the selector builds the groups, the backend runs them."""

    @pytest.fixture
    def listings(self, search_backend):
        call_command("load_reference", verbosity=0)
        _region_names.cache_clear()
        made = {
            "hebei": factories.OfferingFactory(
                name="NB-IoT 远传水表",
                kind=factories.kind("terminal"),
                function=Function.objects.get(code="water_meter"),
                nationwide=False,
                regions=["130000"],
            ),
            "guangdong": factories.OfferingFactory(
                name="光电直读水表",
                kind=factories.kind("terminal"),
                function=Function.objects.get(code="water_meter"),
                nationwide=False,
                regions=["440000"],
            ),
            "emeter": factories.OfferingFactory(
                name="单相电能表",
                kind=factories.kind("terminal"),
                function=Function.objects.get(code="electricity_meter"),
            ),
            "module": factories.OfferingFactory(
                name="BC28 NB-IoT 模组",
                kind=factories.kind("module"),
                function=Function.objects.get(code="module_lpwa"),
            ),
        }
        search_reindex()
        return {name: item.id for name, item in made.items()}

    def _search(self, **params):
        from apps.search.backends.base import SearchQuery
        from apps.search.selectors import search_listings

        return search_listings(query=SearchQuery(**params))

    def test_synonyms_pinyin_and_places(self, listings):
        assert [h.id for h in self._search(text="电表").hits] == [listings["emeter"]]
        pinyin = self._search(text="shuibiao")
        assert {h.id for h in pinyin.hits} == {listings["hebei"], listings["guangdong"]}
        assert pinyin.did_you_mean == "水表"
        assert [h.id for h in self._search(text="水表 河北").hits] == [listings["hebei"]]

    def test_most_words_and_multi_select_counts(self, listings):
        relaxed = self._search(text="NB-IoT 远传水表 蓝牙")
        assert relaxed.relaxed and relaxed.hits[0].id == listings["hebei"]
        modules = self._search(kinds=("module",))
        assert [h.id for h in modules.hits] == [listings["module"]]
        assert {b.key: b.count for b in modules.facets["kind"]} == {"terminal": 3, "module": 1}
        assert {b.key: b.count for b in modules.facets["function"]} == {"module_lpwa": 1}
