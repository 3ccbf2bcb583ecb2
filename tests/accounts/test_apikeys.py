"""API keys: issued by the command, hashed at rest, scoped, revocable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts import services
from apps.accounts.models import APIKey
from apps.coordination.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def issue(organization, *scopes: str) -> str:
    out = StringIO()
    call_command(
        "apikey_create",
        "--organization",
        str(organization.pk),
        "--name",
        "erp",
        "--scopes",
        *scopes,
        stdout=out,
    )
    return out.getvalue().strip().splitlines()[-1]


def test_command_prints_a_working_key_and_stores_only_its_hash(api, vendor_org):
    secret = issue(vendor_org, "offerings:*")
    key = APIKey.objects.get(organization=vendor_org)
    assert secret.startswith(key.prefix + ".")
    assert secret not in key.hashed_key
    draft = factories.OfferingFactory(organization=vendor_org, status="draft")
    response = api.get(f"/api/v1/offerings/{draft.pk}", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="apikey.issued").count() == 1
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_key_sees_only_its_own_organisations_drafts(api, vendor_org):
    other_draft = factories.OfferingFactory(status="draft")
    secret = issue(vendor_org, "offerings:read")
    response = api.get(
        f"/api/v1/offerings/{other_draft.pk}", HTTP_AUTHORIZATION=f"Api-Key {secret}"
    )
    assert response.status_code == 404


def test_scope_is_enforced_per_resource_family_and_method(api, vendor_org):
    secret = issue(vendor_org, "offerings:read")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}
    assert api.get("/api/v1/offerings", **auth).status_code == 200
    assert api.get("/api/v1/demands", **auth).status_code == 403
    response = api.post("/api/v1/offerings", {}, format="json", **auth)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_revoked_and_wrong_keys_are_401(api, vendor_org):
    secret = issue(vendor_org, "*")
    key = APIKey.objects.get(organization=vendor_org)
    services.apikey_revoke(actor=None, key=key)
    response = api.get("/api/v1/offerings", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    bad = api.get("/api/v1/offerings", HTTP_AUTHORIZATION="Api-Key nonsense.value")
    assert bad.status_code == 401


def test_platform_key_acts_as_coordinator(api):
    pending = factories.OrganizationFactory(verification_status="pending")
    out = StringIO()
    call_command("apikey_create", "--platform", "--name", "ops", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    response = api.post(
        f"/api/v1/organizations/{pending.pk}/verify", HTTP_AUTHORIZATION=f"Api-Key {secret}"
    )
    assert response.status_code == 200
    assert response.json()["verification_status"] == "verified"
    assert AuditEvent.objects.get(action="organization.verified").actor_label.startswith("api-key:")


def test_unknown_scope_is_refused(vendor_org):
    with pytest.raises(CommandError, match="invalid_scope"):
        issue(vendor_org, "everything")
