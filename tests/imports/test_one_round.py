"""An import that finishes in one round: every error of every row at once, names in either
language instead of codes, a template that speaks the reader's words, and submit-all."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from apps.catalog.models import Offering
from apps.imports.services import (
    import_offerings,
    import_template_workbook,
    offerings_export,
    offerings_submit_for_review,
)
from tests import factories

from .sheets import fill_template, good_row

pytestmark = pytest.mark.django_db


def run(user, org, content: bytes, *, dry_run: bool = False):
    return import_offerings(
        actor=user, organization=org, filename="offerings.xlsx", content=content, dry_run=dry_run
    )


def test_a_row_with_several_problems_reports_them_all_with_column_and_value(
    reference, vendor_org, vendor_user
):
    # given one row wrong in five ways: an unknown sector name, a price range upside down,
    # an attribute choice that does not exist, a capacity that is not a number, and no name
    content = fill_template(
        [
            good_row(
                name="",
                sectors="市政, 采矿",
                price_min=30,
                price_max=20,
                annual_capacity="很多",
                **{"attributes.form_factor": "DIP"},
            )
        ]
    )
    # when
    report = run(vendor_user, vendor_org, content)
    # then every problem is listed in one report, in column order, with what was typed
    errors = [(e.field, e.value) for e in report.errors]
    assert errors == [
        ("name", ""),
        ("sectors", "市政, 采矿"),
        ("price_min", "30"),
        ("annual_capacity", "很多"),
        ("attributes.form_factor", "DIP"),
    ]
    by_field = {e.field: e for e in report.errors}
    assert by_field["name"].message == "请填写名称。"
    assert "采矿" in by_field["sectors"].message
    assert by_field["price_min"].message == "单价下限不能高于上限。"
    assert by_field["price_min"].column == "单价下限（元） (price_min)"
    assert "LCC" in by_field["attributes.form_factor"].message
    assert not Offering.objects.exists()


def test_a_row_whose_api_checks_pass_still_reports_every_catalogue_problem(
    reference, vendor_org, vendor_user
):
    # given values of the right types, wrong together: price range, no region, a required
    # attribute missing
    content = fill_template(
        [
            good_row(
                price_min=30,
                price_max=20,
                nationwide="否",
                regions="",
                **{"attributes.chipset": None},
            )
        ]
    )
    report = run(vendor_user, vendor_org, content)
    assert {e.field for e in report.errors} == {"regions", "price_min", "attributes.chipset"}


def test_names_in_chinese_or_english_are_read_as_codes(reference, vendor_org, vendor_user):
    # given the same kind of listing written with Chinese names, English names and codes
    content = fill_template(
        [
            good_row(
                name="中文名称",
                kind="模组",
                function="NB-IoT / LPWA 模组",
                sectors="市政、智能电网",
                technologies="NB-IoT",
                regions="河北省，北京市",
                certifications="CCC",
            ),
            good_row(
                name="English names",
                kind="Module",
                sectors="Municipal services; smart grid",
                regions="Hebei, Beijing",
            ),
            good_row(
                name="平台",
                kind="platform",
                technologies="",
                nationwide="是",
                regions="",
                **{
                    "attributes.chipset": None,
                    "attributes.form_factor": None,
                    "attributes.psm_edrx": None,
                    "attributes.deployment": "私有化部署",
                    "attributes.features": "设备管理, OTA",
                },
            ),
            good_row(
                name="Connectivity",
                kind="连接（物联网卡）",
                technologies="",
                **{
                    "attributes.chipset": None,
                    "attributes.form_factor": None,
                    "attributes.psm_edrx": None,
                    "attributes.operator": "China Mobile",
                    "attributes.card_forms": "eSIM, 插拔卡",
                },
            ),
        ]
    )
    # when
    report = run(vendor_user, vendor_org, content)
    # then
    assert report.errors == []
    chinese, english, platform, card = Offering.objects.order_by("id")
    assert chinese.kind_id == english.kind_id == "module"
    assert chinese.function_id == "module_lpwa"
    assert chinese.sectors == english.sectors == ["municipal", "smart_grid"]
    assert chinese.regions == english.regions == ["130000", "110000"]
    assert chinese.technologies == ["nb_iot"] and chinese.certifications == ["ccc"]
    assert platform.attributes == {
        "deployment": "private",
        "features": ["device_management", "ota"],
    }
    assert card.attributes == {"operator": "cmcc", "card_forms": ["esim", "plug_in"]}


def test_a_name_two_regions_share_asks_for_the_code(reference, vendor_org, vendor_user):
    content = fill_template([good_row(regions="Suzhou")])
    report = run(vendor_user, vendor_org, content)
    [error] = report.errors
    assert error.field == "regions" and error.value == "Suzhou"
    assert "320500" in error.message and "341300" in error.message


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def _validations(sheet) -> dict[str, str]:
    """Column header → the drop-down list of its cells."""
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[headers[letter]] = validation.formula1
    return found


def test_the_chinese_template_offers_names_not_codes(reference):
    sheet = _workbook(import_template_workbook()).worksheets[0]
    choices = _validations(sheet)
    assert "模组" in choices["供给类型 (kind)"] and "module" not in choices["供给类型 (kind)"]
    operator = choices["属性：运营商 (attributes.operator)"]
    assert "中国移动" in operator and "cmcc" not in operator
    deployment = choices["属性：部署方式 (attributes.deployment)"]
    assert "公有云" in deployment and "public_cloud" not in deployment


def test_the_english_template_offers_english_names(reference):
    with translation.override("en"):
        workbook = _workbook(import_template_workbook())
    sheet = workbook.worksheets[0]
    choices = _validations(sheet)
    kind_header = next(h for h in choices if h.endswith("(kind)"))
    assert "Module" in choices[kind_header]
    example = [cell.value for cell in workbook.worksheets[1][2]]
    assert "Module" in example and "Hebei, Beijing" in example
    assert not any("模组" in str(value) for value in example if value)


def test_export_writes_names_and_reads_back_unchanged(reference, vendor_org, vendor_user):
    # given
    offering = factories.OfferingFactory(
        organization=vendor_org,
        kind=factories.kind("module"),
        sectors=["municipal"],
        technologies=["nb_iot"],
        regions=["130000"],
        attributes={"chipset": "Hi2115", "form_factor": "LCC"},
    )
    # when
    exported = offerings_export(organization=vendor_org)
    # then the sheet shows names
    sheet = _workbook(exported).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    assert row[header.index("供给类型 (kind)")] == "模组"
    assert row[header.index("适用行业 (sectors)")] == "市政"
    assert row[header.index("服务区域 (regions)")] == "河北省"
    # and importing it back changes nothing
    report = run(vendor_user, vendor_org, exported)
    assert report.errors == [] and report.updates == 1
    offering.refresh_from_db()
    assert offering.kind_id == "module"
    assert offering.sectors == ["municipal"] and offering.regions == ["130000"]
    assert offering.technologies == ["nb_iot"]
    assert offering.attributes == {"chipset": "Hi2115", "form_factor": "LCC"}


def test_submit_all_sends_every_draft_of_the_import_for_review(reference, vendor_org, vendor_user):
    # given a committed import of two rows, and an offering already published
    report = run(
        vendor_user,
        vendor_org,
        fill_template([good_row(name="甲"), good_row(name="乙")]),
    )
    published = factories.OfferingFactory(
        organization=vendor_org, status=Offering.Status.PUBLISHED, name="已发布"
    )
    other = factories.OfferingFactory(name="别家的", status=Offering.Status.DRAFT)
    ids = [row.offering_id for row in report.rows]
    # when
    results = offerings_submit_for_review(
        actor=vendor_user, organization=vendor_org, offering_ids=[*ids, published.pk, other.pk]
    )
    # then each draft went through the submit service, the published one is explained,
    # and another organisation's offering is not touched
    assert [(r.name, r.submitted) for r in results] == [
        ("甲", True),
        ("乙", True),
        ("已发布", False),
    ]
    assert "已发布" in results[2].message
    statuses = dict(Offering.objects.values_list("name", "status"))
    assert statuses["甲"] == statuses["乙"] == Offering.Status.PENDING_REVIEW
    assert statuses["别家的"] == Offering.Status.DRAFT


def test_submit_all_goes_in_batches_and_reports_a_refused_row_without_losing_the_others(
    reference, vendor_org, vendor_user, monkeypatch
):
    from django.db import connection

    from apps.coordination.models import AuditEvent
    from apps.imports import services

    # given five imported drafts, the third of which lost its price since (it is incomplete),
    # submitted two per transaction
    report = run(
        vendor_user,
        vendor_org,
        fill_template([good_row(name=name) for name in ("甲", "乙", "丙", "丁", "戊")]),
    )
    ids = [row.offering_id for row in report.rows]
    Offering.objects.filter(name="丙").update(price_min=None, price_max=None)
    monkeypatch.setattr(services, "SUBMIT_BATCH", 2)
    # (each row is submitted inside its batch's transaction: the same savepoint stack)
    stacks = []
    submit_one = services._submit_one

    def recorded(**kwargs):
        stacks.append(tuple(connection.savepoint_ids))
        return submit_one(**kwargs)

    monkeypatch.setattr(services, "_submit_one", recorded)
    # when
    results = offerings_submit_for_review(
        actor=vendor_user, organization=vendor_org, offering_ids=ids
    )
    # then the refused row says why, in the file's order, and every other row went for review
    assert [(r.name, r.submitted) for r in results] == [
        ("甲", True),
        ("乙", True),
        ("丙", False),
        ("丁", True),
        ("戊", True),
    ]
    assert "不能提交审核" in results[2].message
    statuses = dict(Offering.objects.values_list("name", "status"))
    assert statuses["丙"] == Offering.Status.DRAFT
    assert {statuses[n] for n in ("甲", "乙", "丁", "戊")} == {Offering.Status.PENDING_REVIEW}
    # through the one transition rule (each audited as submitted), three batches of rows
    assert AuditEvent.objects.filter(action="offering.submitted").count() == 4
    assert len(stacks) == 5 and len(set(stacks)) == 3
    assert stacks[0] == stacks[1] and stacks[2] == stacks[3] != stacks[0]
