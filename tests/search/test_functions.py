"""What a product does, in search, on every backend: a function facet and filter for offerings
and demands, words that find a product by its function's names even where its own text says
something else, and nationwide demands as a region of their own."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.catalog.models import Function, Offering
from apps.catalog.reference.functions import FUNCTIONS
from apps.catalog.services import offering_update
from apps.search.documents import DEMAND, OFFERING
from apps.search.services import outbox_drain, search_reconcile
from tests import factories
from tests.search.test_backend_contract import facet, ids, index, offering, search


def function(code: str) -> Function:
    """The shipped reference row of `code` (names in zh and en as the platform ships them)."""
    _code, kind, name_zh, name_en, general = next(row for row in FUNCTIONS if row[0] == code)
    row, _ = Function.objects.get_or_create(
        code=code,
        defaults={
            "kind": factories.kind(kind),
            "name_zh": name_zh,
            "name_en": name_en,
            "general": general,
        },
    )
    return row


class TestOfferingFunction:
    @pytest.fixture
    def market(self, search_backend):
        water, gas = function("water_meter"), function("gas_meter")
        items = {
            # Its own words never say 水表 or "water meter": only its function does.
            "remote_reader": offering(
                name="NB-IoT 远传表",
                model_number="LXSY-15E",
                description="无磁计量，阀控，十年电池，远程抄表",
                kind="terminal",
                function=water,
            ),
            "named_meter": offering(
                name="智能水表 DN20",
                description="光电直读，NB-IoT 上报",
                kind="terminal",
                function=water,
            ),
            "gas": offering(
                name="NB-IoT 智能燃气表", description="切断阀", kind="terminal", function=gas
            ),
            "module": offering(name="BC260Y 模组", kind="module", function=function("module_lpwa")),
            "unclassified": offering(name="老款终端", kind="terminal", function=None),
        }
        index(search_backend, (OFFERING,))
        return {name: item.id for name, item in items.items()}

    def test_the_function_facet_counts_every_match(self, search_backend, market):
        # when
        result = search(search_backend)
        # then: a listing without a function is in no bucket
        assert result.total == 5
        assert facet(result, "function") == {"water_meter": 2, "gas_meter": 1, "module_lpwa": 1}

    def test_function_values_are_alternatives_and_combine_with_other_filters(
        self, search_backend, market
    ):
        meters = search(search_backend, functions=("water_meter", "gas_meter"))
        assert sorted(ids(meters)) == sorted(
            [market["remote_reader"], market["named_meter"], market["gas"]]
        )
        # multi-select: the function group counts without its own filter (the module stays
        # choosable), the other groups count the chosen functions' listings
        assert facet(meters, "function") == {"water_meter": 2, "gas_meter": 1, "module_lpwa": 1}
        assert facet(meters, "kind") == {"terminal": 3}
        water = search(search_backend, functions=("water_meter",), text="远传表")
        assert ids(water) == [market["remote_reader"]]
        # A function no listing has finds nothing (not everything).
        assert search(search_backend, functions=("heat_meter",)).total == 0
        assert search(search_backend, functions=("module_lpwa",), kinds=("terminal",)).total == 0

    def test_a_word_of_its_function_finds_a_product_whose_own_text_says_otherwise(
        self, search_backend, market
    ):
        # when
        chinese = search(search_backend, text="水表")
        english = search(search_backend, text="water meter")
        # then: both water meters; the one whose name says it first
        assert ids(chinese) == [market["named_meter"], market["remote_reader"]]
        assert sorted(ids(english)) == sorted([market["named_meter"], market["remote_reader"]])
        assert ids(search(search_backend, text="Smart Water Meter 远传表")) == [
            market["remote_reader"]
        ]
        # The function's words do not leak into another function's listings.
        assert ids(search(search_backend, text="燃气表")) == [market["gas"]]
        assert ids(search(search_backend, text="gas meter")) == [market["gas"]]

    def test_a_changed_function_reaches_the_index_through_the_outbox(self, search_backend, market):
        # given: the vendor says the remote reader is a gas meter after all
        listing = Offering.objects.get(pk=market["remote_reader"])
        offering_update(
            actor=factories.coordinator(), offering=listing, function=function("gas_meter")
        )
        # when
        outbox_drain()
        search_backend.refresh(OFFERING)
        # then
        assert ids(search(search_backend, text="水表")) == [market["named_meter"]]
        assert sorted(ids(search(search_backend, text="燃气表"))) == sorted(
            [market["gas"], market["remote_reader"]]
        )
        assert facet(search(search_backend), "function")["gas_meter"] == 2

    def test_a_renamed_function_is_stale_until_repaired(self, search_backend, market):
        # given: a coordinator renames the function in the reference data
        Function.objects.filter(code="water_meter").update(name_zh="超声波智能水表")
        # when
        (offerings,) = search_reconcile(entities=[OFFERING])
        # then
        assert offerings.stale == sorted([market["remote_reader"], market["named_meter"]])
        assert search(search_backend, text="超声波").total == 0
        # and a repair puts the new name in the index
        search_reconcile(repair=True, entities=[OFFERING])
        assert sorted(ids(search(search_backend, text="超声波"))) == sorted(
            [market["remote_reader"], market["named_meter"]]
        )
        assert search_reconcile(entities=[OFFERING])[0].total == 0

    def test_hits_carry_the_function_code(self, search_backend, market):
        result = search(search_backend, text="远传表")
        assert [hit.document["functions"] for hit in result.hits] == [["water_meter"]]
        unclassified = search(search_backend, text="老款")
        assert [hit.document["functions"] for hit in unclassified.hits] == [[]]


class TestDemandFunctionsAndNationwide:
    @pytest.fixture
    def demands(self, search_backend):
        items = {
            "county_water": factories.DemandFactory(
                title="县域智能水表改造",
                regions=["130100"],
                functions=["water_meter", "platform_metering", "service_integration"],
            ),
            "city_gas": factories.DemandFactory(
                title="城市燃气表更换",
                regions=["130000"],
                functions=["gas_meter", "service_integration"],
            ),
            "national_water": factories.DemandFactory(
                title="全国水务集团远传表集采",
                nationwide=True,
                regions=[],
                functions=["water_meter"],
            ),
        }
        index(search_backend, (DEMAND,))
        return {name: item.id for name, item in items.items()}

    def test_the_function_facet_counts_the_functions_demands_need(self, search_backend, demands):
        result = search(search_backend, entity=DEMAND)
        assert facet(result, "function") == {
            "water_meter": 2,
            "service_integration": 2,
            "gas_meter": 1,
            "platform_metering": 1,
        }

    def test_filtering_by_function_finds_the_demands_that_need_it(self, search_backend, demands):
        gas = search(search_backend, entity=DEMAND, functions=("gas_meter",))
        assert ids(gas) == [demands["city_gas"]]
        either = search(search_backend, entity=DEMAND, functions=("gas_meter", "water_meter"))
        assert sorted(ids(either)) == sorted(demands.values())
        assert search(search_backend, entity=DEMAND, functions=("smoke_alarm",)).total == 0

    def test_a_nationwide_demand_is_a_region_of_its_own_and_in_every_region(
        self, search_backend, demands
    ):
        # when
        result = search(search_backend, entity=DEMAND)
        # then: as for offerings, each province counts what filtering by it finds
        assert facet(result, "region") == {"nationwide": 1, "130000": 3}
        by_id = {hit.id: hit.document for hit in result.hits}
        assert by_id[demands["national_water"]]["nationwide"] is True
        assert by_id[demands["county_water"]]["nationwide"] is False
        # A province elsewhere finds only the nationwide demand; a city all of them.
        guangdong = search(search_backend, entity=DEMAND, regions=("440000",))
        assert ids(guangdong) == [demands["national_water"]]
        shijiazhuang = search(search_backend, entity=DEMAND, regions=("130100",))
        assert sorted(ids(shijiazhuang)) == sorted(demands.values())

    def test_a_demand_turned_nationwide_moves_to_the_nationwide_bucket_when_synced(
        self, search_backend, demands
    ):
        # given
        from apps.demands.models import Demand

        Demand.objects.filter(pk=demands["city_gas"]).update(
            nationwide=True, regions=[], updated_at=timezone.now()
        )
        # when
        search_reconcile(repair=True, entities=[DEMAND])
        # then
        assert facet(search(search_backend, entity=DEMAND), "region") == {
            "nationwide": 2,
            "130000": 3,
        }
