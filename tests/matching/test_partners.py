"""Stored partner suggestions: computed by the worker, read by the vendor's partner page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.matching import tasks
from apps.matching.models import PartnerSuggestion
from apps.matching.partners import partner_suggestions_refresh
from apps.matching.selectors import partner_suggestion_list
from tests import factories

from .test_services import reference  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """A module maker and a terminal maker whose NB-IoT products together serve an open
    demand for modules and terminals, and a platform vendor nobody's demand needs."""
    module_maker = factories.OrganizationFactory(name="移远通信", role=Organization.Role.VENDOR)
    terminal_maker = factories.OrganizationFactory(name="宁水集团", role=Organization.Role.VENDOR)
    bystander = factories.OrganizationFactory(name="OneNET 平台", role=Organization.Role.VENDOR)
    module = factories.OfferingFactory(
        organization=module_maker,
        kind=factories.kind("module"),
        name="BC260Y 模组",
        technologies=["nb_iot"],
        protocols=["lwm2m"],
    )
    terminal = factories.OfferingFactory(
        organization=terminal_maker,
        kind=factories.kind("terminal"),
        name="NB-IoT 智能水表",
        technologies=["nb_iot"],
        protocols=["lwm2m"],
        price_min=80,
        price_max=120,
    )
    factories.OfferingFactory(
        organization=bystander,
        kind=factories.kind("platform"),
        name="OneNET 设备管理",
        technologies=[],
        protocols=["mqtt"],
        price_min=1,
        price_max=2,
    )
    demand = factories.DemandFactory(
        title="石家庄智能水表整机采购", kinds_needed=["module", "terminal"]
    )
    return {
        "module_maker": module_maker,
        "terminal_maker": terminal_maker,
        "bystander": bystander,
        "module": module,
        "terminal": terminal,
        "demand": demand,
    }


def stored_rows() -> list[tuple]:
    return list(
        PartnerSuggestion.objects.order_by("id").values_list(
            "id",
            "organization_id",
            "partner_id",
            "kinds",
            "demand_ids",
            "demand_count",
            "volume",
            "explanation_zh",
            "explanation_en",
        )
    )


def partners_page(organization: Organization, username: str, language: str = "zh-hans") -> str:
    client = Client(headers={"accept-language": language})
    client.force_login(factories.member(organization, username))
    # The locale middleware leaves the request's language active; keep it out of later tests.
    with translation.override(settings.LANGUAGE_CODE):
        response = client.get("/vendor/partners/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_module_maker_and_a_terminal_maker_are_suggested_to_each_other(chain):
    # given a module and a terminal that together serve an open module + terminal demand
    # when the partner suggestions are refreshed
    stored = partner_suggestions_refresh()
    # then each maker has the other as its partner, for that demand
    assert stored == 2
    [for_module_maker] = partner_suggestion_list(organization_id=chain["module_maker"].pk)
    assert for_module_maker.partner == chain["terminal_maker"]
    assert for_module_maker.kinds == ["terminal"]
    assert for_module_maker.demand_ids == [chain["demand"].pk]
    assert for_module_maker.demand_count == 1
    assert "共同满足 1 个开放需求" in for_module_maker.explanation_zh
    assert "together you could serve 1 open demand" in for_module_maker.explanation_en
    [for_terminal_maker] = partner_suggestion_list(organization_id=chain["terminal_maker"].pk)
    assert for_terminal_maker.partner == chain["module_maker"]
    assert for_terminal_maker.kinds == ["module"]


def test_a_vendor_never_sees_another_vendors_suggestions(chain):
    # given stored suggestions for the module and terminal makers
    partner_suggestions_refresh()
    # when the platform vendor, whom no open demand needs, reads its own
    listed = list(partner_suggestion_list(organization_id=chain["bystander"].pk))
    page = partners_page(chain["bystander"], "onenet")
    # then it has none, and the page shows none of the others' pairing
    assert listed == []
    assert "宁水集团" not in page and "石家庄智能水表整机采购" not in page
    assert "还没有为您计算出合作伙伴推荐" in page
    # and each maker's list holds its own rows only
    for maker in (chain["module_maker"], chain["terminal_maker"]):
        rows = partner_suggestion_list(organization_id=maker.pk)
        assert {row.organization_id for row in rows} == {maker.pk}


def test_refreshing_twice_stores_the_same_rows(chain):
    # given a first refresh
    partner_suggestions_refresh()
    first = stored_rows()
    # when the refresh runs again on an unchanged market
    partner_suggestions_refresh()
    # then the very same rows are there (no duplicates, nothing renumbered)
    assert stored_rows() == first
    assert len(first) == 2


def test_a_refresh_drops_a_partner_whose_offering_left_the_market(chain):
    # given stored suggestions
    partner_suggestions_refresh()
    # when the terminal is archived and the suggestions are refreshed
    Offering.objects.filter(pk=chain["terminal"].pk).update(status=Offering.Status.ARCHIVED)
    partner_suggestions_refresh()
    # then neither maker is suggested any more
    assert stored_rows() == []


def test_refreshing_one_vendor_leaves_the_others_rows_alone(chain):
    # given stored suggestions for both makers
    partner_suggestions_refresh()
    before = list(
        partner_suggestion_list(organization_id=chain["terminal_maker"].pk).values_list(
            "id", "computed_at"
        )
    )
    # when only the module maker is refreshed, after its module was archived
    Offering.objects.filter(pk=chain["module"].pk).update(status=Offering.Status.ARCHIVED)
    partner_suggestions_refresh(vendor_ids=[chain["module_maker"].pk])
    # then the module maker's rows go and the terminal maker's stay as they were
    assert not partner_suggestion_list(organization_id=chain["module_maker"].pk).exists()
    after = partner_suggestion_list(organization_id=chain["terminal_maker"].pk)
    assert list(after.values_list("id", "computed_at")) == before


def test_the_celery_task_and_matching_rebuild_store_suggestions(chain):
    # when the beat task runs (in this process)
    assert tasks.partner_suggestions_refresh.apply().get() == 2
    PartnerSuggestion.objects.all().delete()
    # and when an operator (or seed_demo) rebuilds matching
    call_command("matching_rebuild", stdout=None)
    # then the suggestions are stored again
    assert PartnerSuggestion.objects.count() == 2


def test_the_partner_page_shows_the_stored_suggestions(chain):
    # given stored suggestions
    partner_suggestions_refresh()
    # when the module maker opens its partner page, in Chinese and in English
    page = partners_page(chain["module_maker"], "quectel")
    english = partners_page(chain["module_maker"], "quectel", language="en")
    # then it names the terminal maker, what it supplies and the demand they could serve
    assert "宁水集团" in page
    assert "石家庄智能水表整机采购" in page
    assert "与您的产品组合可共同满足 1 个开放需求" in page
    assert "推荐更新于" in page
    assert "together you could serve 1 open demand" in english
    assert "Suggestions computed on" in english


def test_the_partner_page_does_not_compute_suggestions_itself(chain):
    # given a market with a complementary pair but no stored suggestions yet
    # when the module maker opens its partner page
    page = partners_page(chain["module_maker"], "quectel")
    english = partners_page(chain["module_maker"], "quectel", language="en")
    # then the page says nothing has been computed yet
    assert "宁水集团" not in page
    assert "还没有为您计算出合作伙伴推荐" in page
    assert "No partner suggestions have been computed for you yet" in english
