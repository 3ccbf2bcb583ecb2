"""Typical-case collection in a real browser: the vendor nominates its won introduction, both
parties consent, the coordinator assesses and previews, publishes, and the public case page
links the offering and the vendor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.matching.models import Match
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def won(reference_data):
    vendor = factories.OrganizationFactory(name="移远通信（演示）", role=Organization.Role.VENDOR)
    enterprise = factories.OrganizationFactory(
        name="河北水务集团（演示）", role=Organization.Role.ENTERPRISE
    )
    users = {
        "vendor": factories.member(vendor, "vendor-owner"),
        "enterprise": factories.member(enterprise, "water-owner"),
        "coordinator": factories.coordinator("coordinator"),
    }
    for user in users.values():
        user.set_password(PASSWORD)
        user.save()
    offering = factories.OfferingFactory(
        organization=vendor,
        name="BC260Y NB-IoT 智能表计模组",
        technologies=["nb_iot"],
        sectors=["municipal"],
        status=Offering.Status.PUBLISHED,
    )
    demand = factories.DemandFactory(
        organization=enterprise, title="石家庄 20 万只 NB-IoT 智能水表", sector_id="municipal"
    )
    match = factories.stored_match(demand, offering, score=91.0, status=Match.Status.WON)
    return {"match": match, "offering": offering, "vendor": vendor}


def test_nominate_consent_preview_publish_and_open_the_public_page(won, new_page):
    match = won["match"]
    # given the vendor nominates its won introduction
    vendor = new_page()
    login(vendor, "vendor-owner")
    vendor.goto("/introductions/")
    vendor.get_by_role("link", name="把成交的对接推荐为典型案例").click()
    nomination = vendor.locator(f"#nominate-{match.pk}")
    nomination.get_by_label("推荐理由（可选）").fill("井下表计稳定上报，电池寿命 8 年。")
    nomination.get_by_role("button", name="推荐为典型案例").click()
    expect(vendor.locator(".badge[data-status='nominated']")).to_be_visible()
    # nothing is public yet
    anonymous = new_page()
    anonymous.goto("/cases/")
    expect(anonymous.get_by_text("还没有发布的典型案例。")).to_be_visible()

    # when both parties consent
    vendor.get_by_role("button", name="同意公开").click()
    expect(vendor.get_by_text("已同意公开该案例。")).to_be_visible()
    enterprise = new_page()
    login(enterprise, "water-owner")
    enterprise.goto("/cases/mine/")
    enterprise.get_by_role("button", name="同意公开").click()
    expect(enterprise.locator(".badge[data-status='in_review']")).to_be_visible()

    # and the coordinator edits, assesses, previews and publishes
    coordinator = new_page()
    login(coordinator, "coordinator")
    coordinator.goto("/coordinator/cases/")
    coordinator.locator(".badge[data-status='in_review']").first.wait_for()
    coordinator.get_by_role("link", name="石家庄 20 万只 NB-IoT 智能水表").click()
    coordinator.get_by_label("案例标题").fill("石家庄 20 万只 NB-IoT 水表远程抄表")
    coordinator.locator("#case-results").fill("抄表率由 92% 提升到 99.6%。")
    ratings = {"technology": "strong", "results": "adequate", "replicability": "adequate"}
    for criterion, rating in ratings.items():
        coordinator.locator(f"#rating-{criterion}").select_option(rating)
    coordinator.get_by_role("button", name="保存并预览").click()
    preview = coordinator.locator(".case-preview")
    expect(
        preview.get_by_role("heading", name="石家庄 20 万只 NB-IoT 水表远程抄表")
    ).to_be_visible()
    expect(preview.get_by_text("抄表率由 92% 提升到 99.6%。")).to_be_visible()
    screenshot(coordinator, "cases-01-preview")
    coordinator.get_by_role("button", name="发布典型案例").click()
    expect(coordinator.get_by_text("典型案例已发布。")).to_be_visible()

    # then the public library shows it and its page links the offering and the vendor
    anonymous.goto("/cases/")
    anonymous.get_by_role("link", name="石家庄 20 万只 NB-IoT 水表远程抄表").click()
    expect(anonymous.get_by_text("抄表率由 92% 提升到 99.6%。")).to_be_visible()
    expect(anonymous.get_by_text("河北水务集团（演示）")).to_have_count(0)
    screenshot(anonymous, "cases-02-public")
    anonymous.get_by_role("link", name="BC260Y NB-IoT 智能表计模组").click()
    anonymous.wait_for_url(f"**/offerings/{won['offering'].pk}/")
    anonymous.go_back()
    anonymous.locator(".case-vendors").get_by_role("link", name="移远通信（演示）").click()
    anonymous.wait_for_url(f"**/vendors/{won['vendor'].pk}/")
    # the vendor's profile lists the case
    expect(anonymous.get_by_role("link", name="石家庄 20 万只 NB-IoT 水表远程抄表")).to_be_visible()
