"""The coordinator's mismatch radar in a real browser: its figures are the independently
computed ones, the colour legend is there, the charts are drawn, a province drills down, the
export downloads, and a phone shows it without sideways scrolling in Chinese and English."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.matching.radar_market import build_market, expected, grouped

from .conftest import PASSWORD, screenshot

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
def radar_market(reference_data):
    build_market()
    coordinator = factories.coordinator("coordinator")
    coordinator.set_password(PASSWORD)
    coordinator.save()


def sign_in(page) -> None:
    """Log in as the coordinator whatever the page's language."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("coordinator")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_radar(page) -> None:
    page.goto("/coordinator/dashboard/")
    for chart in ("#heatmap", "#trend", "#provinces-chart"):
        page.locator(f"{chart} canvas").first.wait_for()
        page.wait_for_function(f"({CANVAS_INK})('{chart}') > 500")


def test_the_radar_shows_the_independent_figures_draws_its_charts_and_drills_down(
    radar_market, new_page
):
    figures = expected()
    page = new_page()
    sign_in(page)
    open_radar(page)
    # then the market's figures are those computed independently, digits grouped
    total = figures[("", "", "")]
    summary = page.locator("#radar-summary")
    assert summary.locator('[data-measure="demanded"]').inner_text() == grouped(total.demanded)
    assert summary.locator('[data-measure="covered"]').inner_text() == grouped(total.covered)
    assert summary.locator('[data-measure="unmet"]').inner_text() == grouped(total.unmet)
    assert summary.locator('[data-measure="coverage"]').inner_text() == f"{total.coverage:.1%}"
    # and so is every province row
    for (sector, _, province), f in figures.items():
        if sector or not province:
            continue
        row = page.locator(f'#province-table tr[data-province="{province}"]')
        assert row.locator('[data-measure="demanded"]').inner_text() == grouped(f.demanded)
        assert row.locator('[data-measure="unmet"]').inner_text() == grouped(f.unmet)
    # and the legend names the five colours of the scale
    legend = page.locator("#radar-legend li")
    assert legend.count() == 5 and legend.first.is_visible()
    assert "严重缺口" in legend.first.inner_text() and "严重富余" in legend.last.inner_text()
    screenshot(page, "11-mismatch-radar")

    # when Hebei is followed, the demands behind its figure load in place, each once
    hebei = figures[("", "", "130000")]
    page.locator('#province-table tr[data-province="130000"] a').click()
    page.locator("#cell-detail table.cell-demands").wait_for()
    detail = page.locator("#cell-detail")
    assert detail.locator('[data-measure="demanded"]').inner_text() == grouped(hebei.demanded)
    titles = detail.locator("tr[data-demand] td:first-child").all_inner_texts()
    assert sorted(titles) == sorted(hebei.titles)

    # when a heatmap square is clicked (municipal × NB-IoT), its demands load in place
    data = page.evaluate("() => JSON.parse(document.getElementById('dashboard-data').textContent)")
    heat = data["heatmap"]
    x, y = heat["tech_codes"].index("nb_iot"), heat["sector_codes"].index("municipal")
    point = page.evaluate(
        "([x, y]) => echarts.getInstanceByDom(document.getElementById('heatmap'))"
        ".convertToPixel({seriesIndex: 0}, [x, y])",
        [x, y],
    )
    page.locator("#heatmap").scroll_into_view_if_needed()
    box = page.locator("#heatmap").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_function(
        "() => document.querySelectorAll('#cell-detail tr[data-demand]').length === "
        f"{len(figures[('municipal', 'nb_iot', '')].titles)}"
    )
    titles = detail.locator("tr[data-demand] td:first-child").all_inner_texts()
    assert sorted(titles) == sorted(figures[("municipal", "nb_iot", "")].titles)
    page.locator("#cell-detail").screenshot(path=str(screenshot(page, "11-mismatch-radar-cell")))

    # and the export is a workbook with the same cell figures
    with page.expect_download() as download:
        page.locator("#export-link").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
    rows = {row[:3]: row[6] for row in cells}
    assert rows[("municipal", "nb_iot", "130000")] == round(
        figures[("municipal", "nb_iot", "130000")].demanded
    )


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_the_radar_fits_a_phone_in_both_languages(radar_market, new_page, language):
    total = expected()[("", "", "")]
    page = new_page(width=390, height=844, language=language)
    sign_in(page)
    open_radar(page)
    # then the figures and the legend are on screen in the page's language
    demanded = page.locator('#radar-summary [data-measure="demanded"]')
    assert demanded.inner_text() == grouped(total.demanded)
    legend = page.locator("#radar-legend").inner_text()
    assert ("Severe shortfall" in legend) == (language == "en-US")
    assert ("严重缺口" in legend) == (language == "zh-CN")
    # and nothing is wider than the screen, drill-down open or not
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator('#province-table tr[data-province="130000"] a').click()
    page.locator("#cell-detail table.cell-demands").wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, f"11-mismatch-radar-phone-{language}")
