"""Acting on matches in the browser: the enterprise shortlists, dismisses with a reason and asks
for an introduction; the vendor opens a matching demand and proposes the right offering."""

from __future__ import annotations

import pytest

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.matching.models import Match, RecommendationFeedback
from tests import factories

from .conftest import login, screenshot, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-2026-secret"  # the factories' password


def _console_error(errors: list[str], message) -> None:
    if message.type == "error":
        errors.append(f"{message.text} {message.location.get('url', '')}")


@pytest.fixture
def market(reference_data):
    enterprise = factories.OrganizationFactory(
        name="河北水务集团", role=Organization.Role.ENTERPRISE, contact_email="it@water.test"
    )
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    rival = factories.OrganizationFactory(name="远程模组厂", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(
        organization=enterprise,
        title="石家庄智能水表改造",
        description="20 万只 NB-IoT 水表，井下安装。",
        visibility=Demand.Visibility.ANONYMOUS,
    )
    module = factories.OfferingFactory(organization=vendor, name="BC260Y 通用模组")
    meter = factories.OfferingFactory(organization=vendor, name="NB-IoT 水表专用模组")
    theirs = factories.OfferingFactory(organization=rival, name="远程 NB 模组 X1")
    return {
        "demand": demand,
        "module": factories.stored_match(demand, module, score=84),
        "meter": factories.stored_match(demand, meter, score=79),
        "theirs": factories.stored_match(demand, theirs, score=75),
        "enterprise_user": factories.member(enterprise, "water"),
        "vendor_user": factories.member(vendor, "meters"),
    }


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_enterprise_acts_on_recommendations_and_vendor_proposes_the_right_offering(
    market, new_page, width, height
):
    demand = market["demand"]
    errors: list[str] = []
    page = new_page(width=width, height=height)
    page.on("console", lambda m: _console_error(errors, m))
    login(page, "water", PASSWORD)
    # the role home greets the member after login
    assert page.url.endswith("/my-work/")

    # when the enterprise opens its demand's recommendations
    page.goto(f"/enterprise/demands/{demand.pk}/")
    meter_card = page.locator(f"#match-{market['meter'].pk}")
    # and shortlists the water-meter module
    meter_card.get_by_role("button", name="收藏").click()
    page.wait_for_load_state()
    assert "已加入收藏。" in page.locator("body").inner_text()
    page.locator("#show-shortlisted").click()
    page.wait_for_url("**show=shortlisted**")
    assert "NB-IoT 水表专用模组" in page.locator("#matches").inner_text()
    assert "远程 NB 模组 X1" not in page.locator("#matches").inner_text()

    # when it dismisses the rival's module with a reason
    page.goto(f"/enterprise/demands/{demand.pk}/")
    theirs = page.locator(f"#match-{market['theirs'].pk}")
    theirs.locator("details.dismiss summary").click()
    theirs.get_by_label("已有合作供应商").check()
    theirs.get_by_label("补充说明（选“其他原因”时必填）").fill("已与该地区运营商签约")
    theirs.get_by_role("button", name="忽略该推荐").click()
    page.wait_for_load_state()
    # then its card leaves the list
    assert "远程 NB 模组 X1" not in page.locator("#matches").inner_text()
    assert sideways_overflow(page) == 0, page.url
    screenshot(page, f"recommendations-dismissed-{width}")

    # when it asks for an introduction to the vendor's general-purpose module too
    page.locator(f"#match-{market['module'].pk}").get_by_role("button", name="请求引荐").click()
    page.wait_for_load_state()
    assert "已请求平台协调员为您引荐。" in page.locator("body").inner_text()

    # then the verdicts are stored for the coordinators
    verdict = RecommendationFeedback.objects.get(pair_key=market["theirs"].pair_key)
    assert (verdict.dismissed_reason, verdict.dismissed_note) == (
        "have_supplier",
        "已与该地区运营商签约",
    )
    assert Match.objects.get(pk=market["module"].pk).origin == Match.Origin.ENTERPRISE_REQUEST

    # when the vendor opens the demand from its list of matching demands
    vendor_page = new_page(width=width, height=height)
    vendor_page.on("console", lambda m: _console_error(errors, m))
    login(vendor_page, "meters", PASSWORD)
    vendor_page.goto("/vendor/demands/")
    vendor_page.locator(f'a[href="/vendor/demands/{demand.pk}/"]').first.click()
    vendor_page.wait_for_url(f"**/vendor/demands/{demand.pk}/")
    # then it reads the requirements without learning who posted them
    assert (
        "20 万只 NB-IoT 水表，井下安装。"
        in vendor_page.locator("#demand-requirements").inner_text()
    )
    assert "匿名企业" in vendor_page.locator("#demand-organization").inner_text()
    assert "it@water.test" not in vendor_page.content()
    # and sees both of its fitting offerings, and not the rival's
    fitting = vendor_page.locator("#fitting-offerings").inner_text()
    assert "BC260Y 通用模组" in fitting and "NB-IoT 水表专用模组" in fitting
    assert "远程 NB 模组 X1" not in fitting
    assert sideways_overflow(vendor_page) == 0, vendor_page.url
    screenshot(vendor_page, f"vendor-demand-{width}")

    # when it proposes the water-meter module, not its best-scored general one
    vendor_page.locator(f"#fitting-{market['meter'].offering_id} input[type=radio]").check()
    vendor_page.get_by_label("留言（可选）").fill("专为水表设计")
    vendor_page.get_by_role("button", name="推荐所选供给并表达意向").click()
    vendor_page.wait_for_load_state()
    assert "已向平台协调员表达合作意向。" in vendor_page.locator("body").inner_text()

    # then the chosen offering carries the vendor's interest; the other keeps the enterprise's
    # request
    meter = Match.objects.get(pk=market["meter"].pk)
    module = Match.objects.get(pk=market["module"].pk)
    assert (meter.origin, meter.note) == (Match.Origin.VENDOR_INTEREST, "专为水表设计")
    assert module.origin == Match.Origin.ENTERPRISE_REQUEST
    # and the proposed offering cannot be chosen a second time
    assert vendor_page.locator(
        f"#fitting-{market['meter'].offering_id} input[type=radio]"
    ).is_disabled()
    assert errors == []


def test_shortlisting_a_lower_card_keeps_the_enterprise_at_that_card(market, new_page):
    # given the enterprise on its demand's recommendations on a phone
    page = new_page(width=390, height=844)
    login(page, "water", PASSWORD)
    page.goto(f"/enterprise/demands/{market['demand'].pk}/")
    lowest = page.locator(f"#match-{market['theirs'].pk}")
    # when it shortlists the lowest card, far below the top of the page
    lowest.get_by_role("button", name="收藏").click()
    page.wait_for_url(f"**#match-{market['theirs'].pk}")
    # then the page comes back at that card, now marked shortlisted, not at the top
    assert page.evaluate("() => window.scrollY") > 0
    box = lowest.bounding_box()
    assert 0 <= box["y"] < 844
    assert lowest.get_by_role("button", name="取消收藏").is_visible()
    screenshot(page, "recommendation-shortlisted-lower-card-390")


def test_closing_a_demand_and_archiving_an_offering_ask_first(market, new_page):
    # given the enterprise on its published demand
    page = new_page(width=390, height=844)
    login(page, "water", PASSWORD)
    page.goto(f"/enterprise/demands/{market['demand'].pk}/")
    # when it presses 关闭需求
    page.get_by_text("关闭需求", exact=True).click()
    # then nothing is closed yet: the page says what closing does and asks again
    close = page.locator("#close-demand")
    assert "需求也不能重新打开" in close.inner_text()
    assert Demand.objects.get(pk=market["demand"].pk).status == Demand.Status.PUBLISHED
    screenshot(page, "demand-close-confirm-390")
    # when it confirms
    close.get_by_role("button", name="确认关闭需求").click()
    page.wait_for_load_state()
    assert Demand.objects.get(pk=market["demand"].pk).status == Demand.Status.CLOSED

    # given the vendor on its catalogue, in English, using the keyboard
    vendor_page = new_page(width=390, height=844, language="en")
    login(vendor_page, "meters", PASSWORD)
    vendor_page.goto("/vendor/offerings/")
    offering_id = market["meter"].offering_id
    archive = vendor_page.locator(f"#archive-{offering_id}")
    # when it opens Archive from the keyboard
    archive.locator("summary").focus()
    vendor_page.keyboard.press("Enter")
    # then it reads what archiving does before the real button
    assert "cannot be submitted for publication again" in archive.inner_text()
    assert Offering.objects.get(pk=offering_id).status == Offering.Status.PUBLISHED
    screenshot(vendor_page, "offering-archive-confirm-en-390")
    archive.get_by_role("button", name="Yes, archive it").click()
    vendor_page.wait_for_load_state()
    assert Offering.objects.get(pk=offering_id).status == Offering.Status.ARCHIVED
