"""A small market for the mismatch radar's tests, and its figures computed independently.

`expected()` works the figures out in plain Python from the listings below (not through the
radar's code): for this market an offering is feasible for a demand exactly when sector and
technology agree and it serves one of the demand's provinces (a nationwide offering serves
every province; a nationwide demand takes supply from anywhere). Each offering's yearly
capacity is shared among the demands it is feasible for in proportion to their yearly need
(here, with 12-month rollouts, their volume).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching import services
from tests import factories

NATIONWIDE = "nationwide"

# name, sector, technology, provinces served (None: nationwide), yearly capacity
OFFERINGS = [
    ("冀北 NB-IoT 水表模组", "municipal", "nb_iot", ("130000",), 300_000),
    ("全国 NB-IoT 通用模组", "municipal", "nb_iot", None, 120_000),
    ("RedCap 摄像头模组", "smart_home", "redcap", None, 1_000_000),
]
# title, sector, technology, regions (empty: nationwide), volume
DEMANDS = [
    ("石家庄智能水表 50 万只", "municipal", "nb_iot", ("130000",), 500_000),
    ("冀豫两地燃气表 20 万只", "municipal", "nb_iot", ("130100", "410000"), 200_000),
    ("全国路灯控制器 10 万套", "municipal", "nb_iot", (), 100_000),
    ("广东两轮车定位终端 8 万台", "connected_vehicles", "cat1", ("440000",), 80_000),
    ("浙江家庭安防摄像头 5 万台", "smart_home", "redcap", ("330000",), 50_000),
]


def build_market() -> dict[str, Demand]:
    """Create the listings, match every demand and run the aggregation (as beat does)."""
    vendor = factories.OrganizationFactory(name="雷达测试模组厂", role=Organization.Role.VENDOR)
    for name, sector, technology, provinces, capacity in OFFERINGS:
        factories.OfferingFactory(
            organization=vendor,
            name=name,
            kind=factories.kind("module"),
            sectors=[sector],
            technologies=[technology],
            nationwide=provinces is None,
            regions=list(provinces or []),
            annual_capacity=capacity,
        )
    enterprise = factories.OrganizationFactory(
        name="雷达测试需求方", role=Organization.Role.ENTERPRISE
    )
    demands = {}
    for title, sector, technology, regions, volume in DEMANDS:
        demands[title] = factories.DemandFactory(
            organization=enterprise,
            title=title,
            sector=factories.sector(sector),
            technologies=[technology],
            technology_flexible=False,
            kinds_needed=["module"],
            nationwide=not regions,
            regions=list(regions),
            volume=volume,
            rollout_months=12,
            status=Demand.Status.PUBLISHED,
        )
    for demand in demands.values():
        services.demand_match(demand_id=demand.pk)
    services.mismatch_aggregate()
    return demands


def _provinces(regions: tuple[str, ...]) -> list[str]:
    return sorted({code[:2] + "0000" for code in regions}) or [NATIONWIDE]


def _feasible(offering: tuple, demand: tuple) -> bool:
    _, o_sector, o_tech, served, _ = offering
    _, d_sector, d_tech, regions, _ = demand
    if (o_sector, o_tech) != (d_sector, d_tech):
        return False
    return served is None or not regions or bool(set(served) & set(_provinces(regions)))


@dataclass
class Figures:
    demanded: float = 0.0
    covered: float = 0.0
    capacity: float = 0.0
    need: float = 0.0
    demands: int = 0
    unserved: int = 0
    titles: tuple = ()

    @property
    def unmet(self) -> float:
        return self.demanded - self.covered

    @property
    def coverage(self) -> float:
        return self.covered / self.demanded


def expected() -> dict[tuple[str, str, str], Figures]:
    """Cells (sector, technology, province) and roll-ups ("" for every value of an axis)."""
    claims = [sum(d[4] for d in DEMANDS if _feasible(o, d)) for o in OFFERINGS]
    out: dict[tuple[str, str, str], Figures] = {}
    for demand in DEMANDS:
        title, sector, technology, regions, volume = demand
        feasible = [i for i, o in enumerate(OFFERINGS) if _feasible(o, demand)]
        capacity = sum(OFFERINGS[i][4] * volume / claims[i] for i in feasible)
        covered = volume * min(1.0, capacity / volume) if feasible else 0.0
        provinces = _provinces(regions)
        keys = [((sector, technology, p), 1 / len(provinces)) for p in provinces]
        keys += [(("", "", p), 1 / len(provinces)) for p in provinces]
        keys += [((sector, technology, ""), 1.0), (("", "", ""), 1.0)]
        for key, part in keys:
            figures = out.setdefault(key, Figures())
            figures.demanded += volume * part
            figures.covered += covered * part
            figures.capacity += capacity * part
            figures.need += volume * part
            figures.demands += 1
            figures.unserved += 0 if feasible else 1
            figures.titles += (title,)
    return out


def grouped(value: float) -> str:
    """A whole number with comma digit grouping, as both languages print it."""
    return f"{round(value):,}"
