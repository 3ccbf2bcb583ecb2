"""The matching core in domain terms: what an enterprise, a vendor and a coordinator would see."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import floatformat

from apps.matching.engine import (
    DemandIndex,
    OfferingIndex,
    RequirementProfile,
    Weights,
    analyse_demand,
    cell_flags,
    demand_supplies,
    match_offering,
    offering_flags,
    radar_cells,
    suggest_partners,
    technology_advice,
)
from apps.matching.engine.explain import explain_breakdown, summarise

from .engine_data import DAY, NOW, demand, offering, reference, vendors

REF = reference()
WATER_METER = RequirementProfile(
    uplink_kbps=1, power_source="battery", battery_life_years=8, coverage_depth=2
)
VEHICLE_TRACKER = RequirementProfile(uplink_kbps=50, mobility=3, needs_positioning=True)


def build(*offerings, verified=(1, 2, 3, 4)):
    return OfferingIndex.build(REF, offerings, vendors(*verified))


def codes(analysis):
    return {flag.code: flag for flag in analysis.flags}


def test_deep_indoor_battery_water_meters_get_nbiot_and_out_of_province_modules_are_excluded():
    # given an NB-IoT module serving Zhejiang and another serving only Guangdong
    zhejiang = offering(nationwide=False, regions=("330000",))
    guangdong = offering(nationwide=False, regions=("440000",))
    index = build(zhejiang, guangdong)
    wanted = demand(profile=WATER_METER, regions=("330100",))
    # when the water utility asks for advice and matches
    advice = technology_advice(WATER_METER, REF.technologies)
    analysis = analyse_demand(index, wanted, now=NOW)
    # then NB-IoT is recommended, with the reason, and only the Zhejiang module is suggested
    assert advice.recommended == "nb_iot"
    assert "NB-IoT" in advice.reason_zh and "high–low mix" in advice.reason_en
    assert [r.offering_id for r in analysis.results] == [zhejiang.id]
    region = explain_breakdown(analysis.results[0].breakdown(), REF.name)["region"]
    assert region["score"] == 1.0 and region["zh"] == "覆盖 1 个部署区域中的 1 个。"


def test_a_vehicle_tracker_requested_on_nbiot_is_flagged_tech_misfit_suggesting_cat1():
    nbiot = offering(kind="terminal", sectors=("connected_vehicles",))
    cat1 = offering(kind="terminal", technologies=("cat1",), sectors=("connected_vehicles",))
    index = build(nbiot, cat1)
    tracker = demand(
        sector="connected_vehicles",
        scenario="fleet",
        technologies=("nb_iot",),
        profile=VEHICLE_TRACKER,
        kinds_needed=("terminal",),
    )
    analysis = analyse_demand(index, tracker, now=NOW)
    flag = codes(analysis)["tech_misfit"]
    assert flag.figures["suggested"] == "cat1"
    assert "mobility" in flag.figures["failed_checks"]
    assert "LTE Cat.1" in flag.zh
    # the Cat.1 terminal is shown, saying why instead of what was asked for; the NB-IoT one
    # would not work, and the demand is open to alternatives, so it is not offered at all
    assert [r.offering_id for r in analysis.results] == [cat1.id]
    first = explain_breakdown(analysis.results[0].breakdown(), REF.name)["technology"]
    assert first["en"] == (
        "You asked for NB-IoT, which falls short on mobility and positioning; this offering "
        "uses LTE Cat.1, which meets the profile."
    )
    assert "LTE Cat.1" in first["zh"] and "移动性" in first["zh"]


def test_a_demand_that_wants_only_its_technology_gets_only_that_technology():
    nbiot = offering(kind="terminal", sectors=("connected_vehicles",))
    index = build(
        nbiot, offering(kind="terminal", technologies=("cat1",), sectors=("connected_vehicles",))
    )
    tracker = demand(
        sector="connected_vehicles",
        scenario="fleet",
        technologies=("nb_iot",),
        technology_flexible=False,
        profile=VEHICLE_TRACKER,
        kinds_needed=("terminal",),
    )
    analysis = analyse_demand(index, tracker, now=NOW)
    assert [r.offering_id for r in analysis.results] == [nbiot.id]
    assert "tech_misfit" in codes(analysis)


def test_a_national_tender_larger_than_all_feasible_capacity_is_a_capacity_shortfall():
    index = build(offering(annual_capacity=300_000), offering(annual_capacity=200_000, vendor_id=2))
    tender = demand(volume=5_000_000, rollout_months=24, regions=())
    analysis = analyse_demand(index, tender, now=NOW)
    flag = codes(analysis)["capacity_shortfall"]
    assert flag.figures["capacity"] == 500_000
    assert flag.figures["need"] == 2_500_000
    assert flag.severity == "high"
    # each match also says it cannot cover the volume alone
    assert all("capacity" in [u.code for u in r.unmet] for r in analysis.results)


def test_a_terminal_and_platform_demand_bundles_only_platforms_speaking_the_terminals_protocol():
    terminal = offering(kind="terminal", protocols=("mqtt",))
    coap_platform = offering(
        kind="platform",
        technologies=(),
        protocols=("coap", "lwm2m"),
        vendor_id=2,
        annual_capacity=10_000_000,
    )
    mqtt_platform = offering(
        kind="platform",
        technologies=(),
        protocols=("mqtt", "http"),
        vendor_id=3,
        annual_capacity=10_000_000,
        price_min=30,
        price_max=40,
    )
    index = build(terminal, coap_platform, mqtt_platform)
    wanted = demand(kinds_needed=("terminal", "platform"))
    analysis = analyse_demand(index, wanted, now=NOW)
    assert {r.offering_id for r in analysis.results} == {
        terminal.id,
        coap_platform.id,
        mqtt_platform.id,
    }
    assert [b.offering_ids for b in analysis.bundles] == [(terminal.id, mqtt_platform.id)]
    bundle = analysis.bundles[0]
    assert bundle.protocol == "mqtt" and bundle.technology == "nb_iot"
    assert "MQTT" in bundle.explanation_zh and "NB-IoT" in bundle.explanation_en
    assert "incomplete_chain" not in codes(analysis)


def test_incompatible_chain_is_flagged_incomplete():
    index = build(
        offering(kind="terminal", protocols=("mqtt",)),
        offering(kind="platform", technologies=(), protocols=("coap",), vendor_id=2),
    )
    analysis = analyse_demand(index, demand(kinds_needed=("terminal", "platform")), now=NOW)
    assert analysis.bundles == []
    assert "incomplete_chain" in codes(analysis)


@pytest.mark.parametrize(
    ("catalogue", "wanted", "expected"),
    [
        ([], {}, "no_supply"),
        ([{"nationwide": False, "regions": ("440000",)}], {}, "no_regional_supply"),
        ([{"certifications": ("srrc",)}], {"certifications": ("explosion_proof",)}, "cert_gap"),
        ([{"price_min": 40, "price_max": 60}], {"unit_budget": 20}, "price_gap"),
        ([{"technologies": ("cat1",)}], {"technologies": ("nb_iot",)}, "tech_unsupported"),
    ],
)
def test_demand_mismatch_flags(catalogue, wanted, expected):
    index = build(*(offering(**fields) for fields in catalogue))
    analysis = analyse_demand(index, demand(**wanted), now=NOW)
    assert expected in codes(analysis)
    flag = codes(analysis)[expected]
    assert flag.zh and flag.en and flag.severity in {"high", "medium", "low"}


def test_a_well_served_demand_raises_no_flag():
    analysis = analyse_demand(build(offering()), demand(), now=NOW)
    assert analysis.flags == []
    assert len(analysis.results) == 1


def test_unverified_vendor_is_not_supply():
    index = build(offering(vendor_id=9))  # vendor 9 unknown → unverified
    analysis = analyse_demand(index, demand(), now=NOW)
    assert analysis.results == [] and "no_supply" in codes(analysis)


def test_vendors_see_fitting_demands_and_offerings_are_flagged_no_demand_and_stale():
    fits = offering()
    old = offering(kind="terminal", updated_at=NOW - 400 * DAY)
    index = build(fits, old)
    demands = DemandIndex.build(REF, [demand(), demand(regions=("510000",))], index.tokens)
    results, count = match_offering(index, demands, fits.id, now=NOW)
    assert count == 2 and len(results) == 2
    assert results[0].breakdown()["technology"]["score"] == 1.0
    _, old_count = match_offering(index, demands, old.id, now=NOW)
    flags = {f.code for f in offering_flags(index, old.id, fits=old_count, now=NOW)}
    assert flags == {"no_demand", "stale"}
    assert offering_flags(index, fits.id, fits=count, now=NOW) == []


def test_radar_shares_capacity_among_the_demands_it_can_serve_and_counts_it_once():
    # given one Zhejiang module (50,000 a year) and demands in Zhejiang, Guangdong, nationwide
    index = build(offering(nationwide=False, regions=("330000",), annual_capacity=50_000))
    zhejiang, guangdong, nationwide = (
        demand(regions=("330000",), volume=200_000),
        demand(regions=("440000",), volume=100_000),
        demand(regions=(), volume=100_000),
    )
    demands = DemandIndex.build(REF, [zhejiang, guangdong, nationwide], index.tokens)
    # when the radar is computed
    supplies = {d.demand_id: d for d in demand_supplies(index, demands)}
    cells = {(c.sector, c.technology, c.province): c for c in radar_cells(supplies.values())}
    # then the module's capacity is split 2:1 between the two demands it can serve
    assert supplies[zhejiang.id].capacity == pytest.approx(50_000 * 2 / 3)
    assert supplies[nationwide.id].capacity == pytest.approx(50_000 / 3)
    assert not supplies[guangdong.id].feasible and supplies[guangdong.id].capacity == 0
    here = cells[("municipal", "nb_iot", "330000")]
    assert (here.demanded, here.demands, here.unserved) == (200_000, 1, 0)
    assert here.covered == pytest.approx(200_000 / 6) and here.balance == "shortfall_severe"
    assert cells[("municipal", "nb_iot", "440000")].covered == 0
    assert cells[("municipal", "nb_iot", "440000")].unserved == 1
    # and the nationwide demand is its own province, not spread over the others
    assert cells[("municipal", "nb_iot", "nationwide")].demanded == 100_000
    total = cells[("", "", "")]
    assert total.demanded == 400_000 and total.capacity == pytest.approx(50_000)
    assert total.covered == pytest.approx(50_000 / 3 + 200_000 / 6)
    flagged = {
        (cell.province, flag.code, flag.severity) for cell, flag in cell_flags(list(cells.values()))
    }
    assert ("330000", "supply_shortage", "high") in flagged
    assert ("440000", "supply_shortage", "high") in flagged
    assert not any(province == "" for province, _, _ in flagged)  # roll-ups raise no flags


def test_partner_suggestions_name_the_complementary_vendor():
    terminal = offering(kind="terminal", protocols=("mqtt",), vendor_id=1)
    platform = offering(
        kind="platform",
        technologies=(),
        protocols=("mqtt",),
        vendor_id=2,
        annual_capacity=10_000_000,
    )
    index = build(terminal, platform)
    demands = DemandIndex.build(
        REF, [demand(kinds_needed=("terminal", "platform")), demand()], index.tokens
    )
    partners = suggest_partners(index, demands, 1, now=NOW)
    assert [p.vendor_id for p in partners] == [2]
    assert partners[0].kinds == ("platform",) and len(partners[0].demand_ids) == 1


def test_weights_come_from_settings_overrides_and_reject_unknown_names():
    assert Weights.from_mapping({"price": 50}).price == 50
    with pytest.raises(ValueError, match="unknown"):
        Weights.from_mapping({"prize": 1})
    # a price-only weighting ranks the cheaper offering first
    cheap, dear = offering(price_min=5, price_max=5), offering(price_min=20, price_max=20)
    only_price = Weights.from_mapping({k: 0 for k in Weights().normalised()} | {"price": 1})
    results = analyse_demand(build(dear, cheap), demand(), now=NOW, weights=only_price).results
    assert [r.offering_id for r in results] == [cheap.id, dear.id]


def test_demands_sharing_candidates_see_every_change_to_the_market():
    # given two water-meter demands in Zhejiang (same kind, technologies and regions) and a
    # market that changes between them
    first_module = offering()
    index = build(first_module)
    first, second = demand(), demand(unit_budget=40)
    assert [r.offering_id for r in analyse_demand(index, first, now=NOW).results] == [
        first_module.id
    ]
    # when a module is added, the first one's vendor loses its verification, and the second
    # demand is matched
    added = offering(vendor_id=2)
    index.upsert(added)
    index.upsert_vendor(vendors(1, verified=False)[0])
    results = analyse_demand(index, second, now=NOW).results
    # then it sees the market as it is now, not the candidates gathered for the first demand
    assert [r.offering_id for r in results] == [added.id]
    # and scoring from shared candidates equals scoring on a fresh index
    fresh = OfferingIndex.build(REF, [first_module, added], vendors(2) + vendors(1, verified=False))
    again = analyse_demand(fresh, second, now=NOW).results
    assert [(r.offering_id, r.score, r.details) for r in results] == [
        (r.offering_id, r.score, r.details) for r in again
    ]


def test_a_free_offering_is_not_pruned_when_the_budget_is_vanishingly_small():
    # given fifteen priced modules and one free one, and a budget whose inverse overflows
    priced = [offering(price_min=50, price_max=50) for _ in range(15)]
    free = offering(price_min=0, price_max=0)
    index = build(*priced, free)
    # when the best one is asked for
    results = analyse_demand(index, demand(unit_budget=5e-324), now=NOW, limit=1).results
    # then the free module, which scores best on price, is it
    assert [r.offering_id for r in results] == [free.id]


def test_a_product_made_for_another_sector_is_not_recommended_but_a_general_one_is():
    # given a tracker made for logistics, one that names no sector, and one for vehicles
    logistics = offering(kind="terminal", technologies=("cat1",), sectors=("transport_logistics",))
    unnamed = offering(kind="terminal", technologies=("cat1",), sectors=())
    vehicles = offering(kind="terminal", technologies=("cat1",), sectors=("connected_vehicles",))
    index = build(logistics, unnamed, vehicles)
    tracker = demand(
        sector="connected_vehicles",
        scenario="fleet",
        profile=VEHICLE_TRACKER,
        kinds_needed=("terminal",),
    )
    # when a fleet operator's demand is matched
    analysis = analyse_demand(index, tracker, now=NOW)
    # then the logistics tracker is below the relevance floor
    assert {r.offering_id for r in analysis.results} == {unnamed.id, vehicles.id}


def test_words_people_use_for_the_same_thing_count_as_shared_keywords():
    # given a generic module listed first and an electricity-meter one, differing only in
    # their words (a tie would put the generic one, the lower id, first)
    generic = offering(text="NB-IoT 模组 通用 终端")
    meter = offering(text="NB-IoT 模组 智能电表")
    index = build(generic, meter)
    # when a utility asks in its own words (电能表, not 电表)
    wanted = demand(text="单相远程费控电能表 通信模组")
    results = analyse_demand(index, wanted, now=NOW).results
    # then the meter module comes first and says why
    assert [r.offering_id for r in results] == [meter.id, generic.id]
    text = explain_breakdown(results[0].breakdown(), REF.name)["text"]
    assert "电表" in text["zh"]


def test_demands_differing_only_in_budget_each_get_their_own_class_of_product():
    # given a ¥11 module and a ¥950 one, and three demands alike but for their budgets
    cheap = offering(price_min=10, price_max=12)
    dear = offering(price_min=900, price_max=1000)
    index = build(cheap, dear)
    # when they are matched one after the other (sharing the index's candidate sets)
    small = analyse_demand(index, demand(unit_budget=15), now=NOW)
    large = analyse_demand(index, demand(unit_budget=1200), now=NOW)
    huge = analyse_demand(index, demand(unit_budget=1_000_000), now=NOW)
    # then each sees only what is in its price class, and the last is told why it sees nothing
    assert [r.offering_id for r in small.results] == [cheap.id]
    assert [r.offering_id for r in large.results] == [dear.id]
    assert huge.results == []
    assert codes(huge)["price_gap"].figures["cheapest"] == 11


def test_a_keyword_stuffed_listing_earns_nothing_from_its_text():
    # given a clean water meter and one whose text lists every device there is
    stuffed = offering(kind="terminal", text="智能水表 远程抄表 NB-IoT 模组 采购", stuffed=True)
    clean = offering(kind="terminal", text="NB-IoT 智能水表")
    index = build(stuffed, clean)
    # when a water utility's demand is matched
    results = analyse_demand(index, demand(kinds_needed=("terminal",)), now=NOW).results
    # then the clean one comes first, and the stuffed one says why its text counts for nothing
    assert [r.offering_id for r in results] == [clean.id, stuffed.id]
    text = explain_breakdown(results[1].breakdown(), REF.name)["text"]
    assert text["score"] == 0 and text["en"].startswith("Its description lists many products")


def test_a_platform_is_not_told_it_lacks_the_ip68_its_scenario_asks_of_meters():
    # given IP68 asked of terminals only, and a platform without certificates for a
    # water-meter scenario that wants IP68
    from dataclasses import replace

    ref = replace(REF, certification_kinds={"ip68": ("terminal",)})
    platform = offering(kind="platform", technologies=(), certifications=())
    index = OfferingIndex.build(ref, [platform], vendors(1))
    wanted = demand(kinds_needed=("platform",), typical_certifications=("ip68",))
    # when matched
    result = analyse_demand(index, wanted, now=NOW).results[0]
    # then certification is not held against it
    assert result.breakdown()["certification"]["score"] == 1.0
    assert result.breakdown()["certification"]["facts"] == {"required": []}
    assert "certification" not in [u.code for u in result.unmet]


def test_a_meter_that_does_not_speak_the_required_protocol_ranks_below_one_that_does():
    # given two otherwise equal water-meter terminals, the one speaking LwM2M listed second
    silent = offering(kind="terminal", protocols=("coap",))
    speaking = offering(kind="terminal", protocols=("coap", "lwm2m"))
    index = build(silent, speaking)
    # when a demand requires the protocol of terminals
    wanted = demand(kinds_needed=("terminal",), protocols=("lwm2m",))
    results = analyse_demand(index, wanted, now=NOW).results
    # then the one that speaks it comes first; the other says what it lacks
    assert [r.offering_id for r in results] == [speaking.id, silent.id]
    assert [u.code for u in results[1].unmet] == ["protocol"]
    sentence = explain_breakdown(results[1].breakdown(), REF.name)["certification"]["en"]
    protocol = REF.name("protocol", "lwm2m")[1]
    assert sentence.endswith(f"Does not speak the required protocols: {protocol}.")


def test_a_uwb_positioning_demand_gets_uwb_terminals_and_those_that_do_not_say_not_gnss_only():
    # given three indoor tags on Cat.1: UWB, GNSS-only, and one that states no method
    uwb = offering(kind="terminal", technologies=("cat1",), positioning=("uwb", "ble"))
    gnss_only = offering(kind="terminal", technologies=("cat1",), positioning=("gnss",))
    unstated = offering(kind="terminal", technologies=("cat1",))
    # and a platform, which positions nothing and is never asked to
    platform = offering(kind="platform", technologies=())
    index = build(uwb, gnss_only, unstated, platform)
    personnel = RequirementProfile(uplink_kbps=20, mobility=1, needs_positioning=True)

    # when a mine asks for UWB personnel positioning
    analysis = analyse_demand(
        index,
        demand(
            profile=personnel,
            positioning_method="uwb",
            technologies=(),
            kinds_needed=("terminal", "platform"),
        ),
        now=NOW,
    )

    # then the GNSS-only tag is not offered; the UWB one says it fits, the silent one says to ask
    shown = {r.offering_id: r for r in analysis.results}
    assert gnss_only.id not in shown
    assert {uwb.id, unstated.id, platform.id} <= set(shown)
    fits = explain_breakdown(shown[uwb.id].breakdown(), REF.name)["certification"]
    assert "Supports the required UWB (high precision)." in fits["en"]
    silent = explain_breakdown(shown[unstated.id].breakdown(), REF.name)["certification"]
    assert "Does not state whether it supports the required UWB (high precision)" in silent["en"]
    assert "UWB 高精度定位" in silent["zh"]
    assert [u.code for u in shown[unstated.id].unmet] == ["positioning"]
    assert "positioning" not in [u.code for u in shown[uwb.id].unmet]

    # and without the need for positioning the method is not asked of anyone
    anywhere = analyse_demand(
        index,
        demand(
            profile=RequirementProfile(uplink_kbps=20),
            positioning_method="uwb",
            technologies=(),
            kinds_needed=("terminal",),
        ),
        now=NOW,
    )
    assert gnss_only.id in {r.offering_id for r in anywhere.results}


def test_battery_advice_in_english_says_year_in_the_singular_and_years_in_the_plural():
    # given a battery device that must last one year, and one that must last eight
    one_year = RequirementProfile(uplink_kbps=1, power_source="battery", battery_life_years=1)
    # when the technologies are assessed
    sentences = [
        check.en
        for profile in (one_year, WATER_METER)
        for assessment in technology_advice(profile, REF.technologies).assessments
        for check in assessment.checks
        if check.code == "battery"
    ]
    # then English counts years properly
    assert any(s.startswith("battery life need 1 year,") for s in sentences), sentences
    assert any(s.startswith("battery life need 8 years,") for s in sentences), sentences
    assert not [s for s in sentences if " 1 years" in s]


@pytest.mark.parametrize("score", [68.5, 68.49, 69.5, 0.5, 100.0])
def test_a_summary_says_the_score_its_badge_shows(score):
    # a match's badge is its score with floatformat:0 (68.5 → 69, halves up)
    badge = floatformat(score, 0)
    zh, en = summarise({}, score)
    # its sentence says the same whole points (the sentence said 68 for 68.5)
    assert zh.startswith(f"匹配度 {badge} 分") and en.startswith(f"Match score {badge}:")
