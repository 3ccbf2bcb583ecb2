"""The vendor's import pages: the import's message in plural forms, and after "submit all for
review" a result that says how many went, what happens next and where to follow them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.models import Offering
from tests.imports.sheets import fill_template, good_row

pytestmark = pytest.mark.django_db

WORDS = {
    "zh-hans": {
        "imported": "已导入 2 条供给（新增 2，更新 0），新增的供给为草稿。",
        "submitted": "已提交 1 条供给审核。",
        "refused": "1 条未提交，原因见下表。",
        "next": "平台协调员会逐条审核您提交的供给。",
    },
    "en": {
        "imported": "2 offerings imported (2 new, 0 updated); new offerings are drafts.",
        "submitted": "1 offering submitted for review.",
        "refused": "1 offering was not submitted; the table says why.",
        "next": "The platform coordinators review each offering you submitted.",
    },
}


def _upload(client, rows) -> str:
    file = SimpleUploadedFile("offerings.xlsx", fill_template(rows))
    return client.post("/vendor/import/", {"file": file, "upload": ""}).content.decode()


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_submitting_all_says_how_many_went_what_happens_next_and_why_one_did_not(
    vendor, web_for, language
):
    client = web_for(vendor[1])
    client.cookies["django_language"] = language
    words = WORDS[language]
    # given an imported file of two offerings (the message counts them in plural forms)
    page = _upload(client, [good_row(name="甲模组"), good_row(name="乙模组")])
    assert words["imported"] in page
    # one of which lost its price before it was submitted
    Offering.objects.filter(name="乙模组").update(price_min=None, price_max=None)
    # when the vendor submits all for review
    page = client.post("/vendor/import/submit/").content.decode()
    report = _section(page, "submit-report")
    # then the result says how many went and how many did not
    assert words["submitted"] in report
    assert words["refused"] in report
    assert len(re.findall(r'<tr class="submitted"', report)) == 1
    assert len(re.findall(r'<tr class="not-submitted"', report)) == 1
    # what happens now, and where to follow it: the catalogue's pending ones, and my work
    assert words["next"] in report
    assert 'href="/vendor/offerings/?status=pending_review"' in report
    assert 'href="/my-work/"' in report
    if language == "en":
        visible = re.sub(r"<[^>]+>", " ", report).replace("甲模组", "").replace("乙模组", "")
        assert not re.search(r"[\u4e00-\u9fff]", visible), re.findall(r"[\u4e00-\u9fff]+", visible)
    # and the catalogue link shows the one waiting for review
    listed = client.get("/vendor/offerings/?status=pending_review").content.decode()
    assert "甲模组" in listed and "乙模组" not in listed


def test_submitting_with_nothing_imported_says_so_without_next_steps(vendor, web_for):
    page = web_for(vendor[1]).post("/vendor/import/submit/").content.decode()
    report = _section(page, "submit-report")
    assert "没有可提交的导入记录，请先导入文件。" in report
    assert 'id="submit-next"' not in report


def test_the_row_report_labels_each_cell_for_reading_as_cards_on_a_phone(vendor, web_for):
    page = _upload(web_for(vendor[1]), [good_row(name="", technologies="LoRa")])
    report = _section(page, "import-report")
    for label in ("行号", "名称", "操作", "检查结果"):
        assert f'data-label="{label}"' in report
    assert 'class="cards-on-phone"' in report
