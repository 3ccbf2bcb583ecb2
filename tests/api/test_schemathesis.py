"""Property-based API fuzzing: no server errors and no response outside the published schema.

A bounded number of examples per operation keeps `make test` fast; docs/partners.md shows the
longer CLI run against `make run`.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from apps.accounts import services as account_services
from apps.accounts.models import Organization
from tests import factories

EXAMPLES_PER_OPERATION = 8


@pytest.fixture(autouse=True)
def reference_data_and_open_connection(db):
    call_command("load_reference", verbosity=0)
    # Like Django's test client: keep the test's connection (and its transaction) open across
    # the requests the WSGI app handles.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def partner_key(db) -> str:
    organization = factories.OrganizationFactory(role=Organization.Role.BOTH)
    factories.OfferingFactory(organization=organization, status="draft")
    factories.DemandFactory(organization=organization, status="draft")
    _key, secret = account_services.apikey_create(
        actor=None, name="fuzz", organization=organization, scopes=["*"]
    )
    return secret


# Loading the schema touches no database: it is generated from the code.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_answers_within_its_schema(case, partner_key):
    response = case.call(headers={"Authorization": f"Api-Key {partner_key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    case.validate_response(response, checks=[response_schema_conformance])
