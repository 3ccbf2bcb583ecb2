"""A demand as a vendor reads it: requirements, who posted it as far as the vendor may know,
and every fitting offering of the vendor, of which it proposes the one it chooses."""

from __future__ import annotations

import pytest

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(reference):
    enterprise = factories.OrganizationFactory(
        name="河北水务集团",
        role=Organization.Role.ENTERPRISE,
        contact_email="it@water.test",
    )
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    rival = factories.OrganizationFactory(name="另一家厂商", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(
        organization=enterprise,
        title="石家庄智能水表改造",
        description="20 万只 NB-IoT 水表，井下安装。",
        visibility=Demand.Visibility.ANONYMOUS,
        uplink_kbps=10,
    )
    module = factories.OfferingFactory(organization=vendor, name="BC260Y 通用模组")
    meter_module = factories.OfferingFactory(organization=vendor, name="NB-IoT 水表专用模组")
    other = factories.OfferingFactory(organization=rival, name="对手的模组")
    return {
        "demand": demand,
        "module": factories.stored_match(demand, module, score=84),
        "meter": factories.stored_match(demand, meter_module, score=79),
        "other": factories.stored_match(demand, other, score=90),
        "vendor_user": factories.member(vendor, "meters"),
    }


def _page(client, demand) -> str:
    response = client.get(f"/vendor/demands/{demand.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_vendor_reads_the_requirements_of_an_anonymous_demand_without_its_owner(
    market, web_for
):
    page = _page(web_for(market["vendor_user"]), market["demand"])
    assert "20 万只 NB-IoT 水表，井下安装。" in page
    assert "匿名企业" in page and "河北水务集团" not in page
    assert "it@water.test" not in page
    assert "联系方式在双方接受平台引荐后提供。" in page


def test_the_vendor_sees_all_its_fitting_offerings_and_no_one_elses(market, web_for):
    page = _page(web_for(market["vendor_user"]), market["demand"])
    assert "BC260Y 通用模组" in page and "NB-IoT 水表专用模组" in page
    assert "对手的模组" not in page
    # and the list of demands says there are two
    listing = web_for(market["vendor_user"]).get("/vendor/demands/").content.decode()
    assert "（共 2 个匹配供给）" in listing
    assert f'href="/vendor/demands/{market["demand"].pk}/"' in listing


def test_interest_is_expressed_with_the_offering_the_vendor_chose(market, web_for):
    client = web_for(market["vendor_user"])
    # when the vendor proposes its second-best offering
    response = client.post(
        f"/vendor/demands/{market['demand'].pk}/interest/",
        {
            "offering": market["meter"].offering_id,
            "note": "专为水表设计",
            "next": f"/vendor/demands/{market['demand'].pk}/",
        },
        follow=True,
    )
    # then that offering's match carries the interest, not the best-scored one
    assert "已向平台协调员表达合作意向。" in response.content.decode()
    market["meter"].refresh_from_db()
    market["module"].refresh_from_db()
    assert market["meter"].origin == Match.Origin.VENDOR_INTEREST
    assert market["meter"].note == "专为水表设计"
    assert market["module"].origin == Match.Origin.ENGINE
    # and back on the demand page, the proposed offering can no longer be chosen again
    page = response.content.decode()
    radio = page[page.index(f'id="fitting-{market["meter"].offering_id}"') :]
    assert "disabled" in radio[: radio.index("</label>")]


def test_the_owner_and_contacts_show_once_an_introduction_was_accepted(market, web_for):
    Match.objects.filter(pk=market["module"].pk).update(status=Match.Status.ACCEPTED)
    page = _page(web_for(market["vendor_user"]), market["demand"])
    assert "河北水务集团" in page and "it@water.test" in page


def test_a_demand_the_vendor_may_not_open_is_not_found(market, web_for):
    Demand.objects.filter(pk=market["demand"].pk).update(visibility=Demand.Visibility.COORDINATORS)
    client = web_for(market["vendor_user"])
    assert client.get(f"/vendor/demands/{market['demand'].pk}/").status_code == 404
    # unless the vendor was introduced on it
    Match.objects.filter(pk=market["module"].pk).update(status=Match.Status.INTRODUCED)
    assert client.get(f"/vendor/demands/{market['demand'].pk}/").status_code == 200


def test_a_demand_of_nobody_the_vendor_knows_is_not_found(market, web_for):
    assert web_for(market["vendor_user"]).get("/vendor/demands/999999/").status_code == 404


def test_a_partner_suggestion_links_the_partner_and_the_shared_demands(market, web_for):
    from django.utils import timezone

    from apps.matching.models import PartnerSuggestion

    vendor = market["vendor_user"].memberships.get().organization
    partner = factories.OrganizationFactory(name="OneNET 平台", role=Organization.Role.VENDOR)
    PartnerSuggestion.objects.create(
        organization=vendor,
        partner=partner,
        kinds=["platform"],
        demand_ids=[market["demand"].pk],
        demand_count=1,
        volume=200_000,
        engine_version="test",
        computed_at=timezone.now(),
    )
    page = web_for(market["vendor_user"]).get("/vendor/partners/").content.decode()
    assert f'href="/vendors/{partner.pk}/"' in page
    assert f'href="/vendor/demands/{market["demand"].pk}/"' in page


def test_the_demand_page_reads_in_english(market, web_for):
    import re

    client = web_for(market["vendor_user"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/vendor/demands/{market['demand'].pk}/").content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert "Anonymous" in main or "anonymous" in main
    assert "Propose the chosen offering" in main
    for data in (
        "石家庄智能水表改造",
        "20 万只 NB-IoT 水表，井下安装。",
        "BC260Y 通用模组",
        "NB-IoT 水表专用模组",
    ):
        main = main.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", main), re.findall(r"[\u4e00-\u9fff]+", main)


def test_a_vendor_opens_a_demand_from_search_and_from_its_introductions(market, web_for):
    from apps.search.services import search_reindex

    search_reindex()
    client = web_for(market["vendor_user"])
    found = client.get("/search/?entity=demand&q=水表").content.decode()
    assert f'href="/vendor/demands/{market["demand"].pk}/"' in found
    Match.objects.filter(pk=market["module"].pk).update(status=Match.Status.INTRODUCED)
    introductions = client.get("/introductions/").content.decode()
    assert f'href="/vendor/demands/{market["demand"].pk}/"' in introductions


def test_listings_of_the_same_name_are_told_apart_by_their_model_numbers(reference, web_for):
    # given a vendor with two meters of the same name (the demo vendor lists four such)
    vendor = factories.OrganizationFactory(name="智联物联网", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(title="保定市智能水表采购")
    for model_number in ("ZL-W100", "ZL-W200"):
        offering = factories.OfferingFactory(
            organization=vendor, name="智联 NB-IoT 智能水表", model_number=model_number
        )
        factories.stored_match(demand, offering, score=80)
    # when the vendor chooses which one to propose
    page = _page(web_for(factories.member(vendor, "zhilian")), demand)
    # then each choice names its model
    assert page.count("智联 NB-IoT 智能水表") == 2
    assert "ZL-W100" in page and "ZL-W200" in page
