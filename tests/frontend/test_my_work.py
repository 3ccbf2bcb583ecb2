"""The role home after login: drafts, what waits on me, new matches since my last visit and
introductions; coordinators go on to their own page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_remembered_visits(settings):
    """Last visits live in the cache: a fresh one per test, so ids reused across runs of the
    test database find nothing remembered."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def world(reference):
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(organization=enterprise, title="石家庄智能水表")
    factories.DemandFactory(organization=enterprise, title="保定燃气表（草稿）", status="draft")
    offering = factories.OfferingFactory(organization=vendor, name="NB-IoT 智能水表")
    factories.OfferingFactory(organization=vendor, name="未完成的 DTU", status="draft")
    return {
        "demand": demand,
        "offering": offering,
        "enterprise_user": factories.member(enterprise, "water"),
        "vendor_user": factories.member(vendor, "meters"),
    }


def test_login_lands_members_on_their_work_and_coordinators_on_today(world):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "water", "password": "pass-2026-secret"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/my-work/"
    assert "我的工作台" in response.content.decode()
    factories.coordinator("coord")
    coordinator = Client()
    response = coordinator.post(
        "/accounts/login/", {"username": "coord", "password": "pass-2026-secret"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/coordinator/"


def test_the_enterprise_sees_drafts_new_recommendations_and_introductions_to_answer(world, web_for):
    # given a new recommendation and an introduction waiting on the enterprise's answer
    factories.stored_match(world["demand"], world["offering"], status=Match.Status.INTRODUCED)
    client = web_for(world["enterprise_user"])
    page = client.get("/my-work/").content.decode()
    drafts = page[page.index('id="work-drafts"') : page.index('id="work-new-matches"')]
    assert "保定燃气表（草稿）" in drafts and "石家庄智能水表" not in drafts
    waiting = page[page.index('id="work-waiting"') : page.index('id="work-drafts"')]
    assert "接受对接" in waiting
    new = page[page.index('id="work-new-matches"') : page.index('id="work-introductions"')]
    assert f'href="/enterprise/demands/{world["demand"].pk}/#matches"' in new
    assert "新增 1" in new
    # when the page is loaded again in the same visit (a reload, back from the demand)
    again = client.get("/my-work/").content.decode()
    # then the match is still listed as new
    assert "新增 1" in again
    # and on the next visit (signed in again) it is no longer new
    client = web_for(world["enterprise_user"])
    assert "上次访问以来没有新的匹配。" in client.get("/my-work/").content.decode()


def test_a_dismissed_recommendation_is_not_counted_as_new(world, web_for):
    match = factories.stored_match(world["demand"], world["offering"])
    client = web_for(world["enterprise_user"])
    client.post(f"/enterprise/recommendations/{match.pk}/dismiss/", {"reason": "price"})
    # (a first visit: new means the last seven days)
    assert "最近 7 天没有新的匹配。" in client.get("/my-work/").content.decode()


def test_the_vendor_sees_its_draft_offerings_and_new_demands_to_open(world, web_for):
    factories.stored_match(world["demand"], world["offering"])
    factories.OfferingFactory(
        organization=world["offering"].organization,
        name="被退回的网关",
        status="rejected",
        review_note="请补充入网许可证",
    )
    page = web_for(world["vendor_user"]).get("/my-work/").content.decode()
    assert "未完成的 DTU" in page
    # a listing sent back by review is a draft to finish too, with the reviewer's note
    drafts = page[page.index('id="work-drafts"') : page.index('id="work-new-matches"')]
    assert "被退回的网关" in drafts and "请补充入网许可证" in drafts
    assert f'href="/vendor/demands/{world["demand"].pk}/"' in page
    # a demand closed meanwhile is no news
    Demand.objects.filter(pk=world["demand"].pk).update(status=Demand.Status.CLOSED)
    cache.clear()
    page = web_for(world["vendor_user"]).get("/my-work/").content.decode()
    assert f'href="/vendor/demands/{world["demand"].pk}/"' not in page


def test_the_nav_links_the_role_home(world, web_for):
    page = web_for(world["vendor_user"]).get("/").content.decode()
    assert 'href="/my-work/"' in page


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/my-work/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_work_reads_in_english(world, web_for):
    import re

    factories.stored_match(world["demand"], world["offering"])
    client = web_for(world["vendor_user"])
    client.cookies["django_language"] = "en"
    page = client.get("/my-work/").content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert "My work" in main and "New demands my offerings fit" in main
    for data in ("宁波水表", "未完成的 DTU", "石家庄智能水表"):
        main = main.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", main), re.findall(r"[\u4e00-\u9fff]+", main)


def test_an_answered_introduction_moves_from_waiting_to_introductions(world, web_for):
    # given an introduction the vendor has accepted and the enterprise has not answered
    match = factories.stored_match(
        world["demand"],
        world["offering"],
        status=Match.Status.INTRODUCED,
        vendor_response=Match.Response.ACCEPTED,
    )
    vendor = web_for(world["vendor_user"]).get("/my-work/").content.decode()
    enterprise = web_for(world["enterprise_user"]).get("/my-work/").content.decode()

    def section(page: str, name: str) -> str:
        start = page.index(f'id="work-{name}"')
        return page[start : page.index("</section>", start)]

    # then it waits on the enterprise only; the vendor finds it among its introductions
    assert f'id="intro-{match.pk}"' in section(enterprise, "waiting")
    assert f'id="intro-{match.pk}"' not in section(enterprise, "introductions")
    assert f'id="intro-{match.pk}"' not in section(vendor, "waiting")
    assert f'id="intro-{match.pk}"' in section(vendor, "introductions")


@pytest.mark.parametrize(
    ("language", "first", "nothing_new", "later"),
    [
        ("zh-hans", "最近 7 天", "最近 7 天没有新的匹配。", "上次访问以来没有新的匹配。"),
        ("en", "In the last 7 days", "No new matches in the last 7 days.", "since your last"),
    ],
)
def test_a_first_visit_says_new_means_the_last_seven_days_not_since_a_date_never_seen(
    world, web_for, language, first, nothing_new, later
):
    client = web_for(world["vendor_user"])
    client.cookies["django_language"] = language

    def section(page: str) -> str:
        start = page.index('id="work-new-matches"')
        return page[start : page.index("</section>", start)]

    # when the member opens its work for the first time (no visit remembered), nothing new
    page = section(client.get("/my-work/").content.decode())
    # then nothing new is said of the last seven days, with no "since" at all
    assert nothing_new in page
    assert 'id="work-new-since"' not in page
    # and on the next visit (signed in again), of the time since the first
    client = web_for(world["vendor_user"])
    client.cookies["django_language"] = language
    assert later in section(client.get("/my-work/").content.decode())
    # when a match is new on a first visit (of another member)
    factories.stored_match(world["demand"], world["offering"])
    colleague = web_for(factories.member(world["offering"].organization, "meters-2"))
    colleague.cookies["django_language"] = language
    page = section(colleague.get("/my-work/").content.decode())
    # then the list is headed by the seven days it covers
    since = page[page.index('id="work-new-since"') :]
    assert since[since.index(">") + 1 : since.index("</p>")] == first
