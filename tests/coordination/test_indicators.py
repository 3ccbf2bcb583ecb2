"""Monitoring indicators: every figure equals the same figure computed here, independently,
from the factory data (Asia/Shanghai months), and the page and the API show the same."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import Organization
from apps.catalog.reference.loader import reference_load
from apps.coordination.indicators import (
    BROADBAND_TECHNOLOGIES,
    INDICATORS_CACHE_KEY,
    NATIONWIDE,
    indicators_compute,
)
from apps.coordination.models import AuditEvent
from apps.demands.models import Demand
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 12, 10, 4, 0, tzinfo=UTC)

# Published demands: (sector, technology, volume, regions, published at (UTC)).
DEMANDS = {
    "meters": ("municipal", "nb_iot", 100_000, ["130000"], datetime(2026, 10, 15, 2, tzinfo=UTC)),
    "trackers": (
        "municipal",
        "cat1",
        30_000,
        ["130100", "410000"],
        datetime(2026, 11, 3, 2, tzinfo=UTC),
    ),
    "cameras": ("smart_home", "redcap", 20_000, [], datetime(2026, 11, 20, 2, tzinfo=UTC)),
    # 17:00 UTC on 30 November is 01:00 on 1 December in Beijing: a December demand.
    "locks": ("smart_home", "cat1", 50_000, ["440000"], datetime(2026, 11, 30, 17, tzinfo=UTC)),
}
# Introductions: (demand, status, introduced at (UTC)).
INTRODUCTIONS = [
    ("meters", "won", datetime(2026, 10, 17, 2, tzinfo=UTC)),
    ("meters", "declined", datetime(2026, 10, 20, 2, tzinfo=UTC)),
    ("trackers", "lost", datetime(2026, 11, 9, 2, tzinfo=UTC)),
    ("cameras", "accepted", datetime(2026, 11, 24, 2, tzinfo=UTC)),
    ("locks", "introduced", datetime(2026, 12, 5, 0, tzinfo=UTC)),
]


def _month(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m")


@pytest.fixture(autouse=True)
def fresh_indicators():
    cache.delete(INDICATORS_CACHE_KEY)
    yield
    cache.delete(INDICATORS_CACHE_KEY)


@pytest.fixture
def market(db):
    reference_load()
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    nationwide = factories.OrganizationFactory(name="全国厂商")
    hebei = factories.OrganizationFactory(name="河北厂商")
    unverified = factories.OrganizationFactory(name="未认证厂商", verification_status="pending")
    offering = factories.OfferingFactory(organization=nationwide, nationwide=True)
    factories.OfferingFactory(organization=hebei, nationwide=False, regions=["130100"])
    factories.OfferingFactory(organization=unverified, nationwide=False, regions=["130000"])
    factories.OfferingFactory(organization=hebei, status="draft", regions=["410000"])
    demands = {}
    for key, (sector, technology, volume, regions, published) in DEMANDS.items():
        demands[key] = factories.DemandFactory(
            organization=enterprise,
            sector_id=sector,
            technologies=[technology],
            technology_flexible=False,
            volume=volume,
            nationwide=not regions,
            regions=regions,
            published_at=published,
        )
    factories.DemandFactory(
        organization=enterprise, status=Demand.Status.DRAFT, volume=999_999, technologies=["cat1"]
    )
    for n, (key, status, introduced) in enumerate(INTRODUCTIONS):
        match = Match.objects.create(
            demand=demands[key],
            offering=offering,
            vendor_ids=[nationwide.pk],
            pair_key=f"o:{offering.pk}:{n}",
            score=80,
            engine_version="test",
            computed_at=introduced,
            status=status,
        )
        event = AuditEvent.objects.create(
            action="match.introduce", subject_type="match", subject_id=str(match.pk)
        )
        AuditEvent.objects.filter(pk=event.pk).update(created_at=introduced)
    return demands


def test_broadband_share_and_its_monthly_trend(market):
    # given the figures computed here from the demands as listed
    volumes = [(tech, volume, _month(at)) for _s, tech, volume, _r, at in DEMANDS.values()]
    total = sum(volume for _t, volume, _m in volumes)
    wide = sum(volume for tech, volume, _m in volumes if tech in BROADBAND_TECHNOLOGIES)
    # when
    figures = indicators_compute(now=NOW)
    # then
    assert (figures.broadband.connections, figures.broadband.broadband) == (total, wide)
    assert figures.broadband.share == pytest.approx(0.5)  # 100,000 of 200,000
    assert figures.broadband.by_technology == {"nb_iot": 100_000, "cat1": 80_000, "redcap": 20_000}
    assert figures.broadband.technology_share("cat1") == pytest.approx(0.4)
    assert figures.broadband.technology_share("nr_urllc") == 0.0
    trend = {m.month: m for m in figures.broadband_trend}
    assert figures.months[-1] == "2026-12" and len(figures.months) == 12
    for month in ("2026-10", "2026-11", "2026-12"):
        expected = [(tech, volume) for tech, volume, m in volumes if m == month]
        assert trend[month].connections == sum(v for _t, v in expected)
        assert trend[month].demands == len(expected)
    assert trend["2026-10"].share == 0.0
    assert trend["2026-11"].share == 1.0 and trend["2026-11"].connections == 50_000
    assert trend["2026-12"].connections == 50_000  # the Beijing-time month of the locks
    assert trend["2026-09"].share is None


def test_technology_mix_by_sector(market):
    figures = indicators_compute(now=NOW)
    mix = {row.sector: row for row in figures.sector_mix}
    assert mix["municipal"].connections == 130_000
    assert mix["municipal"].share("nb_iot") == pytest.approx(100_000 / 130_000)
    assert mix["municipal"].share("cat1") == pytest.approx(30_000 / 130_000)
    assert mix["smart_home"].by_technology == {"redcap": 20_000, "cat1": 50_000}
    assert mix["smart_home"].share("nb_iot") == 0.0


def test_supply_coverage_by_province(market):
    figures = indicators_compute(now=NOW)
    rows = {row.province: row for row in figures.provinces}
    hebei, henan, guangdong = rows["130000"], rows["410000"], rows["440000"]
    # meters and trackers deploy in Hebei (the trackers' volume is split with Henan)
    with_match = set(Match.objects.values_list("demand_id", flat=True))
    in_hebei = [market["meters"], market["trackers"]]
    assert hebei.demands == 2
    assert hebei.demands_with_supply == sum(d.pk in with_match for d in in_hebei)
    assert hebei.connections == pytest.approx(100_000 + 30_000 / 2)
    assert henan.demands == 1 and henan.connections == pytest.approx(15_000)
    assert guangdong.connections == pytest.approx(50_000)
    assert rows[NATIONWIDE].demands == 1 and rows[NATIONWIDE].connections == 20_000
    # vendors: the nationwide one everywhere, the Hebei one in Hebei; unverified and draft
    # listings serve nobody
    assert (hebei.vendors, hebei.offerings) == (2, 2)
    assert (henan.vendors, henan.offerings) == (1, 1)
    assert (rows[NATIONWIDE].vendors, rows[NATIONWIDE].offerings) == (1, 1)


def test_a_province_without_matches_has_no_coverage(market):
    Match.objects.filter(demand=market["locks"]).delete()
    rows = {row.province: row for row in indicators_compute(now=NOW).provinces}
    assert rows["440000"].demands == 1 and rows["440000"].coverage == 0.0
    assert rows["130000"].coverage == 1.0
    assert rows["110000"].coverage is None  # no open demand in Beijing


def test_time_to_first_introduction_and_rates(market):
    # given, independently: each demand's first introduction and every status
    published = {key: spec[4] for key, spec in DEMANDS.items()}
    first: dict[str, datetime] = {}
    for key, _status, at in INTRODUCTIONS:
        first[key] = min(first.get(key, at), at)
    days = {key: (at - published[key]) / timedelta(days=1) for key, at in first.items()}
    statuses = [status for _k, status, _at in INTRODUCTIONS]
    answered = [s for s in statuses if s in ("accepted", "declined", "won", "lost")]
    accepted = [s for s in answered if s != "declined"]
    closed = [s for s in statuses if s in ("won", "lost")]
    # when
    figures = indicators_compute(now=NOW)
    overall = figures.introductions
    # then
    assert overall.median_days == pytest.approx(statistics.median(days.values()))
    assert overall.median_days == pytest.approx((4 + 4 + 7 / 24) / 2)
    assert overall.introduced == 5
    assert overall.acceptance_rate == pytest.approx(len(accepted) / len(answered))  # 0.75
    assert overall.won_rate == pytest.approx(closed.count("won") / len(closed))  # 0.5
    trend = {m.month: m for m in figures.introduction_trend}
    assert (trend["2026-10"].introduced, trend["2026-10"].acceptance_rate) == (2, 0.5)
    assert trend["2026-10"].median_days == pytest.approx(2.0)
    assert trend["2026-11"].median_days == pytest.approx(statistics.median([6, 4]))
    assert (trend["2026-11"].won_rate, trend["2026-11"].acceptance_rate) == (0.0, 1.0)
    assert trend["2026-12"].acceptance_rate is None and trend["2026-12"].introduced == 1


def test_the_api_and_the_page_show_the_same_figures(market, client_for, coordinator_user):
    api = client_for(coordinator_user)
    body = api.get("/api/v1/indicators").json()
    assert body["broadband"]["share"] == pytest.approx(0.5)
    assert body["broadband"]["target"] == 0.95
    assert body["introductions"]["acceptance_rate"] == pytest.approx(0.75)
    hebei = next(p for p in body["provinces"] if p["province"] == "130000")
    assert hebei["connections"] == pytest.approx(115_000)
    web = Client()
    web.force_login(coordinator_user)
    page = web.get("/coordinator/indicators/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Share of demanded connections on 4G/5G" in page
    assert 'id="broadband-share">50.0%<' in page and "goal 95.0% (2027)" in page
    assert "200,000" in page and "115,000" in page and 'id="acceptance-rate">75.0%<' in page
    assert "Municipal services" in page and "nb_iot" not in page
    # each technology's connections and its share of them
    assert '<td class="num">80,000</td><td class="num">40.0%</td>' in page


def test_the_page_names_what_counts_as_4g_5g_as_its_language_lists_names(market, coordinator_user):
    from django.utils import translation

    from frontend.names import reference_names

    web = Client()
    web.force_login(coordinator_user)
    for language, joiner in (("zh-hans", "、"), ("en", ", ")):
        with translation.override(language):
            names = reference_names()["technologies"]
        listed = joiner.join(names[code] for code in BROADBAND_TECHNOLOGIES)
        page = web.get("/coordinator/indicators/", HTTP_ACCEPT_LANGUAGE=language)
        assert listed in page.content.decode(), language


def test_only_coordinators_see_the_indicators(market, client_for, vendor_user):
    response = client_for(vendor_user).get("/api/v1/indicators")
    assert response.status_code == 403 and response.json()["error"]["code"]
    web = Client()
    web.force_login(vendor_user)
    assert web.get("/coordinator/indicators/").status_code == 403


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"technologies": ["cat1"], "technology_flexible": True},
        {"technologies": ["nb_iot"], "technology_flexible": True, "needs_voice": True},
        {"technologies": ["nb_iot"], "technology_flexible": False, "needs_video": True},
        {"technologies": ["redcap", "nb_iot"], "technology_flexible": True},
        {"needs_video": True, "mobility": 3},
        {"uplink_kbps": 10_000_000, "max_latency_ms": 1},
    ],
)
def test_a_demand_counts_under_the_technology_the_radar_counts_it_under(db, values):
    """One definition: the indicators' counted technology is the engine's cell technology."""
    from apps.matching import loader
    from apps.matching.engine import TokenVocabulary
    from apps.matching.engine.index import compile_demand, counted_technology

    reference_load()
    ref = loader.load_reference()
    spec = loader.profile_spec({"sector_id": "municipal", **values})
    compiled = compile_demand(ref, spec, TokenVocabulary())
    expected = ref.tech_vocab.codes[compiled.cell_tech] if compiled.cell_tech >= 0 else None
    assert counted_technology(ref, spec) == expected


def test_pages_reuse_a_recent_computation_and_say_when_it_was_made(market):
    from apps.coordination.indicators import indicators_get

    first = indicators_get()
    Demand.objects.filter(pk=market["meters"].pk).update(volume=1)
    again = indicators_get()
    assert again.computed_at == first.computed_at
    assert again.broadband.connections == first.broadband.connections
    cache.delete(INDICATORS_CACHE_KEY)
    assert indicators_get().broadband.connections == first.broadband.connections - 99_999
