"""The shipped reference data and `manage.py load_reference`."""

from __future__ import annotations

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from apps.catalog.models import (
    Certification,
    Function,
    Offering,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.demands.models import Demand

pytestmark = pytest.mark.django_db

PROFILE_KEYS = {
    "uplink_kbps",
    "max_latency_ms",
    "mobility",
    "power_source",
    "battery_life_years",
    "coverage_depth",
    "needs_voice",
    "needs_video",
    "needs_positioning",
}
MODELS = (Region, Sector, Scenario, Technology, Certification, Protocol, SupplyKind, Function)


def load() -> str:
    out = StringIO()
    call_command("load_reference", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loading_twice_changes_nothing_and_says_what_it_loaded():
    # given
    first_output = load()
    first = counts()
    # when
    second_output = load()
    # then
    assert counts() == first
    assert first == {
        "Region": first["Region"],
        "Sector": 10,
        "Scenario": first["Scenario"],
        "Technology": 6,
        "Certification": 18,
        "Protocol": first["Protocol"],
        "SupplyKind": 7,
        "Function": first["Function"],
    }
    assert "参考数据已加载" in first_output
    assert "新增 0" in second_output and "新增 0" not in first_output
    assert len(second_output.strip().splitlines()) == 1


def test_every_row_has_a_chinese_and_an_english_name():
    load()
    for model in MODELS:
        assert not model.objects.filter(name_zh="").exists(), model.__name__
        assert not model.objects.filter(name_en="").exists(), model.__name__
        for name_en in model.objects.values_list("name_en", flat=True):
            assert name_en.isascii(), (model.__name__, name_en)


def test_regions_are_the_34_provinces_their_prefecture_level_cities_and_counties():
    load()
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    assert provinces.count() == 34
    assert all(
        len(code) == 6 and code.endswith("0000")
        for code in provinces.values_list("code", flat=True)
    )
    hebei = Region.objects.get(code="130000")
    assert (hebei.name_zh, hebei.name_en) == ("河北省", "Hebei")
    assert hebei.children.filter(level=Region.Level.CITY).count() == 11
    assert Region.objects.get(code="130100").name_en == "Shijiazhuang"
    # Counties hang from their city, with a pinyin English name.
    xihu = Region.objects.get(code="330106")
    assert (xihu.name_zh, xihu.name_en, xihu.level) == ("西湖区", "Xihu District", "county")
    assert xihu.parent_id == "330100"
    assert Region.objects.get(code="130127").name_en == "Gaoyi County"
    assert Region.objects.filter(level=Region.Level.COUNTY).count() > 2800
    # Municipalities stand for themselves: no 市辖区 pseudo-city below them, their districts
    # hang from the province.
    assert not Region.objects.filter(name_zh__in=["市辖区", "县"]).exists()
    beijing = Region.objects.get(code="110000").children
    assert not beijing.filter(level=Region.Level.CITY).exists()
    assert beijing.get(code="110101").name_zh == "东城区"
    # Province-administered county-level cities have no prefecture: listed at city level;
    # the other counties there hang from the province.
    assert Region.objects.get(code="419001").parent_id == "410000"
    assert Region.objects.get(code="419001").level == Region.Level.CITY
    assert Region.objects.get(code="469021").parent_id == "460000"
    assert Region.objects.filter(code__in=["710000", "810000", "820000"]).count() == 3


def test_a_zones_or_banners_english_name_keeps_its_places_and_words_apart():
    load()
    names = dict(Region.objects.values_list("code", "name_en"))
    # the places a development zone names, by their English names, then its own words
    assert names["130271"] == "Hebei Tangshan Lutai Economic Development Zone"
    assert names["152971"] == "Inner Mongolia Alxa High-tech Industrial Development Zone"
    assert names["130172"] == "Shijiazhuang Xunhuan Huagong Park"
    # a banner's wing and position
    assert names["150521"] == "Ke'erqin Left Wing Middle Banner"
    assert names["152921"] == "Alxa Left Banner"
    # no word a reader cannot take in (were 29, up to Zhongshaqundaodedaojiaojiqihaiyu)
    words = {word for name in names.values() for word in name.replace(",", " ").split()}
    assert max(words, key=len) == "Da'erhanmaoming'an"


def test_technology_thresholds_follow_the_high_low_mix():
    load()
    by_cost = list(Technology.objects.order_by("cost_rank"))
    assert [t.code for t in by_cost][:2] == ["nb_iot", "cat1"]
    assert len({t.cost_rank for t in by_cost}) == 6
    # Dearer technologies are faster and lower latency; module prices rise with cost rank.
    for cheaper, dearer in pairwise(by_cost):
        assert cheaper.typical_latency_ms > dearer.typical_latency_ms
        assert cheaper.module_price_min < dearer.module_price_min
        assert dearer.module_price_min < dearer.module_price_max
    assert list(Technology.objects.filter(max_coverage_depth=2).values_list("code", flat=True)) == [
        "nb_iot"
    ]
    nb_iot = Technology.objects.get(code="nb_iot")
    assert (nb_iot.supports_voice, nb_iot.supports_video, nb_iot.max_mobility) == (False, False, 1)
    assert nb_iot.max_battery_years == max(t.max_battery_years for t in by_cost) == 10
    assert Technology.objects.get(code="cat1").supports_voice


def _feasible(profile: dict) -> list[str]:
    result = []
    for tech in Technology.objects.order_by("cost_rank"):
        battery = profile["battery_life_years"]
        if (
            profile["uplink_kbps"] <= tech.max_uplink_kbps
            and profile["max_latency_ms"] >= tech.typical_latency_ms
            and profile["mobility"] <= tech.max_mobility
            and profile["coverage_depth"] <= tech.max_coverage_depth
            and not (profile["power_source"] == "battery" and battery > tech.max_battery_years)
            and not (profile["needs_voice"] and not tech.supports_voice)
            and not (profile["needs_video"] and not tech.supports_video)
            and not (profile["needs_positioning"] and not tech.supports_positioning)
        ):
            result.append(tech.code)
    return result


def test_each_sector_has_scenarios_whose_typical_profile_some_technology_meets():
    load()
    demand_fields = {f.name for f in Demand._meta.get_fields()}
    code_length = Offering._meta.get_field("scenarios").base_field.max_length
    certifications = set(Certification.objects.values_list("code", flat=True))
    for sector in Sector.objects.all():
        assert 4 <= sector.scenarios.count() <= 6, sector.code
    for scenario in Scenario.objects.all():
        assert scenario.code.startswith(scenario.sector_id + ".")
        assert len(scenario.code) <= code_length
        assert set(scenario.typical_profile) == PROFILE_KEYS <= demand_fields
        assert _feasible(scenario.typical_profile), scenario.code
        assert set(scenario.required_certifications) <= certifications
    # Realistic requirements: deep-coverage water meters go NB-IoT, T-Boxes need automotive parts.
    assert _feasible(Scenario.objects.get(code="municipal.water_meter").typical_profile) == [
        "nb_iot"
    ]
    assert (
        "automotive" in Scenario.objects.get(code="connected_vehicles.tbox").required_certifications
    )
    assert (
        "explosion_proof"
        in Scenario.objects.get(code="industrial_manufacturing.coal_mine").required_certifications
    )
    assert (
        "medical_device"
        in Scenario.objects.get(code="healthcare.remote_monitoring").required_certifications
    )
    assert _feasible(
        Scenario.objects.get(code="smart_grid.differential_protection").typical_profile
    ) == ["nr_urllc"]


def test_supply_kinds_carry_attribute_specs_along_the_chain():
    load()
    kinds = {kind.code: kind for kind in SupplyKind.objects.all()}
    assert [k.code for k in sorted(kinds.values(), key=lambda k: k.chain_position)][:3] == [
        "chip",
        "module",
        "terminal",
    ]
    assert kinds["module"].attribute_spec["form_factor"]["choices"] == [
        "LCC",
        "LGA",
        "M.2",
        "Mini PCIe",
    ]
    # What a terminal is comes from its function, not from an attribute of its own.
    assert "device_type" not in kinds["terminal"].attribute_spec
    assert kinds["connectivity"].attribute_spec["operator"]["choices"] == [
        "cmcc",
        "ctcc",
        "cucc",
        "cbn",
    ]
    for kind in kinds.values():
        for rule in kind.attribute_spec.values():
            assert rule["type"] in {"string", "integer", "number", "boolean", "list"}
            assert rule["label_zh"] and rule["label_en"]


def test_reloading_repairs_edited_rows_and_keeps_rows_no_longer_shipped():
    # given: a coordinator's typo, and a scenario the data no longer ships (demands may use it)
    load()
    Technology.objects.filter(code="nb_iot").update(name_en="typo")
    Scenario.objects.create(
        code="municipal.legacy", sector_id="municipal", name_zh="旧场景", name_en="Legacy"
    )
    # when
    output = load()
    # then
    assert Technology.objects.get(code="nb_iot").name_en == "NB-IoT"
    assert Scenario.objects.filter(code="municipal.legacy").exists()
    assert "保留的旧代码 1" in output


def test_every_scenario_names_the_functions_it_needs_of_real_kinds():
    load()
    functions = {f.code: f for f in Function.objects.all()}
    kinds = set(SupplyKind.objects.values_list("code", flat=True))
    assert {f.kind_id for f in functions.values()} == kinds
    for scenario in Scenario.objects.all():
        assert scenario.functions, scenario.code
        assert set(scenario.functions) <= set(functions), scenario.code
        # every scenario needs a terminal and a solution of its own
        named = {functions[code].kind_id for code in scenario.functions}
        assert {"terminal", "solution"} <= named, scenario.code
    water = Scenario.objects.get(code="municipal.water_meter")
    assert "water_meter" in water.functions and "smoke_alarm" not in water.functions
    # general-purpose: modules and IoT cards fit any scenario their technology fits
    assert functions["module_lpwa"].general and functions["card_4g"].general
    assert not functions["water_meter"].general and not functions["platform_video"].general


def test_hardware_certificates_are_asked_of_hardware_only():
    load()
    kinds = dict(Certification.objects.values_list("code", "kinds"))
    assert kinds["ccc"] == ["module", "terminal"]
    assert kinds["ip68"] == ["terminal"]
    assert "platform" not in kinds["cmcc"] and "connectivity" not in kinds["ccc"]
    assert kinds["mlps"] == ["platform", "solution", "service"]


def test_a_terminal_naming_every_device_is_keyword_stuffed_but_a_platform_listing_them_is_not():
    from apps.catalog.reference.functions import keyword_stuffed

    stuffing = "DTU 适用于水表 电表 燃气表 烟感 井盖 地磁 定位 冷链 门锁"
    assert keyword_stuffed("terminal", "dtu", stuffing)
    assert not keyword_stuffed("terminal", "water_meter", "NB-IoT 智能水表，兼容燃气表协议")
    assert not keyword_stuffed("platform", "platform_metering", stuffing)


def test_a_demands_title_says_which_of_its_scenarios_terminals_it_is_buying():
    from apps.catalog.reference.functions import functions_meant, scenario_functions

    irrigation = scenario_functions("smart_agriculture.irrigation")
    # a canal-gate tender: gates, not the soil stations the scenario also lists
    gates = functions_meant(irrigation, "干渠闸门测控一体化改造", "闸门、水位、流量计算")
    assert "irrigation_controller" in gates and "soil_sensor" not in gates
    # platforms, solutions and services it states are untouched
    assert set(irrigation) - {"soil_sensor"} == set(gates)
    # soil sensors asked for as an option in the description stay
    valves = functions_meant(irrigation, "滴灌电磁阀远程控制", "可选配墒情传感器联动")
    assert "soil_sensor" in valves
    # terminals doing the same job stand in for each other: a 5G gateway for an AGV terminal
    agv = scenario_functions("industrial_manufacturing.agv")
    assert "industrial_gateway" in functions_meant(agv, "AGV 5G 通信终端", "")
    # a title naming none of its terminals leaves every function it states
    assert functions_meant(irrigation, "灌区信息化改造", "") == tuple(irrigation)
