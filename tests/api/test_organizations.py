"""Organisation registration, visibility of contacts and coordinator verification."""

import pytest

from apps.accounts.models import Membership, Organization
from apps.coordination.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "name": "石家庄智慧水务有限公司",
    "credit_code": "91440300708461136T",
    "role": "enterprise",
    "province": "130000",
    "contact_name": "李四",
    "contact_phone": "0311-88886666",
    "contact_email": "li@example.com",
}


def test_signed_in_user_registers_an_organisation_and_becomes_its_owner(client_for):
    # given
    factories.region("130000", "河北省")
    user = factories.UserFactory(username="newcomer")
    # when
    response = client_for(user).post("/api/v1/organizations", VALID, format="json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verification_status"] == "pending"
    assert body["contact_phone"] == "0311-88886666"
    organization = Organization.objects.get(pk=body["id"])
    assert Membership.objects.filter(user=user, organization=organization, role="owner").exists()
    assert AuditEvent.objects.filter(action="organization.registered").count() == 1


def test_invalid_credit_code_is_a_400_naming_the_field_and_stores_nothing(client_for):
    factories.region("130000", "河北省")
    user = factories.UserFactory(username="newcomer")
    response = client_for(user).post(
        "/api/v1/organizations", {**VALID, "credit_code": "914403001922038217"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_credit_code_checksum"
    assert "校验位" in error["fields"]["credit_code"][0]
    assert not Organization.objects.exists()


def test_duplicate_credit_code_is_a_409(client_for):
    factories.region("130000", "河北省")
    factories.OrganizationFactory(credit_code=VALID["credit_code"])
    user = factories.UserFactory(username="newcomer")
    response = client_for(user).post("/api/v1/organizations", VALID, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credit_code_taken"
    assert Organization.objects.count() == 1


def test_contacts_are_hidden_from_other_organisations(client_for, vendor_org, enterprise_user):
    response = client_for(enterprise_user).get(f"/api/v1/organizations/{vendor_org.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == vendor_org.name
    assert response.json()["contact_phone"] is None
    assert response.json()["credit_code"] is None


def test_members_see_their_own_contacts(client_for, vendor_org, vendor_user):
    response = client_for(vendor_user).get(f"/api/v1/organizations/{vendor_org.pk}")
    assert response.json()["contact_phone"] == "0311-12345678"


def test_pending_organisations_are_invisible_to_others(client_for, enterprise_user):
    pending = factories.OrganizationFactory(verification_status="pending")
    response = client_for(enterprise_user).get(f"/api/v1/organizations/{pending.pk}")
    assert response.status_code == 404
    listed = client_for(enterprise_user).get("/api/v1/organizations").json()["results"]
    assert pending.pk not in [o["id"] for o in listed]


def test_coordinator_verifies_and_the_change_is_audited(client_for, coordinator_user):
    pending = factories.OrganizationFactory(verification_status="pending")
    response = client_for(coordinator_user).post(
        f"/api/v1/organizations/{pending.pk}/verify", {"note": "资料齐全"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["verification_status"] == "verified"
    event = AuditEvent.objects.get(action="organization.verified")
    assert event.actor == coordinator_user
    assert event.subject_id == str(pending.pk)


def test_rejecting_needs_a_reason(client_for, coordinator_user):
    pending = factories.OrganizationFactory(verification_status="pending")
    response = client_for(coordinator_user).post(
        f"/api/v1/organizations/{pending.pk}/reject", {}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reason_required"
    pending.refresh_from_db()
    assert pending.verification_status == "pending"


def test_only_coordinators_verify(client_for, enterprise_user, api):
    pending = factories.OrganizationFactory(verification_status="pending")
    assert (
        client_for(enterprise_user).post(f"/api/v1/organizations/{pending.pk}/verify").status_code
        == 403
    )
    assert api.post(f"/api/v1/organizations/{pending.pk}/verify").status_code in (401, 403)
    pending.refresh_from_db()
    assert pending.verification_status == "pending"


def test_owner_edits_but_member_of_other_org_cannot(
    client_for, vendor_org, vendor_user, enterprise_user
):
    ok = client_for(vendor_user).patch(
        f"/api/v1/organizations/{vendor_org.pk}",
        {"description": "NB-IoT 与 Cat.1 模组"},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["description"] == "NB-IoT 与 Cat.1 模组"
    denied = client_for(enterprise_user).patch(
        f"/api/v1/organizations/{vendor_org.pk}", {"description": "篡改"}, format="json"
    )
    assert denied.status_code == 403
    vendor_org.refresh_from_db()
    assert vendor_org.description == "NB-IoT 与 Cat.1 模组"
