"""The public journey in the browser: search → an offering's page → its vendor's profile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Function, SupplyKind
from apps.search.services import search_reindex
from tests import factories

from .conftest import doc_screenshot, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("width", "height", "language", "labels"),
    [
        (1280, 900, "zh-CN", {"function": "智能水表", "regions": "河北省、河南省"}),
        (390, 844, "en", {"function": "Smart water meter", "regions": "Hebei"}),
    ],
    ids=["desktop-zh", "phone-en"],
)
def test_search_opens_an_offering_and_its_vendor(
    reference_data, new_page, width, height, language, labels
):
    # given a verified vendor with a published water meter in the index
    vendor = factories.OrganizationFactory(
        name="宁水仪表科技有限公司", description="专注 NB-IoT 智能水表与计量平台。"
    )
    meter = factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 智能水表 LXSY-20E 超长型号名称用于检验窄屏换行",
        model_number="LXSY-20E",
        kind=SupplyKind.objects.get(code="terminal"),
        function=Function.objects.get(code="water_meter"),
        technologies=["nb_iot"],
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        nationwide=False,
        regions=["130000", "410000"],
        certifications=["ip68", "cmcc", "srrc"],
        protocols=["lwm2m", "coap"],
        price_min=Decimal("180"),
        price_max=Decimal("260"),
        min_order=500,
        annual_capacity=300_000,
        lead_time_days=45,
    )
    factories.OfferingFactory(organization=vendor, name="水务计量数据管理平台")
    search_reindex()
    page = new_page(width=width, height=height, language=language)
    suffix = f"{language[:2]}-{width}"

    # when the visitor searches for water meters
    page.goto("/search/?q=水表")
    assert sideways_overflow(page) == 0, page.url
    doc_screenshot(page, f"public-1-search-{suffix}")
    # and opens the meter from its result title
    page.locator("main article.hit").filter(has_text="LXSY-20E").locator(
        f'a[href="/offerings/{meter.pk}/"]'
    ).click()
    page.wait_for_url(f"**/offerings/{meter.pk}/")

    # then its page names its function and regions in the visitor's language
    facts = page.locator("#offering-facts").inner_text()
    assert labels["function"] in facts
    assert labels["regions"] in facts
    assert sideways_overflow(page) == 0, page.url
    doc_screenshot(page, f"public-2-offering-{suffix}")

    # when they follow the vendor's name
    page.locator("#offering-vendor").get_by_role("link", name=vendor.name).click()
    page.wait_for_url(f"**/vendors/{vendor.pk}/")

    # then the profile lists both published offerings, and nothing is wider than the screen
    listed = page.locator("#vendor-offerings")
    assert "LXSY-20E" in listed.inner_text()
    assert "水务计量数据管理平台" in listed.inner_text()
    assert sideways_overflow(page) == 0, page.url
    doc_screenshot(page, f"public-3-vendor-{suffix}")
