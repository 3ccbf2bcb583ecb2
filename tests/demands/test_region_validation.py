"""Demands and offerings name provinces, cities or counties; a code the reference data lacks is
refused on the regions field (the services' own check, which the forms, API and import share)."""

from __future__ import annotations

import pytest

from apps.catalog.services import offering_errors
from apps.demands.services import demand_errors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def xihu(db):
    return factories.region("330106", "西湖区")


@pytest.mark.parametrize("errors_of", [demand_errors, offering_errors])
def test_a_county_is_a_region_like_any_other(xihu, errors_of):
    errors = errors_of({"regions": ["330106", "330100", "330000"]}, complete=False)
    assert "regions" not in errors


@pytest.mark.parametrize("errors_of", [demand_errors, offering_errors])
def test_an_unknown_county_code_is_refused_by_name(xihu, errors_of):
    errors = errors_of({"regions": ["330106", "330199"]}, complete=False)
    assert errors["regions"] == ["未知代码：330199"]
