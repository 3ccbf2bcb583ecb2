"""Matches, flags and introductions as the enterprise, the vendor and the coordinator see them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching import services
from apps.matching.models import Match, MismatchFlag
from apps.matching.partners import partner_suggestions_refresh
from frontend import matching
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(reference):
    """A published demand and a fitting offering, their owners, and a suggested match."""
    enterprise = factories.OrganizationFactory(
        name="河北水务", role=Organization.Role.ENTERPRISE, contact_email="it@water.test"
    )
    vendor = factories.OrganizationFactory(
        name="移远通信", role=Organization.Role.VENDOR, contact_email="bd@quectel.test"
    )
    demand = factories.DemandFactory(
        organization=enterprise, title="石家庄智能水表", technologies=["nb_iot"]
    )
    offering = factories.OfferingFactory(organization=vendor, name="BC260Y 模组")
    match = factories.stored_match(
        demand,
        offering,
        score=82.4,
        kind="module",
        breakdown={
            "technology": {
                "score": 1.0,
                "weight": 0.3,
                "points": 30,
                "zh": "支持首选技术 NB-IoT",
                "en": "Supports the preferred NB-IoT",
            },
            "price": {
                "score": 0.5,
                "weight": 0.1,
                "points": 5,
                "zh": "单价略高于预算",
                "en": "Unit price a little above budget",
            },
        },
        unmet=[{"code": "cert", "zh": "缺少 IP68 认证", "en": "No IP68 certificate"}],
        explanation_zh="匹配度 82 分：支持首选技术 NB-IoT。",
        explanation_en="Score 82: supports the preferred NB-IoT.",
    )
    return {
        "demand": demand,
        "match": match,
        "enterprise_user": factories.member(enterprise, "water"),
        "vendor_user": factories.member(vendor, "quectel"),
    }


def test_the_enterprise_sees_suppliers_with_per_criterion_explanations_and_flags(pair, web_for):
    # given an open capacity flag on the demand
    now = timezone.now()
    MismatchFlag.objects.create(
        subject_type=MismatchFlag.Subject.DEMAND,
        demand=pair["demand"],
        subject_key=f"demand:{pair['demand'].pk}",
        code="capacity_shortfall",
        severity=MismatchFlag.Severity.HIGH,
        message_zh="需求 20 万只，可行产能 5 万只。",
        message_en="200k wanted, 50k feasible.",
        first_seen=now,
        last_seen=now,
    )
    client = web_for(pair["enterprise_user"])
    # when
    body = client.get(f"/enterprise/demands/{pair['demand'].pk}/").content.decode()
    # then
    assert "BC260Y 模组" in body
    assert "支持首选技术 NB-IoT" in body
    assert "单价略高于预算" in body
    assert "缺少 IP68 认证" in body
    assert "产能不足" in body and "需求 20 万只，可行产能 5 万只。" in body
    assert "延长部署周期" in body
    # and in English the engine's English sentences are shown
    client.cookies["django_language"] = "en"
    body = client.get(f"/enterprise/demands/{pair['demand'].pk}/").content.decode()
    assert "Unit price a little above budget" in body
    assert "Capacity shortfall" in body


def test_coordinator_approves_then_introduces_and_both_sides_get_mail(
    pair, web_for, coordinator_user, django_capture_on_commit_callbacks
):
    client = web_for(coordinator_user)
    match = pair["match"]
    # when
    client.post(f"/coordinator/matches/{match.pk}/approve/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/coordinator/matches/{match.pk}/introduce/")
    # then
    match.refresh_from_db()
    assert match.status == Match.Status.INTRODUCED
    assert sorted(m.to[0] for m in mail.outbox) == ["bd@quectel.test", "it@water.test"]
    to_vendor = next(m for m in mail.outbox if m.to == ["bd@quectel.test"])
    assert "石家庄智能水表" in to_vendor.subject
    # in both languages, since the recipient's is unknown
    assert "请登录平台" in to_vendor.body
    assert "Please sign in" in to_vendor.body


def test_rejecting_a_match_needs_no_more_than_the_service_asks(pair, web_for, coordinator_user):
    client = web_for(coordinator_user)
    client.post(f"/coordinator/matches/{pair['match'].pk}/reject/", {"note": "厂商产能不足"})
    pair["match"].refresh_from_db()
    assert pair["match"].status == Match.Status.REJECTED
    assert pair["match"].note == "厂商产能不足"


def test_both_sides_answer_an_introduction_and_then_see_each_others_contacts(pair, web_for):
    match = pair["match"]
    Match.objects.filter(pk=match.pk).update(status=Match.Status.INTRODUCED)
    vendor, enterprise = web_for(pair["vendor_user"]), web_for(pair["enterprise_user"])
    # when the vendor accepts
    vendor.post(f"/introductions/{match.pk}/respond/", {"accept": "1"})
    match.refresh_from_db()
    assert match.vendor_response == Match.Response.ACCEPTED
    assert match.status == Match.Status.INTRODUCED
    # then the enterprise sees it, without contacts yet
    body = enterprise.get("/introductions/").content.decode()
    assert "对方：接受" in body
    assert "bd@quectel.test" not in body
    # when the enterprise accepts too
    enterprise.post(f"/introductions/{match.pk}/respond/", {"accept": "1"})
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    assert "bd@quectel.test" in enterprise.get("/introductions/").content.decode()
    assert "it@water.test" in vendor.get("/introductions/").content.decode()


@pytest.mark.parametrize(
    ("language", "label"), [("zh-hans", "我方供给："), ("en", "Our offering: ")]
)
def test_the_vendors_introduction_names_the_offering_introduced(pair, web_for, language, label):
    # given an introduction of the vendor's module, which has a model number
    match = pair["match"]
    offering = match.offering
    offering.model_number = "BC260Y-CN"
    offering.save(update_fields=["model_number"])
    Match.objects.filter(pk=match.pk).update(status=Match.Status.INTRODUCED)
    client = web_for(pair["vendor_user"])
    client.cookies["django_language"] = language
    # when the vendor opens its introductions, and its work page
    for url in ("/introductions/", "/my-work/"):
        page = client.get(url).content.decode()
        card = page[page.index(f'id="intro-{match.pk}"') :]
        card = card[: card.index("</article>")]
        # then the card names the offering, by name and model number, linked to its page
        assert label in card
        assert f'<a href="/offerings/{offering.pk}/">BC260Y 模组</a>' in card
        assert "BC260Y-CN" in card
    # while the enterprise's card has no "our offering"
    enterprise = web_for(pair["enterprise_user"]).get("/introductions/").content.decode()
    assert "我方供给" not in enterprise


@pytest.mark.parametrize(
    ("language", "label", "model"),
    [
        ("zh-hans", "对方供给：", "型号 BC260Y-CN"),
        ("en", "Their offering: ", "Model number BC260Y-CN"),
    ],
)
def test_the_enterprises_introductions_name_their_demand_and_the_model_introduced(
    pair, web_for, language, label, model
):
    # given the same module introduced for two of the enterprise's demands
    match = pair["match"]
    offering = match.offering
    offering.model_number = "BC260Y-CN"
    offering.save(update_fields=["model_number"])
    second_demand = factories.DemandFactory(
        organization=pair["demand"].organization, title="保定智能燃气表"
    )
    second = factories.stored_match(second_demand, offering, status=Match.Status.INTRODUCED)
    Match.objects.filter(pk=match.pk).update(status=Match.Status.INTRODUCED)
    client = web_for(pair["enterprise_user"])
    client.cookies["django_language"] = language
    # when the enterprise opens its introductions, and its work page
    for url in ("/introductions/", "/my-work/"):
        page = client.get(url).content.decode()
        cards = {}
        for intro, demand in ((match, pair["demand"]), (second, second_demand)):
            card = page[page.index(f'id="intro-{intro.pk}"') :]
            cards[intro.pk] = card = card[: card.index("</article>")]
            # then each card leads with its own demand, then the vendor and the model
            assert (
                f'<a href="/enterprise/demands/{demand.pk}/"><strong>{demand.title}</strong></a>'
                in card
            ), url
            assert "移远通信" in card and label in card and model in card
            assert f'<a href="/offerings/{offering.pk}/">BC260Y 模组</a>' in card
        assert "石家庄智能水表" not in cards[second.pk]
        assert "保定智能燃气表" not in cards[match.pk]
        if language == "en":
            text = re.sub(r"<[^>]+>", " ", "".join(cards.values()))
            for data in ("石家庄智能水表", "保定智能燃气表", "移远通信", "BC260Y 模组"):
                text = text.replace(data, "")
            assert not re.search(r"[\u4e00-\u9fff]", text), re.findall(r"[\u4e00-\u9fff]+", text)


def test_a_vendor_sees_matching_demands_but_not_coordinator_only_ones(pair, web_for):
    client = web_for(pair["vendor_user"])
    assert "石家庄智能水表" in client.get("/vendor/demands/").content.decode()
    Demand.objects.filter(pk=pair["demand"].pk).update(visibility=Demand.Visibility.COORDINATORS)
    assert "石家庄智能水表" not in client.get("/vendor/demands/").content.decode()


def test_a_vendor_sees_the_demands_one_offering_fits_a_page_at_a_time(pair, web_for, monkeypatch):
    # given a second published offering of the vendor, fitting three more demands
    vendor = pair["match"].offering.organization
    tracker = factories.OfferingFactory(organization=vendor, name="GT06 定位终端")
    for n, score in enumerate((90, 70, 60)):
        demand = factories.DemandFactory(title=f"物流车辆定位 {n}")
        factories.stored_match(demand, tracker, score=score)
    client = web_for(pair["vendor_user"])
    # when it chooses the tracker
    page = client.get("/vendor/demands/", {"offering": tracker.pk}).content.decode()
    # then only the demands the tracker fits are listed, best first
    assert "石家庄智能水表" not in page
    assert (
        page.index("物流车辆定位 0") < page.index("物流车辆定位 1") < page.index("物流车辆定位 2")
    )
    # and all of them without a choice, a page at a time (two to a page here)
    monkeypatch.setattr(matching, "QUEUE_PAGE", 2)
    first = client.get("/vendor/demands/").content.decode()
    assert "物流车辆定位 0" in first and "石家庄智能水表" in first
    second = client.get("/vendor/demands/", {"page": 2}).content.decode()
    assert "物流车辆定位 1" in second and "物流车辆定位 2" in second
    assert 'rel="prev"' in second
    # another vendor's offering is no choice: the whole list is shown
    other = factories.OfferingFactory(name="别家终端")
    assert (
        "石家庄智能水表" in client.get("/vendor/demands/", {"offering": other.pk}).content.decode()
    )
    # the offering list leads there
    offerings = client.get("/vendor/offerings/").content.decode()
    assert f'href="/vendor/demands/?offering={tracker.pk}"' in offerings


def test_the_vendor_demand_page_names_a_county_with_its_city_in_either_language(pair, web_for):
    # given the demand deploys in a county of Hangzhou and in Shijiazhuang
    Demand.objects.filter(pk=pair["demand"].pk).update(regions=["330106", "130100"])
    client = web_for(pair["vendor_user"])
    # when the vendor opens it
    page = client.get(f"/vendor/demands/{pair['demand'].pk}/").content.decode()
    # then the regions are named, never coded
    assert "杭州市西湖区" in page and "石家庄市" in page
    assert "330106" not in page
    english = client.get(
        f"/vendor/demands/{pair['demand'].pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Xihu District, Hangzhou" in english


def test_an_outsider_cannot_answer_an_introduction(pair, web_for):
    Match.objects.filter(pk=pair["match"].pk).update(status=Match.Status.INTRODUCED)
    outsider = factories.member(factories.OrganizationFactory(), "outsider")
    web_for(outsider).post(f"/introductions/{pair['match'].pk}/respond/", {"accept": "1"})
    pair["match"].refresh_from_db()
    assert pair["match"].vendor_response == Match.Response.PENDING


def test_express_interest_goes_to_the_coordinators_queue(pair, web_for, coordinator_user):
    # given a second fitting offering of the vendor, not yet matched with the demand
    vendor = pair["vendor_user"].memberships.get().organization
    offering = factories.OfferingFactory(organization=vendor, name="BC660K 模组")
    # when the vendor expresses interest with it
    response = web_for(pair["vendor_user"]).post(
        f"/vendor/demands/{pair['demand'].pk}/interest/",
        {"offering": offering.pk, "note": "可提供样品"},
        follow=True,
    )
    # then
    assert "已向平台协调员表达合作意向。" in response.content.decode()
    interest = Match.objects.get(offering=offering)
    assert interest.origin == Match.Origin.VENDOR_INTEREST
    assert interest.status == Match.Status.SUGGESTED
    queue = web_for(coordinator_user).get("/coordinator/matches/").content.decode()
    assert "BC660K 模组" in queue and "厂商意向" in queue


def test_express_interest_in_a_demand_the_vendor_may_not_see_is_not_found(pair, web_for):
    # given a demand shown to coordinators only, and a vendor that knows its id
    Demand.objects.filter(pk=pair["demand"].pk).update(visibility=Demand.Visibility.COORDINATORS)
    vendor = pair["vendor_user"].memberships.get().organization
    offering = factories.OfferingFactory(organization=vendor, name="BC660K 模组")
    # when the vendor expresses interest in it from the web
    response = web_for(pair["vendor_user"]).post(
        f"/vendor/demands/{pair['demand'].pk}/interest/", {"offering": offering.pk}, follow=True
    )
    # then it is told the demand does not exist, as the API tells it, and nothing is stored
    assert "需求或供给不存在。" in response.content.decode()
    assert not Match.objects.filter(offering=offering).exists()


def test_partner_suggestions_name_complementary_vendors_and_shared_demands(reference, web_for):
    # given a module maker, a platform vendor and a demand needing both
    module_maker = factories.OrganizationFactory(name="移远通信", role=Organization.Role.VENDOR)
    platform = factories.OrganizationFactory(name="OneNET 平台", role=Organization.Role.VENDOR)
    factories.OfferingFactory(
        organization=module_maker,
        kind=factories.kind("module"),
        technologies=["nb_iot"],
        protocols=["mqtt"],
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
    )
    factories.OfferingFactory(
        organization=platform,
        kind=factories.kind("platform"),
        technologies=[],
        protocols=["mqtt"],
        price_min=1,
        price_max=2,
        attributes={"deployment": "public_cloud"},
    )
    factories.DemandFactory(title="石家庄智能水表", kinds_needed=["module", "platform"])
    partner_suggestions_refresh()  # the matching worker's hourly job
    # when
    body = web_for(factories.member(module_maker, "quectel")).get("/vendor/partners/")
    # then
    text = body.content.decode()
    assert "OneNET 平台" in text
    assert "石家庄智能水表" in text


def test_a_won_introduction_becomes_a_case_candidate(pair, web_for, coordinator_user):
    # given an introduction both sides accepted
    Match.objects.filter(pk=pair["match"].pk).update(status=Match.Status.ACCEPTED)
    client = web_for(coordinator_user)
    # when the coordinator records it as won
    client.post(f"/coordinator/matches/{pair['match'].pk}/won/")
    # then it is offered for nomination as a typical case
    pair["match"].refresh_from_db()
    assert pair["match"].status == Match.Status.WON
    body = client.get("/coordinator/cases/").content.decode()
    assert f'action="/cases/nominate/{pair["match"].pk}/"' in body
    assert "石家庄智能水表" in body


def test_a_demand_without_matches_says_still_matching_only_until_matching_ran(reference, web_for):
    # given a published demand whose change still waits for matching, in an empty market
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    services.matching_schedule(entity="demand", entity_id=demand.pk)
    client = web_for(factories.member(enterprise, "water"))
    page = f"/enterprise/demands/{demand.pk}/"
    assert "后台正在匹配，稍后刷新即可看到推荐。" in client.get(page).content.decode()
    # when matching has run and found nothing (and flagged that nothing is feasible)
    services.matching_outbox_drain()
    # then the page says so, pointing at the flag, instead of asking to wait
    body = client.get(page).content.decode()
    assert "没有可行的供给" in body and "后台正在匹配" not in body
    assert "目前没有符合这项需求的供给，原因见上方的供需错配提示。" in body
    client.cookies["django_language"] = "en"
    body = client.get(page).content.decode()
    assert "No offering fits this demand yet; the mismatch flags above say why." in body
    # and without an open flag it says plainly that nothing fits yet
    MismatchFlag.objects.filter(demand=demand).update(resolved_at=timezone.now())
    client.cookies["django_language"] = "zh-hans"
    body = client.get(page).content.decode()
    assert "目前没有符合这项需求的供给。有新的供给发布时，平台会自动重新匹配。" in body


@pytest.mark.parametrize(
    ("language", "unmet"),
    [
        ("zh-hans", "未满足：年产能 5 万，仅能满足需求量的 25%。参考单价约 313 元，超出预算。</p>"),
        (
            "en",
            "Not met: Capacity covers only 25% of the need. Unit price about 313, over budget.</p>",
        ),
    ],
)
def test_unmet_sentences_read_as_one_paragraph(pair, web_for, language, unmet):
    # given a match that falls short twice, each shortfall a whole sentence
    pair["match"].unmet = [
        {
            "code": "capacity",
            "zh": "年产能 5 万，仅能满足需求量的 25%。",
            "en": "Capacity covers only 25% of the need.",
        },
        {
            "code": "price",
            "zh": "参考单价约 313 元，超出预算。",
            "en": "Unit price about 313, over budget.",
        },
    ]
    pair["match"].save(update_fields=["unmet"])
    client = web_for(pair["enterprise_user"])
    client.cookies["django_language"] = language
    # when the enterprise reads the recommendation
    body = client.get(f"/enterprise/demands/{pair['demand'].pk}/").content.decode()
    # then the sentences follow each other without a stray separator ("。；")
    assert unmet in body
