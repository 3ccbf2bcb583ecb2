"""The coordinator's mismatch dashboard: figures, trend, drill-down and export from the stored
snapshots and flags."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_market(reference):
    """Hebei wants 1,000,000 NB-IoT water-meter modules a year; the only vendor makes 10,000."""
    vendor = factories.OrganizationFactory(name="小厂模组", role=Organization.Role.VENDOR)
    factories.OfferingFactory(
        organization=vendor,
        kind=factories.kind("module"),
        sectors=["municipal"],
        technologies=["nb_iot"],
        annual_capacity=10_000,
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
    )
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    for title in ("石家庄智能水表 50 万只", "保定智能燃气表 50 万只"):
        factories.DemandFactory(
            organization=enterprise,
            title=title,
            sector=factories.sector("municipal"),
            technologies=["nb_iot"],
            kinds_needed=["module"],
            regions=["130000"],
            volume=500_000,
            status=Demand.Status.PUBLISHED,
        )
    for demand in Demand.objects.all():
        services.demand_match(demand_id=demand.pk)
    # Two aggregation runs, so the trend has two points.
    services.mismatch_aggregate()
    services.mismatch_aggregate()


def test_the_dashboard_shows_the_latest_figures_and_the_trend(short_market, web_for):
    # given a coordinator
    client = web_for(factories.coordinator())
    # when the dashboard is opened
    body = client.get("/coordinator/dashboard/").content.decode()
    # then the figures come from the latest snapshot and the open flags
    figures = re.findall(r'<span class="figure">(\d+)</span>', body)
    cells, demands_flagged, demanded, capacity = (int(f) for f in figures)
    assert cells >= 1
    assert demands_flagged == 2
    assert demanded == 1_000_000
    assert capacity == 10_000
    assert "河北" in body
    # and the trend has one point per aggregation run with the shortfall
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S)[1])
    trend = charts["trend"]
    assert len(trend["dates"]) == 2
    demanded_series, capacity_series, gap_series = (s["data"] for s in trend["series"])
    assert demanded_series == [1_000_000, 1_000_000]
    assert capacity_series == [10_000, 10_000]
    # (the vendor serves nationwide, so part of its capacity sits in cells nobody demands)
    assert gap_series[0] == gap_series[1]
    assert 990_000 <= gap_series[0] < 1_000_000


def test_the_dashboard_before_any_aggregation_says_there_is_no_data(reference, web_for):
    # when a coordinator opens the dashboard of an empty market
    body = web_for(factories.coordinator()).get("/coordinator/dashboard/").content.decode()
    # then it says the figures appear after the background aggregation
    assert "暂无错配数据（后台汇总任务运行后显示）。" in body


def test_a_province_drills_down_into_its_demands_and_their_flags(short_market, web_for):
    # when the coordinator follows Hebei
    client = web_for(factories.coordinator())
    body = client.get("/coordinator/dashboard/cell/?province=130000").content.decode()
    # then the demands behind it are listed with their open capacity flags
    assert "石家庄智能水表 50 万只" in body and "保定智能燃气表 50 万只" in body
    assert body.count('class="badge high"') + body.count('class="badge medium"') >= 2


def test_the_export_holds_the_latest_cells_and_the_open_flags(short_market, web_for):
    # when the coordinator exports the dashboard
    response = web_for(factories.coordinator()).get("/coordinator/dashboard/export.xlsx")
    # then the workbook lists the Hebei cell once (latest run only) and the open flags
    workbook = load_workbook(io.BytesIO(response.content))
    cells, flags = workbook.worksheets
    rows = list(cells.iter_rows(min_row=2, values_only=True))
    hebei = [row for row in rows if row[2] == "130000"]
    assert len(hebei) == 1 and hebei[0][3] == 1_000_000
    codes = {row[2] for row in flags.iter_rows(min_row=2, values_only=True)}
    assert "capacity_shortfall" in codes


def test_the_dashboard_is_for_coordinators_only(short_market, web_for):
    # given a vendor's member
    vendor = Organization.objects.get(name="小厂模组")
    client = web_for(factories.member(vendor, "small"))
    # when they try the dashboard and its export
    # then both are refused
    assert client.get("/coordinator/dashboard/").status_code == 403
    assert client.get("/coordinator/dashboard/export.xlsx").status_code == 403
