"""Fixtures for the web UI view tests: the shipped reference data and logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.catalog.reference.loader import reference_load


@pytest.fixture
def reference(db) -> None:
    reference_load()


@pytest.fixture
def web_for():
    """A Django test client logged in as the given user (the web UI uses sessions)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
