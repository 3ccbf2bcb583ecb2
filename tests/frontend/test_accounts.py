"""Sign-up, password reset and the organisation's members and API keys."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import APIKey, Membership, Organization, User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Str0ng-pass-2026"


def signup_data(**overrides):
    return {
        "username": "hebei-water",
        "email": "it@hebei-water.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organization_name": "河北水务集团",
        "credit_code": factories.credit_code(),
        "role": "enterprise",
        "province": "130000",
        "city": "130100",
        "contact_name": "李工",
        "contact_phone": "0311-87654321",
        **overrides,
    }


def test_signup_registers_an_organisation_awaiting_verification_with_the_user_as_owner(
    reference, client
):
    # when
    response = client.post("/accounts/signup/", signup_data(), follow=True)
    # then
    organization = Organization.objects.get(name="河北水务集团")
    assert organization.verification_status == Organization.Verification.PENDING
    assert organization.city_id == "130100"
    membership = Membership.objects.get(organization=organization)
    assert membership.user.username == "hebei-water"
    assert membership.role == Membership.Role.OWNER
    assert "等待平台审核" in response.content.decode()


def test_a_taken_credit_code_is_shown_on_the_field_and_leaves_no_user_behind(reference, client):
    # given
    taken = factories.OrganizationFactory().credit_code
    # when
    response = client.post("/accounts/signup/", signup_data(credit_code=taken))
    # then
    assert response.status_code == 200
    assert "该统一社会信用代码已注册。" in response.content.decode()
    assert not User.objects.filter(username="hebei-water").exists()


def test_a_credit_code_with_a_wrong_check_character_is_refused(reference, client):
    code = factories.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post("/accounts/signup/", signup_data(credit_code=wrong))
    assert "校验位不正确" in response.content.decode()
    assert not Organization.objects.exists()


def test_the_city_list_follows_the_province(reference, client):
    response = client.get("/regions/cities/", {"province": "130000"})
    body = response.content.decode()
    assert 'value="130100"' in body
    assert 'value="110100"' not in body


def test_password_reset_sends_a_link_by_email(reference, client):
    # given
    user = factories.UserFactory(username="li", email="li@example.com")
    # when
    response = client.post("/accounts/password/reset/", {"email": "li@example.com"}, follow=True)
    # then
    assert response.redirect_chain[-1][0].endswith("/accounts/password/reset/sent/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_the_owner_adds_a_member_by_username(reference, web_for):
    # given
    organization = factories.OrganizationFactory()
    owner = factories.member(organization, "owner")
    factories.UserFactory(username="colleague")
    # when
    web_for(owner).post("/accounts/members/", {"username": "colleague", "role": "member"})
    # then
    assert organization.memberships.filter(user__username="colleague", role="member").exists()


def test_a_plain_member_cannot_add_members(reference, web_for):
    organization = factories.OrganizationFactory()
    member = factories.member(organization, "plain", role="member")
    factories.UserFactory(username="colleague")
    response = web_for(member).post(
        "/accounts/members/", {"username": "colleague", "role": "owner"}, follow=True
    )
    assert "只有组织管理员可以添加成员。" in response.content.decode()
    assert not organization.memberships.filter(user__username="colleague").exists()


def test_the_owner_issues_a_key_shown_once_and_can_revoke_it(reference, web_for):
    # given
    organization = factories.OrganizationFactory()
    client = web_for(factories.member(organization, "owner"))
    # when
    response = client.post("/accounts/api-keys/", {"name": "ERP", "scopes": ["offerings:read"]})
    # then
    key = APIKey.objects.get(organization=organization)
    assert key.scopes == ["offerings:read"]
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', response.content.decode())[1]
    assert APIKey.objects.get_from_key(secret) == key
    assert secret not in client.get("/accounts/api-keys/").content.decode()
    assert key.pk not in client.get("/accounts/api-keys/").content.decode()
    # when
    client.post(f"/accounts/api-keys/{key.prefix}/revoke/")
    # then
    key.refresh_from_db()
    assert key.revoked


@pytest.mark.parametrize(
    ("language", "header"),
    [
        ("zh-hans", "Authorization: Api-Key &lt;密钥&gt;"),
        ("en", "Authorization: Api-Key &lt;key&gt;"),
    ],
)
def test_the_api_keys_page_names_the_header_with_its_placeholder(
    reference, web_for, language, header
):
    # given an organisation's owner reading the page in either language
    client = web_for(factories.member(factories.OrganizationFactory(), "owner"))
    client.cookies["django_language"] = language
    # when
    page = client.get("/accounts/api-keys/").content.decode()
    # then the header reads in full, its placeholder as text rather than a stray tag
    assert f"<code>{header}</code>" in page
