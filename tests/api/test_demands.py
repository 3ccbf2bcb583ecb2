"""Demands over the API: the enterprise's path, anonymity towards vendors, review."""

from decimal import Decimal

import pytest

from apps.demands.models import Demand
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db):
    factories.scenario("municipal.water_meter", "municipal")
    factories.kind("module")
    factories.kind("platform")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")
    factories.region("130100", "石家庄市")


def demand_payload(**overrides):
    return {
        "title": "河北省 20 万只 NB-IoT 智能水表",
        "description": "远程抄表，电池供电六年以上，地下井内安装。",
        "sector": "municipal",
        "scenario": "municipal.water_meter",
        "technologies": [],
        "power_source": "battery",
        "battery_life_years": "6",
        "coverage_depth": 2,
        "kinds_needed": ["module", "platform"],
        "regions": ["130000"],
        "volume": 200000,
        "unit_budget": "60.00",
        "certifications": [],
        "visibility": "anonymous",
        **overrides,
    }


def test_enterprise_posts_submits_and_coordinator_publishes(
    client_for, reference, enterprise_user, coordinator_user
):
    enterprise = client_for(enterprise_user)
    created = enterprise.post("/api/v1/demands", demand_payload(), format="json")
    assert created.status_code == 201, created.content
    demand_id = created.json()["id"]
    assert created.json()["organization"]["name"] == "河北水务（测试）"
    assert (
        enterprise.post(f"/api/v1/demands/{demand_id}/submit").json()["status"] == "pending_review"
    )
    published = client_for(coordinator_user).post(f"/api/v1/demands/{demand_id}/approve")
    assert published.json()["status"] == "published"
    assert published.json()["published_at"] is not None


def test_anonymous_demand_hides_the_enterprise_from_vendors(
    client_for, reference, enterprise_org, vendor_user, coordinator_user
):
    demand = factories.DemandFactory(organization=enterprise_org, visibility="anonymous")
    seen_by_vendor = client_for(vendor_user).get(f"/api/v1/demands/{demand.pk}").json()
    assert seen_by_vendor["title"] == demand.title
    assert seen_by_vendor["organization"] is None
    listed = client_for(vendor_user).get("/api/v1/demands").json()["results"]
    assert [d["organization"] for d in listed if d["id"] == demand.pk] == [None]
    seen_by_coordinator = client_for(coordinator_user).get(f"/api/v1/demands/{demand.pk}").json()
    assert seen_by_coordinator["organization"]["id"] == enterprise_org.pk


def test_public_demand_names_the_enterprise(client_for, reference, enterprise_org, vendor_user):
    demand = factories.DemandFactory(organization=enterprise_org, visibility="public")
    body = client_for(vendor_user).get(f"/api/v1/demands/{demand.pk}").json()
    assert body["organization"]["name"] == enterprise_org.name


def test_coordinator_only_and_draft_demands_stay_private(
    client_for, reference, enterprise_org, vendor_user
):
    private = factories.DemandFactory(organization=enterprise_org, visibility="coordinators")
    draft = factories.DemandFactory(organization=enterprise_org, status="draft")
    client = client_for(vendor_user)
    assert client.get(f"/api/v1/demands/{private.pk}").status_code == 404
    assert client.get(f"/api/v1/demands/{draft.pk}").status_code == 404


def test_demands_require_sign_in(api, reference, enterprise_org):
    demand = factories.DemandFactory(organization=enterprise_org)
    response = api.get(f"/api/v1/demands/{demand.pk}")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_scenario_must_belong_to_the_sector(client_for, reference, enterprise_user):
    factories.sector("smart_grid")
    response = client_for(enterprise_user).post(
        "/api/v1/demands", demand_payload(sector="smart_grid"), format="json"
    )
    assert response.status_code == 400
    assert "scenario" in response.json()["error"]["fields"]
    assert not Demand.objects.exists()


def test_battery_power_requires_a_battery_life(client_for, reference, enterprise_user):
    response = client_for(enterprise_user).post(
        "/api/v1/demands", demand_payload(battery_life_years=None), format="json"
    )
    assert response.status_code == 400
    assert "battery_life_years" in response.json()["error"]["fields"]


def test_battery_life_takes_a_quarter_year_and_refuses_finer(
    client_for, reference, enterprise_user
):
    enterprise = client_for(enterprise_user)
    # a seasonal tracker: three months on one charge
    created = enterprise.post(
        "/api/v1/demands", demand_payload(battery_life_years="0.25"), format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["battery_life_years"] == "0.25"
    assert Demand.objects.get().battery_life_years == Decimal("0.25")
    finer = enterprise.post(
        "/api/v1/demands", demand_payload(battery_life_years="0.125"), format="json"
    )
    assert finer.status_code == 400
    assert "battery_life_years" in finer.json()["error"]["fields"]
    assert Demand.objects.count() == 1


def test_closed_demand_cannot_be_edited(client_for, reference, enterprise_org, enterprise_user):
    demand = factories.DemandFactory(organization=enterprise_org, status="closed")
    response = client_for(enterprise_user).patch(
        f"/api/v1/demands/{demand.pk}", {"volume": 5}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_editable"


def test_a_demand_needs_its_scenarios_functions_unless_it_says_otherwise(
    client_for, reference, enterprise_user
):
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)
    client = client_for(enterprise_user)
    # given no functions: the water-meter scenario's
    created = client.post("/api/v1/demands", demand_payload(), format="json")
    assert created.status_code == 201, created.content
    assert "water_meter" in created.json()["functions"]
    assert "platform_metering" in created.json()["functions"]
    assert created.json()["technology_flexible"] is True
    # stated functions are kept as stated
    stated = client.post(
        "/api/v1/demands",
        demand_payload(functions=["platform_device"], technology_flexible=False),
        format="json",
    )
    assert stated.json()["functions"] == ["platform_device"]
    assert stated.json()["technology_flexible"] is False
    # an unknown function is refused with the field named
    unknown = client.post(
        "/api/v1/demands", demand_payload(functions=["teleporter"]), format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "invalid"
    assert unknown.json()["error"]["fields"]["functions"] == ["未知代码：teleporter"]
    assert Demand.objects.count() == 2


def test_a_budget_in_a_unit_no_needed_kind_is_priced_in_is_refused(
    client_for, reference, enterprise_user
):
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)
    client = client_for(enterprise_user)
    # a terminal demand budgeted per card-year: terminals are priced per device
    wrong = client.post(
        "/api/v1/demands",
        demand_payload(kinds_needed=["terminal"], budget_unit="card_year"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["budget_unit"] == [
        "None of the kinds needed is priced in this unit: Terminal."
    ]
    # per device-year fits a platform among the kinds needed
    right = client.post(
        "/api/v1/demands",
        demand_payload(kinds_needed=["terminal", "platform"], budget_unit="device_year"),
        format="json",
    )
    assert right.status_code == 201, right.content
    assert right.json()["budget_unit"] == "device_year"
    assert Demand.objects.count() == 1


def test_a_positioning_method_is_stored_and_only_with_the_need_for_positioning(
    client_for, reference, enterprise_user
):
    client = client_for(enterprise_user)
    # an unknown method is refused by name
    unknown = client.post(
        "/api/v1/demands",
        demand_payload(needs_positioning=True, positioning_method="radar"),
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "invalid_choice"
    assert "positioning_method" in unknown.json()["error"]["fields"]
    # a method without the need for positioning says what to do, in the reader's language
    orphan = client.post(
        "/api/v1/demands",
        demand_payload(needs_positioning=False, positioning_method="uwb"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert orphan.status_code == 400
    assert orphan.json()["error"]["fields"]["positioning_method"] == [
        "A positioning method goes with a need for positioning: tick "
        "“Needs positioning”, or clear the method."
    ]
    assert not Demand.objects.exists()
    # with the need it is stored and read back
    created = client.post(
        "/api/v1/demands",
        demand_payload(needs_positioning=True, positioning_method="uwb"),
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["positioning_method"] == "uwb"
    assert Demand.objects.get().positioning_method == "uwb"


def test_a_demand_may_deploy_in_a_county_and_an_unknown_county_is_refused_by_name(
    client_for, reference, enterprise_user
):
    # given a county of Shijiazhuang among the reference regions
    factories.region("130102", "长安区")
    client = client_for(enterprise_user)
    # when a demand names it, it is kept as named
    created = client.post("/api/v1/demands", demand_payload(regions=["130102"]), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["regions"] == ["130102"]
    # and a county code the reference data lacks is refused on its field, in the reader's tongue
    unknown = client.post(
        "/api/v1/demands",
        demand_payload(regions=["130199"]),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "invalid"
    assert unknown.json()["error"]["fields"]["regions"] == ["Unknown codes: 130199"]
    assert Demand.objects.count() == 1
