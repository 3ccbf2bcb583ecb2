"""Offerings over the API: the vendor's draft → review → published path and who sees what."""

from decimal import Decimal

import pytest

from apps.catalog.models import Offering
from apps.coordination.models import AuditEvent
from apps.search.models import OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db):
    factories.sector("municipal")
    factories.technology("nb_iot")
    factories.kind(
        "module",
        spec={
            "form_factor": {"type": "string", "choices": ["LCC", "LGA", "M.2", "Mini PCIe"]},
            "psm_edrx": {"type": "boolean"},
        },
    )
    factories.region("130000", "河北省")
    factories.region("130100", "石家庄市")


def offering_payload(**overrides):
    return {
        "kind": "module",
        "name": "BC260Y NB-IoT 模组",
        "model_number": "BC260Y-CN",
        "sectors": ["municipal"],
        "technologies": ["nb_iot"],
        "regions": ["130000"],
        "price_min": "12.50",
        "price_max": "18.00",
        "annual_capacity": 5_000_000,
        "attributes": {"form_factor": "LCC", "psm_edrx": True},
        **overrides,
    }


def test_vendor_creates_submits_and_coordinator_publishes(
    client_for, reference, vendor_user, coordinator_user, api
):
    vendor = client_for(vendor_user)
    # given a draft
    created = vendor.post("/api/v1/offerings", offering_payload(), format="json")
    assert created.status_code == 201, created.content
    offering_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["price_min"] == "12.50"
    # drafts are invisible to the public
    assert api.get(f"/api/v1/offerings/{offering_id}").status_code == 404
    # when submitted and approved
    assert (
        vendor.post(f"/api/v1/offerings/{offering_id}/submit").json()["status"] == "pending_review"
    )
    approved = client_for(coordinator_user).post(f"/api/v1/offerings/{offering_id}/approve")
    # then it is published, visible to anyone, audited and queued for indexing
    assert approved.json()["status"] == "published"
    public = api.get(f"/api/v1/offerings/{offering_id}")
    assert public.status_code == 200
    assert public.json()["organization"]["name"] == "移远通信（测试）"
    actions = list(
        AuditEvent.objects.filter(subject_type="offering", subject_id=str(offering_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["offering.created", "offering.submitted", "offering.approved"]
    assert OutboxEvent.objects.filter(entity="offering", entity_id=offering_id).count() == 3


def test_other_vendor_cannot_see_or_change_a_draft(client_for, reference, vendor_org):
    draft = factories.OfferingFactory(organization=vendor_org, status="draft")
    other = factories.member(factories.OrganizationFactory(), "other-vendor")
    client = client_for(other)
    assert client.get(f"/api/v1/offerings/{draft.pk}").status_code == 404
    assert (
        client.patch(f"/api/v1/offerings/{draft.pk}", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.post(f"/api/v1/offerings/{draft.pk}/submit").status_code == 404
    listed = client.get("/api/v1/offerings").json()["results"]
    assert draft.pk not in [o["id"] for o in listed]


def test_vendor_cannot_change_another_vendors_published_offering(client_for, reference, vendor_org):
    published = factories.OfferingFactory(organization=vendor_org, name="原名")
    other = factories.member(factories.OrganizationFactory(), "other-vendor")
    response = client_for(other).patch(
        f"/api/v1/offerings/{published.pk}", {"name": "篡改"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_owner"
    published.refresh_from_db()
    assert published.name == "原名"


def test_enterprise_cannot_list_supply(client_for, reference, enterprise_user):
    response = client_for(enterprise_user).post(
        "/api/v1/offerings", offering_payload(), format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "vendor_role_required"


def test_filters_by_technology_and_region(api, reference, vendor_org):
    factories.technology("cat1")
    nb = factories.OfferingFactory(
        organization=vendor_org, technologies=["nb_iot"], nationwide=False, regions=["130000"]
    )
    cat1 = factories.OfferingFactory(organization=vendor_org, technologies=["cat1"])
    ids = [o["id"] for o in api.get("/api/v1/offerings?technology=nb_iot").json()["results"]]
    assert nb.pk in ids and cat1.pk not in ids
    ids = [o["id"] for o in api.get("/api/v1/offerings?region=130000").json()["results"]]
    assert ids == [nb.pk]


def test_partial_update_revalidates_the_whole_listing(
    client_for, reference, vendor_org, vendor_user
):
    offering = factories.OfferingFactory(
        organization=vendor_org, price_min=Decimal("10"), price_max=Decimal("20")
    )
    response = client_for(vendor_user).patch(
        f"/api/v1/offerings/{offering.pk}", {"price_min": "25"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "price_range_invalid"
    offering.refresh_from_db()
    assert offering.price_min == Decimal("10")


def test_cursor_pagination_walks_every_published_offering_once(api, reference, vendor_org):
    created = {factories.OfferingFactory(organization=vendor_org).pk for _ in range(25)}
    seen, url = [], "/api/v1/offerings?page_size=10"
    while url:
        page = api.get(url).json()
        seen += [o["id"] for o in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(created)
    assert Offering.objects.count() == 25


@pytest.fixture
def functions(reference):
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)


def module_payload(**overrides):
    """A module as the shipped attribute spec wants it (chipset is required there)."""
    return offering_payload(
        attributes={"chipset": "Hi2115", "form_factor": "LCC", "psm_edrx": True}, **overrides
    )


def test_an_offering_declares_what_it_does_and_a_function_of_another_kind_is_refused(
    client_for, functions, vendor_user
):
    vendor = client_for(vendor_user)
    # a module that says it is an NB-IoT module is taken at its word
    created = vendor.post(
        "/api/v1/offerings", module_payload(function="module_lpwa"), format="json"
    )
    assert created.status_code == 201, created.content
    assert (created.json()["function"], created.json()["function_confirmed"]) == (
        "module_lpwa",
        True,
    )
    # a module that claims to be a water meter is told why not, in the caller's language
    wrong = vendor.post(
        "/api/v1/offerings",
        module_payload(function="water_meter"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert error["code"] == "function_invalid"
    assert error["fields"]["function"] == [
        "“Smart water meter” is a function of Terminal, not of Module."
    ]
    unknown = vendor.post("/api/v1/offerings", module_payload(function="teleporter"), format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"]["function"] == ["未知的产品功能：teleporter"]
    assert Offering.objects.count() == 1


def test_an_offering_without_a_function_gets_the_platforms_guess_to_confirm(
    client_for, functions, vendor_user
):
    created = client_for(vendor_user).post("/api/v1/offerings", module_payload(), format="json")
    assert created.status_code == 201
    assert (created.json()["function"], created.json()["function_confirmed"]) == (
        "module_lpwa",
        False,
    )


def test_an_offering_may_serve_a_county_and_an_unknown_code_is_refused(
    client_for, reference, vendor_user
):
    factories.region("130102", "长安区")
    vendor = client_for(vendor_user)
    created = vendor.post(
        "/api/v1/offerings", offering_payload(regions=["130102", "130000"]), format="json"
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["regions"]) == ["130000", "130102"]
    unknown = vendor.post("/api/v1/offerings", offering_payload(regions=["130199"]), format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"]["regions"] == ["未知代码：130199"]
