"""Mobile-IoT development monitoring indicators (移动物联网发展监测指标): the platform's own
figures against the 2027 goals of MIIT's 2024 notice, each defined once here and read by the
coordinator page and /api/v1/indicators alike.

Definitions:

- **published demands**: demands that were ever published (`published_at` set), whatever
  their status now; a demand's month is its publication month in Asia/Shanghai.
- **counted technology** of a demand: the one its connections count under in every aggregate
  figure, the radar's cells included (`engine.index.counted_technology`: the preferred
  technology that meets its profile, else the cheapest it allows; none when none can serve it).
- **4G/5G share**: demanded connections (volumes) of published demands whose counted
  technology is LTE Cat.1, Cat.4, RedCap, 5G eMBB or URLLC, over the connections of those
  with any counted technology (demands no technology can serve are reported apart).
- **technology mix by sector**: those connections per sector and counted technology.
- **supply coverage by province**: for each province (and "nationwide" for demands deployed
  nationwide), the open demands deployed there, how many have at least one feasible offering
  (a stored match: the engine stores only feasible candidates), and the verified vendors and
  published offerings that serve it (nationwide, or the province or a city in it).
- **time to first introduction**: per published demand later introduced to a supplier, the
  days from publication to its first introduction (the first `match.introduce` audit event);
  the median, and per month of that introduction.
- **acceptance rate**: introductions both parties accepted (accepted, won, lost) over those
  answered (those plus declined); **won rate**: won over won + lost. Per month of
  introduction (each introduction's first `match.introduce` event).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import Offering, Region
from apps.catalog.reference.regions import province_of
from apps.demands.models import Demand
from apps.matching import loader
from apps.matching.engine.index import counted_technology
from apps.matching.engine.radar import NATIONWIDE, NO_TECHNOLOGY
from apps.matching.models import Match

# The 2027 goal of MIIT's 2024 notice (万物智联): 95 % of mobile IoT connections on 4G/5G —
# LTE Cat.1 (bis) and Cat.4, 5G RedCap, eMBB and URLLC; NB-IoT is the low end of the mix.
BROADBAND_TARGET = 0.95
BROADBAND_TECHNOLOGIES = ("cat1", "cat4", "redcap", "nr_embb", "nr_urllc")
# The three the notice's "high–low mix" names; the page highlights them in the sector mix.
MIX_TECHNOLOGIES = ("nb_iot", "cat1", "redcap")
TREND_MONTHS = 12
# Computing takes ~0.2 ms a published demand (3–4 s at 15k demands and 20k offerings on the
# shared development machine): pages and the API reuse a computation this many seconds old.
INDICATORS_CACHE_SECONDS = 300
INDICATORS_CACHE_KEY = "coordination:indicators:v1"

_ANSWERED = (Match.Status.ACCEPTED, Match.Status.DECLINED, Match.Status.WON, Match.Status.LOST)
_ACCEPTED = (Match.Status.ACCEPTED, Match.Status.WON, Match.Status.LOST)
_CLOSED = (Match.Status.WON, Match.Status.LOST)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Broadband:
    connections: int = 0  # with a counted technology
    broadband: int = 0
    without_technology: int = 0  # connections of demands no technology can serve
    by_technology: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        return _ratio(self.broadband, self.connections)

    def technology_share(self, technology: str) -> float | None:
        """A counted technology's part of the connections."""
        return _ratio(self.by_technology.get(technology, 0), self.connections)


@dataclass
class MonthBroadband:
    month: str  # "2026-11", Asia/Shanghai
    demands: int = 0
    connections: int = 0
    broadband: int = 0

    @property
    def share(self) -> float | None:
        return _ratio(self.broadband, self.connections)


@dataclass
class SectorMix:
    sector: str
    connections: int
    by_technology: dict[str, int]

    def share(self, technology: str) -> float | None:
        return _ratio(self.by_technology.get(technology, 0), self.connections)


@dataclass
class ProvinceCoverage:
    province: str  # GB/T 2260 province code, or NATIONWIDE
    demands: int = 0  # open demands deployed there
    demands_with_supply: int = 0
    connections: float = 0.0  # their volumes, split evenly over their provinces
    vendors: int = 0
    offerings: int = 0

    @property
    def coverage(self) -> float | None:
        return _ratio(self.demands_with_supply, self.demands)


@dataclass
class MonthIntroductions:
    month: str
    introduced: int = 0
    answered: int = 0
    accepted: int = 0
    closed: int = 0
    won: int = 0
    days_to_first: list[float] = field(default_factory=list, repr=False)

    @property
    def acceptance_rate(self) -> float | None:
        return _ratio(self.accepted, self.answered)

    @property
    def won_rate(self) -> float | None:
        return _ratio(self.won, self.closed)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_first) if self.days_to_first else None


@dataclass
class Indicators:
    computed_at: datetime
    months: list[str]
    broadband: Broadband
    broadband_trend: list[MonthBroadband]
    sector_mix: list[SectorMix]
    technologies: list[str]  # every counted technology, cheapest first (NO_TECHNOLOGY last)
    provinces: list[ProvinceCoverage]
    introductions: MonthIntroductions  # all time (its `month` is "")
    introduction_trend: list[MonthIntroductions]


def _month(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def trend_months(now: datetime, count: int = TREND_MONTHS) -> list[str]:
    """The last `count` calendar months up to `now`'s, oldest first (Asia/Shanghai)."""
    today: date = timezone.localtime(now).date()
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _demand_technologies(ref, now: datetime):
    """(spec, counted technology or None, published_at, has a stored match) of every
    published demand."""
    typical = loader.scenario_certifications()
    rows = (
        Demand.objects.filter(published_at__isnull=False)
        .annotate(matched=Exists(Match.objects.filter(demand_id=OuterRef("pk"))))
        .values_list(*loader.DEMAND_COLUMNS, "published_at", "matched")
    )
    # The advice costs ~100 µs a demand (of ~230 µs with the row and its spec, measured on the
    # demo market); demands pre-filled from the same scenario share a profile, so it is
    # computed once per profile and requested technologies.
    counted: dict[tuple, str | None] = {}
    for row in rows.iterator(chunk_size=5000):
        spec = loader.demand_spec(row[:-2], typical, now)
        key = (spec.profile, spec.technologies, spec.technology_flexible)
        if key not in counted:
            counted[key] = counted_technology(ref, spec)
        yield spec, counted[key], row[-2], row[-1]


def _first_introductions() -> list[tuple[int, int, str, datetime]]:
    """(match id, demand id, match status, first introduction time) of every match ever
    introduced."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.demand_id, m.status, min(a.created_at) "
            "FROM coordination_auditevent a "
            "JOIN matching_match m ON a.subject_id = m.id::text "
            "WHERE a.action = 'match.introduce' AND a.subject_type = 'match' "
            "GROUP BY m.id, m.demand_id, m.status"
        )
        return cursor.fetchall()


def _coverage_by_province(open_specs: list, with_supply: set[int]) -> list[ProvinceCoverage]:
    provinces = {
        code: ProvinceCoverage(code)
        for code in Region.objects.filter(level=Region.Level.PROVINCE)
        .order_by("code")
        .values_list("code", flat=True)
    }
    provinces[NATIONWIDE] = ProvinceCoverage(NATIONWIDE)
    for spec in open_specs:
        where = sorted({province_of(code) for code in spec.regions}) or [NATIONWIDE]
        for code in where:
            cell = provinces.setdefault(code, ProvinceCoverage(code))
            cell.demands += 1
            cell.demands_with_supply += spec.id in with_supply
            cell.connections += spec.volume / len(where)
    vendors: dict[str, set[int]] = defaultdict(set)
    offerings: dict[str, int] = defaultdict(int)
    nationwide_vendors: set[int] = set()
    nationwide_offerings = 0
    listed = Offering.objects.filter(
        status=Offering.Status.PUBLISHED,
        organization__verification_status=Organization.Verification.VERIFIED,
    ).values_list("organization_id", "nationwide", "regions")
    for vendor, nationwide, regions in listed.iterator(chunk_size=10000):
        if nationwide:
            nationwide_vendors.add(vendor)
            nationwide_offerings += 1
            continue
        for code in {province_of(code) for code in regions}:
            vendors[code].add(vendor)
            offerings[code] += 1
    for code, cell in provinces.items():
        # A demand deployed nationwide is served by nationwide offerings only.
        regional = set() if code == NATIONWIDE else vendors[code]
        cell.vendors = len(nationwide_vendors | regional)
        cell.offerings = nationwide_offerings + (0 if code == NATIONWIDE else offerings[code])
    return list(provinces.values())


def indicators_compute(*, now: datetime | None = None) -> Indicators:
    """Every indicator, as defined in this module's docstring, at `now`."""
    now = now or timezone.now()
    months = trend_months(now)
    ref = loader.load_reference()
    broadband = Broadband()
    trend = {month: MonthBroadband(month) for month in months}
    by_sector: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    open_specs = []
    published_at: dict[int, datetime] = {}
    with_supply: set[int] = set()
    for spec, technology, published, matched in _demand_technologies(ref, now):
        published_at[spec.id] = published
        if spec.open:
            open_specs.append(spec)
            if matched:
                with_supply.add(spec.id)
        volume = int(spec.volume or 0)
        by_sector[spec.sector][technology or NO_TECHNOLOGY] += volume
        month = trend.get(_month(published))
        if technology is None:
            broadband.without_technology += volume
            if month is not None:
                month.demands += 1
            continue
        wide = technology in BROADBAND_TECHNOLOGIES
        broadband.connections += volume
        broadband.broadband += volume if wide else 0
        broadband.by_technology[technology] = broadband.by_technology.get(technology, 0) + volume
        if month is not None:
            month.demands += 1
            month.connections += volume
            month.broadband += volume if wide else 0
    technologies = [*ref.tech_vocab.codes, NO_TECHNOLOGY]
    sector_mix = [
        SectorMix(sector, sum(counts.values()), dict(counts))
        for sector, counts in sorted(by_sector.items())
    ]

    overall = MonthIntroductions("")
    intro_trend = {month: MonthIntroductions(month) for month in months}
    first_per_demand: dict[int, datetime] = {}
    for _match, demand_id, status, introduced in _first_introductions():
        first_per_demand[demand_id] = min(first_per_demand.get(demand_id, introduced), introduced)
        buckets = [overall]
        if _month(introduced) in intro_trend:
            buckets.append(intro_trend[_month(introduced)])
        for bucket in buckets:
            bucket.introduced += 1
            bucket.answered += status in _ANSWERED
            bucket.accepted += status in _ACCEPTED
            bucket.closed += status in _CLOSED
            bucket.won += status == Match.Status.WON
    for demand_id, first in first_per_demand.items():
        published = published_at.get(demand_id)
        if published is None or first < published:
            continue  # not a published demand, or introduced before a republication
        days = (first - published).total_seconds() / 86400
        overall.days_to_first.append(days)
        if _month(first) in intro_trend:
            intro_trend[_month(first)].days_to_first.append(days)

    return Indicators(
        computed_at=now,
        months=months,
        broadband=broadband,
        broadband_trend=list(trend.values()),
        sector_mix=sector_mix,
        technologies=technologies,
        provinces=_coverage_by_province(open_specs, with_supply),
        introductions=overall,
        introduction_trend=list(intro_trend.values()),
    )


def indicators_get() -> Indicators:
    """The indicators as computed at most INDICATORS_CACHE_SECONDS ago (their `computed_at`
    says when); what the page and the API show."""
    figures = cache.get(INDICATORS_CACHE_KEY)
    if figures is None:
        figures = indicators_compute()
        cache.set(INDICATORS_CACHE_KEY, figures, INDICATORS_CACHE_SECONDS)
    return figures
