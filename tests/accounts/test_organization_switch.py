"""Switching the organisation a user acts for in the web UI."""

import pytest

from frontend.access import SESSION_ORGANIZATION
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(vendor_org, enterprise_org):
    user = factories.member(vendor_org, "two-hats")
    factories.member(enterprise_org, "someone-else")
    user.memberships.create(organization=enterprise_org, role="member")
    return user


def test_a_member_switches_to_another_of_their_organisations(client, two_hats, enterprise_org):
    client.force_login(two_hats)
    response = client.post("/accounts/switch/", {"organization": str(enterprise_org.pk)})
    assert response.status_code == 302
    assert client.session[SESSION_ORGANIZATION] == enterprise_org.pk


@pytest.mark.parametrize("value", ["abc", "", "1.5", "9" * 5000, "\u0661e"])
def test_a_non_integer_organisation_is_a_400_not_a_500(client, two_hats, value):
    client.force_login(two_hats)
    response = client.post("/accounts/switch/", {"organization": value})
    assert response.status_code == 400
    assert SESSION_ORGANIZATION not in client.session


def test_an_organisation_the_user_is_not_in_is_a_400(client, two_hats):
    outsider = factories.OrganizationFactory()
    client.force_login(two_hats)
    response = client.post("/accounts/switch/", {"organization": str(outsider.pk)})
    assert response.status_code == 400
    assert SESSION_ORGANIZATION not in client.session
