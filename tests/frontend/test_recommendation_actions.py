"""Recommendation cards as the enterprise uses them (shortlist, dismiss with a reason, show
again, ask for an introduction) and what the coordinators read of it."""

from __future__ import annotations

import html
import re

import pytest

from apps.accounts.models import Organization
from apps.matching.models import Match, RecommendationFeedback
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(reference):
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    meter = factories.OfferingFactory(organization=vendor, name="NB-IoT 智能水表 WM-100")
    module = factories.OfferingFactory(organization=vendor, name="BC260Y 模组")
    return {
        "demand": demand,
        "meter": factories.stored_match(demand, meter, score=88),
        "module": factories.stored_match(demand, module, score=71),
        "enterprise_user": factories.member(enterprise, "water"),
        "vendor_user": factories.member(vendor, "meters"),
    }


def _page(client, demand, show: str = "") -> str:
    url = f"/enterprise/demands/{demand.pk}/" + (f"?show={show}" if show else "")
    return client.get(url).content.decode()


def test_shortlisting_puts_the_card_in_the_shortlisted_view(cards, web_for):
    client = web_for(cards["enterprise_user"])
    # when the enterprise shortlists the meter
    response = client.post(
        f"/enterprise/recommendations/{cards['meter'].pk}/shortlist/", follow=True
    )
    # then it is told so, and the shortlisted view lists the meter only
    assert "已加入收藏。" in response.content.decode()
    shortlisted = _page(client, cards["demand"], "shortlisted")
    assert "NB-IoT 智能水表 WM-100" in shortlisted and "BC260Y 模组" not in shortlisted
    assert "已收藏（1）" in shortlisted


def test_a_dismissed_card_leaves_the_list_and_comes_back_on_request(cards, web_for):
    client = web_for(cards["enterprise_user"])
    # when the enterprise dismisses the module: not what it needs
    response = client.post(
        f"/enterprise/recommendations/{cards['module'].pk}/dismiss/",
        {"reason": "function", "note": "需要整表而非模组"},
        follow=True,
    )
    # then the default list no longer shows it, the dismissed view does, with the reason
    assert "已忽略该推荐，原因已反馈给平台协调员。" in response.content.decode()
    assert "BC260Y 模组" not in _page(client, cards["demand"])
    dismissed = _page(client, cards["demand"], "dismissed")
    assert "BC260Y 模组" in dismissed and "产品功能或参数不符" in dismissed
    # and showing it again brings it back
    client.post(f"/enterprise/recommendations/{cards['module'].pk}/restore/")
    assert "BC260Y 模组" in _page(client, cards["demand"])


def test_the_coordinator_reads_the_dismissal_reason_beside_the_match(cards, web_for):
    web_for(cards["enterprise_user"]).post(
        f"/enterprise/recommendations/{cards['module'].pk}/dismiss/",
        {"reason": "other", "note": "已与另一家签约"},
    )
    page = web_for(factories.coordinator()).get("/coordinator/matches/").content.decode()
    card = page[page.index(f'id="match-{cards["module"].pk}"') :]
    assert "需求方已忽略：其他原因 — 已与另一家签约" in card[: card.index("</article>")]


def test_a_dismissal_without_words_for_other_is_refused_with_the_reason(cards, web_for):
    response = web_for(cards["enterprise_user"]).post(
        f"/enterprise/recommendations/{cards['module'].pk}/dismiss/",
        {"reason": "other"},
        follow=True,
    )
    assert "请说明忽略的原因。" in response.content.decode()
    assert not RecommendationFeedback.objects.exists()


def test_an_introduction_request_reaches_the_coordinators_queue(cards, web_for):
    client = web_for(cards["enterprise_user"])
    response = client.post(
        f"/enterprise/recommendations/{cards['meter'].pk}/request/",
        {"note": "希望本月内对接"},
        follow=True,
    )
    assert "已请求平台协调员为您引荐。" in response.content.decode()
    assert "已请求引荐" in _page(client, cards["demand"])
    queue = web_for(factories.coordinator()).get("/coordinator/interest/").content.decode()
    assert f'id="interest-{cards["meter"].pk}"' in queue
    assert "需求方请求引荐" in queue and "希望本月内对接" in queue
    assert Match.objects.get(pk=cards["meter"].pk).origin == Match.Origin.ENTERPRISE_REQUEST


def test_another_enterprise_cannot_act_on_the_cards(cards, web_for):
    other = factories.member(
        factories.OrganizationFactory(role=Organization.Role.ENTERPRISE), "other"
    )
    response = web_for(other).post(f"/enterprise/recommendations/{cards['meter'].pk}/shortlist/")
    assert response.status_code == 404
    # and the vendor is no enterprise at all
    response = web_for(cards["vendor_user"]).post(
        f"/enterprise/recommendations/{cards['meter'].pk}/shortlist/"
    )
    assert response.status_code == 403
    assert not RecommendationFeedback.objects.exists()


def test_the_cards_and_their_actions_read_in_english(cards, web_for):
    import re

    client = web_for(cards["enterprise_user"])
    client.post(
        f"/enterprise/recommendations/{cards['module'].pk}/dismiss/",
        {"reason": "price", "note": "too dear"},
    )
    client.cookies["django_language"] = "en"
    page = client.get(f"/enterprise/demands/{cards['demand'].pk}/?show=dismissed").content.decode()
    section = page[page.index('<section id="matches">') : page.index('<section id="bundles">')]
    assert "Dismissed (1)" in section and "Show again" in section
    assert "Dismissed by the enterprise: Price above budget — too dear" in section
    # nothing of the interface is left in Chinese (the offerings' own names are data)
    for name in ("BC260Y 模组", "宁波水表"):
        section = section.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", section), re.findall(r"[\u4e00-\u9fff]+", section)


def test_the_coordinator_narrows_the_match_queue_to_dismissed_recommendations(cards, web_for):
    web_for(cards["enterprise_user"]).post(
        f"/enterprise/recommendations/{cards['module'].pk}/dismiss/", {"reason": "region"}
    )
    coordinator = web_for(factories.coordinator())
    page = coordinator.get("/coordinator/matches/?feedback=dismissed").content.decode()
    assert f'id="match-{cards["module"].pk}"' in page
    assert f'id="match-{cards["meter"].pk}"' not in page
    everything = coordinator.get("/coordinator/matches/").content.decode()
    assert f'id="match-{cards["meter"].pk}"' in everything


def test_an_introduced_recommendation_can_no_longer_be_dismissed_from_its_card(cards, web_for):
    # given the meter already introduced, the module only suggested
    Match.objects.filter(pk=cards["meter"].pk).update(status=Match.Status.INTRODUCED)
    page = _page(web_for(cards["enterprise_user"]), cards["demand"])
    # then only the module's card offers "not suitable"
    assert f'action="/enterprise/recommendations/{cards["module"].pk}/dismiss/"' in page
    assert f'action="/enterprise/recommendations/{cards["meter"].pk}/dismiss/"' not in page


def _next_of(page: str, match_id: int, action: str) -> str:
    """The `next` value of a card's form for `action`."""
    form = page[page.index(f'action="/enterprise/recommendations/{match_id}/{action}/"') :]
    return html.unescape(re.search(r'name="next" value="([^"]*)"', form)[1])


def test_acting_on_a_card_returns_to_that_card(cards, web_for):
    client = web_for(cards["enterprise_user"])
    demand, module = cards["demand"], cards["module"]
    page = _page(client, demand)
    # given the lower card's forms, which name the card as where to come back to
    to_card = f"/enterprise/demands/{demand.pk}/#match-{module.pk}"
    assert _next_of(page, module.pk, "shortlist") == to_card
    assert _next_of(page, module.pk, "request") == to_card
    # when the enterprise shortlists it
    response = client.post(f"/enterprise/recommendations/{module.pk}/shortlist/", {"next": to_card})
    # then it is sent back to the card, not to the top of the page
    assert response.url == to_card
    # and a dismissal, which takes the card off the list, returns to the list
    to_list = _next_of(_page(client, demand), module.pk, "dismiss")
    assert to_list == f"/enterprise/demands/{demand.pk}/#matches"
    # while a next leading off the site is still refused
    response = client.post(
        f"/enterprise/recommendations/{module.pk}/unshortlist/",
        {"next": "https://evil.test/#match-1"},
    )
    assert response.url == f"/enterprise/demands/{demand.pk}/"
