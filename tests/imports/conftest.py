"""Fixtures for the import tests: the shipped reference data and workbook helpers."""

from __future__ import annotations

import pytest

from apps.catalog.reference.loader import reference_load


@pytest.fixture
def reference(db) -> None:
    """The real reference data (kinds with their attribute specs, sectors, regions, ...)."""
    reference_load()


@pytest.fixture(autouse=True)
def _api_routes_only(settings):
    settings.ROOT_URLCONF = "tests.imports.urls"
