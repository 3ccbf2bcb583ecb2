"""Password guessing at the login page is locked out per account and per address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-right-password"


@pytest.fixture
def victim(db):
    user = factories.UserFactory(username="victim")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username: str, password: str, address: str = "198.51.100.7", **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_100_wrong_passwords_the_right_one_does_not_sign_in(client, victim):
    statuses = [sign_in(client, "victim", f"guess-{i}").status_code for i in range(100)]
    response = sign_in(client, "victim", PASSWORD)
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert set(statuses[10:]) == {429}
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not signed_in(client)


def test_the_account_is_locked_whichever_address_the_guesses_come_from(client, victim):
    for i in range(10):
        sign_in(client, "victim", f"guess-{i}", address=f"203.0.113.{i}")
    assert sign_in(client, "victim", PASSWORD, address="192.0.2.55").status_code == 429
    assert not signed_in(client)


def test_an_address_guessing_across_accounts_is_locked_out_but_others_are_not(client, victim):
    for i in range(10):
        sign_in(client, f"someone-{i}", "guess", address="198.51.100.99")
    assert sign_in(client, "victim", PASSWORD, address="198.51.100.99").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "victim", PASSWORD, address="192.0.2.1").status_code == 302
    assert signed_in(client)


def test_a_forged_x_forwarded_for_does_not_give_a_fresh_address(client, victim):
    for i in range(10):
        sign_in(client, f"someone-{i}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    response = sign_in(client, "victim", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, victim, settings):
    for i in range(10):
        sign_in(client, "victim", f"guess-{i}")
    assert sign_in(client, "victim", PASSWORD).status_code == 429
    # when the cool-off has passed since the last failure
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = sign_in(client, "victim", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_lockout_page_speaks_english_on_request(client, victim):
    for i in range(10):
        sign_in(client, "victim", f"guess-{i}")
    response = sign_in(client, "victim", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
