"""Offering pages and vendor profiles, and the links that lead to them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import Function, Offering, SupplyKind
from apps.coordination.models import TypicalCase
from apps.matching.models import Match
from apps.search.services import search_reindex
from tests import factories

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def vendor(reference):
    return factories.OrganizationFactory(
        name="宁水仪表",
        description="专注智能水表二十年。",
        website="https://meters.example.com",
        contact_phone="0311-88886666",
    )


@pytest.fixture
def meter(vendor):
    return factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 智能水表 LXSY-20",
        model_number="LXSY-20",
        kind=SupplyKind.objects.get(code="terminal"),
        function=Function.objects.get(code="water_meter"),
        technologies=["nb_iot"],
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        nationwide=False,
        regions=["130000", "410000"],
        certifications=["ip68", "cmcc"],
        protocols=["lwm2m"],
        price_min=Decimal("180"),
        price_max=Decimal("260"),
        min_order=500,
        annual_capacity=300_000,
        lead_time_days=45,
        published_at=timezone.now(),
    )


def test_a_published_offering_has_a_public_page_with_its_facts_in_words(meter, client):
    # when an anonymous visitor opens it
    response = client.get(f"/offerings/{meter.pk}/")
    # then every fact is shown by its name, never by its code
    assert response.status_code == 200
    body = response.content.decode()
    assert "NB-IoT 智能水表 LXSY-20" in body
    facts = body.split('id="offering-facts"')[1].split("</dl>")[0]
    for shown in ("智能水表", "终端", "市政", "河北省、河南省", "IP68 防护等级", "LwM2M", "45 天"):
        assert shown in facts, shown
    assert "180–260 元/台" in facts
    assert "300,000" in facts and "500" in facts
    for code in ("water_meter", "nb_iot", "ip68", "130000", "municipal.water_meter"):
        assert code not in facts
    # and the vendor is linked with its verification status
    assert f'href="/vendors/{meter.organization_id}/"' in body
    assert "已认证" in body


def test_a_monthly_card_price_is_shown_per_card_year(vendor, client, web_for):
    card = factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 物联网卡",
        kind=SupplyKind.objects.get(code="connectivity"),
        attributes={"price_unit": "card_month"},
        price_min=Decimal("1.5"),
        price_max=Decimal("1.5"),
    )
    body = client.get(f"/offerings/{card.pk}/").content.decode()
    assert "18 元/卡/年" in body
    client.cookies["django_language"] = "en"
    body = client.get(f"/offerings/{card.pk}/").content.decode()
    assert "¥18 per card-year" in body
    # and so does the vendor's own list of its offerings
    own = web_for(factories.member(vendor, "cards")).get("/vendor/offerings/").content.decode()
    assert "18 元/卡/年" in own and "1.5" not in own


def test_nationwide_offerings_say_so(vendor, client):
    offering = factories.OfferingFactory(organization=vendor, nationwide=True, regions=[])
    body = client.get(f"/offerings/{offering.pk}/").content.decode()
    assert "<dd>全国</dd>" in body


@pytest.mark.parametrize("status", [Offering.Status.DRAFT, Offering.Status.ARCHIVED])
def test_an_unpublished_offering_is_404_for_others_and_visible_to_its_vendor(
    meter, status, client, web_for
):
    meter.status = status
    meter.save()
    other = factories.member(factories.OrganizationFactory(), "other-vendor")
    assert client.get(f"/offerings/{meter.pk}/").status_code == 404
    assert web_for(other).get(f"/offerings/{meter.pk}/").status_code == 404
    owner = factories.member(meter.organization, "owner")
    response = web_for(owner).get(f"/offerings/{meter.pk}/")
    assert response.status_code == 200
    assert meter.get_status_display() in response.content.decode()
    coordinator = factories.coordinator()
    assert web_for(coordinator).get(f"/offerings/{meter.pk}/").status_code == 200


def test_the_english_page_names_every_reference_value_in_english(meter, client):
    client.cookies["django_language"] = "en"
    body = client.get(f"/offerings/{meter.pk}/").content.decode()
    facts = body.split('id="offering-facts"')[1].split("</dl>")[0]
    assert "Smart water meter" in facts
    assert "Hebei" in facts
    assert "¥180–260 per device" in facts
    assert "45 days" in facts
    assert not CJK.findall(facts), CJK.findall(facts)


def test_the_vendor_profile_lists_only_published_offerings_and_what_they_hold(
    meter, vendor, client
):
    # given a draft and another vendor's offering beside the published meter
    factories.OfferingFactory(organization=vendor, name="未发布的草稿表", status="draft")
    factories.OfferingFactory(name="别家的模组")
    factories.OfferingFactory(
        organization=vendor, name="NB-IoT 燃气表", certifications=["explosion_proof"]
    )
    # when an anonymous visitor opens the vendor
    response = client.get(f"/vendors/{vendor.pk}/")
    # then
    assert response.status_code == 200
    body = response.content.decode()
    listed = body.split('id="vendor-offerings"')[1]
    assert f'href="/offerings/{meter.pk}/"' in listed
    assert "NB-IoT 燃气表" in listed
    assert "未发布的草稿表" not in body
    assert "别家的模组" not in body
    certifications = body.split('id="vendor-certifications">')[1].split("</dd>")[0]
    assert "IP68 防护等级" in certifications and "防爆认证" in certifications
    # the gas meter's factory default serves the whole country
    assert body.split('id="vendor-regions">')[1].startswith("全国")
    assert "专注智能水表二十年。" in body
    assert "https://meters.example.com" in body
    # and contacts wait for an introduction
    assert "0311-88886666" not in body
    assert "张三" not in body


def test_the_english_vendor_profile_names_provinces_regions_and_certifications_in_english(
    meter, vendor, client
):
    client.cookies["django_language"] = "en"
    body = client.get(f"/vendors/{vendor.pk}/").content.decode()
    facts = body.split('id="vendor-facts"')[1].split("</dl>")[0]
    assert "Hebei" in facts and "IP68 ingress protection" in facts
    assert not CJK.findall(facts), CJK.findall(facts)
    listed = body.split('id="vendor-offerings"')[1].split("</section>")[0]
    assert "Smart water meter" in listed and "¥180–260 per device" in listed
    assert "Published offerings" in body


def test_the_vendor_sees_its_own_contacts_on_its_profile(meter, vendor, web_for):
    owner = factories.member(vendor, "owner")
    body = web_for(owner).get(f"/vendors/{vendor.pk}/").content.decode()
    assert "0311-88886666" in body


def test_vendor_offerings_are_paged(vendor, client):
    for n in range(23):
        factories.OfferingFactory(organization=vendor, name=f"模组 X{n:02d}")
    first = client.get(f"/vendors/{vendor.pk}/").content.decode()
    second = client.get(f"/vendors/{vendor.pk}/", {"page": 2}).content.decode()
    assert first.count('href="/offerings/') == 20
    assert second.count('href="/offerings/') == 3
    assert "第 2 / 2 页" in second


def test_enterprises_and_unverified_vendors_without_listings_have_no_profile(reference, client):
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    pending = factories.OrganizationFactory(verification_status="pending")
    assert client.get(f"/vendors/{enterprise.pk}/").status_code == 404
    assert client.get(f"/vendors/{pending.pk}/").status_code == 404
    assert client.get("/vendors/999999/").status_code == 404


def test_search_results_link_to_the_offering_and_its_vendor(meter, client):
    search_reindex()
    body = client.get("/search/", {"q": "水表"}).content.decode()
    assert f'href="/offerings/{meter.pk}/"' in body
    assert f'href="/vendors/{meter.organization_id}/"' in body


def test_recommendation_cards_link_to_the_offering_and_its_vendor(meter, web_for):
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    factories.stored_match(demand, meter)
    body = web_for(factories.member(enterprise, "water")).get(f"/enterprise/demands/{demand.pk}/")
    body = body.content.decode()
    card = body.split('class="card match"')[1]
    assert f'href="/offerings/{meter.pk}/"' in card
    assert f'href="/vendors/{meter.organization_id}/"' in card


def test_recommendation_cards_say_model_price_and_capacity_to_compare_them(meter, web_for):
    # given two meters of one vendor with the same name, recommended for one demand
    twin = factories.OfferingFactory(
        organization=meter.organization,
        name="NB-IoT 智能水表",
        model_number="LXSY-25",
        price_min=Decimal("150"),
        price_max=Decimal("150"),
        annual_capacity=80_000,
    )
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    factories.stored_match(demand, meter, score=85)
    factories.stored_match(demand, twin, score=84)
    client = web_for(factories.member(enterprise, "water"))
    # when the enterprise reads its recommendations
    body = client.get(f"/enterprise/demands/{demand.pk}/").content.decode()
    facts = re.findall(r'<p class="match-facts muted">(.*?)</p>', body)
    # then each card says what it costs, in its unit, and how many a year; the twin its model
    assert facts == ["180–260 元/台 · 年产能 300,000", "型号 LXSY-25 · 150 元/台 · 年产能 80,000"]
    client.cookies["django_language"] = "en"
    body = client.get(f"/enterprise/demands/{demand.pk}/").content.decode()
    facts = re.findall(r'<p class="match-facts muted">(.*?)</p>', body)
    assert facts[1] == "Model number LXSY-25 · ¥150 per device · Annual capacity 80,000"


def test_the_offering_page_lets_the_enterprise_it_was_recommended_to_ask_for_an_introduction(
    meter, web_for, client
):
    # given the meter recommended for an enterprise's demand
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    match = factories.stored_match(demand, meter)
    water = web_for(factories.member(enterprise, "water"))
    # when a member opens the offering's page
    body = water.get(f"/offerings/{meter.pk}/").content.decode()
    # then it names the demand and offers the next steps, which come back to this page
    section = body.split('id="offering-recommendations"')[1]
    assert "石家庄智能水表" in section
    assert f'action="/enterprise/recommendations/{match.pk}/request/"' in section
    assert f'action="/enterprise/recommendations/{match.pk}/shortlist/"' in section
    response = water.post(
        f"/enterprise/recommendations/{match.pk}/request/",
        {"note": "", "next": f"/offerings/{meter.pk}/"},
    )
    assert response.status_code == 302 and response.url == f"/offerings/{meter.pk}/"
    assert Match.objects.get(pk=match.pk).origin == Match.Origin.ENTERPRISE_REQUEST
    # and neither a visitor nor another enterprise sees that recommendation
    other = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    for reader in (client, web_for(factories.member(other, "other"))):
        assert (
            "offering-recommendations" not in reader.get(f"/offerings/{meter.pk}/").content.decode()
        )


def test_typical_cases_link_to_the_offering_and_vendor_and_show_on_the_profile(meter, client):
    enterprise = factories.OrganizationFactory(name="保密的水务公司", role="enterprise")
    demand = factories.DemandFactory(organization=enterprise)
    match = factories.stored_match(demand, meter)
    TypicalCase.objects.create(
        match=match,
        title="某市 5 万只 NB-IoT 水表改造",
        summary="抄表率提升到 99%。",
        sector_id="municipal",
        technologies=["nb_iot"],
        volume=50_000,
        status=TypicalCase.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    body = client.get("/cases/").content.decode()
    assert f'href="/offerings/{meter.pk}/"' in body
    assert f'href="/vendors/{meter.organization_id}/"' in body
    assert "保密的水务公司" not in body
    assert "nb_iot" not in body
    profile = client.get(f"/vendors/{meter.organization_id}/").content.decode()
    assert "某市 5 万只 NB-IoT 水表改造" in profile
    assert "保密的水务公司" not in profile
