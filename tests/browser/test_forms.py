"""The demand form on a phone: no sideways scrolling, the region picker searches, and a
refused submission puts the focus on the error summary, whose links lead to the fields."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.demands.models import Demand
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = 390


@pytest.fixture
def enterprise_page(reference_data, new_page):
    organization = factories.OrganizationFactory(
        name="河北水务（演示）", role=Organization.Role.ENTERPRISE
    )
    user = factories.member(organization, "hbwater")
    user.set_password(PASSWORD)
    user.save()
    page = new_page(width=PHONE, height=844)
    login(page, "hbwater")
    return page


def scroll_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_demand_form_fits_a_phone_and_the_error_summary_takes_the_focus(enterprise_page):
    page = enterprise_page
    page.goto("/enterprise/demands/new/")
    # the form, region picker included, fits 390 px
    assert scroll_width(page) <= PHONE
    # the picker finds a city by name and by pinyin, and 全国 folds it away
    search = page.locator("#id_regions_search")
    search.fill("石家庄")
    shijiazhuang = page.locator("input[name=regions][value='130100']")
    expect(shijiazhuang).to_be_visible()
    expect(page.locator("input[name=regions][value='440000']")).to_be_hidden()
    search.fill("shijiazhuang")
    shijiazhuang.check()
    expect(page.locator("[data-region-chosen]")).to_contain_text("石家庄市")
    assert scroll_width(page) <= PHONE
    page.locator(".region-nationwide input").check()
    expect(search).to_be_hidden()
    page.locator(".region-nationwide input").uncheck()

    # a title over the limit is counted, not cut
    title = page.get_by_label("需求标题")
    title.fill("水" * 205)
    assert len(title.input_value()) == 205
    expect(page.locator("#id_title_count")).to_contain_text("超出 5 字")

    # when submitted with problems
    page.get_by_label("规模（连接数/台数）").fill("0")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state()
    # then the summary has the focus and lists every problem at once
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    text = summary.inner_text()
    for expected in ("最多 200 字", "规模至少为 1", "请选择行业", "至少选择一种所需供给类型"):
        assert expected in text, text
    assert scroll_width(page) <= PHONE
    screenshot(page, "03b-demand-errors-390")
    # and a link leads to its field
    summary.get_by_role("link", name="规模至少为 1").click()
    expect(page.get_by_label("规模（连接数/台数）")).to_be_focused()
    assert not Demand.objects.exists()

    # the 91 possible functions stay folded until a scenario pre-fills its own, ticked
    folded = page.locator("[data-testid=functions-folded]")
    expect(folded).to_be_visible()
    expect(page.locator("input[name=functions][value=gas_meter]")).to_be_hidden()
    page.locator("#id_sector").select_option("municipal")
    page.locator("#id_scenario option[value='municipal.water_meter']").wait_for(state="attached")
    page.locator("#id_scenario").select_option("municipal.water_meter")
    water_meter = page.get_by_role("checkbox", name="智能水表")
    expect(water_meter).to_be_checked()
    # and the meters it buys are ticked among the kinds of supply needed
    expect(page.locator("input[name=kinds_needed][value=terminal]")).to_be_checked()
    expect(folded).to_have_count(0)
    # the scenario's own functions, every one ticked, instead of all 91
    functions = page.locator("input[name=functions]")
    assert functions.count() < 10
    assert functions.count() == page.locator("input[name=functions]:checked").count()
    assert scroll_width(page) <= PHONE
    screenshot(page, "03a-demand-functions-390")

    # when the title is fixed, the volume left for later and the form saved as a draft, it is kept
    page.get_by_label("需求标题").fill("石家庄 NB-IoT 智能水表")
    page.get_by_label("规模（连接数/台数）").fill("")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/enterprise/demands/*/")
    demand = Demand.objects.get()
    assert demand.status == Demand.Status.DRAFT and demand.regions == ["130100"]
    assert demand.scenario_id == "municipal.water_meter" and "water_meter" in demand.functions
    assert demand.kinds_needed == ["terminal"]


@pytest.fixture
def vendor_page(reference_data, new_page):
    organization = factories.OrganizationFactory(name="移远（演示）", role=Organization.Role.VENDOR)
    user = factories.member(organization, "quectel")
    user.set_password(PASSWORD)
    user.save()
    page = new_page(width=PHONE, height=844)
    login(page, "quectel")
    return page


def test_offering_form_fits_a_phone_and_reports_the_price_range_with_the_rest(vendor_page):
    page = vendor_page
    page.goto("/vendor/offerings/new/")
    # choosing the kind brings its attributes, their choices named in Chinese
    page.get_by_label("供给类型").select_option("connectivity")
    operator = page.get_by_label("运营商")
    operator.wait_for()
    assert "中国移动" in operator.inner_text() and "cmcc" not in operator.inner_text()
    assert scroll_width(page) <= PHONE
    # when submitted with the price range upside down and other fields missing
    page.get_by_label("名称").fill("全国物联网卡")
    page.get_by_label("单价下限（元）").fill("30")
    page.get_by_label("单价上限（元）").fill("10")
    page.get_by_role("button", name="保存并提交发布").click()
    page.wait_for_load_state()
    # then the price range is in the same summary as the missing fields, and it has the focus
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    text = summary.inner_text()
    for expected in ("单价下限不能高于上限", "至少选择一个行业", "请选择产品功能", "运营商"):
        assert expected in text, text
    assert scroll_width(page) <= PHONE
    screenshot(page, "07b-offering-errors-390")


def test_the_english_demand_form_fits_a_phone_and_speaks_english(reference_data, new_page):
    organization = factories.OrganizationFactory(name="Water Co", role=Organization.Role.ENTERPRISE)
    user = factories.member(organization, "waterco")
    user.set_password(PASSWORD)
    user.save()
    page = new_page(width=PHONE, height=844, language="en-US")
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("waterco")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/enterprise/demands/new/")
    assert scroll_width(page) <= PHONE
    page.locator("#id_regions_search").fill("hebei")
    expect(page.locator("input[name=regions][value='130000']")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    text = summary.inner_text()
    assert "Choose a sector." in text and "things to fix" in text, text
    assert not any("\u4e00" <= char <= "\u9fff" for char in text), text
    expect(page.locator("[data-testid=functions-folded] summary")).to_contain_text(
        "pre-filled once you choose a scenario"
    )
    page.locator("#id_sector").select_option("municipal")
    page.locator("#id_scenario option[value='municipal.water_meter']").wait_for(state="attached")
    page.locator("#id_scenario").select_option("municipal.water_meter")
    expect(page.get_by_role("checkbox", name="Smart water meter")).to_be_checked()
    functions = page.locator("#profile-step").inner_text()
    assert "Meter-data management platform" in functions, functions
    assert not any("\u4e00" <= char <= "\u9fff" for char in functions), functions
    assert scroll_width(page) <= PHONE
    screenshot(page, "03c-demand-errors-390-en")
