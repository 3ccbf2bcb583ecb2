"""The monitoring-indicator page in a real browser: its chart draws under the
Content-Security-Policy and its figures read in English with thousands separators."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Organization
from apps.coordination.indicators import INDICATORS_CACHE_KEY
from tests import factories

from .conftest import PASSWORD, screenshot
from .test_security_headers import violations, watched

pytestmark = pytest.mark.django_db(transaction=True)


def test_indicator_chart_and_figures(reference_data, new_page):
    # given a coordinator and two published demands: 1,200,000 NB-IoT, 300,000 Cat.1
    cache.delete(INDICATORS_CACHE_KEY)
    coordinator = factories.coordinator("coordinator")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    for technology, volume in (("nb_iot", 1_200_000), ("cat1", 300_000)):
        factories.DemandFactory(
            organization=enterprise,
            sector_id="municipal",
            technologies=[technology],
            technology_flexible=False,
            volume=volume,
            published_at=timezone.now(),
        )
    # when the coordinator opens the page in English
    page, console = watched(lambda: new_page(language="en"))
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("coordinator")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/coordinator/indicators/")
    # then the chart draws, with no policy violation, and the figures read as a reader expects
    page.locator("#broadband-chart canvas").first.wait_for()
    expect(page.locator("#broadband-share")).to_have_text("20.0%")
    expect(page.locator("#broadband")).to_contain_text("1,500,000")
    expect(page.locator("#sector-mix")).to_contain_text("Municipal services")
    screenshot(page, "indicators-en")
    assert violations(page, console) == []
