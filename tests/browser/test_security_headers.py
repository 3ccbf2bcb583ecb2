"""Every page works under its Content-Security-Policy: no inline script is needed, none is run."""

from __future__ import annotations

import pytest

from apps.accounts.models import Organization
from tests import factories

from .conftest import PASSWORD, login

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@pytest.fixture
def people(reference_data):
    vendor = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    factories.OfferingFactory(organization=vendor, kind=factories.kind("module"))
    for user in (factories.member(vendor, "vendor"), factories.coordinator("coordinator")):
        user.set_password(PASSWORD)
        user.save()


def watched(new_page):
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    return page, console


def violations(page, console) -> list[str]:
    reported = page.evaluate("window.__cspViolations")
    return reported + [text for text in console if "Content Security Policy" in text]


def test_pages_run_their_scripts_with_no_policy_violation(people, new_page):
    page, console = watched(new_page)
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]

    # the search facets submit themselves when ticked (the handler lives in site.js)
    page.goto("/search/")
    page.locator("input[name=entity][value=demand]").check()
    page.wait_for_url("**entity=demand**")

    # a vendor's status filter does the same
    login(page, "vendor")
    page.goto("/vendor/offerings/")
    page.locator("#status-filter").select_option("draft")
    page.wait_for_url("**status=draft**")
    assert violations(page, console) == []


def test_dashboard_charts_and_api_docs_render_under_the_policy(people, new_page):
    page, console = watched(new_page)
    login(page, "coordinator")
    page.goto("/coordinator/dashboard/")
    page.locator("#heatmap canvas").first.wait_for()

    # Swagger UI starts from its own script file and draws the operations
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()

    page.goto("/admin/")
    page.locator("#content").wait_for()
    assert violations(page, console) == []
