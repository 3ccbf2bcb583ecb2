"""Excel import in the browser: the template downloads, a file with a bad row shows that row's
errors and imports nothing, a good file previews cleanly and imports on confirmation."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from tests import factories

from .conftest import PASSWORD, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def module_row(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "module",
        "name": "BC260Y NB-IoT 模组",
        "model_number": "BC260Y-CN",
        "sectors": "municipal",
        "technologies": "nb_iot",
        "nationwide": "是",
        "price_min": 12.5,
        "price_max": 18,
        "annual_capacity": 5_000_000,
        "attributes.chipset": "Hi2115",
        "attributes.form_factor": "LCC",
        **overrides,
    }


def filled(template: bytes, rows: list[dict[str, Any]], path: Path) -> Path:
    """The downloaded template with `rows` (column code → value) typed into its first sheet."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    codes = [str(cell.value).rsplit("(", 1)[1].rstrip(")") for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(code) for code in codes])
    workbook.save(path)
    return path


@pytest.fixture
def vendor_page(reference_data, new_page):
    vendor = factories.OrganizationFactory(name="广和通（演示）", role=Organization.Role.VENDOR)
    user = factories.member(vendor, "fibocom")
    user.set_password(PASSWORD)
    user.save()
    page = new_page()
    login(page, "fibocom")
    return page


def test_a_file_with_a_bad_row_shows_its_errors_and_imports_nothing(vendor_page, tmp_path):
    page = vendor_page
    # given the template downloaded from the import page
    page.goto("/vendor/import/")
    with page.expect_download() as download:
        page.locator("#template-link").click()
    template = Path(download.value.path()).read_bytes()
    # and filled with one good row and two bad ones
    upload = filled(
        template,
        [
            module_row(),
            module_row(name="坏行：未知技术", technologies="lora"),
            module_row(name="坏行：价格倒挂", price_min=30, price_max=10),
        ],
        tmp_path / "offerings.xlsx",
    )

    # when it is imported for real (no dry run)
    page.get_by_label("供给文件").set_input_files(upload)
    page.get_by_label("仅预检").uncheck()
    page.get_by_role("button", name="上传").click()

    # then every bad row is reported with its problem, and nothing was imported
    report = page.locator("#import-report")
    report.wait_for()
    assert "没有导入任何数据" in report.inner_text()
    error_rows = page.locator("#row-report tr.row-errors")
    assert error_rows.count() == 2
    assert "lora" in error_rows.nth(0).inner_text()
    assert error_rows.nth(0).locator("td").first.inner_text() == "3"
    assert error_rows.nth(1).locator("td").first.inner_text() == "4"
    screenshot(page, "05-import-errors")
    assert Offering.objects.count() == 0


def test_a_good_file_previews_then_imports_on_confirmation(vendor_page, tmp_path):
    page = vendor_page
    page.goto("/vendor/import/")
    with page.expect_download() as download:
        page.locator("#template-link").click()
    upload = filled(
        Path(download.value.path()).read_bytes(),
        [module_row(), module_row(name="BC660K NB-IoT 模组", model_number="BC660K-GL")],
        tmp_path / "offerings.xlsx",
    )
    # when previewed (the dry run is the default)
    page.get_by_label("供给文件").set_input_files(upload)
    page.get_by_role("button", name="上传").click()
    page.locator("#import-report").wait_for()
    # then nothing is written yet, and both rows pass
    assert Offering.objects.count() == 0
    assert page.locator("#row-report tbody tr").count() == 2
    assert page.locator("#row-report tr.row-errors").count() == 0
    # when confirmed
    page.get_by_role("button", name="确认导入").click()
    page.locator("#import-report").wait_for()
    # then both offerings exist as drafts and the catalogue shows them
    assert "已全部导入" in page.locator("#import-report").inner_text()
    assert sorted(Offering.objects.values_list("name", "status")) == [
        ("BC260Y NB-IoT 模组", "draft"),
        ("BC660K NB-IoT 模组", "draft"),
    ]
    page.goto("/vendor/offerings/")
    assert "BC660K NB-IoT 模组" in page.locator("main").inner_text()
    screenshot(page, "06-vendor-catalogue")


def test_a_file_with_several_errors_per_row_is_fixed_in_one_round_and_submitted(
    vendor_page, tmp_path
):
    page = vendor_page
    page.goto("/vendor/import/")
    with page.expect_download() as download:
        page.locator("#template-link").click()
    template = Path(download.value.path()).read_bytes()
    # given a file in names (not codes) whose second row is wrong in three ways
    good = module_row(kind="模组", sectors="市政", technologies="NB-IoT", nationwide="是")
    bad = {**good, "name": "", "technologies": "LoRa", "price_min": 30, "price_max": 10}
    upload = filled(template, [good, bad], tmp_path / "offerings.xlsx")
    page.get_by_label("供给文件").set_input_files(upload)
    page.get_by_label("仅预检").uncheck()
    page.get_by_role("button", name="上传").click()
    # then the report lists all three problems of that row at once, with what was typed
    page.locator("#import-report").wait_for()
    errors = page.locator("#row-report tr.row-errors .row-error")
    assert errors.count() == 3
    assert [errors.nth(i).get_attribute("data-field") for i in range(3)] == [
        "name",
        "technologies",
        "price_min",
    ]
    assert "LoRa" in errors.nth(1).locator(".error-value").inner_text()
    assert "共 3 处错误" in page.locator("#error-count").inner_text()
    screenshot(page, "05b-import-all-errors")
    assert Offering.objects.count() == 0

    # when every problem is fixed in one round and the file imported again
    fixed = {**bad, "name": "BC660K NB-IoT 模组", "technologies": "NB-IoT", "price_min": 10,
             "price_max": 30}  # fmt: skip
    upload = filled(template, [good, fixed], tmp_path / "fixed.xlsx")
    page.get_by_label("供给文件").set_input_files(upload)
    page.get_by_label("仅预检").uncheck()
    page.get_by_role("button", name="上传").click()
    page.locator("#import-report").wait_for()
    assert "已全部导入" in page.locator("#import-report").inner_text()

    # and all of it is submitted for review in one action
    page.locator("#submit-all").click()
    report = page.locator("#submit-report")
    report.wait_for()
    assert report.locator("tr.submitted").count() == 2
    assert "已提交审核" in report.inner_text()
    screenshot(page, "05c-import-submitted")
    assert set(Offering.objects.values_list("status", flat=True)) == {"pending_review"}
