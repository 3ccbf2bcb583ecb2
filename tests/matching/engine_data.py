"""Small engine inputs for tests: a thresholds table after DOMAIN facts, and record builders."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

from apps.matching.engine import (
    DemandSpec,
    OfferingRecord,
    ReferenceData,
    RequirementProfile,
    TechnologySpec,
    VendorRecord,
)

NOW = 1_790_000_000.0  # a fixed "now" (epoch seconds) so freshness is reproducible
DAY = 86400.0

TECHNOLOGIES = (
    TechnologySpec(
        "nb_iot", "NB-IoT", "NB-IoT", 100, 1000, 2, 2, 10, False, False, False, 10, 20, 1
    ),
    TechnologySpec(
        "cat1", "LTE Cat.1", "LTE Cat.1", 5000, 75, 3, 1, 0.5, True, False, True, 20, 40, 2
    ),
    TechnologySpec(
        "cat4", "LTE Cat.4", "LTE Cat.4", 50000, 40, 3, 1, 0, True, True, True, 60, 120, 3
    ),
    TechnologySpec(
        "redcap", "5G RedCap", "5G RedCap", 100000, 15, 3, 1, 0.5, True, True, True, 80, 200, 4
    ),
    TechnologySpec(
        "nr_embb", "5G eMBB", "5G eMBB", 1000000, 10, 3, 1, 0, True, True, True, 300, 800, 5
    ),
    TechnologySpec(
        "nr_urllc", "5G URLLC", "5G URLLC", 100000, 1, 3, 1, 0, False, False, True, 500, 1000, 6
    ),
)
KINDS = ("chip", "module", "terminal", "connectivity", "platform", "solution", "service")
SECTORS = ("municipal", "transport_logistics", "smart_grid", "connected_vehicles", "smart_home")
SCENARIOS = (
    "water_meter",
    "gas_meter",
    "asset_tracking",
    "fleet",
    "electricity_meter",
    "door_lock",
)
CERTIFICATIONS = ("ccc", "srrc", "cta", "cmcc", "ctcc", "explosion_proof", "ip68", "automotive")
PROTOCOLS = ("mqtt", "coap", "lwm2m", "http")
POSITIONING = ("gnss", "cellular", "wifi", "ble", "uwb")
PROVINCES = ("110000", "310000", "320000", "330000", "440000", "510000")

NAMES = {("technology", t.code): (t.name_zh, t.name_en) for t in TECHNOLOGIES} | {
    ("kind", "module"): ("模组", "module"),
    ("kind", "terminal"): ("终端", "terminal"),
    ("kind", "platform"): ("平台", "platform"),
    ("sector", "municipal"): ("市政", "municipal"),
    ("scenario", "water_meter"): ("智能水表", "smart water meters"),
    ("protocol", "mqtt"): ("MQTT", "MQTT"),
    ("protocol", "coap"): ("CoAP", "CoAP"),
    ("positioning", "uwb"): ("UWB 高精度定位", "UWB (high precision)"),
    ("positioning", "gnss"): ("卫星定位（北斗/GPS）", "Satellite (BeiDou/GPS)"),
}


def reference() -> ReferenceData:
    return ReferenceData(
        technologies=TECHNOLOGIES,
        kinds=KINDS,
        sectors=SECTORS,
        scenarios=SCENARIOS,
        certifications=CERTIFICATIONS,
        protocols=PROTOCOLS,
        provinces=PROVINCES,
        kind_chain={k: i for i, k in enumerate(KINDS)},
        names=NAMES,
        positioning_methods=POSITIONING,
        positioning_kinds=("module", "terminal"),
    )


_ids = count(1)


def offering(**fields) -> OfferingRecord:
    """A published NB-IoT water-meter module from vendor 1, nationwide, unless told otherwise."""
    base = OfferingRecord(
        id=next(_ids),
        vendor_id=1,
        kind="module",
        sectors=("municipal",),
        scenarios=("water_meter",),
        technologies=("nb_iot",),
        nationwide=True,
        regions=(),
        certifications=("srrc", "cta"),
        protocols=("lwm2m", "coap"),
        price_min=12,
        price_max=18,
        min_order=1000,
        annual_capacity=1_000_000,
        lead_time_days=30,
        updated_at=NOW - 10 * DAY,
        text="NB-IoT 模组 低功耗 智能水表 远程抄表",
    )
    return replace(base, **fields)


def demand(**fields) -> DemandSpec:
    """A municipal water-meter demand: battery-powered, deep indoor, in Zhejiang, 100k units."""
    base = DemandSpec(
        id=next(_ids),
        organization_id=100,
        sector="municipal",
        scenario="water_meter",
        profile=RequirementProfile(
            uplink_kbps=10, power_source="battery", battery_life_years=8, coverage_depth=2
        ),
        kinds_needed=("module",),
        regions=("330000",),
        volume=100_000,
        unit_budget=25,
        rollout_months=12,
        text="智能水表 远程抄表 NB-IoT 模组 采购",
        updated_at=NOW,
    )
    return replace(base, **fields)


def vendors(*ids: int, verified: bool = True) -> list[VendorRecord]:
    return [VendorRecord(i, verified=verified, typical_cases=2, response_rate=0.8) for i in ids]
