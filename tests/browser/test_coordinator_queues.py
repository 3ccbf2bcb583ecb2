"""A coordinator reaches a demand submitted today among hundreds waiting, in two clicks from
signing in, and publishes it; on a desktop and on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.demands.services import demand_submit
from tests import factories

from .conftest import login, screenshot, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)

COORDINATOR_PASSWORD = "pass-2026-secret"  # the factories' default


@pytest.fixture
def waiting_market(reference_data):
    """200 demands and 200 offerings that have waited for days, and one demand submitted now."""
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    Demand.objects.bulk_create(
        factories.DemandFactory.build(
            organization=enterprise, title=f"存量需求 {i}", status=Demand.Status.PENDING_REVIEW
        )
        for i in range(200)
    )
    Offering.objects.bulk_create(
        factories.OfferingFactory.build(
            organization=vendor,
            name=f"存量模组 {i}",
            status=Offering.Status.PENDING_REVIEW,
            function=None,
        )
        for i in range(200)
    )
    long_ago = timezone.now() - timedelta(days=4)
    Demand.objects.update(updated_at=long_ago)
    Offering.objects.update(updated_at=long_ago)

    newcomer = factories.OrganizationFactory(name="雄安水务", role=Organization.Role.ENTERPRISE)
    demand = factories.DemandFactory(
        organization=newcomer, title="雄安新区智能水表一期", status=Demand.Status.DRAFT
    )
    demand_submit(actor=factories.member(newcomer, "xiongan"), demand=demand)
    factories.coordinator("coordinator")
    return demand


@pytest.mark.parametrize("width", [1280, 390])
def test_the_coordinator_publishes_todays_demand_two_clicks_after_signing_in(
    waiting_market, new_page, width
):
    demand = waiting_market
    page = new_page(width=width, height=900 if width > 400 else 844)
    login(page, "coordinator", COORDINATOR_PASSWORD)

    # click 1: the review desk in the navigation (behind the menu button on a phone)
    if width < 600:
        page.locator(".nav-button").click()
    nav = page.locator(".main-nav")
    assert "需求 201" in nav.locator("#badge-demands").inner_text()
    nav.get_by_role("link", name="审核", exact=True).click()
    page.wait_for_url("**/coordinator/")
    today = page.locator("#today-demands")
    assert "等待 4 天" in today.inner_text()
    screenshot(page, f"coordinator-today-{width}")

    # click 2: the newest demand, straight from the today page
    today.get_by_role("link", name="雄安新区智能水表一期").click()
    card = page.locator(f"#demand-{demand.pk}")
    assert "等待 1 分钟" in card.inner_text() and "雄安水务" in card.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, f"coordinator-demand-queue-{width}")

    # and publishes it there
    card.get_by_role("button", name="发布").click()
    assert "已发布：雄安新区智能水表一期" in page.locator(".messages").inner_text()
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PUBLISHED

    # the full queue, oldest first, does not overflow sideways either
    page.goto("/coordinator/demands/")
    assert page.locator("article.card").count() == 25
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert "需求 200" in page.locator("#badge-demands").inner_text()


def test_on_a_phone_in_english_a_demand_is_read_in_full_and_rejected_back_to_its_queue(
    waiting_market, new_page
):
    demand = waiting_market
    Demand.objects.filter(pk=demand.pk).update(
        description="雄安新区供水管网改造，" * 40 + "需支持 CJ/T 188。", protocols=["cjt188"]
    )
    page = new_page(width=390, height=844, language="en")
    login(page, "coordinator", COORDINATOR_PASSWORD)
    page.goto("/coordinator/demands/?sort=newest&page=1")

    # the row's title opens the whole demand
    page.locator(f"#demand-{demand.pk}").get_by_role("link", name=demand.title).click()
    page.wait_for_url(f"**/coordinator/listings/demand/{demand.pk}/**")
    requirements = page.locator("#demand-requirements").inner_text()
    assert "需支持 CJ/T 188。" in requirements and "CJ/T 188 (household meters)" in requirements
    assert "Requirement profile" in requirements and "Unit budget" in requirements
    assert sideways_overflow(page) == 0
    screenshot(page, "coordinator-demand-in-full-390-en")

    # rejecting it there returns to the queue, still newest first
    decision = page.locator("#review-decision")
    decision.get_by_label("Reason for rejection").fill("Budget missing")
    decision.get_by_role("button", name="Reject").click()
    page.wait_for_url("**/coordinator/demands/?sort=newest&page=1")
    demand.refresh_from_db()
    assert (demand.status, demand.review_note) == (Demand.Status.REJECTED, "Budget missing")
