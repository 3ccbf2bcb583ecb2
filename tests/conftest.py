"""Shared fixtures: API clients for each kind of caller."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from rest_framework.test import APIClient

from apps.accounts.models import Organization

from . import factories


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request's LocaleMiddleware leaves the
    language it activated on the thread, which would leak into the next test's direct calls."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2's deliberate slowness (~0.3 s a password) would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient logged in as the given user (session authentication)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def vendor_org(db) -> Organization:
    return factories.OrganizationFactory(name="移远通信（测试）", role=Organization.Role.VENDOR)


@pytest.fixture
def enterprise_org(db) -> Organization:
    return factories.OrganizationFactory(name="河北水务（测试）", role=Organization.Role.ENTERPRISE)


@pytest.fixture
def vendor_user(vendor_org):
    return factories.member(vendor_org, "vendor-owner")


@pytest.fixture
def enterprise_user(enterprise_org):
    return factories.member(enterprise_org, "enterprise-owner")


@pytest.fixture
def coordinator_user(db):
    return factories.coordinator()
