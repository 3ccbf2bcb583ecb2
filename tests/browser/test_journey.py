"""The whole journey in a real browser: an enterprise signs up and posts a demand, the worker
matches it, a coordinator verifies, approves and introduces, the vendor accepts, and the
enterprise sees the introduction accepted."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.matching.models import Match
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market(reference_data):
    """A verified NB-IoT module vendor with a published nationwide offering, and a coordinator."""
    vendor = factories.OrganizationFactory(
        name="移远通信（演示）", role=Organization.Role.VENDOR, contact_email="bd@quectel.test"
    )
    vendor_user = factories.member(vendor, "vendor-owner")
    coordinator = factories.coordinator("coordinator")
    for user in (vendor_user, coordinator):
        user.set_password(PASSWORD)
        user.save()
    offering = factories.OfferingFactory(
        organization=vendor,
        name="BC260Y NB-IoT 智能表计模组",
        kind=factories.kind("module"),
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        technologies=["nb_iot"],
        certifications=["ccc", "srrc", "cta"],
        price_min=Decimal("12"),
        price_max=Decimal("18"),
        annual_capacity=5_000_000,
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
        status=Offering.Status.PUBLISHED,
    )
    return {"vendor": vendor, "offering": offering}


def sign_up_enterprise(page) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("用户名").fill("hebei-water")
    page.get_by_label("电子邮箱").fill("it@hebei-water.test")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_label("组织名称").fill("河北水务集团（演示）")
    page.get_by_label("统一社会信用代码").fill(factories.credit_code())
    page.get_by_label("组织角色").select_option("enterprise")
    page.get_by_label("所在省份").select_option("130000")
    # HTMX fills the city list from the province.
    page.locator("#id_city option[value='130100']").wait_for(state="attached")
    page.get_by_label("所在城市").select_option("130100")
    page.get_by_label("联系人").fill("李工")
    page.get_by_label("联系电话").fill("0311-87654321")
    screenshot(page, "01-signup")
    page.get_by_role("button", name="注册并提交审核").click()
    page.wait_for_url("**/accounts/")


def post_demand(page) -> None:
    page.goto("/enterprise/demands/new/")
    page.get_by_label("需求标题").fill("石家庄 20 万只 NB-IoT 智能水表")
    page.get_by_label("行业").select_option("municipal")
    page.locator("#id_scenario option[value='municipal.water_meter']").wait_for(state="attached")
    page.get_by_label("应用场景").select_option("municipal.water_meter")
    # Choosing the scenario pre-fills its typical profile, and the engine's advice appears.
    # (Playwright's expect, not wait_for_function: a string predicate is an eval, which the
    # Content-Security-Policy refuses.)
    advice = expect(page.locator("#advice"))
    advice.to_have_attribute("data-recommended", "nb_iot", timeout=15_000)
    # Asking for video rules NB-IoT out: the advice follows the profile live.
    page.get_by_label("需要视频").check()
    advice.not_to_have_attribute("data-recommended", "nb_iot", timeout=15_000)
    page.get_by_label("需要视频").uncheck()
    advice.to_have_attribute("data-recommended", "nb_iot", timeout=15_000)
    page.locator("input[name=kinds_needed][value=module]").check()
    page.locator("input[name=regions][value='130000']").check()
    page.get_by_label("规模（连接数/台数）").fill("200000")
    page.get_by_label("单位预算（元）").fill("20")
    screenshot(page, "02-demand-wizard")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r"/enterprise/demands/\d+/$"))
    assert "待审核" in page.locator("#demand-status").inner_text()


def test_enterprise_signs_up_posts_a_demand_and_the_coordinator_brokers_an_accepted_introduction(
    market, worker, new_page
):
    # given an enterprise that signs up and posts a demand through the wizard
    enterprise_page = new_page()
    sign_up_enterprise(enterprise_page)
    assert "待审核" in enterprise_page.locator("main").inner_text()
    post_demand(enterprise_page)
    demand = Demand.objects.get(title__startswith="石家庄")
    assert demand.status == Demand.Status.PENDING_REVIEW

    # when a coordinator verifies the organisation and publishes the demand
    coordinator_page = new_page()
    login(coordinator_page, "coordinator")
    coordinator_page.goto("/coordinator/organizations/")
    card = coordinator_page.locator(f"#org-{demand.organization_id}")
    card.get_by_role("button", name="认证通过").click()
    assert "已认证" in coordinator_page.locator(".messages").inner_text()
    coordinator_page.goto("/coordinator/listings/")
    screenshot(coordinator_page, "03-coordinator-listings")
    coordinator_page.locator(f"#demand-{demand.pk}").get_by_role("button", name="发布").click()
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PUBLISHED
    assert Organization.objects.get(pk=demand.organization_id).is_verified

    # when the worker matches the published demand
    wait_for_matches(demand)

    # and the coordinator approves the suggested match and introduces the parties
    coordinator_page.goto("/coordinator/matches/")
    match = Match.objects.get(demand=demand, offering=market["offering"])
    card = coordinator_page.locator(f"#match-{match.pk}")
    assert "BC260Y" in card.inner_text()
    screenshot(coordinator_page, "08-coordinator-match-queue")
    card.get_by_role("button", name="批准").click()
    coordinator_page.goto("/coordinator/matches/?status=approved")
    coordinator_page.locator(f"#match-{match.pk}").get_by_role("button", name="牵线对接").click()
    assert "已为双方牵线" in coordinator_page.locator(".messages").inner_text()
    match.refresh_from_db()
    assert match.status == Match.Status.INTRODUCED
    # both sides hear of it by e-mail
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["bd@quectel.test", "it@hebei-water.test"]

    # when the vendor sees the introduction and accepts it
    vendor_page = new_page()
    login(vendor_page, "vendor-owner")
    vendor_page.goto("/introductions/")
    intro = vendor_page.locator(f"#intro-{match.pk}")
    assert "石家庄" in intro.inner_text()
    screenshot(vendor_page, "09-vendor-introductions")
    intro.get_by_role("button", name="接受对接").click()
    assert "已接受对接" in vendor_page.locator(".messages").inner_text()

    # then the enterprise sees the vendor's acceptance on its demand, and accepts in turn
    enterprise_page.goto(f"/enterprise/demands/{demand.pk}/")
    intro = enterprise_page.locator(f"#intro-{match.pk}")
    assert "对方：接受" in intro.inner_text()
    screenshot(enterprise_page, "10-enterprise-demand-detail")
    intro.get_by_role("button", name="接受对接").click()
    intro = enterprise_page.locator(f"#intro-{match.pk}")
    assert "双方接受" in intro.locator("[data-status]").inner_text()
    # and with both sides in, the vendor's contact is shown
    assert "bd@quectel.test" in intro.inner_text()
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED


def wait_for_matches(demand: Demand, timeout: float = 60) -> None:
    """Queue the demand's matching for the running worker and wait for its results."""
    from apps.matching.tasks import match_demand

    match_demand.delay(demand.pk)
    deadline = time.monotonic() + timeout
    while not Match.objects.filter(demand=demand).exists():
        assert time.monotonic() < deadline, "the worker stored no matches"
        time.sleep(0.2)
