"""Generate the demo market as COPY text lines: organisations, offerings and demands.

Deterministic: the same seed, anchor time and reference data give the same rows. Work is split
into fixed-size chunks, each with its own random stream, so the output never depends on how
it is consumed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from pypinyin import Style, lazy_pinyin

from apps.accounts.credit_code import check_character, organization_code_check
from apps.catalog.models import Region, Scenario, Sector, SupplyKind, Technology
from apps.catalog.reference.functions import guess_function
from apps.catalog.reference.regions import short_place_name

from . import market
from .bulk import NULL, code_array, text

CHUNK = 20_000  # rows per random stream: part of the determinism contract

ORGANIZATION_COLUMNS = [
    "id",
    "name",
    "credit_code",
    "role",
    "province_id",
    "city_id",
    "verification_status",
    "verification_note",
    "verified_at",
    "description",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
    "created_at",
    "updated_at",
]
OFFERING_COLUMNS = [
    "id",
    "organization_id",
    "kind_id",
    "name",
    "model_number",
    "description",
    "sectors",
    "scenarios",
    "technologies",
    "nationwide",
    "regions",
    "certifications",
    "protocols",
    "price_min",
    "price_max",
    "min_order",
    "annual_capacity",
    "lead_time_days",
    "attributes",
    "status",
    "review_note",
    "created_at",
    "updated_at",
    "published_at",
    "function_id",
    "function_confirmed",
]
DEMAND_COLUMNS = [
    "id",
    "organization_id",
    "title",
    "description",
    "sector_id",
    "scenario_id",
    "technologies",
    "uplink_kbps",
    "max_latency_ms",
    "mobility",
    "power_source",
    "battery_life_years",
    "coverage_depth",
    "needs_voice",
    "needs_video",
    "needs_positioning",
    "kinds_needed",
    "regions",
    "volume",
    "unit_budget",
    "start_date",
    "rollout_months",
    "certifications",
    "visibility",
    "status",
    "review_note",
    "created_at",
    "updated_at",
    "published_at",
    "expires_at",
    "functions",
    "technology_flexible",
    "nationwide",
    "deployment",
    "budget_unit",
    "protocols",
    "positioning_method",
]

DEMO_VENDOR_NAME = "智联物联网科技（河北）有限公司"
DEMO_ENTERPRISE_NAME = "冀中水务集团有限公司"
# Fixed credit codes (not seed-dependent) so the demo logins find their organisations again.
# (Their organisation codes MA07DEM1-0 and MA07DEM0-2 carry GB 11714 check characters.)
DEMO_VENDOR_CODE = "91130100MA07DEM10" + check_character("91130100MA07DEM10")
DEMO_ENTERPRISE_CODE = "91130100MA07DEM02" + check_character("91130100MA07DEM02")
DEMO_VENDOR_OFFERINGS = 10
DEMO_ENTERPRISE_DEMANDS = 5


# --- reference snapshot -------------------------------------------------------------------


@dataclass(frozen=True)
class Tech:
    code: str
    cost_rank: int
    max_uplink_kbps: int
    typical_latency_ms: int
    max_mobility: int
    max_coverage_depth: int
    max_battery_years: float
    supports_voice: bool
    supports_video: bool
    supports_positioning: bool
    price_min: float
    price_max: float


@dataclass
class ReferenceSnapshot:
    provinces: list[str]
    cities: dict[str, list[str]]
    names: dict[str, str]
    sectors: list[str]
    scenarios: list[dict]
    scenarios_by_sector: dict[str, list[dict]]
    technologies: list[Tech]
    tech_by_code: dict[str, Tech]
    kinds: list[str]


def reference_snapshot() -> ReferenceSnapshot:
    """The reference rows the generator draws from, in a stable order."""
    provinces, cities, names = [], {}, {}
    # Provinces and cities only: the demo market is the same as before counties were vendored.
    regions = Region.objects.exclude(level=Region.Level.COUNTY).order_by("code")
    for code, name, level, parent in regions.values_list("code", "name_zh", "level", "parent_id"):
        names[code] = name
        if level == Region.Level.PROVINCE:
            provinces.append(code)
            cities.setdefault(code, [])
        else:
            cities.setdefault(parent, []).append(code)
    scenarios = [
        {
            "code": row["code"],
            "sector": row["sector_id"],
            "name": row["name_zh"],
            "profile": row["typical_profile"],
            "certs": list(row["required_certifications"]),
            "functions": list(row["functions"]),
        }
        for row in Scenario.objects.order_by("code").values(
            "code",
            "sector_id",
            "name_zh",
            "typical_profile",
            "required_certifications",
            "functions",
        )
        if row["code"] in market.SCENARIO_HINTS
    ]
    by_sector: dict[str, list[dict]] = {}
    for scenario in scenarios:
        by_sector.setdefault(scenario["sector"], []).append(scenario)
    technologies = [
        Tech(
            code=t.code,
            cost_rank=t.cost_rank,
            max_uplink_kbps=t.max_uplink_kbps,
            typical_latency_ms=t.typical_latency_ms,
            max_mobility=t.max_mobility,
            max_coverage_depth=t.max_coverage_depth,
            max_battery_years=float(t.max_battery_years),
            supports_voice=t.supports_voice,
            supports_video=t.supports_video,
            supports_positioning=t.supports_positioning,
            price_min=float(t.module_price_min),
            price_max=float(t.module_price_max),
        )
        for t in Technology.objects.order_by("cost_rank", "code")
    ]
    return ReferenceSnapshot(
        provinces=provinces,
        cities=cities,
        names=names,
        sectors=[
            s
            for s in Sector.objects.order_by("sort_order", "code").values_list("code", flat=True)
            if s in by_sector
        ],
        scenarios=scenarios,
        scenarios_by_sector=by_sector,
        technologies=technologies,
        tech_by_code={t.code: t for t in technologies},
        kinds=list(SupplyKind.objects.order_by("code").values_list("code", flat=True)),
    )


def feasible_technologies(profile: dict, technologies: list[Tech]) -> list[str]:
    """Codes of the technologies that meet a requirement profile, cheapest first.

    The demo's own reading of the thresholds, used to make listings plausible; the matching
    engine owns the real rule.
    """
    result = []
    for tech in technologies:
        if (profile.get("uplink_kbps") or 0) > tech.max_uplink_kbps:
            continue
        latency = profile.get("max_latency_ms")
        if latency is not None and latency < tech.typical_latency_ms:
            continue
        if profile.get("mobility", 0) > tech.max_mobility:
            continue
        if profile.get("coverage_depth", 0) > tech.max_coverage_depth:
            continue
        battery = profile.get("battery_life_years")
        if (
            profile.get("power_source") == "battery"
            and battery
            and battery > tech.max_battery_years
        ):
            continue
        if profile.get("needs_voice") and not tech.supports_voice:
            continue
        if profile.get("needs_video") and not tech.supports_video:
            continue
        if profile.get("needs_positioning") and not tech.supports_positioning:
            continue
        result.append(tech.code)
    return result


# --- organisations ------------------------------------------------------------------------


@dataclass
class Org:
    id: int
    name: str
    credit_code: str
    role: str
    province: str
    city: str | None
    status: str
    brand: str
    kinds: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    nationwide: bool = False
    regions: list[str] = field(default_factory=list)
    operator: str = ""
    weight: float = 1.0
    website: str = ""
    created_at: dt.datetime | None = None


def _org_code(number: int) -> str:
    """A GB 11714 organisation code (8 digits and its check character) for a number."""
    digits = f"{number % 10**8:08d}"
    return digits + organization_code_check(digits)


def credit_code(region: str, number: int) -> str:
    """A valid unified social credit code of an enterprise registered in `region`."""
    first17 = "91" + region + _org_code(number)
    return first17 + check_character(first17)


def _weighted_province(rnd: random.Random, ref: ReferenceSnapshot, weights: dict) -> str:
    candidates = [p for p in ref.provinces if p not in market.NO_CREDIT_CODE_PROVINCES]
    return rnd.choices(candidates, weights=[weights.get(p, 1) for p in candidates])[0]


def _city_in(rnd: random.Random, ref: ReferenceSnapshot, province: str) -> str | None:
    cities = ref.cities.get(province) or []
    return rnd.choice(cities) if cities else None


def _initial(brand: str) -> str:
    """A brand's Latin initial for its model numbers (智联 → Z): models are written in Latin."""
    return lazy_pinyin(brand[:1], style=Style.FIRST_LETTER)[0].upper()


def _short_place(ref: ReferenceSnapshot, code: str) -> str:
    return short_place_name(ref.names[code])


def _served_regions(rnd: random.Random, ref: ReferenceSnapshot, org: Org) -> list[str]:
    if org.city and rnd.random() < 0.3:
        siblings = [c for c in ref.cities[org.province] if c != org.city]
        return [org.city, *rnd.sample(siblings, min(len(siblings), rnd.randint(0, 2)))]
    others = [
        p for p in ref.provinces if p != org.province and p not in market.NO_CREDIT_CODE_PROVINCES
    ]
    return [org.province, *rnd.sample(others, rnd.randint(0, 3))]


VENDOR_KIND_WEIGHTS = [
    ("terminal", 0.50),
    ("solution", 0.17),
    ("service", 0.12),
    ("module", 0.06),
    ("platform", 0.06),
    ("connectivity", 0.05),
    ("chip", 0.04),
]
NATIONWIDE_SHARE = {
    "terminal": 0.35,
    "solution": 0.2,
    "service": 0.1,
    "module": 0.6,
    "platform": 0.7,
    "connectivity": 0.3,
    "chip": 0.9,
}
BROAD_KINDS = ("chip", "module", "platform", "connectivity")
DEPLOYMENT_ZH = {"public_cloud": "公有云", "private": "私有化部署", "hybrid": "混合云"}


def _verification(rnd: random.Random) -> str:
    roll = rnd.random()
    return "verified" if roll < 0.85 else "pending" if roll < 0.95 else "rejected"


def organizations(
    *,
    ref: ReferenceSnapshot,
    seed: int,
    vendors: int,
    enterprises: int,
    start_id: int,
    anchor: dt.datetime,
    taken_codes: set[str],
) -> tuple[list[Org], list[Org]]:
    """Vendors (real ones from DOMAIN first, then the demo vendor, then generated makers) and
    enterprises (the demo enterprise first); `taken_codes` are credit codes already in use."""
    rnd = random.Random(f"{seed}:organizations")
    next_id = start_id
    serial = seed * 7919

    def new_code(region: str) -> str:
        nonlocal serial
        while True:
            serial += 1
            code = credit_code(region, serial * 7919 + 10_000_019)
            if code not in taken_codes:
                taken_codes.add(code)
                return code

    def created() -> dt.datetime:
        return anchor - dt.timedelta(days=rnd.randint(200, 1500), seconds=rnd.randint(0, 86399))

    vendor_orgs: list[Org] = []
    for name, province, city, kinds, brand, website, operator in market.REAL_VENDORS:
        org = Org(
            id=next_id,
            name=name,
            credit_code=new_code(city or province),
            role="vendor",
            province=province,
            city=city,
            status="verified",
            brand=brand,
            kinds=list(kinds),
            sectors=list(ref.sectors),
            nationwide=True,
            operator=operator,
            weight=6.0 if kinds[0] == "module" else 3.0,
            website=website,
            created_at=created(),
        )
        vendor_orgs.append(org)
        next_id += 1
    demo = Org(
        id=next_id,
        name=DEMO_VENDOR_NAME,
        credit_code=DEMO_VENDOR_CODE,
        role="vendor",
        province="130000",
        city="130100",
        status="verified",
        brand="智联",
        kinds=["terminal", "solution"],
        sectors=["municipal", "smart_grid"],
        regions=["130000", "110000", "120000"],
        weight=0.0,
        created_at=created(),
    )
    taken_codes.add(demo.credit_code)
    vendor_orgs.append(demo)
    next_id += 1
    used_names = {org.name for org in vendor_orgs}
    kinds, kind_weights = zip(*VENDOR_KIND_WEIGHTS, strict=True)
    for _ in range(vendors):
        province = _weighted_province(rnd, ref, market.VENDOR_PROVINCE_WEIGHTS)
        city = _city_in(rnd, ref, province)
        place = _short_place(ref, city or province)
        while True:
            brand = rnd.choice(market.BRANDS)
            trade = rnd.choice(market.VENDOR_TRADES)
            # (北斗 电子 电子有限公司 says its trade twice)
            suffixes = [s for s in market.VENDOR_SUFFIXES if not s.startswith(trade)]
            name = f"{place}{brand}{trade}{rnd.choice(suffixes)}"
            if name not in used_names:
                used_names.add(name)
                break
            place = _short_place(ref, rnd.choice(ref.cities[province] or [province]))
        primary = rnd.choices(kinds, weights=kind_weights)[0]
        org_kinds = [primary]
        if primary == "terminal" and rnd.random() < 0.3:
            org_kinds.append("solution")
        sectors = (
            rnd.sample(ref.sectors, rnd.randint(3, len(ref.sectors)))
            if primary in BROAD_KINDS
            else rnd.sample(ref.sectors, rnd.choice((1, 1, 2, 3)))
        )
        org = Org(
            id=next_id,
            name=name,
            credit_code=new_code(city or province),
            role="vendor",
            province=province,
            city=city,
            status=_verification(rnd),
            brand=brand,
            kinds=org_kinds,
            sectors=sectors,
            nationwide=rnd.random() < NATIONWIDE_SHARE[primary],
            operator=rnd.choice(list(market.OPERATOR_NAMES)) if primary == "connectivity" else "",
            weight=min(rnd.paretovariate(1.6), 40.0),
            created_at=created(),
        )
        if not org.nationwide:
            org.regions = _served_regions(rnd, ref, org)
        vendor_orgs.append(org)
        next_id += 1

    enterprise_orgs = [
        Org(
            id=next_id,
            name=DEMO_ENTERPRISE_NAME,
            credit_code=DEMO_ENTERPRISE_CODE,
            role="enterprise",
            province="130000",
            city="130100",
            status="verified",
            brand="冀中",
            sectors=["municipal"],
            weight=0.0,
            created_at=created(),
        )
    ]
    taken_codes.add(enterprise_orgs[0].credit_code)
    next_id += 1
    used_names = {enterprise_orgs[0].name}
    for _ in range(enterprises):
        province = _weighted_province(rnd, ref, market.ENTERPRISE_PROVINCE_WEIGHTS)
        city = _city_in(rnd, ref, province)
        sector = rnd.choice(ref.sectors)
        for attempt in range(20):
            template = rnd.choice(market.ENTERPRISE_TEMPLATES[sector])
            place = _short_place(
                ref,
                rnd.choice(ref.cities[province] or [province]) if attempt else (city or province),
            )
            name = template.format(city=place, brand=rnd.choice(market.BRANDS))
            if name not in used_names:
                break
        used_names.add(name)
        enterprise_orgs.append(
            Org(
                id=next_id,
                name=name,
                credit_code=new_code(city or province),
                role="both" if rnd.random() < 0.03 else "enterprise",
                province=province,
                city=city,
                status=_verification(rnd),
                brand=name[:2],
                sectors=[sector],
                weight=min(rnd.paretovariate(1.8), 30.0),
                created_at=created(),
            )
        )
        next_id += 1
    return vendor_orgs, enterprise_orgs


def _person(rnd: random.Random) -> str:
    return rnd.choice(market.SURNAMES) + rnd.choice(market.GIVEN)


# How long ago what waits for review was submitted, at most (the demo's queues are fresh).
PENDING_SPAN = 14 * 86400


def _phone(rnd: random.Random) -> str:
    return f"1{rnd.choice('3456789')}{rnd.randint(0, 999999999):09d}"


def organization_lines(orgs: list[Org], *, seed: int, anchor: dt.datetime) -> Iterator[str]:
    rnd = random.Random(f"{seed}:organization-lines")
    for org in orgs:
        created = org.created_at or anchor
        if org.status == "pending":
            # an organisation waiting for its verification signed up lately
            created = anchor - dt.timedelta(seconds=rnd.randint(600, PENDING_SPAN))
        verified_at = (
            created + dt.timedelta(days=rnd.randint(1, 30)) if org.status == "verified" else None
        )
        note = "营业执照信息与统一社会信用代码不一致" if org.status == "rejected" else ""
        role_text = {
            "vendor": "物联网产品与服务提供商",
            "enterprise": "物联网应用需求单位",
            "both": "物联网应用与解决方案企业",
        }[org.role]
        description = f"{org.name}，{role_text}。"
        yield "\t".join(
            (
                str(org.id),
                text(org.name),
                org.credit_code,
                org.role,
                org.province,
                org.city or NULL,
                org.status,
                text(note),
                verified_at.isoformat() if verified_at else NULL,
                text(description),
                text(org.website),
                text(_person(rnd)),
                _phone(rnd),
                f"contact{org.id}@example.cn",
                created.isoformat(),
                (verified_at or created).isoformat(),
            )
        )


# --- offerings ----------------------------------------------------------------------------

OFFERING_STATUS = {
    "verified": (
        ("published", 0.84),
        ("draft", 0.05),
        ("pending_review", 0.04),
        ("archived", 0.05),
        ("rejected", 0.02),
    ),
    "pending": (("draft", 0.6), ("pending_review", 0.4)),
    "rejected": (("draft", 0.7), ("rejected", 0.3)),
}
MODULE_TECH_WEIGHTS = (
    ("nb_iot", 22),
    ("cat1", 38),
    ("cat4", 12),
    ("redcap", 16),
    ("nr_embb", 9),
    ("nr_urllc", 3),
)


def _pick(rnd: random.Random, pairs: tuple) -> str:
    values, weights = zip(*pairs, strict=True)
    return rnd.choices(values, weights=weights)[0]


def _price_range(
    rnd: random.Random, low: float, high: float, spread: float = 0.3
) -> tuple[Decimal, Decimal]:
    """A believable quoted range inside [low, high], rounded to half yuan (cents below 10)."""
    price_min = rnd.uniform(low, low + (high - low) * 0.75)
    price_max = min(high, price_min * rnd.uniform(1.0, 1.0 + spread))
    step = 0.1 if high < 10 else 0.5
    lo = math.ceil(price_min / step) * step
    hi = max(lo, math.floor(price_max / step) * step)
    return Decimal(f"{lo:.2f}"), Decimal(f"{hi:.2f}")


def _operator_certs(rnd: random.Random) -> list[str]:
    return [
        op for op in ("cmcc", "ctcc", "cucc", "cbn") if rnd.random() < (0.7 if op != "cbn" else 0.2)
    ]


class OfferingFactory:
    """Builds one offering's values for a vendor; one instance per chunk (random stream)."""

    def __init__(self, rnd: random.Random, ref: ReferenceSnapshot) -> None:
        self.rnd = rnd
        self.ref = ref
        self.feasible = {
            s["code"]: feasible_technologies(s["profile"], ref.technologies)
            or [ref.technologies[-1].code]
            for s in ref.scenarios
        }

    def _scenario(self, org: Org) -> dict:
        # The demo vendor (in Hebei) mostly makes water meters, so the demo enterprise's
        # Hebei water-meter tenders find a terminal that does what they need.
        if org.name == DEMO_VENDOR_NAME and self.rnd.random() < 0.6:
            water = [s for s in self.ref.scenarios if s["code"] == "municipal.water_meter"]
            if water:
                return water[0]
        sector = self.rnd.choice(org.sectors)
        return self.rnd.choice(self.ref.scenarios_by_sector[sector])

    def _techs_for(self, scenario: dict) -> list[str]:
        feasible = self.feasible[scenario["code"]]
        techs = (
            [feasible[0]]
            if self.rnd.random() < 0.75 or len(feasible) == 1
            else [self.rnd.choice(feasible)]
        )
        # Dual-mode devices pair neighbouring technologies (NB-IoT/Cat.1, Cat.1/Cat.4, ...).
        if techs[0] != feasible[-1] and self.rnd.random() < 0.2:
            techs.append(feasible[feasible.index(techs[0]) + 1])
        return techs

    def build(self, org: Org, kind: str) -> dict:
        return getattr(self, f"_{kind}")(org)

    def _series(self, catalogue: dict, org: Org, digits: int) -> tuple[str, str]:
        """(technology, series) for a real maker from its catalogue, else a generated series."""
        rnd = self.rnd
        own = catalogue.get(org.brand)
        if own:
            tech = _pick(rnd, tuple((t, w) for t, w in MODULE_TECH_WEIGHTS if t in own))
            return tech, rnd.choice(own[tech])
        tech = _pick(rnd, MODULE_TECH_WEIGHTS)
        letters = rnd.choice(market.SERIES_LETTERS) + rnd.choice(market.SERIES_LETTERS)
        return tech, f"{letters}{rnd.randint(10 ** (digits - 1), 10**digits - 1)}"

    def _chip(self, org: Org) -> dict:
        rnd = self.rnd
        tech, series = self._series(market.CHIP_SERIES, org, 4)
        t = self.ref.tech_by_code[tech]
        lo, hi = _price_range(rnd, t.price_min * 0.25, t.price_max * 0.5)
        automotive = rnd.random() < 0.1
        return {
            "name": f"{org.brand} {series} {market.TECH_SHORT[tech]} 通信芯片"
            + ("（车规级）" if automotive else ""),
            "model_number": f"{series.replace(' ', '')}{rnd.choice(['', 'A', 'B', 'E'])}",
            "sectors": rnd.sample(org.sectors, min(len(org.sectors), rnd.randint(3, 8))),
            "scenarios": [],
            "technologies": [tech],
            "certifications": ["automotive"] if automotive else [],
            "protocols": [],
            "price": (lo, hi),
            "min_order": rnd.choice([3000, 5000, 10000]),
            "capacity": rnd.randint(5, 100) * 1_000_000,
            "lead": rnd.randint(21, 60),
            "attributes": {
                "platform": series,
                "process_nm": rnd.choice([12, 22, 28, 40, 55]),
                "integrated_gnss": rnd.random() < 0.3,
                "open_cpu": rnd.random() < 0.6,
            },
            "description": f"{series} 是面向 {market.TECH_SHORT[tech]} 物联网终端的通信芯片，"
            "集成基带与射频，支持 OpenCPU 开发。",
        }

    def _module(self, org: Org) -> dict:
        rnd = self.rnd
        tech, series = self._series(market.MODULE_SERIES, org, 3)
        t = self.ref.tech_by_code[tech]
        chipset = rnd.choice(market.CHIPSETS[tech])
        lo, hi = _price_range(rnd, t.price_min, t.price_max)
        small = tech in ("nb_iot", "cat1")
        automotive = rnd.random() < 0.08
        certs = ["srrc", "cta", *_operator_certs(rnd)]
        if rnd.random() < 0.3:
            certs += ["ce", "gcf"]
        if automotive:
            certs.append("automotive")
        sectors = rnd.sample(org.sectors, min(len(org.sectors), rnd.randint(3, 8)))
        scenarios = [
            s["code"]
            for s in self.ref.scenarios
            if s["sector"] in sectors and tech in self.feasible[s["code"]]
        ]
        return {
            "name": f"{org.brand} {series} {market.TECH_SHORT[tech]} 模组"
            + ("（车规级）" if automotive else ""),
            "model_number": f"{series}-{rnd.choice(['CN', 'CNA', 'CNB', 'GL'])}",
            "sectors": sectors,
            "scenarios": rnd.sample(scenarios, min(len(scenarios), rnd.randint(0, 4))),
            "technologies": [tech],
            "certifications": certs,
            "protocols": rnd.sample(
                ["mqtt", "coap", "lwm2m", "http", "tcp_udp"], rnd.randint(3, 5)
            ),
            "price": (lo, hi),
            "min_order": rnd.choice([500, 1000, 1000, 5000]),
            "capacity": rnd.randint(1, 50) * 1_000_000,
            "lead": rnd.randint(14, 45),
            "attributes": {
                "chipset": chipset,
                "form_factor": rnd.choice(["LCC", "LGA"])
                if small
                else rnd.choice(["LGA", "M.2", "Mini PCIe"]),
                "bands": market.BANDS[tech],
                "positioning": ["gnss", "cellular"] if rnd.random() < 0.35 else ["cellular"],
                "psm_edrx": small,
                "operating_temp": rnd.choice(["-40℃ ~ +85℃", "-30℃ ~ +75℃"]),
            },
            "description": f"{org.brand} {series} 是一款 {market.TECH_SHORT[tech]} 无线通信模组，"
            f"基于 {chipset} 平台，{rnd.choice(market.TERMINAL_FEATURES)}。",
        }

    def _terminal(self, org: Org) -> dict:
        rnd = self.rnd
        scenario = self._scenario(org)
        noun, _measure, device_type, (p_lo, p_hi), _volume, protocols = market.SCENARIO_HINTS[
            scenario["code"]
        ]
        techs = self._techs_for(scenario)
        lo, hi = _price_range(rnd, p_lo, p_hi)
        certs = [c for c in scenario["certs"] if rnd.random() < 0.9]
        certs += ["srrc", "cta"] + (["ccc"] if "ccc" not in certs and rnd.random() < 0.3 else [])
        certs += [op for op in _operator_certs(rnd) if rnd.random() < 0.5]
        profile = scenario["profile"]
        ip = (
            "IP68"
            if "ip68" in certs
            else "IP67"
            if "ip67" in certs
            else rnd.choice(["IP54", "IP65"])
            if profile.get("coverage_depth", 0) != 1
            else "IP20"
        )
        makers = [m for m in market.MODULE_MAKERS if techs[0] in market.MODULE_SERIES[m]]
        module_maker = rnd.choice(makers) if makers else "移远"
        series = rnd.choice(market.MODULE_SERIES[module_maker].get(techs[0], ["EC800M"]))
        attributes = {
            "ip_rating": ip,
            "embedded_module": f"{module_maker} {series}",
        }
        if profile.get("power_source") == "battery":
            attributes["battery_mah"] = rnd.choice([2400, 3600, 7200, 8500, 19000])
        elif profile.get("power_source") == "rechargeable":
            attributes["battery_mah"] = rnd.choice([300, 500, 1200, 5000, 10000])
        if device_type in ("dtu", "gateway"):
            attributes["interfaces"] = rnd.sample(
                ["RS485", "RS232", "Ethernet", "CAN", "DI/DO", "AI"], 3
            )
        tech_label = "/".join(market.TECH_SHORT[t] for t in techs)
        letters = rnd.choice(market.SERIES_LETTERS) + rnd.choice(market.SERIES_LETTERS)
        model = f"{_initial(org.brand)}{letters}-{rnd.randint(100, 999)}"
        return {
            # Named with its model, as makers name a line of devices: a vendor's meters and
            # trackers stay apart in a list (six 安迅 … 监测终端 read alike without it).
            "name": f"{org.brand} {model} {tech_label} {noun}",
            "model_number": model,
            "sectors": [scenario["sector"]],
            "scenarios": [scenario["code"]],
            "technologies": techs,
            "certifications": certs,
            "protocols": [
                *protocols[: rnd.randint(1, len(protocols))],
                *(["mqtt"] if "mqtt" not in protocols and rnd.random() < 0.4 else []),
            ],
            "price": (lo, hi),
            "min_order": rnd.choice([50, 100, 200, 500, 1000]),
            "capacity": rnd.randint(2, 200) * 10_000,
            "lead": rnd.randint(15, 60),
            "attributes": attributes,
            "description": f"{noun}，采用 {tech_label} 通信，适用于{scenario['name']}场景；"
            + "，".join(rnd.sample(market.TERMINAL_FEATURES, 2))
            + "。",
        }

    def _platform(self, org: Org) -> dict:
        rnd = self.rnd
        name = market.PLATFORM_NAMES.get(org.brand, f"{org.brand}物联网设备管理平台")
        sectors = rnd.sample(org.sectors, min(len(org.sectors), rnd.randint(2, 6)))
        scenarios = [s["code"] for s in self.ref.scenarios if s["sector"] in sectors]
        deployment = _pick(rnd, (("public_cloud", 6), ("private", 2), ("hybrid", 2)))
        capacity = rnd.choice([100_000, 500_000, 1_000_000, 10_000_000, 50_000_000])
        lo, hi = _price_range(rnd, 1.0, 30.0, spread=1.0)
        return {
            "name": f"{name}（{DEPLOYMENT_ZH[deployment]}版）",
            "model_number": f"V{rnd.randint(2, 6)}.{rnd.randint(0, 9)}",
            "sectors": sectors,
            "scenarios": rnd.sample(scenarios, min(len(scenarios), rnd.randint(2, 8))),
            "technologies": [
                t.code for t in self.ref.technologies if t.code != "nr_urllc" and rnd.random() < 0.8
            ]
            or ["cat1"],
            "certifications": [],
            "protocols": [
                "mqtt",
                "coap",
                "lwm2m",
                "http",
                *rnd.sample(
                    ["modbus", "opc_ua", "jt808", "gb28181", "hj212", "dlt645"], rnd.randint(0, 2)
                ),
            ],
            "price": (lo, hi),
            "min_order": 1,
            "capacity": capacity,
            "lead": rnd.randint(3, 14),
            "attributes": {
                "deployment": deployment,
                "device_capacity": capacity,
                "features": rnd.sample(market.PLATFORM_FEATURES, rnd.randint(3, 7)),
                "price_unit": "device_year",
            },
            "description": f"{name}提供设备接入、设备管理、OTA 升级与规则引擎，"
            "按设备每年计费（元/设备/年），支持 MQTT、CoAP、LwM2M 和 HTTP 接入。",
        }

    def _connectivity(self, org: Org) -> dict:
        rnd = self.rnd
        operator = org.operator or rnd.choice(list(market.OPERATOR_NAMES))
        tech = rnd.choice(market.OPERATOR_TECHNOLOGIES[operator])
        lo, hi = _price_range(rnd, *market.CARD_PRICE[tech])
        plan = _pick(rnd, (("annual", 5), ("monthly", 2), ("pooled", 3), ("directed", 2)))
        plan_zh = {"annual": "年包", "monthly": "月包", "pooled": "流量池", "directed": "定向流量"}[
            plan
        ]
        operator_zh = market.OPERATOR_NAMES[operator]
        seller = "" if org.brand == operator_zh else f"{org.brand} "
        return {
            "name": f"{seller}{operator_zh} {market.TECH_SHORT[tech]} 物联网卡（{plan_zh}）",
            "model_number": "",
            "sectors": rnd.sample(org.sectors, min(len(org.sectors), rnd.randint(3, 10))),
            "scenarios": [],
            "technologies": [tech],
            "certifications": [],
            "protocols": [],
            "price": (lo, hi),
            "min_order": rnd.choice([100, 500, 1000]),
            "capacity": rnd.randint(1, 100) * 1_000_000,
            "lead": rnd.randint(3, 7),
            "attributes": {
                "operator": operator,
                "plan_types": [
                    plan,
                    *(["voice_sms"] if tech != "nb_iot" and rnd.random() < 0.3 else []),
                ],
                "card_forms": rnd.sample(["plug_in", "mff2", "esim"], rnd.randint(1, 3)),
                "price_unit": "card_year",
            },
            "description": f"{operator_zh}{market.TECH_SHORT[tech]} 物联网卡，{plan_zh}套餐，"
            "支持机卡绑定、停复机与用量预警，按卡每年计费。",
        }

    def _solution(self, org: Org) -> dict:
        rnd = self.rnd
        scenario = self._scenario(org)
        noun, _measure, _device_type, (p_lo, p_hi), _volume, protocols = market.SCENARIO_HINTS[
            scenario["code"]
        ]
        techs = self._techs_for(scenario)
        lo, hi = _price_range(rnd, p_lo * 1.5, p_hi * 3)
        includes = [
            "terminal",
            "platform",
            *rnd.sample(["connectivity", "installation", "operation", "module"], rnd.randint(1, 3)),
        ]
        return {
            "name": f"{org.brand}{scenario['name']}整体解决方案",
            "model_number": "",
            "sectors": [scenario["sector"]],
            "scenarios": [
                scenario["code"],
                *(
                    [
                        s["code"]
                        for s in self.ref.scenarios_by_sector[scenario["sector"]]
                        if s["code"] != scenario["code"]
                    ][: rnd.randint(0, 2)]
                ),
            ],
            "technologies": techs,
            "certifications": [c for c in scenario["certs"] if rnd.random() < 0.9],
            "protocols": list(protocols),
            "price": (lo, hi),
            "min_order": rnd.choice([100, 500, 1000]),
            "capacity": rnd.randint(5, 500) * 1000,
            "lead": rnd.randint(30, 120),
            "attributes": {
                "delivery": _pick(rnd, (("turnkey", 5), ("project", 3), ("saas", 2))),
                "includes": includes,
                "reference_projects": rnd.randint(1, 60),
            },
            "description": f"面向{scenario['name']}的端到端方案：{noun}、连接与管理平台一体交付，"
            f"单价按每{_measure}部署计，{rnd.choice(market.TERMINAL_FEATURES)}。",
        }

    def _service(self, org: Org) -> dict:
        rnd = self.rnd
        scenario = self._scenario(org)
        types = rnd.sample(
            [
                "integration",
                "installation",
                "operation",
                "testing",
                "certification_support",
                "consulting",
            ],
            rnd.randint(1, 3),
        )
        lo, hi = _price_range(rnd, 5, 200, spread=0.8)
        return {
            "name": f"{org.brand}{scenario['name']}系统集成与运维服务",
            "model_number": "",
            "sectors": [scenario["sector"]],
            "scenarios": [scenario["code"]],
            "technologies": [],
            "certifications": [],
            "protocols": [],
            "price": (lo, hi),
            "min_order": rnd.choice([1, 100, 500]),
            "capacity": rnd.randint(1, 100) * 10_000,
            "lead": rnd.randint(7, 30),
            "attributes": {
                "service_types": types,
                "sla_hours": rnd.choice([2, 4, 8, 24, 48]),
                "on_site": rnd.random() < 0.7,
            },
            "description": f"提供{scenario['name']}项目的方案设计、安装调试与运维服务，按设备计费，"
            f"{rnd.choice(['省内 4 小时响应', '7×24 小时值守', '驻场运维'])}。",
        }


def offering_lines(
    *,
    ref: ReferenceSnapshot,
    vendors: list[Org],
    count: int,
    seed: int,
    start_id: int,
    anchor: dt.datetime,
) -> Iterator[str]:
    """`count` offerings: the first few belong to the demo vendor, the rest follow vendor
    weights."""
    demo = next(org for org in vendors if org.name == DEMO_VENDOR_NAME)
    cum_weights = list(accumulate(org.weight for org in vendors))
    span = int(
        (
            anchor - dt.datetime(anchor.year - 2, anchor.month, 1, tzinfo=anchor.tzinfo)
        ).total_seconds()
    )
    for chunk_start in range(0, count, CHUNK):
        rnd = random.Random(f"{seed}:offerings:{chunk_start // CHUNK}")
        factory = OfferingFactory(rnd, ref)
        size = min(CHUNK, count - chunk_start)
        owners = rnd.choices(vendors, cum_weights=cum_weights, k=size)
        for offset in range(size):
            index = chunk_start + offset
            org = demo if index < DEMO_VENDOR_OFFERINGS else owners[offset]
            kind = (
                org.kinds[0]
                if len(org.kinds) == 1 or rnd.random() < 0.8
                else rnd.choice(org.kinds[1:])
            )
            values = factory.build(org, kind)
            status = (
                "published"
                if org is demo and index < DEMO_VENDOR_OFFERINGS - 2
                else _pick(rnd, OFFERING_STATUS[org.status])
            )
            created = anchor - dt.timedelta(seconds=rnd.randint(3600, span))
            updated = created + (anchor - created) * rnd.random()
            if status == "pending_review":
                # submitted lately: a review queue is days old, not the listing's age
                updated = anchor - dt.timedelta(seconds=rnd.randint(600, PENDING_SPAN))
                created = min(created, updated)
            published = (
                created + (updated - created) * rnd.random()
                if status in ("published", "archived")
                else None
            )
            if org.nationwide:
                nationwide, regions = True, []
            else:
                nationwide, regions = False, org.regions or [org.province]
            lo, hi = values["price"]
            yield "\t".join(
                (
                    str(start_id + index),
                    str(org.id),
                    kind,
                    text(values["name"]),
                    text(values["model_number"]),
                    text(values["description"]),
                    code_array(values["sectors"]),
                    code_array(values["scenarios"]),
                    code_array(values["technologies"]),
                    "t" if nationwide else "f",
                    code_array(regions),
                    code_array(dict.fromkeys(values["certifications"])),
                    code_array(dict.fromkeys(values["protocols"])),
                    str(lo),
                    str(hi),
                    str(values["min_order"]),
                    str(values["capacity"]),
                    str(values["lead"]),
                    text(json.dumps(values["attributes"], ensure_ascii=False)),
                    status,
                    text("参数描述不完整，请补充认证证书编号" if status == "rejected" else ""),
                    created.isoformat(),
                    updated.isoformat(),
                    published.isoformat() if published else NULL,
                    guess_function(
                        kind,
                        technologies=values["technologies"],
                        scenarios=values["scenarios"],
                        name=values["name"],
                        description=values["description"],
                        attributes=values["attributes"],
                    )
                    or NULL,
                    "t",
                )
            )


# --- demands ------------------------------------------------------------------------------

KINDS_NEEDED = (
    (("terminal",), 26),
    (("terminal", "platform"), 16),
    (("terminal", "connectivity", "platform"), 12),
    (("solution",), 18),
    (("module",), 8),
    (("module", "platform"), 6),
    (("terminal", "connectivity"), 6),
    (("service",), 4),
    (("platform",), 2),
    (("connectivity",), 2),
)
DEMAND_STATUS = {
    "verified": (
        ("published", 0.75),
        ("matched", 0.05),
        ("closed", 0.03),
        ("expired", 0.03),
        ("draft", 0.06),
        ("pending_review", 0.06),
        ("rejected", 0.02),
    ),
    "pending": (("draft", 0.5), ("pending_review", 0.5)),
    "rejected": (("draft", 1.0),),
}
VISIBILITY = (("public", 80), ("anonymous", 15), ("coordinators", 5))


def _round2(value: float) -> int:
    """Two significant digits, as people write volumes (234,567 → 230,000)."""
    if value < 10:
        return max(1, int(value))
    magnitude = 10 ** (int(math.log10(value)) - 1)
    return int(round(value / magnitude) * magnitude)


def volume_text(volume: int, measure: str) -> str:
    """How a title writes a quantity: "20 万只", "320 套"."""
    if volume >= 10_000:
        return f"{volume / 10_000:g} 万{measure}"
    return f"{volume} {measure}"


def demand_lines(
    *,
    ref: ReferenceSnapshot,
    enterprises: list[Org],
    count: int,
    seed: int,
    start_id: int,
    anchor: dt.datetime,
) -> Iterator[str]:
    """`count` demands derived from scenarios' typical profiles; the first few are the demo
    enterprise's water-meter projects in Hebei."""
    demo = enterprises[0]
    cum_weights = list(accumulate(org.weight for org in enterprises))
    tech_codes = [t.code for t in ref.technologies]
    for chunk_start in range(0, count, CHUNK):
        rnd = random.Random(f"{seed}:demands:{chunk_start // CHUNK}")
        size = min(CHUNK, count - chunk_start)
        owners = rnd.choices(enterprises, cum_weights=cum_weights, k=size)
        for offset in range(size):
            index = chunk_start + offset
            is_demo = index < DEMO_ENTERPRISE_DEMANDS
            org = demo if is_demo else owners[offset]
            scenarios = ref.scenarios_by_sector[org.sectors[0]]
            scenario = (
                next(s for s in scenarios if s["code"] == "municipal.water_meter")
                if is_demo
                else rnd.choice(scenarios)
            )
            noun, measure, _device_type, (p_lo, p_hi), (v_lo, v_hi), _protocols = (
                market.SCENARIO_HINTS[scenario["code"]]
            )
            profile = dict(scenario["profile"])
            if not is_demo:
                profile["uplink_kbps"] = max(
                    1, int(profile["uplink_kbps"] * rnd.choice((0.5, 1, 1, 1, 2)))
                )
                profile["max_latency_ms"] = max(
                    1, int(profile["max_latency_ms"] * rnd.choice((0.5, 1, 1, 2)))
                )
                if profile.get("battery_life_years"):
                    profile["battery_life_years"] = round(
                        profile["battery_life_years"] * rnd.choice((0.8, 1, 1, 1.25)), 1
                    )
                if rnd.random() < 0.08:
                    profile["uplink_kbps"] = None
                if rnd.random() < 0.08:
                    profile["max_latency_ms"] = None
            options = feasible_technologies(profile, ref.technologies)
            roll = rnd.random()
            if is_demo:
                techs = ["nb_iot"] if index % 2 == 0 else []
            elif roll < 0.35 or not options:
                techs = []
            elif roll < 0.85:
                techs = [options[0]]
            elif roll < 0.93:
                techs = [rnd.choice(options)]
            else:  # a request the profile rules out: exercises the tech_misfit advice
                misfits = [code for code in tech_codes if code not in options]
                techs = [rnd.choice(misfits)] if misfits else [options[0]]
            kinds = ("terminal", "platform") if is_demo else _pick(rnd, KINDS_NEEDED)
            volume = _round2(math.exp(rnd.uniform(math.log(v_lo), math.log(v_hi))))
            if is_demo:
                volume = (200_000, 50_000, 120_000, 30_000, 80_000)[index]
            roll = rnd.random()
            if is_demo:
                regions = [("130000", "130100", "130600", "131100", "130000")[index]]
            elif roll < 0.5 and org.city:
                regions = [org.city]
            elif roll < 0.85:
                regions = [org.province]
            else:
                others = [
                    p
                    for p in ref.provinces
                    if p != org.province and p not in market.NO_CREDIT_CODE_PROVINCES
                ]
                regions = [org.province, *rnd.sample(others, rnd.randint(1, 3))]
            region_label = ref.names[regions[0]] + (
                f"等 {len(regions)} 省" if len(regions) > 1 else ""
            )
            budget_tech = ref.tech_by_code[(techs or options or [tech_codes[0]])[0]]
            unit = {
                "terminal": (p_lo + p_hi) / 2,
                "module": (budget_tech.price_min + budget_tech.price_max) / 2,
                "platform": 8.0,
                "connectivity": sum(market.CARD_PRICE[budget_tech.code]) / 2,
                "solution": (p_lo + p_hi),
                "service": 40.0,
            }
            budget = None
            if is_demo or rnd.random() < 0.85:
                budget = Decimal(
                    f"{sum(unit[k] for k in kinds) * (1 if is_demo else rnd.uniform(0.7, 1.3)):.2f}"
                )
            tech_label = f"{market.TECH_SHORT[techs[0]]} " if techs else ""
            if kinds == ("solution",):
                quantity = volume_text(volume, measure)
                title = f"{region_label} {quantity} {tech_label}{noun}整体解决方案招标"
            elif kinds[0] == "module":
                quantity = volume_text(volume, "片")
                title = f"{region_label} {quantity} {tech_label}通信模组采购（用于{noun}）"
            elif kinds == ("service",):
                title = f"{region_label}{scenario['name']}项目集成与运维服务采购"
            elif kinds[0] in ("platform", "connectivity"):
                what = "接入平台" if kinds[0] == "platform" else "物联网卡"
                title = f"{region_label} {volume_text(volume, measure)}{noun}{what}采购"
            else:
                title = f"{region_label} {volume_text(volume, measure)} {tech_label}{noun}采购"
            rollout = rnd.choice((3, 6, 6, 12, 12, 12, 18, 24, 36))
            description = (
                f"计划在{region_label}部署{volume_text(volume, measure).replace(' ', '')}{noun}，"
                f"用于{scenario['name']}，分 {rollout} 个月实施。"
                + (
                    f"要求电池寿命不少于 {profile['battery_life_years']} 年。"
                    if profile.get("power_source") == "battery"
                    and profile.get("battery_life_years")
                    else ""
                )
                + (
                    "需支持地下室、表井等深度覆盖环境。"
                    if profile.get("coverage_depth") == 2
                    else ""
                )
                + ("需具备定位功能。" if profile.get("needs_positioning") else "")
            )
            certs = [c for c in scenario["certs"] if is_demo or rnd.random() < 0.85]
            if not is_demo and rnd.random() < 0.1:
                certs.append(rnd.choice(["cmcc", "ctcc", "cucc"]))
            status = (
                ("published", "published", "published", "pending_review", "draft")[index]
                if is_demo
                else _pick(rnd, DEMAND_STATUS[org.status])
            )
            published = expires = None
            if status in ("published", "matched", "closed"):
                published = anchor - dt.timedelta(seconds=rnd.randint(3600, 80 * 86400))
                expires = published + dt.timedelta(days=90)
            elif status == "expired":
                published = anchor - dt.timedelta(seconds=rnd.randint(100 * 86400, 200 * 86400))
                expires = published + dt.timedelta(days=90)
            base = published or anchor
            created = base - dt.timedelta(seconds=rnd.randint(600, 20 * 86400))
            updated = (published or created) + ((anchor - (published or created)) * rnd.random())
            start_date = (anchor + dt.timedelta(days=rnd.randint(15, 240))).date()
            battery = profile.get("battery_life_years")
            yield "\t".join(
                (
                    str(start_id + index),
                    str(org.id),
                    text(title),
                    text(description),
                    scenario["sector"],
                    scenario["code"],
                    code_array(techs),
                    str(profile["uplink_kbps"]) if profile.get("uplink_kbps") is not None else NULL,
                    str(profile["max_latency_ms"])
                    if profile.get("max_latency_ms") is not None
                    else NULL,
                    str(profile["mobility"]),
                    profile["power_source"],
                    f"{battery:.1f}" if battery is not None else NULL,
                    str(profile["coverage_depth"]),
                    "t" if profile["needs_voice"] else "f",
                    "t" if profile["needs_video"] else "f",
                    "t" if profile["needs_positioning"] else "f",
                    code_array(kinds),
                    code_array(regions),
                    str(volume),
                    str(budget) if budget is not None else NULL,
                    start_date.isoformat(),
                    str(rollout),
                    code_array(dict.fromkeys(certs)),
                    "public" if is_demo else _pick(rnd, VISIBILITY),
                    status,
                    text("预算与规模信息不完整" if status == "rejected" else ""),
                    created.isoformat(),
                    updated.isoformat(),
                    published.isoformat() if published else NULL,
                    expires.isoformat() if expires else NULL,
                    code_array(scenario["functions"]),
                    "t",
                    "f",
                    "",
                    "device",
                    code_array([]),
                    "",
                )
            )
