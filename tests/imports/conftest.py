"""Fixtures for the import tests: the shipped reference data and workbook helpers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import apikey_create
from apps.catalog.reference.loader import reference_load


@pytest.fixture
def reference(db) -> None:
    """The real reference data (kinds with their attribute specs, sectors, regions, ...)."""
    reference_load()


@pytest.fixture(autouse=True)
def _api_routes_only(settings):
    settings.ROOT_URLCONF = "tests.imports.urls"


@pytest.fixture
def key_client():
    """An APIClient sending `Authorization: Api-Key …` for a fresh key of `organization`."""

    def make(organization, scopes: list[str]) -> APIClient:
        _key, secret = apikey_create(
            actor=None, name="test", organization=organization, scopes=scopes
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        return client

    return make
