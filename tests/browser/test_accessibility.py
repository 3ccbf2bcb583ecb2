"""Phones, keyboards, screen readers and English readers: the main pages pass axe-core with no
serious or critical violation in both languages, the menu works from the keyboard, nothing
scrolls sideways at 390 px, and English pages carry no Chinese and no raw codes."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import models

from .conftest import PASSWORD, serious_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("zh-CN", "en")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# Reference codes as stored (nb_iot, pending_review, municipal.water_meter): never shown raw.
RAW_CODE = re.compile(r"(?<![\w@/.-])[a-z][a-z0-9]*(?:[_.][a-z0-9]+)*_[a-z0-9]+(?![\w@/-])")


@pytest.fixture
def market(reference_data):
    """The demo market (seed_demo: listings, matches, queues, the demo logins) with every
    user-entered text made Latin, so Chinese on an English page can only be the platform's."""
    from apps.accounts.models import Organization
    from apps.catalog.models import Offering
    from apps.demands.models import Demand
    from apps.matching import partners
    from apps.matching import services as matching

    call_command(
        "seed_demo", "--offerings", "150", "--demands", "40", "--anchor-date", "2026-11-01",
        "--no-hooks", verbosity=0,
    )  # fmt: skip
    for model in (Organization, Offering, Demand):
        _latinise(model)
    call_command("search_reindex", verbosity=0)
    # In this process: forked workers would share the live server's test connection.
    matching.full_rematch(owner="accessibility test", workers=1)
    matching.mismatch_aggregate()
    partners.partner_suggestions_refresh()
    offering = Offering.objects.filter(status="published").order_by("id").first()
    demand = Demand.objects.filter(organization__memberships__user__username="enterprise").first()
    return {"offering": offering, "demand": demand}


def _latinise(model: type[models.Model]) -> None:
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices
    ]
    rows = list(model.objects.all())
    for row in rows:
        for name in fields:
            value = getattr(row, name)
            if isinstance(value, str) and CJK.search(value):
                setattr(row, name, CJK.sub(lambda m: "Lorem", value))
    model.objects.bulk_update(rows, fields, batch_size=500)


def _pages(market, *, forms: bool = True) -> dict[str | None, list[str]]:
    """Who signs in → the pages they see. `forms=False` leaves out the demand and offering
    forms, whose province grid is being made to fit phones separately."""
    return {
        None: [
            "/",
            "/search/?q=Lorem",
            f"/offerings/{market['offering'].pk}/",
            f"/vendors/{market['offering'].organization_id}/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/cases/",
            "/search/?entity=demand",
            "/no-such-page/",
        ],
        "enterprise": [
            "/enterprise/demands/",
            f"/enterprise/demands/{market['demand'].pk}/",
            *(["/enterprise/demands/new/"] if forms else []),
            "/introductions/",
            "/accounts/",
            "/accounts/members/",
            "/accounts/api-keys/",
        ],
        "vendor": [
            "/vendor/offerings/",
            *(["/vendor/offerings/new/"] if forms else []),
            "/vendor/import/",
            "/vendor/demands/",
            "/vendor/partners/",
        ],
        "coordinator": [
            "/coordinator/",
            "/coordinator/demands/",
            "/coordinator/offerings/",
            "/coordinator/organizations/",
            "/coordinator/interest/",
            "/coordinator/matches/",
            "/coordinator/cases/",
            "/coordinator/dashboard/",
        ],
    }


def _main_pages(market) -> set[str]:
    """The issue's main pages (and the 404 page): the axe check runs on these."""
    return {
        "/",
        "/search/?q=Lorem",
        f"/offerings/{market['offering'].pk}/",
        f"/vendors/{market['offering'].organization_id}/",
        "/accounts/login/",
        "/enterprise/demands/",
        "/vendor/offerings/",
        "/coordinator/",
        "/no-such-page/",
    }


# Tables of figures: 120,000 in both languages, never 120000.
GROUPED_FIGURES = {"/enterprise/demands/", "/vendor/offerings/"}


def _sign_in(page, username: str | None) -> None:
    """Sign in through the form in either language (conftest's login clicks "登录")."""
    if username is None:
        return
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _visible_words(page) -> str:
    """All text a reader can meet, seen or spoken: text, option labels, placeholders, titles,
    ARIA labels, alt text; parts marked as another language (the 中文 switch) left out."""
    return page.evaluate(
        """() => {
        const body = document.body.cloneNode(true);
        body.querySelectorAll('script, style, template, [lang]:not([lang^="en"])')
            .forEach(node => node.remove());
        const attributes = [...body.querySelectorAll('[placeholder], [title], [aria-label], [alt]')]
            .flatMap(node => ['placeholder', 'title', 'aria-label', 'alt']
                .map(name => node.getAttribute(name)).filter(Boolean));
        return [body.textContent, ...attributes].join('\\n');
    }"""
    )


def _raw_codes(text: str) -> list[str]:
    text = re.sub(r"\S+@\S+|\S+://\S+", " ", text)  # addresses may hold underscores
    return sorted(set(RAW_CODE.findall(text)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_pass_axe_and_english_pages_have_no_chinese_and_no_raw_codes(
    market, new_page, language
):
    problems: list[str] = []
    main = _main_pages(market)
    for who, urls in _pages(market).items():
        page = new_page(language=language)
        _sign_in(page, who)
        for url in urls:
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == (
                "en" if language == "en" else "zh-CN"
            )
            if url in main:
                problems += [f"{url} axe {v}" for v in serious_axe_violations(page)]
            if url in GROUPED_FIGURES:
                figures = page.locator("td.num").all_inner_texts()
                problems += [f"{url} ungrouped {f!r}" for f in figures if re.search(r"\d{4}", f)]
            words = _visible_words(page)
            problems += [f"{url} raw code {code!r}" for code in _raw_codes(words)]
            if language == "en":
                problems += [
                    f"{url} Chinese {line.strip()[:100]!r}"
                    for line in words.splitlines()
                    if CJK.search(line)
                ]
    assert not problems, "\n".join(problems)


def test_no_page_scrolls_sideways_on_a_phone_and_main_pages_pass_axe_there(market, new_page):
    problems = []
    main = _main_pages(market)
    for language in LANGUAGES:
        for who, urls in _pages(market, forms=False).items():
            page = new_page(language=language, **PHONE)
            _sign_in(page, who)
            for url in urls:
                page.goto(url)
                width = page.evaluate("() => document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{language} {url}: {width} px wide")
                if url in main:
                    problems += [f"{language} {url} axe {v}" for v in serious_axe_violations(page)]
    assert not problems, "\n".join(problems)


def test_the_phone_menu_and_skip_link_work_from_the_keyboard(reference_data, new_page):
    # given a phone-sized screen, in English
    page = new_page(language="en", **PHONE)
    page.goto("/search/")
    nav = page.get_by_role("navigation", name="Main navigation")
    assert not nav.is_visible()
    # when the visitor tabs: the first stop is the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("node => node === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # and the menu is a named button that says whether it is open
    page.goto("/search/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="Sign in").is_visible()
    # Escape folds it again and gives focus back to the button
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    assert menu.evaluate("node => node === document.activeElement")
    # the tab has an icon
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).ok


def test_search_filters_fold_away_on_a_phone_and_stay_open_on_a_desktop(market, new_page):
    phone = new_page(language="en", **PHONE)
    phone.goto("/search/?q=Lorem")
    filters = phone.locator("details.filters")
    # on a phone the results come first and the filters are one tap away
    assert filters.get_attribute("open") is None
    assert not phone.get_by_role("button", name="Apply filters").is_visible()
    assert phone.locator("article.hit").first.is_visible()
    phone.get_by_text("Filter", exact=True).click()
    assert phone.get_by_role("button", name="Apply filters").is_visible()
    # on a desktop they are open beside the results
    desktop = new_page(language="en")
    desktop.goto("/search/?q=Lorem")
    assert desktop.locator("details.filters").get_attribute("open") is not None
