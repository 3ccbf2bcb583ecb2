"""The region picker on a phone: a county found by name, chosen by keyboard, saved, and named
(not coded) on the demand's page, in Chinese and in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.demands.models import Demand
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = 390
XIHU = "330106"


def scroll_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("language", "typed", "chosen", "title", "save"),
    [
        ("zh-CN", "西湖", "杭州市西湖区", "需求标题", "保存草稿"),
        ("en-US", "xihu", "Xihu District, Hangzhou", "Demand title", "Save draft"),
    ],
)
def test_a_county_is_found_chosen_by_keyboard_and_named_on_the_demand_at_390_px(
    reference_data, new_page, language, typed, chosen, title, save
):
    # given an enterprise user on a phone, in Chinese or in English
    organization = factories.OrganizationFactory(
        name="杭州水务（演示）", role=Organization.Role.ENTERPRISE
    )
    user = factories.member(organization, "hzwater")
    user.set_password(PASSWORD)
    user.save()
    page = new_page(width=PHONE, height=844, language=language)
    login(page, "hzwater")
    page.goto("/enterprise/demands/new/")
    assert scroll_width(page) <= PHONE
    # when they type a county's name in the picker's search box
    page.locator("#id_regions_search").fill(typed)
    xihu = page.locator(f"input[name=regions][value='{XIHU}']")
    # then the county shows, unfolded under its city and province; other provinces hide
    expect(xihu).to_be_visible()
    expect(page.locator("input[name=regions][value='130000']")).to_be_hidden()
    assert scroll_width(page) <= PHONE
    # and the keyboard chooses it
    xihu.focus()
    page.keyboard.press("Space")
    expect(xihu).to_be_checked()
    expect(page.locator("[data-region-chosen]")).to_contain_text(chosen)
    screenshot(page, f"region-picker-county-{language}-390")
    # when the demand is saved as a draft
    page.get_by_label(title).fill("西湖区 NB-IoT 智能水表")
    page.get_by_role("button", name=save).click()
    page.wait_for_url("**/enterprise/demands/*/")
    # then it deploys in the county, and its page names the county (never its code)
    assert Demand.objects.get().regions == [XIHU]
    facts = page.locator("main").inner_text()
    assert chosen in facts and XIHU not in facts
    assert scroll_width(page) <= PHONE
    # and editing it shows the county chosen, its city unfolded, without waiting for a fetch
    page.goto(f"/enterprise/demands/{Demand.objects.get().pk}/edit/")
    expect(page.locator(f"input[name=regions][value='{XIHU}']")).to_be_checked()
    expect(page.locator("[data-region-chosen]")).to_contain_text(chosen)
