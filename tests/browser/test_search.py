"""Public search in the browser: Chinese text, facets that narrow the results."""

from __future__ import annotations

import pytest

from apps.search.services import search_reindex
from tests import factories

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_with_chinese_text_and_a_technology_facet(reference_data, new_page):
    # given published offerings in the index
    vendor = factories.OrganizationFactory(name="移远通信")
    for name, tech in (
        ("BC260Y NB-IoT 智能水表模组", "nb_iot"),
        ("EG800Q Cat.1 水表通信模组", "cat1"),
        ("RG255C RedCap 工业网关模组", "redcap"),
    ):
        factories.OfferingFactory(
            organization=vendor, name=name, technologies=[tech], kind=factories.kind("module")
        )
    search_reindex()
    page = new_page()
    # when searching for water meters
    page.goto("/search/")
    page.get_by_label("关键词").fill("水表")
    page.get_by_role("button", name="搜索", exact=True).click()
    # then both water-meter modules are found, highlighted, and the gateway is not
    results = page.locator("main section")
    assert "找到 2 条结果" in results.inner_text()
    assert results.locator("em", has_text="水表").count() == 2
    screenshot(page, "04-search")
    # when the NB-IoT facet is ticked
    page.locator("input[name=technology][value=nb_iot]").check()
    page.wait_for_url("**technology=nb_iot**")
    # then only the NB-IoT module remains
    assert "找到 1 条结果" in results.inner_text()
    assert "BC260Y" in results.inner_text()
    # and the Cat.1 one stays choosable beside it, with its count (multi-select)
    cat1 = page.locator("aside label", has=page.locator("input[value=cat1]"))
    assert cat1.locator("small").inner_text() == "1"
    page.locator("input[name=technology][value=cat1]").check()
    page.wait_for_url("**technology=cat1**")
    assert "找到 2 条结果" in results.inner_text()


def test_search_with_a_typo_and_with_pinyin_says_how_it_read_them(reference_data, new_page):
    # given
    factories.OfferingFactory(
        name="NB-IoT 远传水表", technologies=["nb_iot"], kind=factories.kind("terminal")
    )
    factories.OfferingFactory(name="地磁车位检测器", kind=factories.kind("terminal"))
    search_reindex()
    page = new_page()
    for typed, meant, found in (
        ("水标", "水表", "NB-IoT 远传水表"),
        ("shuibiao", "水表", "NB-IoT 远传水表"),
        ("地磁检侧器", "地磁检测器", "地磁车位检测器"),
    ):
        # when
        page.goto("/search/")
        page.get_by_label("关键词").fill(typed)
        page.get_by_role("button", name="搜索", exact=True).click()
        # then: the listing meant, and a link to the query as read
        notice = page.locator("#did-you-mean")
        assert f"没有找到“{typed}”" in notice.inner_text()
        assert notice.get_by_role("link", name=meant).count() == 1
        assert found in page.locator("main section").inner_text()
    screenshot(page, "04-search-typo")
