"""zh-Hans by default, English on request; the public pages on a phone-sized screen."""

from __future__ import annotations

import pytest

from apps.accounts.models import Organization
from apps.catalog.models import Function, Scenario, Sector, SupplyKind
from tests import factories

from .conftest import login, screenshot, sideways_overflow, words_broken_across_lines

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_are_chinese_by_default_and_the_english_switch_changes_them(reference_data, new_page):
    # given a visitor on the home page (the browser asks for Chinese)
    page = new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "移动物联网应用协调平台" in page.locator("h1").inner_text()
    screenshot(page, "00-home-zh")

    # when they press the language switch
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    # then the same page is in English, and it stays English on the next page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Mobile IoT Application Coordination Platform"
    assert "Published offerings" in page.locator("main").inner_text()
    screenshot(page, "00-home-en")
    page.goto("/search/")
    assert page.locator("h1").inner_text() == "Search offerings"
    assert page.get_by_label("Keywords").is_visible()

    # and the switch back restores Chinese
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "搜索供给"


def test_a_phone_sized_screen_gets_a_collapsed_menu_and_no_sideways_scrolling(
    reference_data, new_page
):
    # given a phone-sized browser
    page = new_page(width=390, height=844)
    page.goto("/accounts/signup/")
    # then the menu is collapsed behind its button until opened
    assert not page.locator(".main-nav").is_visible()
    page.locator(".nav-button").click()
    assert page.locator(".main-nav").get_by_role("link", name="登录").is_visible()
    # and nothing is wider than the screen
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "07-signup-phone")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_fact_lists_keep_words_whole_on_a_phone(reference_data, new_page, language):
    # given a published water meter and a demand of a municipal water company
    vendor = factories.OrganizationFactory(name="宁水仪表科技有限公司")
    meter = factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 智能水表 LXSY-20E",
        kind=SupplyKind.objects.get(code="terminal"),
        function=Function.objects.get(code="water_meter"),
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        nationwide=False,
        regions=["130000", "410000"],
        certifications=["ip68", "cmcc", "srrc"],
        protocols=["lwm2m", "coap"],
    )
    enterprise = factories.OrganizationFactory(
        name="河北水务集团", role=Organization.Role.ENTERPRISE
    )
    demand = factories.DemandFactory(
        organization=enterprise,
        sector=Sector.objects.get(pk="municipal"),
        scenario=Scenario.objects.get(pk="municipal.water_meter"),
        kinds_needed=["terminal", "platform"],
        certifications=["ip68", "cmcc"],
    )
    factories.member(enterprise, "water")
    page = new_page(width=390, height=844, language=language)
    login(page, "water", "pass-2026-secret")  # the factories' password
    suffix = language[:2]

    # when the facts of the offering, its vendor and the demand are read on a phone
    for url, facts, name in [
        (f"/offerings/{meter.pk}/", "#offering-facts", "offering"),
        (f"/vendors/{vendor.pk}/", "#vendor-facts", "vendor"),
        (f"/enterprise/demands/{demand.pk}/", "main dl", "demand"),
    ]:
        page.goto(url)
        # then no label or value is split mid-word, and nothing is wider than the screen
        assert words_broken_across_lines(page, f"{facts} dt, {facts} dd") == [], url
        assert sideways_overflow(page) == 0, url
        screenshot(page, f"facts-{name}-{suffix}-390")
    # and the labels stand above their values
    label, value = page.locator("main dl dt").first, page.locator("main dl dd").first
    assert value.bounding_box()["y"] > label.bounding_box()["y"]


def test_my_demands_show_every_column_on_an_english_phone(reference_data, new_page):
    # given an enterprise with a published demand
    enterprise = factories.OrganizationFactory(
        name="河北水务集团", role=Organization.Role.ENTERPRISE
    )
    factories.DemandFactory(
        organization=enterprise,
        title="Smart water meters for Shijiazhuang",
        sector=Sector.objects.get(pk="municipal"),
    )
    factories.member(enterprise, "water")
    page = new_page(width=390, height=844, language="en")
    login(page, "water", "pass-2026-secret")  # the factories' password

    # when it opens its list of demands on a phone
    page.goto("/enterprise/demands/")

    # then the status and the time of the last change are whole and on screen
    row = page.locator("main table tbody tr").first
    status = row.locator(".badge")
    updated = row.locator("td").last
    assert status.inner_text() == "Published"
    for cell in (status, updated):
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell
    assert status.evaluate("e => e.scrollWidth <= e.clientWidth")
    # each under its column's name, as the table's header row is not shown on a phone
    assert updated.evaluate("e => getComputedStyle(e, '::before').content") == '"Updated at"'
    assert sideways_overflow(page) == 0
    screenshot(page, "my-demands-en-390")
