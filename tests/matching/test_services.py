"""Matching services against PostgreSQL: stored matches, flags, lifecycle and audit rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import Function, Offering
from apps.coordination.models import AuditEvent, TypicalCase
from apps.core.exceptions import Conflict, PermissionDenied
from apps.demands.models import Demand
from apps.matching import loader, services
from apps.matching.models import Match, MatchRun, MismatchFlag, MismatchSnapshot
from apps.matching.selectors import match_explanation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference(db):
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    yield
    loader.forget_market()


@pytest.fixture
def vendor(db):
    return factories.OrganizationFactory(name="移远通信", role=Organization.Role.VENDOR)


@pytest.fixture
def enterprise(db):
    return factories.OrganizationFactory(name="杭州水务", role=Organization.Role.ENTERPRISE)


def module(vendor, **fields) -> Offering:
    values = {
        "organization": vendor,
        "kind": factories.kind("module"),
        "name": "NB-IoT 水表模组 BC260Y",
        "description": "低功耗 远程抄表 深度覆盖",
        "sectors": ["municipal"],
        "scenarios": ["municipal.water_meter"],
        "technologies": ["nb_iot"],
        "nationwide": True,
        "protocols": ["lwm2m", "coap"],
        "price_min": Decimal("12"),
        "price_max": Decimal("18"),
        "annual_capacity": 1_000_000,
    }
    return factories.OfferingFactory(**(values | fields))


def water_meters(enterprise, **fields) -> Demand:
    values = {
        "organization": enterprise,
        "title": "智能水表远程抄表 NB-IoT 模组采购",
        "sector": factories.sector("municipal"),
        "scenario": factories.scenario("municipal.water_meter"),
        "kinds_needed": ["module"],
        "regions": ["330000"],
        "volume": 100_000,
        "power_source": "battery",
        "battery_life_years": Decimal("8"),
        "coverage_depth": 2,
        "unit_budget": Decimal("25"),
    }
    return factories.DemandFactory(**(values | fields))


def test_publishing_a_demand_stores_ranked_explained_matches(vendor, enterprise):
    # given two modules, one of which serves only Guangdong
    serving = module(vendor)
    module(vendor, nationwide=False, regions=["440000"])
    demand = water_meters(enterprise)
    # when the demand is matched
    services.demand_match(demand_id=demand.id)
    # then only the module serving Zhejiang is suggested, with a reason per criterion
    match = Match.objects.get(demand=demand)
    assert match.offering_id == serving.id and match.status == Match.Status.SUGGESTED
    explained = match_explanation(match)
    assert explained.breakdown["technology"]["score"] == 1.0
    assert "NB-IoT" in explained.breakdown["technology"]["zh"]
    assert explained.summary_zh.startswith("匹配度 ")
    assert explained.summary_en.startswith("Match score ")
    assert match.engine_version and match.vendor_ids == [vendor.id]


def test_typical_cases_raise_a_vendors_credibility_and_rank(vendor, enterprise):
    # given two equal modules, the second vendor's with two published typical cases
    rival = factories.OrganizationFactory(name="中移物联", role=Organization.Role.VENDOR)
    plain = module(vendor)
    proven = module(rival)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)  # the worker's market is now loaded
    for n in range(2):
        won = Match.objects.create(
            demand=water_meters(enterprise, title=f"已完成项目 {n}"),
            offering=proven,
            vendor_ids=[rival.id],
            pair_key=f"o:{proven.id}",
            score=90,
            engine_version="1",
            computed_at=timezone.now(),
            status=Match.Status.WON,
        )
        TypicalCase.objects.create(
            match=won,
            title=f"案例 {n}",
            summary="十万只水表上线",
            sector_id="municipal",
            status=TypicalCase.Status.PUBLISHED,
            published_at=timezone.now(),
        )
    # when the demand is matched again (the market refreshes incrementally)
    services.demand_match(demand_id=demand.id)
    # then the proven vendor ranks first and its explanation counts its cases
    first, second = Match.objects.filter(demand=demand).order_by("-score")
    assert (first.offering_id, second.offering_id) == (proven.id, plain.id)
    assert first.breakdown["credibility"]["score"] > second.breakdown["credibility"]["score"]
    assert "典型案例 2 个" in match_explanation(first).breakdown["credibility"]["zh"]
    assert "典型案例 0 个" in match_explanation(second).breakdown["credibility"]["zh"]


def test_rematching_is_idempotent_and_drops_suggestions_that_no_longer_fit(vendor, enterprise):
    offering = module(vendor)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    services.demand_match(demand_id=demand.id)
    assert Match.objects.filter(demand=demand).count() == 1
    # when the vendor withdraws to Guangdong
    Offering.objects.filter(pk=offering.pk).update(nationwide=False, regions=["440000"])
    services.offering_match(offering_id=offering.id)
    assert not Match.objects.filter(demand=demand).exists()


def test_flags_open_and_resolve_themselves_when_the_market_changes(vendor, enterprise):
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    flag = MismatchFlag.objects.get(demand=demand, code="no_supply")
    assert flag.resolved_at is None and flag.severity == "high"
    module(vendor)
    services.demand_match(demand_id=demand.id)
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert not MismatchFlag.objects.filter(demand=demand, resolved_at__isnull=True).exists()


def test_an_unverified_vendor_is_not_matched(enterprise):
    pending = factories.OrganizationFactory(verification_status=Organization.Verification.PENDING)
    module(pending)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    assert not Match.objects.filter(demand=demand).exists()


def test_lifecycle_transitions_are_audited_and_guarded(vendor, enterprise):
    module(vendor)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    match = Match.objects.get(demand=demand)
    coordinator = factories.coordinator()
    vendor_user = factories.member(vendor, "vendor-user")
    enterprise_user = factories.member(enterprise, "enterprise-user")
    with pytest.raises(PermissionDenied):
        services.match_approve(actor=vendor_user, match=match)
    match = services.match_approve(actor=coordinator, match=match, note="资质齐全")
    with pytest.raises(Conflict):
        services.match_approve(actor=coordinator, match=match)
    match = services.match_introduce(actor=coordinator, match=match)
    match = services.match_respond(
        actor=enterprise_user, match=match, side="enterprise", accept=True
    )
    assert match.status == Match.Status.INTRODUCED
    with pytest.raises(PermissionDenied):
        services.match_respond(actor=enterprise_user, match=match, side="vendor", accept=True)
    match = services.match_respond(actor=vendor_user, match=match, side="vendor", accept=True)
    assert match.status == Match.Status.ACCEPTED
    match = services.match_close(actor=coordinator, match=match, won=True)
    assert match.status == Match.Status.WON
    actions = list(
        AuditEvent.objects.filter(subject_type="match", subject_id=str(match.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "match.approve",
        "match.introduce",
        "match.respond",
        "match.respond",
        "match.close",
    ]
    # a human-touched match survives rematching
    services.demand_match(demand_id=demand.id)
    assert Match.objects.get(pk=match.pk).status == Match.Status.WON


def test_vendor_interest_enters_the_lifecycle_only_when_the_offering_fits(vendor, enterprise):
    fits = module(vendor)
    elsewhere = module(vendor, nationwide=False, regions=["440000"])
    demand = water_meters(enterprise)
    user = factories.member(vendor, "sales")
    match = services.interest_express(actor=user, demand=demand, offering=fits, note="可供样品")
    assert (match.status, match.origin) == (Match.Status.SUGGESTED, Match.Origin.VENDOR_INTEREST)
    assert AuditEvent.objects.filter(action="match.interest").count() == 1
    with pytest.raises(Exception, match="硬性条件"):
        services.interest_express(actor=user, demand=demand, offering=elsewhere)
    # the engine's later run keeps the vendor's request
    services.demand_match(demand_id=demand.id)
    assert Match.objects.get(pk=match.pk).origin == Match.Origin.VENDOR_INTEREST


def test_interest_is_scored_from_the_two_rows_as_the_worker_scores_them(vendor, enterprise):
    # given a market of three modules, and the worker's stored matches for a demand
    rival = factories.OrganizationFactory(name="中移物联", role=Organization.Role.VENDOR)
    ours = module(vendor, name="NB-IoT 远程抄表模组", description="水表 深度覆盖 低功耗")
    module(rival, price_min=Decimal("30"), price_max=Decimal("40"))
    module(rival, technologies=["cat1"], name="Cat.1 模组")
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    stored = Match.objects.get(demand=demand, offering=ours)
    loader.forget_market()
    # when the vendor's interest is evaluated in a process that holds no market
    result = services.interest_evaluate(demand_id=demand.id, offering_id=ours.id)
    # then every criterion but text relevance (whose idf comes from the pair) is the worker's,
    # and no market index was loaded for it
    assert loader._state is None
    worker, pair = stored.breakdown, result.breakdown()
    assert set(worker) == set(pair)
    assert {k: v["score"] for k, v in worker.items() if k != "text"} == pytest.approx(
        {k: v["score"] for k, v in pair.items() if k != "text"}
    )
    text_weight = loader.weights().normalised()["text"] * 100
    assert abs(result.score - stored.score) <= text_weight + 1e-6


def test_interest_alone_in_the_market_scores_exactly_what_the_worker_stores(vendor, enterprise):
    offering = module(vendor)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    stored = Match.objects.get(demand=demand)
    result = services.interest_evaluate(demand_id=demand.id, offering_id=offering.id)
    assert result.score == pytest.approx(stored.score)
    assert result.breakdown() == stored.breakdown


def test_interest_in_a_closed_or_expired_demand_is_refused(vendor, enterprise):
    offering = module(vendor)
    user = factories.member(vendor, "sales")
    closed = water_meters(enterprise, status=Demand.Status.CLOSED)
    expired = water_meters(enterprise, expires_at=timezone.now() - timezone.timedelta(days=1))
    for demand in (closed, expired):
        with pytest.raises(Conflict) as refused:
            services.interest_express(actor=user, demand=demand, offering=offering)
        assert refused.value.code == "demand_not_open"
    assert not Match.objects.exists()


def test_a_transition_is_decided_on_the_stored_row_not_the_callers_copy(vendor, enterprise):
    # given an introduced match, and a copy of it read before the enterprise accepted
    module(vendor)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    coordinator = factories.coordinator()
    match = services.match_approve(actor=coordinator, match=Match.objects.get(demand=demand))
    match = services.match_introduce(actor=coordinator, match=match)
    stale = Match.objects.get(pk=match.pk)
    services.match_respond(
        actor=factories.member(enterprise, "buyer"), match=match, side="enterprise", accept=True
    )
    # when the vendor accepts through the stale copy
    accepted = services.match_respond(
        actor=factories.member(vendor, "sales"), match=stale, side="vendor", accept=True
    )
    # then both acceptances count
    assert accepted.status == Match.Status.ACCEPTED
    stored = Match.objects.get(pk=match.pk)
    assert (stored.status, stored.enterprise_response, stored.vendor_response) == (
        Match.Status.ACCEPTED,
        Match.Response.ACCEPTED,
        Match.Response.ACCEPTED,
    )
    # and a coordinator acting on a copy read before the acceptance cannot introduce it again
    with pytest.raises(Conflict):
        services.match_introduce(actor=coordinator, match=stale)


def test_full_rematch_covers_every_open_demand_once_and_resumes(vendor, enterprise):
    module(vendor)
    demands = [water_meters(enterprise) for _ in range(5)]
    closed = water_meters(enterprise, status=Demand.Status.CLOSED)
    run = services.full_rematch(owner="test", chunk=2)
    assert run.status == MatchRun.Status.DONE and run.demands_done == 6
    assert str(run) == f"rematch {run.engine_version} done (6 demands done)"  # admin, logs
    assert Match.objects.filter(demand__in=demands).count() == 5
    assert not Match.objects.filter(demand=closed).exists()
    # a second worker while a run is leased gets nothing to do
    MatchRun.objects.create(
        engine_version="x", lease_owner="other", lease_until="2999-01-01T00:00:00Z"
    )
    assert services.full_rematch(owner="test") is None


def test_a_second_full_rematch_rewrites_only_what_changed(vendor, enterprise):
    # given a stored full rematch of three demands, split in slices
    offering = module(vendor)
    demands = [water_meters(enterprise) for _ in range(3)]
    services.full_rematch(owner="test", chunk=2, workers=3)
    first = {m.pk: (m.fingerprint, m.computed_at) for m in Match.objects.all()}
    assert len(first) == 3 and all(fingerprint for fingerprint, _ in first.values())
    # when one demand changes its budget and the market is rematched again
    Demand.objects.filter(pk=demands[0].pk).update(unit_budget=Decimal("11"))
    run = services.full_rematch(owner="test", chunk=2, workers=2)
    # then only that demand's row was rewritten (with its new price score); the others kept
    # their rows untouched, and every demand still has its one match
    assert run.demands_done == 3 and run.slices.count() == 2
    after = {m.demand_id: m for m in Match.objects.all()}
    changed = after[demands[0].pk]
    assert changed.fingerprint != first[changed.pk][0]
    assert changed.breakdown["price"]["score"] < 1.0
    for demand in demands[1:]:
        assert (after[demand.pk].fingerprint, after[demand.pk].computed_at) == first[
            after[demand.pk].pk
        ]
    assert Match.objects.filter(offering=offering).count() == 3


def test_a_full_rematch_plans_demands_asking_for_the_same_candidates_side_by_side(
    vendor, enterprise
):
    # given demands for Zhejiang and Guangdong created alternately, and a closed one
    module(vendor)
    module(vendor, nationwide=False, regions=["440000"])
    zhejiang, guangdong = [], []
    for _ in range(4):
        zhejiang.append(water_meters(enterprise).id)
        guangdong.append(water_meters(enterprise, regions=["440000"]).id)
    closed = water_meters(enterprise, status=Demand.Status.CLOSED).id
    # when a full rematch runs in one slice, and again in two
    one = services.full_rematch(owner="test", chunk=3, workers=1)
    two = services.full_rematch(owner="test", chunk=3, workers=2)
    # then each province's demands are matched one after the other (their candidate sets
    # are built once), and two slices still cover every demand exactly once
    (planned,) = one.slices.values_list("demand_ids", flat=True)
    assert planned[0] == closed
    assert {tuple(planned[1:5]), tuple(planned[5:])} == {tuple(zhejiang), tuple(guangdong)}
    halves = list(two.slices.order_by("number").values_list("demand_ids", flat=True))
    assert sorted(halves[0] + halves[1]) == sorted([*zhejiang, *guangdong, closed])
    assert abs(len(halves[0]) - len(halves[1])) <= 1
    assert two.demands_done == 9
    # (the nationwide module serves both provinces, the other Guangdong only)
    assert Match.objects.filter(demand_id__in=zhejiang).count() == 4
    assert Match.objects.filter(demand_id__in=guangdong).count() == 8


def test_a_rematch_that_loses_its_lease_stops_and_the_next_owner_resumes_it(
    vendor, enterprise, monkeypatch
):
    # given six open demands planned in three slices, and another worker that takes the
    # run's lease while the first demand is being matched
    module(vendor)
    demands = [water_meters(enterprise).id for _ in range(6)]
    analysed = []
    analyse = services.analyse_demand

    def analyse_then_lose_the_lease(*args, **kwargs):
        analysed.append(args[1].spec.id)
        MatchRun.objects.update(lease_owner="other", lease_until="2999-01-01T00:00:00Z")
        return analyse(*args, **kwargs)

    monkeypatch.setattr(services, "analyse_demand", analyse_then_lose_the_lease)
    # when the first owner runs it
    assert services.full_rematch(owner="first", chunk=1, workers=3) is None
    # then it stored nothing and started no further slice once it saw the lease gone
    assert len(analysed) == 1
    assert not Match.objects.exists()
    run = MatchRun.objects.get()
    assert run.demands_done == 0
    assert list(run.slices.values_list("cursor", flat=True)) == [0, 0, 0]
    # and when that lease lapses, the next owner rematches every demand
    monkeypatch.undo()
    MatchRun.objects.update(lease_until="2000-01-01T00:00:00Z")
    finished = services.full_rematch(owner="second", chunk=1, workers=3)
    assert finished is not None and finished.pk == run.pk and finished.demands_done == 6
    assert sorted(Match.objects.values_list("demand_id", flat=True)) == demands


def test_mismatch_aggregation_snapshots_cells_and_flags_shortages(vendor, enterprise):
    module(vendor, nationwide=False, regions=["330000"], annual_capacity=10_000)
    water_meters(enterprise, volume=500_000)
    cells = services.mismatch_aggregate()
    assert cells >= 1
    cell = MismatchSnapshot.objects.get(sector="municipal", technology="nb_iot", province="330000")
    assert (cell.demanded, cell.capacity, cell.demands) == (500_000, 10_000, 1)
    assert cell.covered == 10_000 and cell.day == timezone.localdate()
    flag = MismatchFlag.objects.get(subject_type="cell", province="330000")
    assert flag.code == "supply_shortage" and flag.severity == "high"
    # a second run the same day replaces the day's snapshot rather than adding to it
    services.mismatch_aggregate()
    assert MismatchSnapshot.objects.filter(province="330000").count() == 2  # cell + province


def test_a_canal_gate_tender_is_offered_gates_not_the_soil_stations_its_scenario_lists(
    vendor, enterprise
):
    # given a canal-gate controller and a soil-moisture station, both listed for irrigation
    def terminal(name: str, function: str) -> Offering:
        return module(
            vendor,
            kind=factories.kind("terminal"),
            function=Function.objects.get(code=function),
            name=name,
            description="太阳能供电 4G 回传",
            sectors=["smart_agriculture"],
            scenarios=["smart_agriculture.irrigation"],
            technologies=["cat1"],
            price_min=Decimal("30000"),
            price_max=Decimal("40000"),
        )

    gate = terminal("渠道闸门测控一体化设备", "irrigation_controller")
    station = terminal("太阳能墒情气象一体站", "soil_sensor")

    # and two tenders whose functions are pre-filled from the irrigation scenario (soil
    # sensors and irrigation controllers alike): one buying gates, one valves with soil
    # sensors as an option
    def tender(title: str, description: str) -> Demand:
        return water_meters(
            enterprise,
            title=title,
            description=description,
            sector=factories.sector("smart_agriculture"),
            scenario=factories.scenario("smart_agriculture.irrigation"),
            kinds_needed=["terminal"],
            power_source="mains",
            battery_life_years=None,
            coverage_depth=0,
            uplink_kbps=50,
            unit_budget=Decimal("50000"),
        )

    gates = tender("灌区干渠闸门测控一体化改造（30 座）", "闸门、水位、流量计算，远程调度。")
    valves = tender("滴灌电磁阀远程控制（3000 个阀）", "远程阀控，可选配墒情传感器联动。")
    assert "soil_sensor" in gates.functions
    # when both are matched
    services.demand_match(demand_id=gates.id)
    services.demand_match(demand_id=valves.id)
    # then the gate tender is offered the gate only; the valve tender, which asks for soil
    # sensors as an option, both
    assert [m.offering_id for m in Match.objects.filter(demand=gates)] == [gate.id]
    assert {m.offering_id for m in Match.objects.filter(demand=valves)} == {gate.id, station.id}


def test_a_general_module_made_for_another_sector_must_be_priced_near_the_budget(
    vendor, enterprise
):
    # given three Cat.1 modules: an industrial one at 2.6× an appliance maker's budget, a
    # home-appliance one at the same price, and an industrial one within twice the budget
    def cat1(name: str, sector: str, price: int) -> Offering:
        return module(
            vendor,
            name=name,
            sectors=[sector],
            scenarios=[],
            technologies=["cat1"],
            protocols=["mqtt"],
            price_min=Decimal(price),
            price_max=Decimal(price),
        )

    industrial = cat1("工业级 Cat.1 模组（双卡 + GNSS）", "industrial_manufacturing", 58)
    appliance = cat1("家电联网 Cat.1 模组", "smart_home", 58)
    cheap = cat1("工业级 Cat.1 bis 模组", "industrial_manufacturing", 40)
    demand = water_meters(
        enterprise,
        title="空调联网 Cat.1 模组年度采购",
        sector=factories.sector("smart_home"),
        scenario=factories.scenario("smart_home.appliance"),
        technologies=["cat1"],
        power_source="mains",
        battery_life_years=None,
        coverage_depth=0,
        uplink_kbps=20,
        unit_budget=Decimal("22"),
    )
    # when it is matched
    services.demand_match(demand_id=demand.id)
    # then the industrial module far over budget is another class of product for it; the one
    # made for appliances stays (over budget, ranked by it) and so does the cheaper one
    shown = set(Match.objects.filter(demand=demand).values_list("offering_id", flat=True))
    assert shown == {appliance.id, cheap.id}
    assert industrial.id not in shown
