"""The coordinator's work queues among hundreds of waiting listings: finding what was submitted
today, deciding one row or many through the review services, the badges and the today page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import Offering, Scenario
from apps.coordination.models import AuditEvent
from apps.demands.models import Demand
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db

GRID_SCENARIO = "smart_grid.distribution_automation"
OLD_OFFERINGS = 300
OLD_DEMANDS = 200


@pytest.fixture
def crowd(reference):
    """Hundreds of listings that have waited between 1 hour and a few weeks, from a handful of
    organisations (the demo market has 128 offerings and 43 demands waiting)."""
    vendors = factories.OrganizationFactory.create_batch(3, role=Organization.Role.VENDOR)
    enterprises = factories.OrganizationFactory.create_batch(3, role=Organization.Role.ENTERPRISE)
    Offering.objects.bulk_create(
        factories.OfferingFactory.build(
            organization=vendors[i % 3],
            name=f"存量模组 {i}",
            status=Offering.Status.PENDING_REVIEW,
            function=None,
        )
        for i in range(OLD_OFFERINGS)
    )
    Demand.objects.bulk_create(
        factories.DemandFactory.build(
            organization=enterprises[i % 3],
            title=f"存量需求 {i}",
            status=Demand.Status.PENDING_REVIEW,
        )
        for i in range(OLD_DEMANDS)
    )
    # Waiting 1 … 300 hours; bulk updates leave auto_now alone.
    now = timezone.now()
    for model in (Offering, Demand):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(
                updated_at=now - timedelta(hours=1 + row.pk % 400)
            )
    return {"vendors": vendors, "enterprises": enterprises}


@pytest.fixture
def newcomers(reference, web_for):
    """A vendor and an enterprise that each submit one listing today, from the web."""
    vendor = factories.OrganizationFactory(name="今日新厂商", role=Organization.Role.VENDOR)
    enterprise = factories.OrganizationFactory(
        name="粤港电网公司", role=Organization.Role.ENTERPRISE, province=factories.region("440000")
    )
    offering = factories.OfferingFactory(
        organization=vendor,
        name="RG255C RedCap 模组",
        technologies=["redcap"],
        sectors=["smart_grid"],
        scenarios=[GRID_SCENARIO],
        attributes={"chipset": "SDX35", "form_factor": "LGA"},  # a module's required ones
        status=Offering.Status.DRAFT,
    )
    demand = factories.DemandFactory(
        organization=enterprise,
        title="广州配网终端 RedCap 改造",
        sector=factories.sector("smart_grid"),
        scenario=Scenario.objects.get(pk=GRID_SCENARIO),
        technologies=["redcap"],
        regions=["440100"],
        status=Demand.Status.DRAFT,
    )
    web_for(factories.member(vendor, "newvendor")).post(f"/vendor/offerings/{offering.pk}/submit/")
    web_for(factories.member(enterprise, "newgrid")).post(
        f"/enterprise/demands/{demand.pk}/submit/"
    )
    offering.refresh_from_db()
    demand.refresh_from_db()
    assert offering.status == Offering.Status.PENDING_REVIEW
    assert demand.status == Demand.Status.PENDING_REVIEW
    return {"offering": offering, "demand": demand}


def row_ids(html: str, entity: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'<article class="card" id="{entity}-(\d+)"', html)]


def test_a_demand_submitted_today_is_first_when_sorted_newest_and_found_by_search_and_filters(
    crowd, newcomers, web_for, coordinator_user
):
    client = web_for(coordinator_user)
    demand = newcomers["demand"]

    # the default order is oldest waiting first, a page at a time: today's demand is not there
    oldest = client.get("/coordinator/demands/").content.decode()
    assert demand.pk not in row_ids(oldest, "demand")
    assert len(row_ids(oldest, "demand")) == 25
    assert "第 1 / 9 页" in oldest  # 201 waiting
    assert "等待 " in oldest and " 天" in oldest

    # newest first puts it on top, waiting minutes, with its submission time in Beijing time
    newest = client.get("/coordinator/demands/?sort=newest").content.decode()
    assert row_ids(newest, "demand")[0] == demand.pk
    assert "等待 1 分钟" in newest
    assert timezone.localtime(demand.updated_at).strftime("%Y-%m-%d %H:%M") in newest

    # search by part of the title or the enterprise's name finds it alone
    for query in ("配网终端", "粤港电网"):
        found = client.get("/coordinator/demands/", {"q": query}).content.decode()
        assert row_ids(found, "demand") == [demand.pk]

    # each filter keeps it and drops the crowd (nb_iot, municipal, Hebei)
    for filters in (
        {"technology": "redcap"},
        {"sector": "smart_grid"},
        {"scenario": GRID_SCENARIO},
        {"province": "440000"},  # it names Guangzhou, a city of the province
        {"organization": demand.organization_id},
    ):
        found = client.get("/coordinator/demands/", filters).content.decode()
        assert row_ids(found, "demand") == [demand.pk], filters
    assert (
        row_ids(
            client.get("/coordinator/demands/", {"province": "110000"}).content.decode(), "demand"
        )
        == []
    )

    # names, never codes
    assert "智能电网" in found and "smart_grid" not in found.split("<main")[1].split("<select")[0]


def test_a_listing_submitted_today_is_found_in_the_offering_queue(
    crowd, newcomers, web_for, coordinator_user
):
    client = web_for(coordinator_user)
    offering = newcomers["offering"]
    newest = client.get("/coordinator/offerings/?sort=newest").content.decode()
    assert row_ids(newest, "offering")[0] == offering.pk
    assert offering.pk not in row_ids(
        client.get("/coordinator/offerings/").content.decode(), "offering"
    )
    for filters in (
        {"q": "RG255C"},
        {"q": "今日新厂商"},
        {"technology": "redcap"},
        {"sector": "smart_grid"},
        {"scenario": GRID_SCENARIO},
    ):
        found = client.get("/coordinator/offerings/", filters).content.decode()
        assert row_ids(found, "offering") == [offering.pk], filters
    # the last page holds the rest of the 301
    last = client.get("/coordinator/offerings/?page=13").content.decode()
    assert len(row_ids(last, "offering")) == 301 - 12 * 25


def test_the_today_page_and_the_badges_show_what_waits(crowd, newcomers, web_for, coordinator_user):
    client = web_for(coordinator_user)
    page = client.get("/coordinator/").content.decode()
    # badges in the navigation, on every page
    assert 'id="badge-demands">需求 201<' in page
    assert 'id="badge-offerings">供给 301<' in page
    assert 'id="badge-interest">请求 0<' in page
    # newest arrivals are one click away from the today page
    today = page.split('id="today-demands"')[1].split("</section>")[0]
    assert "广州配网终端 RedCap 改造" in today and f"#demand-{newcomers['demand'].pk}" in today
    assert "RG255C RedCap 模组" in page.split('id="today-offerings"')[1].split("</section>")[0]

    # when one demand is published the badge counts one fewer
    client.post(
        f"/coordinator/listings/demand/{newcomers['demand'].pk}/decide/", {"decision": "approve"}
    )
    assert 'id="badge-demands">需求 200<' in client.get("/coordinator/offerings/").content.decode()


def test_approving_and_rejecting_a_row_goes_through_the_review_service(
    crowd, newcomers, web_for, coordinator_user
):
    client = web_for(coordinator_user)
    demand, offering = newcomers["demand"], newcomers["offering"]

    # a rejection without a reason is refused with the service's message
    response = client.post(
        f"/coordinator/listings/offering/{offering.pk}/decide/",
        {"decision": "reject", "next": "/coordinator/offerings/?sort=newest"},
        follow=True,
    )
    assert "驳回时必须填写原因。" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/coordinator/offerings/?sort=newest"
    offering.refresh_from_db()
    assert offering.status == Offering.Status.PENDING_REVIEW

    client.post(
        f"/coordinator/listings/offering/{offering.pk}/decide/",
        {"decision": "reject", "note": "缺少型号核准证书"},
    )
    response = client.post(
        f"/coordinator/listings/demand/{demand.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert "已发布：广州配网终端 RedCap 改造" in response.content.decode()
    offering.refresh_from_db()
    demand.refresh_from_db()
    assert (offering.status, offering.review_note) == (Offering.Status.REJECTED, "缺少型号核准证书")
    assert demand.status == Demand.Status.PUBLISHED
    audited = set(
        AuditEvent.objects.filter(actor=coordinator_user).values_list("action", "subject_id")
    )
    assert audited == {("offering.rejected", str(offering.pk)), ("demand.approved", str(demand.pk))}


def test_bulk_decisions_publish_or_reject_every_ticked_row(crowd, web_for, coordinator_user):
    client = web_for(coordinator_user)
    demands = list(Demand.objects.order_by("updated_at")[:3])
    offerings = list(Offering.objects.order_by("updated_at")[:4])

    # when three demands are published together
    response = client.post(
        "/coordinator/listings/demand/bulk/",
        {"decision": "approve", "ids": [d.pk for d in demands]},
        follow=True,
    )
    assert "已发布 3 条。" in response.content.decode()
    assert set(
        Demand.objects.filter(pk__in=[d.pk for d in demands]).values_list("status", flat=True)
    ) == {Demand.Status.PUBLISHED}
    assert 'id="badge-demands">需求 197<' in response.content.decode()

    # a bulk rejection needs its reason, and then rejects all of them with it
    ids = [o.pk for o in offerings]
    response = client.post(
        "/coordinator/listings/offering/bulk/", {"decision": "reject", "ids": ids}, follow=True
    )
    assert "驳回时必须填写原因。" in response.content.decode()
    assert Offering.objects.filter(pk__in=ids, status=Offering.Status.PENDING_REVIEW).count() == 4
    client.post(
        "/coordinator/listings/offering/bulk/",
        {"decision": "reject", "ids": ids, "note": "价格区间明显有误"},
    )
    assert list(
        Offering.objects.filter(pk__in=ids).values_list("status", "review_note").distinct()
    ) == [(Offering.Status.REJECTED, "价格区间明显有误")]
    assert (
        AuditEvent.objects.filter(action="offering.rejected", subject_id__in=map(str, ids)).count()
        == 4
    )
    assert AuditEvent.objects.filter(action="demand.approved").count() == 3

    # rows no longer waiting are skipped, not decided twice
    response = client.post(
        "/coordinator/listings/offering/bulk/", {"decision": "approve", "ids": ids}, follow=True
    )
    assert Offering.objects.filter(pk__in=ids, status=Offering.Status.REJECTED).count() == 4
    assert "请先勾选要处理的条目。" not in response.content.decode()


def test_a_vendors_interest_waits_in_its_own_queue_until_introduced(
    reference, web_for, coordinator_user
):
    # given a published demand and a vendor with a fitting offering
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(name="移远通信", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(
        organization=enterprise, title="石家庄智能水表", technologies=["nb_iot"]
    )
    offering = factories.OfferingFactory(organization=vendor, name="BC660K 模组")
    vendor_user = factories.member(vendor, "quectel")
    coordinator = web_for(coordinator_user)
    assert "没有等待处理的对接请求。" in coordinator.get("/coordinator/interest/").content.decode()

    # when the vendor expresses interest
    web_for(vendor_user).post(
        f"/vendor/demands/{demand.pk}/interest/", {"offering": offering.pk, "note": "可提供样品"}
    )
    interest = Match.objects.get(offering=offering, origin=Match.Origin.VENDOR_INTEREST)

    # then the coordinator sees it in the interest queue, on the today page and as a badge
    queue = coordinator.get("/coordinator/interest/").content.decode()
    card = queue.split(f'id="interest-{interest.pk}"')[1].split("</article>")[0]
    assert "石家庄智能水表" in card and "BC660K 模组" in card and "可提供样品" in card
    assert "等待 1 分钟" in card and "移远通信" in card
    assert 'id="badge-interest">请求 1<' in queue
    today = coordinator.get("/coordinator/").content.decode()
    assert (
        f"#interest-{interest.pk}" in today.split('id="today-interest"')[1].split("</section>")[0]
    )

    # a rematch refreshing the match row three days later leaves its waiting time alone
    AuditEvent.objects.filter(action="match.interest").update(
        created_at=timezone.now() - timedelta(days=3)
    )
    Match.objects.filter(pk=interest.pk).update(updated_at=timezone.now())
    assert "等待 3 天" in coordinator.get("/coordinator/interest/").content.decode()

    # when approved from the queue it stays there, waiting to be introduced
    response = coordinator.post(
        f"/coordinator/matches/{interest.pk}/approve/",
        {"next": "/coordinator/interest/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/coordinator/interest/"
    card = response.content.decode().split(f'id="interest-{interest.pk}"')[1].split("</article>")[0]
    assert "牵线对接" in card and "已审核" in card
    # and once introduced it leaves the queue
    coordinator.post(
        f"/coordinator/matches/{interest.pk}/introduce/", {"next": "/coordinator/interest/"}
    )
    interest.refresh_from_db()
    assert interest.status == Match.Status.INTRODUCED
    assert "没有等待处理的对接请求。" in coordinator.get("/coordinator/interest/").content.decode()


def test_queues_speak_english_with_names_and_waiting_times(crowd, web_for, coordinator_user):
    client = web_for(coordinator_user)
    client.cookies["django_language"] = "en"
    Demand.objects.filter(pk=Demand.objects.order_by("pk").first().pk).update(
        updated_at=F("updated_at") - timedelta(days=3)
    )
    page = client.get("/coordinator/demands/").content.decode()
    assert "Demands to review" in page
    assert re.search(r"waiting \d+ days", page)
    assert "Municipal services" in page and "Oldest waiting" in page and "Publish selected" in page
    today = client.get("/coordinator/").content.decode()
    assert "Today" in today and "Introduction requests" in today


def test_the_old_listings_address_leads_to_the_demand_queue(web_for, coordinator_user):
    response = web_for(coordinator_user).get("/coordinator/listings/?sort=newest")
    assert (
        response.status_code == 302 and response["Location"] == "/coordinator/demands/?sort=newest"
    )


def test_an_organisation_that_signed_up_today_is_found_among_those_awaiting_verification(
    reference, web_for, coordinator_user
):
    # given 60 organisations waiting since last week and one that signed up now
    waiting = factories.OrganizationFactory.create_batch(
        60, verification_status=Organization.Verification.PENDING
    )
    Organization.objects.filter(pk__in=[o.pk for o in waiting]).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    newcomer = factories.OrganizationFactory(
        name="雄安物联科技",
        role=Organization.Role.ENTERPRISE,
        verification_status=Organization.Verification.PENDING,
        province=factories.region("440000"),
    )
    client = web_for(coordinator_user)

    # then the default order, oldest first, pages the week-old ones first
    oldest = client.get("/coordinator/organizations/").content.decode()
    assert f'id="org-{newcomer.pk}"' not in oldest and "等待 7 天" in oldest
    assert "第 1 / 3 页" in oldest
    # and newest first, a search or the province filter finds it
    for query in ({"sort": "newest"}, {"q": "雄安物联"}, {"province": "440000"}):
        page = client.get("/coordinator/organizations/", query).content.decode()
        assert re.findall(r'<article class="card" id="org-(\d+)"', page)[0] == str(newcomer.pk)
    assert (
        f'id="org-{newcomer.pk}"'
        not in client.get(
            "/coordinator/organizations/", {"role": "vendor", "q": "雄安"}
        ).content.decode()
    )
    # and verifying it keeps the coordinator on the filtered queue
    response = client.post(
        f"/coordinator/organizations/{newcomer.pk}/decide/",
        {"decision": "approve"},
        HTTP_REFERER="http://testserver/coordinator/organizations/?q=%E9%9B%84%E5%AE%89",
    )
    assert response["Location"].endswith("/coordinator/organizations/?q=%E9%9B%84%E5%AE%89")
    newcomer.refresh_from_db()
    assert newcomer.is_verified


def test_the_match_queue_pages_past_the_first_fifty_and_filters_by_origin_and_text(
    reference, web_for, coordinator_user
):
    # given 70 engine suggestions for one demand and one vendor interest with a low score
    demand = factories.DemandFactory(title="石家庄智能水表")
    offerings = Offering.objects.bulk_create(
        factories.OfferingFactory.build(
            organization=demand.organization, name=f"候选模组 {i}", function=None
        )
        for i in range(71)
    )
    Match.objects.bulk_create(
        Match(
            demand=demand,
            offering=offering,
            vendor_ids=[offering.organization_id],
            pair_key=f"o:{offering.pk}",
            kind="module",
            score=90 - i,
            engine_version="test",
            computed_at=timezone.now(),
            origin=Match.Origin.VENDOR_INTEREST if i == 70 else Match.Origin.ENGINE,
        )
        for i, offering in enumerate(offerings)
    )
    interest = Match.objects.get(origin=Match.Origin.VENDOR_INTEREST)
    client = web_for(coordinator_user)

    def ids(html: str) -> list[int]:
        return [int(pk) for pk in re.findall(r'id="match-(\d+)"', html)]

    # the first page holds the best 50, with a way to the next
    first = client.get("/coordinator/matches/").content.decode()
    assert len(ids(first)) == 50 and interest.pk not in ids(first)
    assert 'rel="next"' in first
    second = client.get("/coordinator/matches/?status=suggested&page=2").content.decode()
    assert len(ids(second)) == 21 and ids(second)[-1] == interest.pk
    assert 'rel="next"' not in second and "第 2 页" in second
    # the origin filter and a search by product name both find the interest alone
    for query in ({"origin": "vendor_interest"}, {"q": "候选模组 70"}):
        assert ids(client.get("/coordinator/matches/", query).content.decode()) == [interest.pk]


def test_the_today_page_counts_suggested_matches_up_to_a_cap(
    reference, web_for, coordinator_user, monkeypatch
):
    # given three suggested matches and a cap of two
    from frontend import matching

    monkeypatch.setattr(matching, "REVIEW_COUNT_CAP", 2)
    demand = factories.DemandFactory()
    for offering in factories.OfferingFactory.create_batch(3):
        factories.stored_match(demand, offering, score=70)
    client = web_for(coordinator_user)

    # then the today page says "more than two", not an exact figure it would have to count
    assert "匹配审核 (2+)" in client.get("/coordinator/").content.decode()

    # and an exact figure at or under the cap
    Match.objects.filter(pk=Match.objects.order_by("pk").first().pk).update(status="approved")
    assert "匹配审核 (2)" in client.get("/coordinator/").content.decode()


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_a_demand_is_read_in_full_from_its_queue_row_and_published_back_to_the_same_page(
    crowd, newcomers, web_for, coordinator_user
):
    # given today's demand with its whole requirement stated and a description past 200 chars
    demand = newcomers["demand"]
    Demand.objects.filter(pk=demand.pk).update(
        description="配网自动化终端改造，" * 30 + "需提供入网检测报告。",
        functions=["dtu"],
        unit_budget=35,
        budget_unit="card_year",
        certifications=["srrc"],
        protocols=["dlt698"],
        uplink_kbps=2000,
        max_latency_ms=50,
    )
    client = web_for(coordinator_user)
    queue_address = "/coordinator/demands/?technology=redcap&sort=newest&page=1"
    row = (
        client.get(queue_address)
        .content.decode()
        .split(f'id="demand-{demand.pk}"')[1]
        .split("</article>")[0]
    )
    assert "需提供入网检测报告。" not in row  # the row shows 200 characters of it

    # when the coordinator follows the row's title
    link = re.search(rf'href="(/coordinator/listings/demand/{demand.pk}/\?next=[^"]+)"', row)
    page = client.get(link.group(1).replace("&amp;", "&")).content.decode()

    # then the whole demand is there, by names, with the budget's unit
    requirements = page.split('id="demand-requirements"')[1].split("</section>")[0]
    for shown in (
        "需提供入网检测报告。",
        "DTU 数据传输终端",
        "广州市",
        "200,000",
        "35 元/卡/年",
        "无线电发射设备型号核准（SRRC）",
        "DL/T 698",
        "2,000",
        "需求画像",
    ):
        assert shown in requirements, shown
    assert "粤港电网公司" in page and "等待 " in page
    back = re.search(r'href="([^"]+)" id="back-to-queue"', page)[1]
    assert back.replace("&amp;", "&") == queue_address

    # and publishing it there returns to the queue as it was filtered and paged
    decision = page.split('id="review-decision"')[1].split("</section>")[0]
    response = client.post(
        f"/coordinator/listings/demand/{demand.pk}/decide/",
        {
            "decision": "approve",
            "next": re.search(r'name="next" value="([^"]+)"', decision)[1].replace("&amp;", "&"),
        },
    )
    assert response["Location"] == queue_address
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PUBLISHED


def test_an_offering_is_read_in_full_with_its_attributes_and_price_unit_in_english(
    crowd, newcomers, web_for, coordinator_user
):
    offering = newcomers["offering"]
    Offering.objects.filter(pk=offering.pk).update(
        description="RedCap 模组，" * 40 + "支持 5G LAN。", certifications=["srrc"]
    )
    client = web_for(coordinator_user)
    client.cookies["django_language"] = "en"
    queue = client.get("/coordinator/offerings/?sort=newest&page=1").content.decode()
    link = re.search(
        rf'href="(/coordinator/listings/offering/{offering.pk}/\?next=[^"]+)"', queue
    ).group(1)

    page = client.get(link.replace("&amp;", "&")).content.decode()
    facts = page.split('id="offering-facts"')[1].split("</dl>")[0]
    for shown in ("RedCap", "Smart grid", "¥12–18 per device", "1,000,000", "SRRC radio"):
        assert shown in facts, shown
    attributes = page.split('id="offering-attributes"')[1].split("</dl>")[0]
    assert "Chipset" in attributes and "SDX35" in attributes and "Form factor" in attributes
    assert "支持 5G LAN。" in page
    # English UI around the vendor's own (Chinese) words
    main = page.split("<main")[1].split("</main>")[0]
    for own_words in (offering.name, offering.organization.name, "RedCap 模组，", "支持 5G LAN。"):
        main = main.replace(own_words, "")
    text = re.sub(r"<[^>]+>", " ", main)
    assert not CJK.findall(text), CJK.findall(text)
    assert "Back to the queue" in page and "Review decision" in page


def test_interest_and_match_rows_lead_to_both_listings_in_full(
    reference, web_for, coordinator_user
):
    # given a vendor's interest in a published demand with a published offering
    demand = factories.DemandFactory(title="石家庄智能水表")
    offering = factories.OfferingFactory(name="BC660K 模组", model_number="BC660K-GL")
    factories.stored_match(demand, offering, origin=Match.Origin.VENDOR_INTEREST)
    client = web_for(coordinator_user)
    for queue in ("/coordinator/interest/?sort=newest", "/coordinator/matches/?q=%E6%B0%B4"):
        page = client.get(queue).content.decode()
        for entity, pk in (("demand", demand.pk), ("offering", offering.pk)):
            # when the coordinator follows the demand's or the offering's name
            link = re.search(rf'href="(/coordinator/listings/{entity}/{pk}/\?next=[^"]+)"', page)
            detail = client.get(link[1]).content.decode()
            # then the listing is there in full, one click from the queue as it was
            assert re.search(r'href="([^"]+)" id="back-to-queue"', detail)[1] == queue
            # and a published listing is read, not reviewed again
            assert 'id="review-decision"' not in detail
        assert "BC660K-GL" in detail and 'id="offering-attributes"' in detail


def test_every_queue_tab_counts_what_waits_and_the_match_queue_uses_the_same_tabs(
    reference, web_for, coordinator_user
):
    # given two organisations awaiting verification
    factories.OrganizationFactory.create_batch(
        2, verification_status=Organization.Verification.PENDING
    )
    client = web_for(coordinator_user)
    for address in ("/coordinator/demands/", "/coordinator/matches/", "/coordinator/interest/"):
        page = client.get(address).content.decode()
        tabs = page.split('aria-label="工作队列"')[1].split("</nav>")[0]
        # then the organisations' tab has its badge like the others
        assert re.search(r"待审核组织 <span class=\"badge\">2</span>", tabs), address
        assert "今日待办" in tabs and "审核工作台" not in page
    # and the match queue's own tab is the current one
    matches = client.get("/coordinator/matches/").content.decode()
    assert re.search(r'class="button small "\s+href="/coordinator/matches/"', matches)
