"""Catalogue import and export through the services: template, all-or-nothing, CSV, round trip."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.catalog.models import Offering
from apps.core.exceptions import BusinessError
from apps.imports.reading import MAX_ROWS
from apps.imports.services import (
    import_offerings,
    import_template_workbook,
    offerings_export,
)
from tests import factories

from .sheets import csv_bytes, fill_template, good_row, plain_xlsx

pytestmark = pytest.mark.django_db


def run(user, org, content: bytes, *, filename: str = "offerings.xlsx", dry_run: bool = False):
    return import_offerings(
        actor=user, organization=org, filename=filename, content=content, dry_run=dry_run
    )


def test_template_has_coded_chinese_headers_instructions_and_a_named_example(reference):
    # when
    workbook = load_workbook(io.BytesIO(import_template_workbook()))
    # then
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[:3] == ["编号 (id)", "供给类型 (kind)", "名称 (name)"]
    assert "单价下限（元） (price_min)" in header
    assert "属性：芯片平台 (attributes.chipset)" in header
    assert workbook.worksheets[0].max_row == 1  # nothing to delete before filling it in
    assert workbook.sheetnames == ["供给", "示例", "填写说明"]
    instructions = {
        str(cell.value) for row in workbook["填写说明"].iter_rows() for cell in row if cell.value
    }
    for code in (
        "module",
        "municipal",
        "nb_iot",
        "srrc",
        "mqtt",
        "130000",
        "130100",
        "water_meter",
    ):
        assert code in instructions
    # the example speaks the reader's words, not codes
    example = [cell.value for cell in workbook["示例"][2]]
    assert example[header.index("供给类型 (kind)")] == "模组"
    assert example[header.index("网络技术 (technologies)")] == "NB-IoT"
    assert example[header.index("服务区域 (regions)")] == "河北省, 北京市"


def test_the_example_row_itself_imports(reference, vendor_org, vendor_user):
    # given the example sheet's row copied into the offerings sheet
    workbook = load_workbook(io.BytesIO(import_template_workbook()))
    workbook.worksheets[0].append([cell.value for cell in workbook["示例"][2]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when
    report = run(vendor_user, vendor_org, buffer.getvalue())
    # then
    assert report.errors == []
    assert report.committed


def test_filled_template_creates_draft_offerings_with_the_given_fields(
    reference, vendor_org, vendor_user
):
    # given
    content = fill_template(
        [
            good_row(),
            good_row(
                kind="terminal",
                function="water_meter",
                name="NB-IoT 智能水表",
                nationwide="是",
                regions=None,
                sectors="municipal",
                scenarios="municipal.water_meter",
                protocols="cjt188, lwm2m",
                price_min="180",
                price_max="260.50",
                min_order=500,
                lead_time_days=45,
                **{
                    "attributes.chipset": None,
                    "attributes.form_factor": None,
                    "attributes.psm_edrx": None,
                    "attributes.ip_rating": "IP68",
                    "attributes.battery_mah": 19000,
                    "attributes.interfaces": "M-Bus、RS485",
                },
            ),
        ]
    )
    # when
    report = run(vendor_user, vendor_org, content)
    # then
    assert report.errors == []
    assert (report.committed, report.creates, report.updates) == (True, 2, 0)
    module, meter = Offering.objects.filter(organization=vendor_org).order_by("id")
    assert [row.offering_id for row in report.rows] == [module.pk, meter.pk]
    assert module.status == Offering.Status.DRAFT
    assert module.kind_id == "module"
    assert module.sectors == ["municipal", "smart_grid"]
    assert module.regions == ["130000", "110000"]
    assert module.certifications == ["ccc", "srrc"]
    assert module.nationwide is False
    assert module.price_min == Decimal("12.50")
    assert module.annual_capacity == 5_000_000
    assert module.min_order == 1 and module.lead_time_days == 30  # blank cells: defaults
    assert module.attributes == {"chipset": "Hi2115", "form_factor": "LCC", "psm_edrx": True}
    assert meter.nationwide is True and meter.regions == []
    assert meter.protocols == ["cjt188", "lwm2m"]
    assert (meter.price_min, meter.price_max) == (Decimal("180"), Decimal("260.50"))
    assert (meter.min_order, meter.lead_time_days) == (500, 45)
    # a function in the file is the vendor's word; a blank one is the platform's guess
    assert (meter.function_id, meter.function_confirmed) == ("water_meter", True)
    assert (module.function_id, module.function_confirmed) == ("module_lpwa", False)
    assert meter.attributes == {
        "ip_rating": "IP68",
        "battery_mah": 19000,
        "interfaces": ["M-Bus", "RS485"],
    }


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(
    reference, vendor_org, vendor_user
):
    # given rows 2 and 4 are good, rows 3, 5 and 6 are not
    content = fill_template(
        [
            good_row(name="好的一行"),
            good_row(name="价格倒挂", price_min=30, price_max=20),
            good_row(name="另一行好的"),
            good_row(name="未知代码", sectors="municipal, mining", technologies="lora"),
            good_row(name="", annual_capacity="很多", **{"attributes.form_factor": "DIP"}),
        ]
    )
    # when
    report = run(vendor_user, vendor_org, content)
    # then
    assert not report.committed
    assert not Offering.objects.exists()
    assert report.total_rows == 5 and report.error_rows == 3
    found = {(error.row, error.field) for error in report.errors}
    assert found == {
        (3, "price_min"),
        (5, "sectors"),
        (5, "technologies"),
        (6, "name"),
        (6, "annual_capacity"),
        (6, "attributes.form_factor"),
    }
    messages = {(error.row, error.field): error.message for error in report.errors}
    assert messages[(3, "price_min")] == "单价下限不能高于上限。"
    assert "mining" in messages[(5, "sectors")]
    assert "lora" in messages[(5, "technologies")]
    assert [row.ok for row in report.rows] == [True, False, True, False, False]
    assert all(row.offering_id is None for row in report.rows)


def test_attribute_errors_name_the_attribute_column(reference, vendor_org, vendor_user):
    # given a module without its required chipset and with a form factor off the list
    content = fill_template(
        [good_row(**{"attributes.chipset": None, "attributes.form_factor": "DIP"})]
    )
    # when
    report = run(vendor_user, vendor_org, content)
    # then
    by_field = {error.field: error for error in report.errors}
    assert set(by_field) == {"attributes.chipset", "attributes.form_factor"}
    assert by_field["attributes.chipset"].message == "请填写芯片平台。"
    assert by_field["attributes.form_factor"].column == "属性：封装形式 (attributes.form_factor)"
    assert "DIP" in by_field["attributes.form_factor"].message


def test_dry_run_reports_but_writes_nothing(reference, vendor_org, vendor_user):
    # given
    content = fill_template([good_row(), good_row(name="第二条")])
    # when
    report = run(vendor_user, vendor_org, content, dry_run=True)
    # then
    assert report.errors == [] and report.creates == 2
    assert not report.committed
    assert not Offering.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(reference, vendor_org, vendor_user, encoding):
    # given Chinese names and full-width separators in a CSV
    rows = [
        good_row(name="智能水表模组（甲）", description="适用于远程抄表，低功耗"),
        good_row(name="智能燃气表模组（乙）", sectors="municipal、smart_grid"),
    ]
    # when
    report = run(vendor_user, vendor_org, csv_bytes(rows, encoding), filename="目录.csv")
    # then
    assert report.errors == [] and report.format == "csv"
    names = sorted(Offering.objects.values_list("name", flat=True))
    assert names == ["智能水表模组（甲）", "智能燃气表模组（乙）"]
    assert Offering.objects.get(name="智能水表模组（甲）").description == "适用于远程抄表，低功耗"


def test_export_then_import_updates_the_same_offerings_unchanged(
    reference, vendor_org, vendor_user
):
    # given a catalogue made by an import
    run(vendor_user, vendor_org, fill_template([good_row(), good_row(name="L610 Cat.1 模组")]))
    before = {
        offering.pk: offering
        for offering in Offering.objects.filter(organization=vendor_org).order_by("id")
    }
    # when exported and imported back
    exported = offerings_export(organization=vendor_org)
    report = run(vendor_user, vendor_org, exported, filename="export.xlsx")
    # then
    assert report.errors == []
    assert (report.creates, report.updates) == (0, 2)
    assert Offering.objects.count() == 2
    fields = [
        "kind_id",
        "name",
        "model_number",
        "sectors",
        "regions",
        "certifications",
        "nationwide",
        "price_min",
        "price_max",
        "min_order",
        "annual_capacity",
        "lead_time_days",
        "attributes",
    ]
    for offering in Offering.objects.all():
        old = before[offering.pk]
        assert [getattr(offering, f) for f in fields] == [getattr(old, f) for f in fields]


def test_export_uses_the_template_layout(reference, vendor_org):
    # given
    factories.OfferingFactory(organization=vendor_org, name='=HYPERLINK("x")')
    # when
    exported = load_workbook(io.BytesIO(offerings_export(organization=vendor_org)))
    template = load_workbook(io.BytesIO(import_template_workbook()))
    # then
    assert [c.value for c in exported.worksheets[0][1]] == [
        c.value for c in template.worksheets[0][1]
    ]
    name_cell = exported.worksheets[0].cell(row=2, column=3)
    assert name_cell.value == '=HYPERLINK("x")' and name_cell.data_type == "s"


def test_id_column_updates_own_offering_and_never_another_organisations(
    reference, vendor_org, vendor_user
):
    # given
    mine = factories.OfferingFactory(
        organization=vendor_org, kind=factories.kind("module"), name="旧名称"
    )
    theirs = factories.OfferingFactory(kind=factories.kind("module"), name="别人的")
    # when
    content = fill_template(
        [good_row(id=mine.pk, name="新名称"), good_row(id=theirs.pk, name="想改别人的")]
    )
    report = run(vendor_user, vendor_org, content)
    # then nothing is written and the foreign id reads as unknown
    assert [(e.row, e.field) for e in report.errors] == [(3, "id")]
    assert report.errors[0].message == f"本组织没有编号为 {theirs.pk} 的供给。"
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.name, theirs.name) == ("旧名称", "别人的")
    # when only the own row is imported
    report = run(vendor_user, vendor_org, fill_template([good_row(id=mine.pk, name="新名称")]))
    # then
    assert report.errors == [] and report.updates == 1
    mine.refresh_from_db()
    assert mine.name == "新名称"
    assert mine.attributes == {"chipset": "Hi2115", "form_factor": "LCC", "psm_edrx": True}


def test_same_id_twice_is_an_error(reference, vendor_org, vendor_user):
    mine = factories.OfferingFactory(organization=vendor_org, kind=factories.kind("module"))
    content = fill_template([good_row(id=mine.pk), good_row(id=mine.pk)])
    report = run(vendor_user, vendor_org, content)
    assert [(e.row, e.field) for e in report.errors] == [(3, "id")]
    assert "第 2 行" in report.errors[0].message


def test_headers_may_be_bare_codes_in_any_order_and_unknown_columns_are_listed(
    reference, vendor_org, vendor_user
):
    # given
    header = ["price_max", "名称", "kind", "sectors", "nationwide", "price_min", "备注"]
    header += ["annual_capacity", "attributes.chipset", "attributes.form_factor"]
    row = [20, "乱序表头", "module", "municipal", "是", 10, "随便写", 1000, "X", "LGA"]
    # when
    report = run(vendor_user, vendor_org, plain_xlsx(header, [row]))
    # then
    assert report.errors == [] and report.ignored_columns == ["备注"]
    assert Offering.objects.get().name == "乱序表头"


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("offerings.xlsx", b"", "empty_file"),
        ("offerings.xlsx", bytes(range(256)) * 20, "invalid_xlsx"),
        ("offerings.csv", bytes(range(256)) * 20, "invalid_csv"),
        ("offerings.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "invalid_xlsx"),
        (
            "offerings.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "unsupported_format",
        ),
        ("offerings.pdf", b"%PDF-1.7 \n", "unsupported_format"),
        ("offerings.csv", "名称 (name)\n".encode(), "no_rows"),
        ("offerings.csv", "名称 (name),类型 (kind)\n模组,module\n".encode(), "missing_columns"),
        ("offerings.csv", "name,名称 (name)\nx,y\n".encode(), "duplicate_columns"),
    ],
)
def test_malformed_files_are_refused_with_a_code(
    reference, vendor_org, vendor_user, filename, content, code
):
    with pytest.raises(BusinessError) as refused:
        run(vendor_user, vendor_org, content, filename=filename)
    assert refused.value.code == code
    assert refused.value.status == 400


def test_missing_columns_are_named(reference, vendor_org, vendor_user):
    with pytest.raises(BusinessError) as refused:
        run(vendor_user, vendor_org, plain_xlsx(["名称 (name)", "kind"], [["x", "module"]]))
    assert refused.value.fields["columns"] == [
        "适用行业 (sectors)",
        "单价下限（元） (price_min)",
        "单价上限（元） (price_max)",
        "年产能/服务能力 (annual_capacity)",
    ]


def test_size_and_row_caps(reference, vendor_org, vendor_user):
    # too many rows
    rows = [["x", "module", "municipal", 1, 2, 3]] * (MAX_ROWS + 1)
    header = ["name", "kind", "sectors", "price_min", "price_max", "annual_capacity"]
    with pytest.raises(BusinessError) as refused:
        run(vendor_user, vendor_org, plain_xlsx(header, rows))
    assert refused.value.code == "too_many_rows"
    assert "5000" in str(refused.value.message)
    # too large
    with pytest.raises(BusinessError) as refused:
        run(vendor_user, vendor_org, b"a" * (5 * 1024 * 1024 + 1), filename="big.csv")
    assert (refused.value.code, refused.value.status) == ("file_too_large", 413)


def test_only_vendors_import_for_their_own_organisation(reference, vendor_org, enterprise_user):
    content = fill_template([good_row()])
    with pytest.raises(BusinessError) as refused:
        run(enterprise_user, vendor_org, content)
    assert refused.value.code == "not_owner"
    with pytest.raises(BusinessError) as refused:
        run(enterprise_user, enterprise_user.memberships.get().organization, content)
    assert refused.value.code == "vendor_role_required"
    assert not Offering.objects.exists()
