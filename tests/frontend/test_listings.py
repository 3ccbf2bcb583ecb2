"""Demand wizard, catalogue pages and the coordinator's review queues, through HTTP."""

from __future__ import annotations

import re

import pytest

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.demands.models import Demand
from tests import factories

pytestmark = pytest.mark.django_db


def demand_data(**overrides):
    return {
        "title": "石家庄智能水表",
        "sector": "municipal",
        "scenario": "municipal.water_meter",
        "uplink_kbps": "10",
        "mobility": "0",
        "coverage_depth": "2",
        "power_source": "battery",
        "battery_life_years": "8",
        "kinds_needed": ["module"],
        "regions": ["130000"],
        "volume": "200000",
        "rollout_months": "12",
        "visibility": "public",
        **overrides,
    }


def test_the_wizard_creates_a_draft_and_submitting_sends_it_for_review(enterprise, web_for):
    organization, user = enterprise
    client = web_for(user)
    # when saved as a draft
    response = client.post("/enterprise/demands/new/", demand_data(save=""))
    demand = Demand.objects.get(organization=organization)
    assert response.url == f"/enterprise/demands/{demand.pk}/"
    assert demand.status == Demand.Status.DRAFT
    assert demand.scenario_id == "municipal.water_meter"
    # when submitted from its page
    client.post(f"/enterprise/demands/{demand.pk}/submit/")
    demand.refresh_from_db()
    assert demand.status == Demand.Status.PENDING_REVIEW


def test_the_services_rules_show_on_the_wizards_fields(enterprise, web_for):
    # a battery-powered demand without a battery life is refused for review by the service
    response = web_for(enterprise[1]).post(
        "/enterprise/demands/new/", demand_data(battery_life_years="", submit="")
    )
    assert response.status_code == 200
    assert "电池供电时请填写电池寿命要求。" in response.content.decode()
    assert not Demand.objects.exists()


def test_live_advice_recommends_the_cheapest_feasible_technology(enterprise, web_for):
    client = web_for(enterprise[1])
    meter = {
        "uplink_kbps": "10",
        "mobility": "0",
        "power_source": "battery",
        "battery_life_years": "8",
        "coverage_depth": "2",
    }
    tracker = {
        "uplink_kbps": "500",
        "mobility": "3",
        "power_source": "mains",
        "coverage_depth": "0",
        "needs_voice": "on",
    }
    assert (
        'data-recommended="nb_iot"'
        in client.post("/enterprise/wizard/advice/", meter).content.decode()
    )
    assert (
        'data-recommended="cat1"'
        in client.post("/enterprise/wizard/advice/", tracker).content.decode()
    )


def test_choosing_a_scenario_prefills_its_typical_profile(enterprise, web_for):
    response = web_for(enterprise[1]).get(
        "/enterprise/wizard/profile/", {"scenario": "municipal.water_meter"}
    )
    body = response.content.decode()
    assert 'name="coverage_depth"' in body
    assert 'data-recommended="nb_iot"' in body


def test_another_organisations_demand_is_not_found(enterprise, web_for):
    other = factories.DemandFactory(status=Demand.Status.DRAFT)
    response = web_for(enterprise[1]).get(f"/enterprise/demands/{other.pk}/")
    assert response.status_code == 404


def test_vendor_pages_refuse_an_enterprise(enterprise, web_for):
    assert web_for(enterprise[1]).get("/vendor/offerings/").status_code == 403


def test_a_module_offering_keeps_its_kind_attributes_and_is_submitted(vendor, web_for):
    organization, user = vendor
    response = web_for(user).post(
        "/vendor/offerings/new/",
        {
            "kind": "module",
            "function": "module_lpwa",
            "name": "BC260Y",
            "sectors": ["municipal"],
            "technologies": ["nb_iot"],
            "nationwide": "on",
            "price_min": "12",
            "price_max": "18",
            "min_order": "1",
            "annual_capacity": "5000000",
            "lead_time_days": "30",
            "attr_chipset": "Hi2115",
            "attr_form_factor": "LCC",
            "attr_bands": "B3, B5, B8",
            "attr_psm_edrx": "on",
            "submit": "",
        },
    )
    assert response.status_code == 302
    offering = Offering.objects.get(organization=organization)
    assert offering.status == Offering.Status.PENDING_REVIEW
    assert (offering.function_id, offering.function_confirmed) == ("module_lpwa", True)
    assert offering.attributes == {
        "chipset": "Hi2115",
        "form_factor": "LCC",
        "bands": ["B3", "B5", "B8"],
        "psm_edrx": True,
    }


def test_a_missing_required_attribute_is_shown_on_its_field(vendor, web_for):
    response = web_for(vendor[1]).post(
        "/vendor/offerings/new/",
        {
            "kind": "module",
            "name": "X",
            "sectors": ["municipal"],
            "nationwide": "on",
            "price_min": "1",
            "price_max": "2",
            "min_order": "1",
            "annual_capacity": "1",
            "lead_time_days": "1",
            "attr_chipset": "Hi2115",
            "submit": "",
        },
    )
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert 'id="id_attr_form_factor_error"' in response.content.decode()


def test_the_coordinator_must_give_a_reason_to_reject(reference, web_for, coordinator_user):
    organization = factories.OrganizationFactory(
        verification_status=Organization.Verification.PENDING
    )
    client = web_for(coordinator_user)
    response = client.post(
        f"/coordinator/organizations/{organization.pk}/decide/", {"decision": "reject"}, follow=True
    )
    assert "驳回时必须填写原因。" in response.content.decode()
    organization.refresh_from_db()
    assert organization.verification_status == Organization.Verification.PENDING
    client.post(
        f"/coordinator/organizations/{organization.pk}/decide/",
        {"decision": "reject", "note": "营业执照信息不符"},
    )
    organization.refresh_from_db()
    assert organization.verification_status == Organization.Verification.REJECTED
    assert organization.verification_note == "营业执照信息不符"


def test_the_coordinator_publishes_a_listing_from_the_queue(reference, web_for, coordinator_user):
    offering = factories.OfferingFactory(status=Offering.Status.PENDING_REVIEW)
    web_for(coordinator_user).post(
        f"/coordinator/listings/offering/{offering.pk}/decide/", {"decision": "approve"}
    )
    offering.refresh_from_db()
    assert offering.status == Offering.Status.PUBLISHED


def test_coordinator_pages_refuse_other_users(vendor, web_for):
    assert web_for(vendor[1]).get("/coordinator/").status_code == 403


def test_editing_a_demand_that_names_a_city_keeps_the_city(enterprise, web_for):
    organization, user = enterprise
    demand = factories.DemandFactory(
        organization=organization, status=Demand.Status.DRAFT, regions=["130100"]
    )
    client = web_for(user)
    form = client.get(f"/enterprise/demands/{demand.pk}/edit/").content.decode()
    assert 'value="130100" checked' in form
    client.post(
        f"/enterprise/demands/{demand.pk}/edit/",
        demand_data(regions=["130100"], save=""),
    )
    demand.refresh_from_db()
    assert demand.regions == ["130100"]


def test_an_offering_says_what_it_does_with_a_function_of_its_own_kind(vendor, web_for):
    _, user = vendor
    client = web_for(user)
    # the attribute step of a terminal offers terminal functions only, named in Chinese
    step = client.get("/vendor/offerings/attributes/?kind=terminal").content.decode()
    assert "智能水表" in step and "NB-IoT / LPWA 模组" not in step
    # a terminal submitted without a function is sent back with the field marked
    response = client.post(
        "/vendor/offerings/new/",
        {
            "kind": "terminal",
            "name": "NB-IoT 智能水表",
            "sectors": ["municipal"],
            "technologies": ["nb_iot"],
            "nationwide": "on",
            "price_min": "120",
            "price_max": "180",
            "min_order": "1",
            "annual_capacity": "500000",
            "lead_time_days": "30",
            "submit": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["function"]


def test_a_demand_names_its_positioning_method_and_a_tracker_lists_its_own(
    enterprise, vendor, web_for
):
    # given an enterprise that needs UWB positioning, choosing it by name
    organization, user = enterprise
    client = web_for(user)
    page = client.get("/enterprise/demands/new/").content.decode()
    assert ">UWB 高精度定位<" in page and 'value="uwb"' in page
    # when it saves the demand with the method but forgets to tick "needs positioning"
    refused = client.post(
        "/enterprise/demands/new/", demand_data(positioning_method="uwb", save="")
    )
    # then it is told what to do, and nothing is stored
    assert refused.status_code == 200
    assert "请勾选“需要定位”" in refused.content.decode()
    assert not Demand.objects.exists()
    # and with the box ticked the method is kept
    client.post(
        "/enterprise/demands/new/",
        demand_data(positioning_method="uwb", needs_positioning="on", save=""),
    )
    assert Demand.objects.get(organization=organization).positioning_method == "uwb"
    # a vendor's terminal offers its methods by name in either language
    vendor_client = web_for(vendor[1])
    step = vendor_client.get("/vendor/offerings/attributes/?kind=terminal").content.decode()
    assert "卫星定位（北斗/GPS）" in step and ">gnss<" not in step
    vendor_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = vendor_client.get("/vendor/offerings/attributes/?kind=module").content.decode()
    assert "Bluetooth beacons" in english and "蓝牙" not in english


def test_functions_stay_folded_until_a_scenario_pre_fills_its_own(enterprise, web_for):
    client = web_for(enterprise[1])
    # a new demand has no scenario yet: its 91 possible functions are folded away
    new = client.get("/enterprise/demands/new/").content.decode()
    assert 'data-testid="functions-folded"' in new
    assert new.count('name="functions"') > 80
    # choosing a scenario shows its own functions, ticked, and nothing else
    step = client.get(
        "/enterprise/wizard/profile/", {"scenario": "municipal.water_meter"}
    ).content.decode()
    assert 'data-testid="functions-folded"' not in step
    ticked = re.findall(
        r'<input type="checkbox" name="functions" value="([a-z_0-9]+)"[^>]*checked', step
    )
    assert "water_meter" in ticked and step.count('name="functions"') == len(ticked)


def test_a_scenario_ticks_the_terminals_it_buys_unless_kinds_are_already_ticked(
    enterprise, web_for
):
    client = web_for(enterprise[1])
    # when a scenario is chosen before any kind of supply is ticked
    step = client.get(
        "/enterprise/wizard/profile/", {"scenario": "municipal.water_meter"}
    ).content.decode()
    # then the kinds field comes along, out of band, with terminals ticked
    oob = step[step.index('id="kinds-needed-field"') :]
    assert 'hx-swap-oob="true"' in step
    assert re.search(r'name="kinds_needed" value="terminal"[^>]*checked', oob)
    assert not re.search(r'name="kinds_needed" value="platform"[^>]*checked', oob)
    # when the author has ticked platforms already, their choice stays untouched
    mine = client.get(
        "/enterprise/wizard/profile/",
        {"scenario": "municipal.water_meter", "kinds_needed": "platform"},
    ).content.decode()
    assert 'id="kinds-needed-field"' not in mine


def test_a_resubmitted_demand_no_longer_shows_the_rejection_note(
    enterprise, web_for, coordinator_user
):
    # given a demand the coordinator sent back with a reason
    organization, user = enterprise
    demand = factories.DemandFactory(organization=organization, status="pending_review")
    coordinator = web_for(coordinator_user)
    coordinator.post(
        f"/coordinator/listings/demand/{demand.pk}/decide/",
        {"decision": "reject", "note": "请补充单位预算"},
    )
    client = web_for(user)
    page = f"/enterprise/demands/{demand.pk}/"
    assert "审核意见：请补充单位预算" in client.get(page).content.decode()
    # when the enterprise submits it again
    client.post(f"/enterprise/demands/{demand.pk}/submit/")
    # then the page waiting for review shows no note of the earlier review
    waiting = client.get(page).content.decode()
    assert "待审核" in waiting and "请补充单位预算" not in waiting
    # nor once it is published without a note
    coordinator.post(f"/coordinator/listings/demand/{demand.pk}/decide/", {"decision": "approve"})
    published = client.get(page).content.decode()
    assert "已发布" in published and "请补充单位预算" not in published


def test_a_resubmitted_offering_no_longer_shows_the_rejection_note(
    vendor, web_for, coordinator_user
):
    # given an offering the coordinator sent back with a reason
    organization, user = vendor
    offering = factories.OfferingFactory(
        organization=organization,
        attributes={"chipset": "BC260Y", "form_factor": "LGA"},  # a module's required ones
        status="pending_review",
    )
    web_for(coordinator_user).post(
        f"/coordinator/listings/offering/{offering.pk}/decide/",
        {"decision": "reject", "note": "缺少型号核准证书"},
    )
    client = web_for(user)
    assert "缺少型号核准证书" in client.get("/vendor/offerings/").content.decode()
    # when the vendor submits it again
    client.post(f"/vendor/offerings/{offering.pk}/submit/")
    # then its row reads as waiting for review, without the old note
    listing = client.get("/vendor/offerings/").content.decode()
    assert "待审核" in listing and "缺少型号核准证书" not in listing
