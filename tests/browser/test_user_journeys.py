"""The three journeys of issue 16 walked end to end in a real browser, at 1280 and 390 px, in
Chinese (the default) and in English (chosen with the page's language switch):

- enterprise: post a demand with the wizard → a coordinator publishes it → the enterprise opens a
  recommended offering's page → asks for an introduction there → a coordinator approves and
  introduces → both accept → the enterprise sees the vendor's contacts;
- vendor: import a file with several errors per row → fix them in one round → submit all for
  review → (a coordinator publishes them, through the review service: the queue's own browser
  tests click it) → find the matching demand → propose the right offering of the two that fit;
- public: search with a typo (水标) and with pinyin (shuibiao), open an offering and its vendor.

Matching really runs: the enterprise and vendor journeys start a real Celery worker (conftest's
`worker`), and publishing a listing queues the matching-outbox drain after commit, as in
production; the tests only wait for the stored matches.

At every checked step the page is captured to docs/screenshots/journeys/ (with
`make screenshots`; a plain run writes under artifacts/)
<journey>-<lang>-<width>-<nn>-<step>.png (viewport only), and it must have no horizontal
overflow, no console error or uncaught page error, and no serious or critical axe violation.
Every step is checked at both widths in both languages; the 12 runs take about 2 minutes here
(2 shared cores).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.catalog import services as catalog
from apps.catalog.models import Function, Offering, SupplyKind
from apps.demands.models import Demand
from apps.matching.models import Match
from apps.search.services import search_reindex
from tests import factories
from tests.imports.sheets import fill_template

from .conftest import doc_screenshot, login, serious_axe_violations, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-2026-secret"  # the factories' password
SIZES = {1280: 900, 390: 844}
COMBINATIONS = [
    pytest.param(language, width, id=f"{language}-{width}")
    for language in ("zh", "en")
    for width in SIZES
]
# What a user reads at the decisive moments, in each language.
WORDS = {
    "zh": {
        "pending": "待审核",
        "requested": "已请求平台协调员为您引荐。",
        "introduced": "已为双方牵线",
        "accepted": "已接受对接。",
        "passed": "通过",
        "imported": "已全部导入。",
        "submitted": "已提交审核",
        "proposed": "已向平台协调员表达合作意向。",
        "anonymous": "匿名企业",
        "nothing_found": "没有找到",
        "function": "智能水表",
        "score": "匹配度",
        "first_visit": "最近 7 天没有新的匹配。",
        "our_offering": "我方供给：",
        "imported_two": "已导入 2 条供给（新增 2，更新 0），新增的供给为草稿。",
        "submitted_two": "已提交 2 条供给审核。",
        "next": "接下来",
    },
    "en": {
        "pending": "Pending review",
        "requested": "The coordinators were asked to introduce you.",
        "introduced": "Both parties have been introduced",
        "accepted": "Introduction accepted.",
        "passed": "Passed",
        "imported": "Everything was imported.",
        "submitted": "Submitted for review",
        "proposed": "Your interest has been sent to the platform coordinators.",
        "anonymous": "Anonymous enterprise",
        "nothing_found": "Nothing found",
        "function": "Smart water meter",
        "score": "Match score",
        "first_visit": "No new matches in the last 7 days.",
        "our_offering": "Our offering:",
        "imported_two": "2 offerings imported (2 new, 0 updated); new offerings are drafts.",
        "submitted_two": "2 offerings submitted for review.",
        "next": "What happens next",
    },
}


class Journey:
    """One journey in one language at one width: opens each person's page and checks steps."""

    def __init__(self, new_page, name: str, language: str, width: int) -> None:
        self.new_page = new_page
        self.name, self.language, self.width = name, language, width
        self.words = WORDS[language]
        self.steps = 0
        self.problems: list[str] = []
        self.screenshots: list[Path] = []

    def open(self, username: str | None = None):
        """A fresh browser (own cookies) in the journey's language, signed in as `username`."""
        page = self.new_page(width=self.width, height=SIZES[self.width])
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self.problems.append(f"{page.url} page error: {e}"))
        if self.language == "en":
            page.goto("/accounts/login/" if username else "/")
            self.switch_to_english(page)
        if username:
            login(page, username, PASSWORD)
        return page

    def switch_to_english(self, page) -> None:
        """Press the header's language switch (behind the menu button on a phone)."""
        menu = page.locator(".nav-button")
        if menu.is_visible():
            menu.click()
        page.locator("button[name=language][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

    def check(self, page, step: str, at=None) -> None:
        """Capture the page as the user sees it (from the top, or scrolled to the locator `at`)
        and record what a user would trip on."""
        self.steps += 1
        page.wait_for_load_state()
        where = f"{self.steps:02d}-{step} {page.url}"
        if overflow := sideways_overflow(page):
            self.problems.append(
                f"{where}: {overflow} px wider than the window, at {wider_than_window(page)}"
            )
        self.problems += [f"{where}: axe {v}" for v in serious_axe_violations(page)]
        self.screenshots.append(
            doc_screenshot(
                page,
                f"journeys/{self.name}-{self.language}-{self.width}-{self.steps:02d}-{step}",
                at=at,
            )
        )

    def finish(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def _console(self, page, message) -> None:
        if message.type == "error":
            self.problems.append(
                f"{page.url} console error: {message.text} {message.location.get('url', '')}"
            )


def wider_than_window(page) -> list[str]:
    """The innermost elements that reach past the window's right edge (to say what overflows)."""
    return page.evaluate(
        """() => {
        const past = node => node.getBoundingClientRect().right > window.innerWidth + 1;
        const name = node => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '')
            + [...node.classList].map(c => '.' + c).join('');
        return [...document.querySelectorAll('body *')]
            .filter(node => past(node) && ![...node.children].some(past))
            .slice(0, 5)
            .map(node => `${name(node)} "${node.textContent.trim().slice(0, 40)}"`);
    }"""
    )


def wait_for(condition, what: str, timeout: float = 60) -> None:
    """Wait for the worker's result to show in the database."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"the worker did not {what}"
        time.sleep(0.2)


# --- enterprise -----------------------------------------------------------------------------


@pytest.fixture
def enterprise_market(reference_data):
    """An enterprise member, a coordinator, and a verified vendor with a published NB-IoT water
    meter that fits the demand the enterprise is about to post."""
    enterprise = factories.OrganizationFactory(
        name="河北水务集团（演示）",
        role=Organization.Role.ENTERPRISE,
        contact_email="it@hebei-water.test",
    )
    vendor = factories.OrganizationFactory(
        name="宁水仪表科技有限公司",
        role=Organization.Role.VENDOR,
        contact_name="王经理",
        contact_email="sales@ningshui.test",
    )
    meter = factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 远传水表 LXSY-20E",
        model_number="LXSY-20E",
        kind=SupplyKind.objects.get(code="terminal"),
        function=Function.objects.get(code="water_meter"),
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        technologies=["nb_iot"],
        certifications=["ip68", "cmcc"],
        price_min=Decimal("180"),
        price_max=Decimal("260"),
        annual_capacity=300_000,
    )
    return {
        "enterprise_user": factories.member(enterprise, "hebei-water"),
        "vendor_user": factories.member(vendor, "ningshui"),
        "coordinator": factories.coordinator("coordinator"),
        "meter": meter,
        "vendor": vendor,
    }


def post_demand(page) -> None:
    """Fill the demand wizard (language-independent selectors) and submit it for review."""
    page.goto("/enterprise/demands/new/")
    page.locator("#id_title").fill("石家庄 20 万只 NB-IoT 智能水表")
    page.locator("#id_sector").select_option("municipal")
    page.locator("#id_scenario option[value='municipal.water_meter']").wait_for(state="attached")
    page.locator("#id_scenario").select_option("municipal.water_meter")
    # The scenario pre-fills its profile and the engine's advice follows.
    expect(page.locator("#advice")).to_have_attribute("data-recommended", "nb_iot")
    page.locator("input[name=kinds_needed][value=terminal]").check()
    page.locator("input[name=regions][value='130000']").check()
    page.locator("#id_volume").fill("200000")
    page.locator("#id_unit_budget").fill("220")


@pytest.mark.parametrize(("language", "width"), COMBINATIONS)
def test_enterprise_posts_a_demand_and_reaches_the_vendors_contacts(
    enterprise_market, worker, new_page, language, width
):
    journey = Journey(new_page, "enterprise", language, width)
    words = journey.words
    meter = enterprise_market["meter"]

    # given the enterprise signed in: it lands on its work page
    page = journey.open("hebei-water")
    assert page.url.endswith("/my-work/")
    # on its first visit "new" means the last seven days (no "since" a date it never saw)
    expect(page.locator("#work-new-none")).to_have_text(words["first_visit"])
    journey.check(page, "my-work")

    # when it posts a demand through the wizard
    post_demand(page)
    journey.check(page, "demand-form")
    page.locator("#demand-form button[name=submit]").click()
    page.wait_for_url("**/enterprise/demands/*/")
    expect(page.locator("#demand-status")).to_have_text(words["pending"])
    journey.check(page, "demand-pending")
    demand = Demand.objects.get(title="石家庄 20 万只 NB-IoT 智能水表")

    # and a coordinator publishes it from the review queue
    coordinator = journey.open("coordinator")
    coordinator.goto("/coordinator/demands/")
    card = coordinator.locator(f"#demand-{demand.pk}")
    journey.check(coordinator, "coordinator-demand-queue")
    card.locator("button[name=decision][value=approve]").click()
    coordinator.wait_for_load_state()
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PUBLISHED

    # then the worker matches it, and the enterprise sees the meter recommended
    wait_for(
        lambda: Match.objects.filter(demand=demand, offering=meter).exists(), "store the match"
    )
    match = Match.objects.get(demand=demand, offering=meter)
    page.goto(f"/enterprise/demands/{demand.pk}/")
    card = page.locator(f"#match-{match.pk}")
    expect(card).to_contain_text("LXSY-20E")
    # its score says what it is, even on a phone (no hover title there)
    label = card.locator(".score").evaluate("node => getComputedStyle(node, '::before').content")
    assert label == f'"{words["score"]}"'
    journey.check(page, "recommendations", at=page.locator("#matches"))

    # when it opens the recommended offering's page
    card.locator(f'a[href="/offerings/{meter.pk}/"]').click()
    page.wait_for_url(f"**/offerings/{meter.pk}/")
    expect(page.locator("#offering-facts")).to_contain_text(words["function"])
    # then the page names the demand it was recommended for, with the next step
    recommendation = page.locator(f"#recommendation-{match.pk}")
    expect(recommendation).to_contain_text(demand.title)
    journey.check(page, "offering")

    # when it asks for an introduction right there
    recommendation.locator(f"#request-note-{match.pk}").fill("请尽快安排")
    recommendation.locator("form[action$='/request/'] button[type=submit]").click()
    # (back at the recommendation it acted on)
    page.wait_for_url(f"**/offerings/{meter.pk}/#recommendation-{match.pk}")
    expect(page.locator(".messages")).to_contain_text(words["requested"])
    journey.check(page, "introduction-requested")

    # when the coordinator approves the request and introduces the two
    coordinator.goto("/coordinator/interest/")
    request = coordinator.locator(f"#interest-{match.pk}")
    expect(request).to_contain_text("请尽快安排")
    journey.check(coordinator, "coordinator-requests")
    request.locator("form[action$='/approve/'] button").click()
    coordinator.locator(f"#interest-{match.pk} form[action$='/introduce/'] button").click()
    expect(coordinator.locator(".messages")).to_contain_text(words["introduced"])
    journey.check(coordinator, "coordinator-introduced")

    # and the vendor accepts
    vendor = journey.open("ningshui")
    vendor.goto("/introductions/")
    intro = vendor.locator(f"#intro-{match.pk}")
    expect(intro).to_contain_text("石家庄")
    # each side's answer set apart ("Us: … · Them: …")
    expect(intro.locator(".their-response")).to_contain_text("· ")
    # and the card names the vendor's offering that was introduced, linked to its page
    offering = intro.locator(".intro-offerings")
    expect(offering).to_contain_text(words["our_offering"])
    expect(offering).to_contain_text("LXSY-20E")
    expect(offering.locator(f'a[href="/offerings/{meter.pk}/"]')).to_have_text(meter.name)
    journey.check(vendor, "vendor-introductions")
    intro.locator("form:has(input[name=accept][value='1']) button").click()
    expect(vendor.locator(".messages")).to_contain_text(words["accepted"])

    # then the enterprise accepts in turn and sees the vendor's contacts
    page.goto(f"/enterprise/demands/{demand.pk}/")
    page.locator(f"#intro-{match.pk} form:has(input[name=accept][value='1']) button").click()
    intro = page.locator(f"#intro-{match.pk}")
    expect(intro.locator("[data-status]")).to_have_attribute("data-status", "accepted")
    expect(intro).to_contain_text("sales@ningshui.test")
    journey.check(page, "contacts", at=page.locator("#introductions"))
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    journey.finish()


# --- vendor ---------------------------------------------------------------------------------


@pytest.fixture
def vendor_market(reference_data):
    """A vendor member with an empty catalogue, a coordinator, and another enterprise's published
    anonymous demand for NB-IoT water meters, whole meters or modules to build them."""
    enterprise = factories.OrganizationFactory(
        name="石家庄供水有限公司",
        role=Organization.Role.ENTERPRISE,
        contact_email="it@sjz-water.test",
    )
    demand = factories.DemandFactory(
        organization=enterprise,
        title="石家庄 NB-IoT 智能水表改造",
        description="20 万只 NB-IoT 远传水表，整表或水表通信模组均可。",
        sector=factories.sector("municipal"),
        scenario=factories.scenario("municipal.water_meter"),
        kinds_needed=["terminal", "module"],
        technologies=["nb_iot"],
        regions=["130000"],
        visibility=Demand.Visibility.ANONYMOUS,
    )
    vendor = factories.OrganizationFactory(
        name="宁水仪表科技有限公司", role=Organization.Role.VENDOR
    )
    return {
        "demand": demand,
        "vendor": vendor,
        "vendor_user": factories.member(vendor, "ningshui"),
        "coordinator": factories.coordinator("coordinator"),
    }


METER_ROW = {
    "kind": "terminal",
    "name": "NB-IoT 远传水表 LXSY-20E",
    "function": "water_meter",
    "model_number": "LXSY-20E",
    "sectors": "municipal",
    "scenarios": "municipal.water_meter",
    "technologies": "nb_iot",
    "nationwide": "是",
    "certifications": "ip68",
    "price_min": 180,
    "price_max": 260,
    "annual_capacity": 300_000,
}
MODULE_ROW = {
    "kind": "module",
    "name": "BC260Y NB-IoT 通用模组",
    "model_number": "BC260Y-CN",
    "sectors": "municipal",
    "technologies": "nb_iot",
    "nationwide": "是",
    "price_min": 12,
    "price_max": 18,
    "annual_capacity": 5_000_000,
    "attributes.chipset": "Hi2115",
    "attributes.form_factor": "LCC",
}


def upload(page, path: Path) -> None:
    """Import the file for real (not a dry run) and wait for the report."""
    page.locator("#id_file").set_input_files(path)
    page.locator("#id_dry_run").uncheck()
    page.locator("#import-form button[name=upload]").click()
    page.locator("#import-report").wait_for()


@pytest.mark.parametrize(("language", "width"), COMBINATIONS)
def test_vendor_imports_fixes_submits_and_proposes_the_right_offering(
    vendor_market, worker, new_page, tmp_path, language, width
):
    journey = Journey(new_page, "vendor", language, width)
    words = journey.words
    demand = vendor_market["demand"]

    # given the vendor on the import page with the template downloaded
    page = journey.open("ningshui")
    page.goto("/vendor/import/")
    with page.expect_download() as download:
        page.locator("#template-link").click()
    template = Path(download.value.path()).read_bytes()
    journey.check(page, "import")

    # when it imports a file whose meter row is wrong in three ways
    bad = {**METER_ROW, "name": "", "technologies": "LoRa", "price_min": 300, "price_max": 200}
    (tmp_path / "bad.xlsx").write_bytes(fill_template([MODULE_ROW, bad], template))
    upload(page, tmp_path / "bad.xlsx")
    # then all three are listed at once, with the values typed, and nothing is imported
    errors = page.locator("#row-report tr.row-errors .row-error")
    expect(errors).to_have_count(3)
    assert [e.get_attribute("data-field") for e in errors.all()] == [
        "name",
        "technologies",
        "price_min",
    ]
    # while the good row is marked as passing its checks
    expect(page.locator("#row-report tbody tr").first.locator(".badge.ok")).to_have_text(
        words["passed"]
    )
    assert Offering.objects.count() == 0
    # and on a phone each row reads as a card of "column  value" lines, nothing scrolls sideways
    wrap = page.locator(".table-wrap:has(#row-report)")
    assert not wrap.evaluate("node => node.scrollWidth > node.clientWidth")
    display = page.locator("#row-report tbody tr").first.evaluate(
        "node => getComputedStyle(node).display"
    )
    assert display == ("table-row" if width > 700 else "block")
    journey.check(page, "import-errors", at=page.locator("#import-report"))

    # when every problem is fixed in one round
    (tmp_path / "fixed.xlsx").write_bytes(fill_template([MODULE_ROW, METER_ROW], template))
    upload(page, tmp_path / "fixed.xlsx")
    expect(page.locator("#import-report")).to_contain_text(words["imported"])
    expect(page.locator(".messages")).to_contain_text(words["imported_two"])
    journey.check(page, "import-fixed", at=page.locator("#import-report"))

    # and everything is submitted for review at once
    page.locator("#submit-all").click()
    report = page.locator("#submit-report")
    expect(report.locator("tr.submitted")).to_have_count(2)
    expect(report).to_contain_text(words["submitted"])
    # then it reads how many went, what happens next, and where to follow them
    expect(report.locator("#submit-summary")).to_have_text(words["submitted_two"])
    expect(report.locator("#submit-next")).to_contain_text(words["next"])
    pending = report.locator("#submit-pending-link")
    expect(pending).to_have_attribute("href", "/vendor/offerings/?status=pending_review")
    expect(report.locator("#submit-work-link")).to_have_attribute("href", "/my-work/")
    journey.check(page, "submitted", at=report)
    # and the link shows both offerings waiting for review
    pending.click()
    page.wait_for_url("**/vendor/offerings/?status=pending_review")
    expect(page.locator("main tbody tr")).to_have_count(2)
    journey.check(page, "pending-review")

    # when a coordinator publishes both (the review queue has its own tests), the worker
    # matches them against the open demand
    for offering in Offering.objects.all():
        catalog.offering_review(actor=vendor_market["coordinator"], offering=offering, approve=True)
    wait_for(lambda: Match.objects.filter(demand=demand).count() == 2, "match both offerings")
    meter = Offering.objects.get(model_number="LXSY-20E")
    module = Offering.objects.get(model_number="BC260Y-CN")

    # then the vendor finds the demand among those its offerings match
    page.goto("/vendor/demands/")
    listed = page.locator(f'a[href="/vendor/demands/{demand.pk}/"]').first
    expect(listed).to_contain_text("石家庄")
    journey.check(page, "matching-demands")

    # and on the demand's page reads the requirements without learning who posted them
    listed.click()
    page.wait_for_url(f"**/vendor/demands/{demand.pk}/")
    expect(page.locator("#demand-organization")).to_contain_text(words["anonymous"])
    expect(page.locator("#demand-volume")).to_have_text("200,000")
    assert "it@sjz-water.test" not in page.content()
    fitting = page.locator("#fitting-offerings")
    expect(fitting).to_contain_text("LXSY-20E")
    expect(fitting).to_contain_text("BC260Y")
    journey.check(page, "demand", at=fitting)

    # when it proposes the whole meter, which is what the demand asks for first
    page.locator(f"#fitting-{meter.pk} input[type=radio]").check()
    page.locator("#interest-note").fill("整表已获 IP68 认证")
    page.locator("#fitting-offerings button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(words["proposed"])
    journey.check(page, "proposed")

    # then the meter carries the vendor's interest, and the module was left as it was
    chosen = Match.objects.get(demand=demand, offering=meter)
    assert (chosen.origin, chosen.note) == (Match.Origin.VENDOR_INTEREST, "整表已获 IP68 认证")
    assert Match.objects.get(demand=demand, offering=module).origin != Match.Origin.VENDOR_INTEREST
    journey.finish()


# --- public ---------------------------------------------------------------------------------


@pytest.fixture
def public_market(reference_data):
    """A verified vendor with a published NB-IoT water meter in the search index."""
    vendor = factories.OrganizationFactory(
        name="宁水仪表科技有限公司", description="专注 NB-IoT 智能水表与计量平台。"
    )
    meter = factories.OfferingFactory(
        organization=vendor,
        name="NB-IoT 远传水表 LXSY-20E",
        model_number="LXSY-20E",
        kind=SupplyKind.objects.get(code="terminal"),
        function=Function.objects.get(code="water_meter"),
        technologies=["nb_iot"],
        sectors=["municipal"],
        scenarios=["municipal.water_meter"],
        certifications=["ip68"],
        price_min=Decimal("180"),
        price_max=Decimal("260"),
    )
    factories.OfferingFactory(
        organization=vendor, name="地磁车位检测器", kind=SupplyKind.objects.get(code="terminal")
    )
    search_reindex()
    return {"meter": meter, "vendor": vendor}


@pytest.mark.parametrize(("language", "width"), COMBINATIONS)
def test_public_search_forgives_typos_and_pinyin_and_leads_to_the_vendor(
    public_market, new_page, language, width
):
    journey = Journey(new_page, "public", language, width)
    meter, vendor = public_market["meter"], public_market["vendor"]
    page = journey.open()

    for typed, step in (("水标", "search-typo"), ("shuibiao", "search-pinyin")):
        # when the visitor searches with a typo, then in pinyin
        page.goto("/search/")
        page.locator("#q").fill(typed)
        page.locator("#q").press("Enter")
        page.wait_for_url("**/search/?*")
        # then the page says how it read the query and shows the water meter
        notice = page.locator("#did-you-mean")
        expect(notice).to_contain_text(journey.words["nothing_found"])
        expect(notice.get_by_role("link", name="水表")).to_have_count(1)
        hit = page.locator("main article.hit").first
        expect(hit).to_contain_text("LXSY-20E")
        # inside a result card whose border does not touch its text
        inset = "node => node.querySelector('a').getBoundingClientRect().left"
        inset += " - node.getBoundingClientRect().left"
        assert hit.evaluate(inset) >= 8
        journey.check(page, step)

    # when they open the meter from its result
    page.locator(f'main article.hit a[href="/offerings/{meter.pk}/"]').first.click()
    page.wait_for_url(f"**/offerings/{meter.pk}/")
    expect(page.locator("#offering-facts")).to_contain_text(journey.words["function"])
    # (recommendations are shown to the enterprises they were made for, not to visitors)
    expect(page.locator("#offering-recommendations")).to_have_count(0)
    journey.check(page, "offering")

    # and follow the vendor's name
    page.locator("#offering-vendor").get_by_role("link", name=vendor.name).click()
    page.wait_for_url(f"**/vendors/{vendor.pk}/")
    expect(page.locator("#vendor-offerings")).to_contain_text("LXSY-20E")
    journey.check(page, "vendor")
    journey.finish()
