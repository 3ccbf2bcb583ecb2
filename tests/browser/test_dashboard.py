"""The coordinator's mismatch dashboard draws its charts from the stored snapshots, drills
down into a cell, and exports to Excel."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching import services as matching_services
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# Non-blank pixels over a chart's canvases (ECharts draws in layers; blank canvases have none).
CANVAS_INK = """(selector) => {
  let ink = 0;
  for (const canvas of document.querySelectorAll(selector + ' canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
  }
  return ink;
}"""


@pytest.fixture
def short_market(reference_data):
    """Hebei wants far more NB-IoT water meters than the one small vendor can make."""
    vendor = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    factories.OfferingFactory(
        organization=vendor,
        kind=factories.kind("module"),
        sectors=["municipal"],
        technologies=["nb_iot"],
        annual_capacity=10_000,
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
    )
    enterprise = factories.OrganizationFactory(role=Organization.Role.ENTERPRISE)
    for title in ("石家庄智能水表 50 万只", "保定智能燃气表 30 万只"):
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
    # The beat task's work, called directly (twice, so the trend has two points).
    for demand in Demand.objects.all():
        matching_services.demand_match(demand_id=demand.pk)
    matching_services.mismatch_aggregate()
    matching_services.mismatch_aggregate()
    coordinator = factories.coordinator("coordinator")
    coordinator.set_password(PASSWORD)
    coordinator.save()


def test_the_dashboard_draws_heatmap_trend_and_provinces_and_drills_down(
    short_market, new_page, tmp_path
):
    page = new_page()
    login(page, "coordinator")
    page.goto("/coordinator/dashboard/")
    # then each chart is drawn on a canvas with something on it
    for chart in ("#heatmap", "#trend", "#provinces-chart"):
        page.locator(f"{chart} canvas").first.wait_for()
        page.wait_for_function(f"({CANVAS_INK})('{chart}') > 500")
    assert "河北" in page.locator("#province-table").inner_text()
    screenshot(page, "11-mismatch-dashboard")

    # when the province row is followed, the demands behind it load in place
    page.locator("#province-table a", has_text="河北").click()
    page.locator("#cell-detail table").wait_for()
    assert "石家庄智能水表" in page.locator("#cell-detail").inner_text()

    # and the export is a workbook with the cells
    with page.expect_download() as download:
        page.locator("#export-link").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert ("municipal", "nb_iot", "130000") in {row[:3] for row in rows[1:]}
