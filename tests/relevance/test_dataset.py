"""The labelled relevance set (eval/relevance/market.json) is well-formed against reference data.

No database: the set is checked against the reference modules it must speak, so a renamed code or
a label pointing at a missing listing fails here rather than halfway through an evaluation run.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from apps.catalog.attributes import validate_attributes
from apps.catalog.reference.certifications import CERTIFICATION_KINDS, CERTIFICATIONS, PROTOCOLS
from apps.catalog.reference.functions import FUNCTIONS, SCENARIO_FUNCTIONS
from apps.catalog.reference.kinds import SUPPLY_KINDS
from apps.catalog.reference.sectors import SCENARIOS, SECTORS
from apps.catalog.reference.technologies import TECHNOLOGIES

ROOT = Path(__file__).resolve().parents[2]
MARKET = json.loads((ROOT / "eval" / "relevance" / "market.json").read_text(encoding="utf-8"))
REGIONS = {
    r["code"]: r
    for r in json.loads(
        (ROOT / "apps" / "catalog" / "reference" / "regions.json").read_text(encoding="utf-8")
    )["regions"]
}

ORGS = {o["key"]: o for o in MARKET["organizations"]}
OFFERINGS = {o["key"]: o for o in MARKET["offerings"]}
DEMANDS = {d["key"]: d for d in MARKET["demands"]}
LABELS: dict[str, dict[str, int]] = MARKET["labels"]
INFEASIBLE: dict[str, list[str]] = MARKET["infeasible"]

SECTOR_CODES = {s[0] for s in SECTORS}
SCENARIO_CODES = {s[0] for s in SCENARIOS}
KIND_SPECS = {k["code"]: k["attribute_spec"] for k in SUPPLY_KINDS}
FUNCTION_KIND = {f[0]: f[1] for f in FUNCTIONS}
GENERAL_FUNCTIONS = {f[0] for f in FUNCTIONS if f[4]}
TECHS = {t["code"]: t for t in TECHNOLOGIES}
CERT_CATEGORY = {c[0]: c[3] for c in CERTIFICATIONS}
PROTOCOL_CODES = {p[0] for p in PROTOCOLS}
PROFILE_FIELDS = {
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
BUDGET_UNITS = {"device", "card_year", "device_year", "project"}
NO_SUPPLY_DEMAND = "d_coal_no_supply"


def _meets(tech_code: str, demand: dict) -> bool:
    """Whether a technology's thresholds can carry the demand's requirement profile."""
    t = TECHS[tech_code]
    battery_years = demand["battery_life_years"] if demand["power_source"] == "battery" else None
    return not (
        (demand["uplink_kbps"] or 0) > t["max_uplink_kbps"]
        or (demand["max_latency_ms"] and demand["max_latency_ms"] < t["typical_latency_ms"])
        or demand["mobility"] > t["max_mobility"]
        or demand["coverage_depth"] > t["max_coverage_depth"]
        or (battery_years and Decimal(str(battery_years)) > Decimal(t["max_battery_years"]))
        or (demand["needs_voice"] and not t["supports_voice"])
        or (demand["needs_video"] and not t["supports_video"])
        or (demand["needs_positioning"] and not t["supports_positioning"])
    )


def _regions_overlap(offering: dict, demand: dict) -> bool:
    if offering["nationwide"] or not demand["regions"]:
        return True
    return any(
        a == b or REGIONS[b]["parent"] == a or REGIONS[a]["parent"] == b
        for a in offering["regions"]
        for b in demand["regions"]
    )


def _never_shown(offering: dict, demand: dict) -> bool:
    """The set's rule for an offering that must never be shown for a demand (README)."""
    if offering["status"] != "published" or not ORGS[offering["vendor"]]["verified"]:
        return True
    if not _regions_overlap(offering, demand):
        return True
    kind = offering["kind"]
    if any(
        kind in CERTIFICATION_KINDS[CERT_CATEGORY[cert]] and cert not in offering["certifications"]
        for cert in demand["certifications"]
    ):
        return True
    if offering["technologies"]:
        requested = set(demand["technologies"])
        allowed = [
            t
            for t in offering["technologies"]
            if t in requested or (demand["technology_flexible"] and _meets(t, demand))
        ]
        if not allowed:
            return True
    deployment = demand.get("deployment")
    return bool(
        deployment
        and kind == "platform"
        and offering["attributes"]["deployment"] not in {deployment, "hybrid"}
    )


def _requested_unfit(demand: dict) -> bool:
    return bool(demand["technologies"]) and not any(
        _meets(code, demand) for code in demand["technologies"]
    )


def test_size_and_coverage():
    assert len(OFFERINGS) == len(MARKET["offerings"]) >= 100
    assert len(DEMANDS) == len(MARKET["demands"]) >= 36
    assert len(ORGS) == len(MARKET["organizations"])
    assert {o["kind"] for o in OFFERINGS.values()} == set(KIND_SPECS)
    assert {s for o in OFFERINGS.values() for s in o["sectors"]} == SECTOR_CODES
    assert {d["sector"] for d in DEMANDS.values()} == SECTOR_CODES


def test_organizations():
    for org in ORGS.values():
        assert org["name"] and org["roles"] in {"vendor", "enterprise", "both"}, org
        assert isinstance(org["verified"], bool), org
        assert REGIONS[org["province"]]["level"] == "province", org


@pytest.mark.parametrize("key", sorted(OFFERINGS))
def test_offering_speaks_the_reference_data(key):
    o = OFFERINGS[key]
    assert ORGS[o["vendor"]]["roles"] in {"vendor", "both"}
    assert o["kind"] in KIND_SPECS
    assert FUNCTION_KIND[o["function"]] == o["kind"], "function of another kind"
    assert o["name"] and o["model_number"] and o["description"]
    assert o["sectors"] and set(o["sectors"]) <= SECTOR_CODES
    assert set(o["scenarios"]) <= SCENARIO_CODES
    assert {s.split(".")[0] for s in o["scenarios"]} <= set(o["sectors"])
    assert set(o["technologies"]) <= set(TECHS)
    if o["kind"] in {"chip", "module", "terminal", "connectivity"}:
        assert o["technologies"], "hardware and IoT cards name their technology"
    assert o["nationwide"] == (not o["regions"])
    assert all(code in REGIONS for code in o["regions"])
    for cert in o["certifications"]:
        assert o["kind"] in CERTIFICATION_KINDS[CERT_CATEGORY[cert]], f"{cert} on a {o['kind']}"
    assert set(o["protocols"]) <= PROTOCOL_CODES
    assert 0 < o["price_min"] <= o["price_max"]
    assert o["min_order"] >= 1 and o["annual_capacity"] >= 1 and o["lead_time_days"] >= 1
    assert o["status"] in {"published", "archived"}


@pytest.mark.parametrize("key", sorted(OFFERINGS))
def test_offering_attributes_obey_the_kind_spec(key):
    o = OFFERINGS[key]
    # Terminals say what they are through their function, not a device_type attribute.
    assert "device_type" not in o["attributes"]
    assert validate_attributes(spec=KIND_SPECS[o["kind"]], attributes=o["attributes"]) == {}


@pytest.mark.parametrize("key", sorted(DEMANDS))
def test_demand_speaks_the_reference_data(key):
    d = DEMANDS[key]
    assert ORGS[d["organization"]]["roles"] in {"enterprise", "both"}
    assert d["title"] and d["description"]
    assert d["scenario"] in SCENARIO_CODES and d["scenario"].split(".")[0] == d["sector"]
    assert set(d["technologies"]) <= set(TECHS)
    assert isinstance(d["technology_flexible"], bool)
    assert set(d) >= PROFILE_FIELDS
    assert 0 <= d["mobility"] <= 3 and 0 <= d["coverage_depth"] <= 2
    assert d["power_source"] in {"mains", "battery", "rechargeable"}
    if d["power_source"] == "battery":
        assert d["battery_life_years"] and d["battery_life_years"] > 0
    assert d["kinds_needed"] and set(d["kinds_needed"]) <= set(KIND_SPECS)
    assert d["functions"] and all(f in FUNCTION_KIND for f in d["functions"])
    assert all(code in REGIONS for code in d["regions"])
    assert set(d["certifications"]) <= set(CERT_CATEGORY)
    for cert in d["certifications"]:
        applies_to = set(CERTIFICATION_KINDS[CERT_CATEGORY[cert]])
        assert applies_to & set(d["kinds_needed"]), f"{cert} applies to no kind the demand needs"
    assert set(d.get("protocols", [])) <= PROTOCOL_CODES
    assert d["volume"] >= 1 and d["rollout_months"] >= 1
    if d["unit_budget"] is not None:
        assert d["unit_budget"] > 0 and d["budget_unit"] in BUDGET_UNITS
    assert d.get("deployment") in {None, "public_cloud", "private", "hybrid"}


def test_scenario_functions_are_known():
    # The set leans on the scenario → functions map; a renamed code would silently empty a demand.
    for scenario, functions in SCENARIO_FUNCTIONS.items():
        assert scenario in SCENARIO_CODES
        assert all(f in FUNCTION_KIND for f in functions)


def test_labels_point_at_offerings_of_a_needed_kind():
    assert set(LABELS) == set(DEMANDS)
    for demand_key, graded in LABELS.items():
        kinds = set(DEMANDS[demand_key]["kinds_needed"])
        for offering_key, grade in graded.items():
            assert grade in {0, 1, 2, 3}, (demand_key, offering_key)
            assert OFFERINGS[offering_key]["kind"] in kinds, (demand_key, offering_key)


def test_every_demand_but_the_no_supply_one_has_a_relevant_offering():
    relevant = {d: [o for o, g in graded.items() if g > 0] for d, graded in LABELS.items()}
    assert relevant.pop(NO_SUPPLY_DEMAND) == []
    assert all(relevant.values()), [d for d, offerings in relevant.items() if not offerings]


def test_relevant_offerings_fit_the_demand_function():
    for demand_key, graded in LABELS.items():
        demand = DEMANDS[demand_key]
        for offering_key, grade in graded.items():
            function = OFFERINGS[offering_key]["function"]
            if grade > 0:
                assert function in GENERAL_FUNCTIONS or function in demand["functions"], (
                    demand_key,
                    offering_key,
                )


def test_infeasible_lists_are_consistent():
    assert set(INFEASIBLE) == set(DEMANDS)
    for demand_key, keys in INFEASIBLE.items():
        demand = DEMANDS[demand_key]
        assert len(keys) == len(set(keys))
        for offering_key in keys:
            assert OFFERINGS[offering_key]["kind"] in demand["kinds_needed"]
            assert LABELS[demand_key].get(offering_key, 0) == 0, (demand_key, offering_key)
        expected = {
            o["key"]
            for o in OFFERINGS.values()
            if o["kind"] in demand["kinds_needed"] and _never_shown(o, demand)
        }
        assert set(keys) == expected, (demand_key, set(keys) ^ expected)


def test_the_set_holds_the_hard_cases_it_is_meant_to_measure():
    demands = DEMANDS.values()
    unfit_open = [d for d in demands if _requested_unfit(d) and d["technology_flexible"]]
    unfit_only = [d for d in demands if _requested_unfit(d) and not d["technology_flexible"]]
    assert len(unfit_open) >= 3 and len(unfit_only) >= 1
    assert any(
        d["scenario"] == "municipal.water_meter"
        and d["kinds_needed"] == ["terminal"]
        and all(REGIONS[r]["parent"] == "130000" for r in d["regions"])
        for d in demands
    ), "a county water-meter demand in Hebei"
    kinds_per_demand = Counter(len(d["kinds_needed"]) for d in demands)
    assert sum(n for k, n in kinds_per_demand.items() if k > 1) >= 3
    offerings = OFFERINGS.values()
    assert any(o["status"] == "archived" for o in offerings)
    assert any(not ORGS[o["vendor"]]["verified"] for o in offerings)
    assert any(set(o["sectors"]) == SECTOR_CODES for o in offerings), (
        "a covers-every-sector listing"
    )
    scarce = [d for d, g in LABELS.items() if 1 <= sum(v > 0 for v in g.values()) <= 2]
    assert len(scarce) >= 3
    assert set(MARKET["notes"]) <= set(DEMANDS)
