"""Fixtures for the web UI view tests: the shipped reference data, logged-in clients, and an
enterprise and a vendor organisation each with a member."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Organization
from apps.catalog.reference.loader import reference_load
from tests import factories


@pytest.fixture
def reference(db) -> None:
    reference_load()


@pytest.fixture(autouse=True)
def fresh_market() -> None:
    """Matching keeps a per-process market index; rows of earlier tests must not linger in it."""
    from apps.matching import loader

    loader.forget_market()


@pytest.fixture
def web_for():
    """A Django test client logged in as the given user (the web UI uses sessions)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def enterprise(reference):
    """(河北水务, its member): an enterprise organisation."""
    organization = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    return organization, factories.member(organization, "water")


@pytest.fixture
def vendor(reference):
    """(移远, its member): a vendor organisation."""
    organization = factories.OrganizationFactory(name="移远", role=Organization.Role.VENDOR)
    return organization, factories.member(organization, "quectel")
