"""docs/partners.md section 1, step by step over REST: from an owner's first key to a
published listing, as a partner's integration would do it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_a_partner_goes_from_a_new_key_to_a_published_listing_over_rest():
    call_command("load_reference", verbosity=0)
    # 1. an account and a verified vendor organisation (the browser step)
    vendor = factories.OrganizationFactory(name="Acme Modules", role=Organization.Role.VENDOR)
    owner = factories.member(vendor, "acme-owner")
    # 2. the owner issues a key in the signed-in session; the secret is shown once
    session = APIClient()
    session.force_login(owner)
    issued = session.post(
        "/api/v1/api-keys", {"name": "ERP sync", "scopes": ["offerings:*"]}, format="json"
    )
    assert issued.status_code == 201, issued.content
    erp = key_client(issued.json()["key"])
    # 3. the first authenticated call
    first = erp.get(f"/api/v1/offerings?organization={vendor.pk}")
    assert first.status_code == 200
    assert first.json()["results"] == []
    assert APIClient().post("/api/v1/offerings", {}, format="json").status_code == 401
    # 4. a draft, with codes from the public reference endpoints
    assert APIClient().get("/api/v1/reference/technologies").status_code == 200
    draft = erp.post(
        "/api/v1/offerings",
        {
            "organization": vendor.pk,
            "kind": "module",
            "name": "NB-IoT 模组 BC28",
            "sectors": ["municipal"],
            "technologies": ["nb_iot"],
            "nationwide": True,
            "price_min": "18.00",
            "price_max": "22.00",
            "annual_capacity": 500000,
            "attributes": {"chipset": "Quectel BC28", "form_factor": "LCC"},
        },
        format="json",
    )
    assert draft.status_code == 201, draft.content
    offering = draft.json()
    assert offering["status"] == "draft"
    # 5. submitted for review, it is still invisible to others
    submitted = erp.post(f"/api/v1/offerings/{offering['id']}/submit")
    assert submitted.json()["status"] == "pending_review"
    assert APIClient().get(f"/api/v1/offerings/{offering['id']}").status_code == 404
    # 6. a coordinator publishes it; the partner sees the new status
    _key, platform = account_services.apikey_create(
        actor=None, name="platform", is_platform=True, scopes=["offerings:*"]
    )
    approved = key_client(platform).post(f"/api/v1/offerings/{offering['id']}/approve")
    assert approved.status_code == 200, approved.content
    assert erp.get(f"/api/v1/offerings/{offering['id']}").json()["status"] == "published"
    assert APIClient().get(f"/api/v1/offerings/{offering['id']}").status_code == 200
    # 7. matches need the matches scope, which this key was not given
    refused = erp.get(f"/api/v1/offerings/{offering['id']}/matching-demands")
    assert refused.status_code == 403
