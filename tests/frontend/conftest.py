"""Fixtures for the web UI view tests: the shipped reference data and logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.catalog.reference.loader import reference_load


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
