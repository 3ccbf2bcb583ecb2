"""`manage.py seed_demo`: a deterministic, believable demo market and the demo logins."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from apps.accounts.credit_code import is_valid_credit_code
from apps.accounts.models import COORDINATOR_GROUP, Membership, Organization
from apps.catalog.attributes import validate_attributes
from apps.catalog.models import (
    Certification,
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

SMALL = ["--offerings", "400", "--demands", "80", "--anchor-date", "2026-06-01", "--no-hooks"]


@pytest.fixture(autouse=True)
def reference():
    call_command("load_reference", stdout=StringIO())


def sign_in(username: str):
    """The user the demo password signs in as (through the lockout backend, as the login does)."""
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.10")
    return authenticate(request, username=username, password="demo-pass-2026")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def content_hash() -> str:
    parts = []
    with connection.cursor() as cursor:
        for model in (Organization, Offering, Demand):
            table = model._meta.db_table
            cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t")
            parts.append(cursor.fetchone()[0])
    return ":".join(parts)


def test_the_same_seed_gives_the_same_market_and_another_seed_a_different_one():
    # given
    seed(*SMALL, "--seed", "7")
    first = content_hash()
    # when
    seed(*SMALL, "--seed", "7", "--flush")
    again = content_hash()
    seed(*SMALL, "--seed", "8", "--flush")
    other = content_hash()
    # then
    assert first == again
    assert other != first


@pytest.fixture
def market():
    output = seed("--offerings", "1500", "--demands", "300", "--seed", "2026", "--no-hooks")
    return output


def test_it_reports_what_it_made(market):
    assert "供给 1500" in market and "需求 300" in market
    assert Offering.objects.count() == 1500 and Demand.objects.count() == 300


def test_module_prices_lie_within_their_technology_range(market):
    ranges = {t.code: (t.module_price_min, t.module_price_max) for t in Technology.objects.all()}
    modules = Offering.objects.filter(kind_id="module")
    assert modules.count() > 30
    for module in modules:
        low, high = ranges[module.technologies[0]]
        assert low <= module.price_min <= module.price_max <= high, module.name
    # Terminals cost more than the cheapest module they could carry.
    assert Offering.objects.filter(kind_id="terminal", price_min__lt=Decimal("10")).count() == 0


def test_listings_come_from_verified_organisations_and_drafts_exist(market):
    published = Offering.objects.filter(status="published")
    assert published.count() > 0.7 * Offering.objects.count()
    assert not published.exclude(organization__verification_status="verified").exists()
    assert (
        not Demand.objects.filter(status="published")
        .exclude(organization__verification_status="verified")
        .exists()
    )
    assert {"draft", "pending_review", "archived"} <= set(
        Offering.objects.values_list("status", flat=True)
    )
    assert Organization.objects.exclude(verification_status="verified").exists()
    assert Demand.objects.filter(technologies=[]).count() > 0.2 * Demand.objects.count()
    assert Demand.objects.exclude(technologies=[]).exists()


def test_every_credit_code_is_valid_and_real_vendors_are_present(market):
    codes = list(Organization.objects.values_list("credit_code", flat=True))
    assert all(is_valid_credit_code(code) for code in codes)
    names = set(Organization.objects.values_list("name", flat=True))
    assert {
        "上海移远通信技术股份有限公司",
        "深圳市广和通无线股份有限公司",
        "中移物联网有限公司",
    } <= names


def test_every_reference_code_used_exists(market):
    sectors = set(Sector.objects.values_list("code", flat=True))
    scenarios = dict(Scenario.objects.values_list("code", "sector_id"))
    technologies = set(Technology.objects.values_list("code", flat=True))
    regions = set(Region.objects.values_list("code", flat=True))
    certifications = set(Certification.objects.values_list("code", flat=True))
    protocols = set(Protocol.objects.values_list("code", flat=True))
    kinds = set(SupplyKind.objects.values_list("code", flat=True))
    for offering in Offering.objects.all():
        assert set(offering.sectors) <= sectors and offering.sectors
        assert set(offering.scenarios) <= set(scenarios)
        assert set(offering.technologies) <= technologies
        assert set(offering.regions) <= regions
        assert offering.nationwide != bool(offering.regions)
        assert set(offering.certifications) <= certifications
        assert set(offering.protocols) <= protocols
    for demand in Demand.objects.all():
        assert scenarios[demand.scenario_id] == demand.sector_id
        assert set(demand.technologies) <= technologies
        assert set(demand.regions) <= regions and demand.regions
        assert set(demand.kinds_needed) <= kinds and demand.kinds_needed
        assert set(demand.certifications) <= certifications
    assert set(Offering.objects.values_list("kind_id", flat=True)) == kinds


def test_attributes_follow_each_kind_spec(market):
    specs = dict(SupplyKind.objects.values_list("code", "attribute_spec"))
    for offering in Offering.objects.all():
        assert (
            validate_attributes(spec=specs[offering.kind_id], attributes=offering.attributes) == {}
        )


def test_demands_read_like_procurement_notices(market):
    demo = (
        Demand.objects.filter(organization__credit_code__startswith="91130100MA07DEM")
        .order_by("id")
        .first()
    )
    assert demo.title == "河北省 20 万只 NB-IoT 智能水表采购"
    assert demo.volume == 200_000 and demo.coverage_depth == 2 and demo.power_source == "battery"
    for demand in Demand.objects.order_by("id")[:100]:
        assert "采购" in demand.title or "招标" in demand.title, demand.title
        assert demand.max_latency_ms is None or demand.max_latency_ms > 0


def test_listings_read_as_a_careful_vendor_writes_them(market):
    terminals = Offering.objects.filter(kind_id="terminal")
    assert terminals.count() > 100
    for terminal in terminals:
        # a model number in Latin letters and digits, named in the listing
        assert re.fullmatch(r"[A-Z]{3}-\d{3}", terminal.model_number), terminal.model_number
        assert terminal.model_number in terminal.name
        # no feature said twice
        features = terminal.description.split("；", 1)[1].rstrip("。").split("，")
        assert len(features) == len(set(features)), terminal.description
    # a vendor's terminals are told apart by their names
    names = terminals.values_list("organization_id", "name")
    assert len(set(names)) == len(names)
    # no company says its trade twice (北斗电子电子有限公司)
    for name in Organization.objects.values_list("name", flat=True):
        assert not re.search(r"(..)\1有限公司", name), name


def test_what_waits_for_review_was_submitted_within_two_weeks(market):
    anchor = Offering.objects.latest("updated_at").updated_at
    waiting = Offering.objects.filter(status="pending_review")
    assert waiting.exists()
    assert all((anchor - o.updated_at).days <= 14 for o in waiting)
    pending = Organization.objects.filter(verification_status="pending")
    assert pending.exists()
    assert all((anchor - o.created_at).days <= 14 for o in pending)


def test_demo_logins_exist_with_their_organisations_and_rights(market):
    coordinator = sign_in("coordinator")
    assert coordinator and coordinator.is_staff and coordinator.is_coordinator
    assert coordinator.groups.filter(name=COORDINATOR_GROUP).exists()
    assert coordinator.has_perm("catalog.change_offering")
    assert coordinator.has_perm("accounts.change_organization")
    vendor = sign_in("vendor")
    membership = Membership.objects.get(user=vendor)
    assert membership.role == Membership.Role.OWNER
    assert membership.organization.is_verified and membership.organization.is_vendor
    assert 3 <= membership.organization.offerings.count() <= 20
    enterprise = sign_in("enterprise")
    organization = Membership.objects.get(user=enterprise).organization
    assert organization.is_enterprise and 3 <= organization.demands.count() <= 10


def test_orm_inserts_work_after_copy(market):
    # given: ids were written by COPY; the sequences must have moved past them
    organization = Organization.objects.filter(role="vendor").first()
    # when
    offering = Offering.objects.create(
        organization=organization,
        kind_id="module",
        name="新模组",
        price_min=10,
        price_max=12,
        annual_capacity=1000,
    )
    # then
    assert offering.id == 1501


def test_if_empty_leaves_an_existing_market_alone_and_a_second_seed_is_refused(market):
    before = content_hash()
    assert "跳过" in seed("--if-empty", "--offerings", "10")
    assert content_hash() == before
    with pytest.raises(CommandError, match="--flush"):
        seed("--offerings", "10", "--demands", "1", "--no-hooks")
    # Re-running keeps the demo logins working (idempotent).
    assert sign_in("vendor")


@pytest.mark.django_db(transaction=True)  # the rematch's worker processes read committed rows
def test_a_new_platform_shows_a_brokering_history_with_published_cases(client):
    # given a demo market seeded with its hooks (search index, matching)
    output = seed("--offerings", "400", "--demands", "80")
    from apps.coordination.models import TypicalCase
    from apps.matching.models import Match

    # then introductions were answered and won through the services, with audit rows
    assert "演示对接记录" in output, output
    assert Match.objects.filter(status="won").count() >= 3, output
    assert Match.objects.filter(status="introduced").exists()
    published = TypicalCase.objects.filter(status="published")
    assert published.exists()
    # and the public case library shows them, in English without Chinese
    case = published.first()
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert case.title in page
    english = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.title_en in english
    assert not re.search(r"[\u4e00-\u9fff]", case.title_en + case.summary_en + case.results_en)
    # and seeding again on the same data plays nothing twice
    seed("--if-empty")
    assert TypicalCase.objects.filter(status="published").count() == published.count()
    # and a flushed market seeded again gets its history again
    again = seed("--offerings", "400", "--demands", "80", "--flush")
    assert Match.objects.filter(status="won").count() >= 3, again
