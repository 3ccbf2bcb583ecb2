"""Forms people can fill: an error summary of every problem at once in the field's own words,
required markers, drafts saved incomplete, dates not in the past, limits refused not cut, a
region picker with cities and 全国, and attribute choices shown by name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.catalog.models import Offering
from apps.demands.models import Demand
from tests import factories

from .test_listings import demand_data

pytestmark = pytest.mark.django_db


def offering_data(**overrides):
    return {
        "kind": "module",
        "function": "module_lpwa",
        "name": "BC260Y NB-IoT 模组",
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
        **overrides,
    }


def summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))


def test_every_problem_of_a_submitted_demand_is_listed_at_once_in_its_own_words(
    enterprise, web_for
):
    # given a demand wrong in four ways: volume 0, a start date last year, no kind needed,
    # battery-powered without a battery life (the last two are the service's checks)
    last_year = timezone.localdate() - dt.timedelta(days=365)
    response = web_for(enterprise[1]).post(
        "/enterprise/demands/new/",
        demand_data(
            volume="0",
            start_date=last_year.isoformat(),
            kinds_needed=[],
            battery_life_years="",
            submit="",
        ),
    )
    # then nothing is saved and the summary links each problem to its field
    assert response.status_code == 200
    assert not Demand.objects.exists()
    links = dict(summary_links(response.content.decode()))
    assert links["id_volume"] == "规模（连接数/台数）：规模至少为 1。"
    assert links["id_start_date"].endswith("计划启动日期不能早于今天。")
    assert links["id_kinds_needed_0"].endswith("至少选择一种所需供给类型。")
    assert links["id_battery_life_years"].endswith("电池供电时请填写电池寿命要求。")
    assert "确保该值" not in response.content.decode()


def test_price_range_is_reported_with_the_field_errors_not_after(vendor, web_for):
    response = web_for(vendor[1]).post(
        "/vendor/offerings/new/",
        offering_data(price_min="30", price_max="10", annual_capacity="很多", submit=""),
    )
    errors = response.context["form"].errors
    assert errors["annual_capacity"] == ["年产能/服务能力请填写整数。"]
    assert errors["price_min"] == ["单价下限不能高于上限。"]
    assert not Offering.objects.exists()


def test_a_draft_saves_with_only_a_title_and_submitting_asks_for_the_rest(enterprise, web_for):
    organization, user = enterprise
    client = web_for(user)
    # when only the title is filled in and saved as a draft
    response = client.post(
        "/enterprise/demands/new/",
        {"title": "还在想的需求", "mobility": "0", "power_source": "mains", "coverage_depth": "0",
         "visibility": "public", "save": ""},
    )  # fmt: skip
    # then the draft exists and its page opens
    demand = Demand.objects.get(organization=organization)
    assert response.url == f"/enterprise/demands/{demand.pk}/"
    assert demand.status == Demand.Status.DRAFT and demand.sector is None
    assert demand.volume is None
    assert client.get(response.url).status_code == 200
    # when it is submitted as it is, the service says what is missing
    page = client.post(f"/enterprise/demands/{demand.pk}/submit/", follow=True)
    text = page.content.decode()
    assert "请选择行业。" in text and "请填写规模（连接数/台数）。" in text
    demand.refresh_from_db()
    assert demand.status == Demand.Status.DRAFT
    # and the edit form lists the same with the fields marked, in one go
    edit = client.post(
        f"/enterprise/demands/{demand.pk}/edit/",
        {"title": "还在想的需求", "mobility": "0", "power_source": "mains", "coverage_depth": "0",
         "visibility": "public", "submit": ""},
    )  # fmt: skip
    anchors = {anchor for anchor, _ in summary_links(edit.content.decode())}
    assert {"id_sector", "id_volume", "id_kinds_needed_0", "id_regions_search"} <= anchors


def test_an_offering_draft_needs_only_a_kind_and_a_name(vendor, web_for):
    organization, user = vendor
    client = web_for(user)
    client.post("/vendor/offerings/new/", {"kind": "module", "name": "草稿模组", "save": ""})
    offering = Offering.objects.get(organization=organization)
    assert offering.status == Offering.Status.DRAFT and offering.price_min is None
    assert "草稿模组" in client.get("/vendor/offerings/").content.decode()
    assert client.get(f"/offerings/{offering.pk}/").status_code == 200  # its own page, no price
    page = client.post(f"/vendor/offerings/{offering.pk}/submit/", follow=True)
    assert "请填写单价下限（元）。" in page.content.decode()
    offering.refresh_from_db()
    assert offering.status == Offering.Status.DRAFT


def test_text_over_the_limit_is_refused_with_a_message_never_cut(enterprise, web_for):
    client = web_for(enterprise[1])
    page = client.get("/enterprise/demands/new/").content.decode()
    title_input = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    assert " maxlength=" not in title_input and 'data-maxlength="200"' in title_input
    response = client.post("/enterprise/demands/new/", demand_data(title="水" * 205, save=""))
    assert response.context["form"].errors["title"] == [
        "需求标题最多 200 字，现在有 205 字，请删减。"
    ]
    assert not Demand.objects.exists()


def test_needed_fields_are_marked_and_the_region_picker_has_cities_and_nationwide(
    enterprise, web_for
):
    page = web_for(enterprise[1]).get("/enterprise/demands/new/").content.decode()
    volume_label = re.search(r'<label for="id_volume">.*?</label>', page, re.S).group(0)
    assert "needed-mark" in volume_label and "（必填）" in volume_label
    description = re.search(r'<label for="id_description">.*?</label>', page, re.S).group(0)
    assert "needed-mark" not in description
    # provinces with their cities folded beneath, a search box and 全国
    assert 'id="id_regions_search"' in page
    assert 'value="130000"' in page and 'value="130100"' in page  # 河北省, 石家庄市
    assert re.search(r'class="check region-nationwide">.*?name="nationwide"', page, re.S)
    assert "全国" in page


def test_attribute_choices_are_shown_by_name(vendor, web_for):
    client = web_for(vendor[1])
    step = client.get("/vendor/offerings/attributes/?kind=connectivity").content.decode()
    assert ">中国移动<" in step and ">cmcc<" not in step
    assert "插拔卡" in step  # card forms: checkboxes by name, not a comma-separated code list
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get("/vendor/offerings/attributes/?kind=platform").content.decode()
    assert "Public cloud" in english and "公有云" not in english


def test_a_published_offering_is_not_saved_with_a_needed_field_emptied(vendor, web_for):
    # given a published offering (drafts may be saved incomplete, listings on show may not)
    organization, user = vendor
    offering = factories.OfferingFactory(
        organization=organization,
        kind=factories.kind("module"),
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
    )
    price = offering.price_min
    # when it is saved with its lower price cleared
    response = web_for(user).post(
        f"/vendor/offerings/{offering.pk}/", offering_data(price_min="", save="")
    )
    # then the field says so and the listing keeps its price and status
    assert response.status_code == 200
    assert response.context["form"].errors["price_min"] == ["请填写单价下限（元）。"]
    offering.refresh_from_db()
    assert offering.price_min == price and offering.status == Offering.Status.PUBLISHED


def test_a_demand_page_says_which_pre_filled_terminals_its_title_rules_out(enterprise, web_for):
    # given a canal-gate tender whose functions were pre-filled from the irrigation scenario
    organization, user = enterprise
    demand = factories.DemandFactory(
        organization=organization,
        title="灌区干渠闸门测控一体化改造",
        description="闸门、水位、流量计算，远程调度。",
        sector=factories.sector("smart_agriculture"),
        scenario=factories.scenario("smart_agriculture.irrigation"),
    )
    assert "soil_sensor" in demand.functions
    client = web_for(user)
    # when its owner opens it, in Chinese and in English
    zh = client.get(f"/enterprise/demands/{demand.pk}/").content.decode()
    en = client.get(f"/enterprise/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then the page says soil sensors will not be recommended, and how to ask for them
    assert 'data-testid="functions-not-sought"' in zh and "土壤墒情/气象传感器" in zh
    assert "these are not recommended: Soil-moisture / weather sensor" in en
