"""zh-Hans by default, English on request; the public pages on a phone-sized screen."""

from __future__ import annotations

import pytest

from .conftest import screenshot

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
