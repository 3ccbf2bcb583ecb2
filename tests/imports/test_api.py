"""Imports over REST: upload → job processed by the worker task → per-row report; who sees what."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.catalog.models import Offering
from apps.imports.models import ImportJob
from apps.imports.tasks import run_import
from config.celery import app as celery_app
from tests import factories

from .sheets import fill_template, good_row

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def eager_worker(django_capture_on_commit_callbacks):
    """Run tasks enqueued after commit in-process, as a worker would."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True

    def post(client, path, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, format="multipart")

    yield post
    celery_app.conf.task_always_eager = eager


def upload(content: bytes, name: str = "offerings.xlsx", **fields) -> dict:
    return {"file": SimpleUploadedFile(name, content), **fields}


def test_upload_is_processed_by_the_worker_and_reported(
    reference, vendor_org, vendor_user, client_for, eager_worker
):
    # given
    client = client_for(vendor_user)
    content = fill_template([good_row(), good_row(name="L610 Cat.1 模组", technologies="cat1")])
    # when
    accepted = eager_worker(client, "/api/v1/imports", upload(content))
    # then
    assert accepted.status_code == 202, accepted.content
    job_id = accepted.json()["id"]
    assert accepted["Location"] == f"/api/v1/imports/{job_id}"
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "succeeded"
    assert (job["total_rows"], job["created_count"], job["error_rows"]) == (2, 2, 0)
    assert job["report"]["committed"] is True
    created = [row["offering_id"] for row in job["report"]["rows"]]
    offerings = Offering.objects.filter(organization=vendor_org).order_by("id")
    assert created == [offering.pk for offering in offerings]
    assert {offering.status for offering in offerings} == {Offering.Status.DRAFT}


def test_bad_rows_fail_the_job_and_nothing_is_imported(
    reference, vendor_org, vendor_user, client_for, eager_worker
):
    # given
    client = client_for(vendor_user)
    content = fill_template([good_row(), good_row(price_min=50, price_max=5)])
    # when
    job_id = eager_worker(client, "/api/v1/imports", upload(content)).json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}/").json()
    # then
    assert job["status"] == "failed" and job["error_code"] == "row_errors"
    assert job["error_message"] == "1 行有错误，未导入任何数据。"
    assert job["report"]["errors"] == [
        {
            "row": 3,
            "field": "price_min",
            "column": "单价下限（元） (price_min)",
            "message": "单价下限不能高于上限。",
            "value": "50",
        }
    ]
    assert not Offering.objects.exists()


def test_dry_run_job_writes_nothing(reference, vendor_org, vendor_user, client_for, eager_worker):
    client = client_for(vendor_user)
    content = fill_template([good_row()])
    job_id = eager_worker(client, "/api/v1/imports/", upload(content, dry_run="true")).json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert (job["status"], job["dry_run"], job["created_count"]) == ("succeeded", True, 1)
    assert job["report"]["committed"] is False
    assert not Offering.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("offerings.xlsx", b"\x00\xff\xfe garbage \x01\x02" * 100, 400, "invalid_xlsx"),
        ("offerings.csv", bytes(range(256)) * 10, 400, "invalid_csv"),
        ("offerings.csv", b"", 400, "empty_file"),
        ("offerings.csv", "名称,类型\nx,module\n".encode(), 400, "missing_columns"),
        ("big.csv", b"x" * (5 * 1024 * 1024 + 10), 413, "file_too_large"),
    ],
)
def test_unreadable_files_are_refused_at_upload(
    reference, vendor_org, vendor_user, client_for, name, content, status, code
):
    # when
    response = client_for(vendor_user).post(
        "/api/v1/imports", upload(content, name), format="multipart"
    )
    # then
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not ImportJob.objects.exists()


def test_missing_file_is_a_field_error(reference, vendor_user, client_for):
    response = client_for(vendor_user).post("/api/v1/imports", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_task_is_idempotent(reference, vendor_org, vendor_user):
    # given a finished job
    job = ImportJob.objects.create(
        organization=vendor_org,
        created_by=vendor_user,
        filename="offerings.xlsx",
        content=fill_template([good_row()]),
    )
    assert run_import(job.pk) == "succeeded"
    # when the task is delivered again
    assert run_import(job.pk) == "succeeded"
    # then the rows were imported once
    assert Offering.objects.count() == 1
    job.refresh_from_db()
    assert job.attempts == 1


def test_job_of_another_organisation_is_not_found(
    reference, vendor_org, vendor_user, client_for, coordinator_user
):
    # given a job of vendor_org
    job = ImportJob.objects.create(
        organization=vendor_org, created_by=vendor_user, filename="a.xlsx", content=b"x"
    )
    other_org = factories.OrganizationFactory(role="vendor")
    other = client_for(factories.member(other_org, "other-vendor"))
    # then
    assert other.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert other.get("/api/v1/imports").json()["results"] == []
    assert client_for(vendor_user).get("/api/v1/imports").json()["results"][0]["id"] == job.pk
    assert client_for(coordinator_user).get(f"/api/v1/imports/{job.pk}").status_code == 200


def test_vendor_role_required(reference, enterprise_user, client_for):
    content = fill_template([good_row()])
    response = client_for(enterprise_user).post(
        "/api/v1/imports", upload(content), format="multipart"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "vendor_role_required"


def test_cannot_upload_for_an_organisation_one_is_not_in(reference, vendor_user, client_for):
    other_org = factories.OrganizationFactory(role="vendor")
    content = fill_template([good_row()])
    response = client_for(vendor_user).post(
        "/api/v1/imports", upload(content, organization=other_org.pk), format="multipart"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_member"


def test_anonymous_is_refused(reference, api):
    assert api.get("/api/v1/imports").status_code in (401, 403)
    assert api.get("/api/v1/imports/template").status_code in (401, 403)


def test_api_key_needs_the_imports_scope(reference, vendor_org, key_client):
    content = fill_template([good_row()])
    without = key_client(vendor_org, ["offerings:*"])
    assert without.post("/api/v1/imports", upload(content), format="multipart").status_code == 403
    assert without.get("/api/v1/imports").status_code == 403
    reader = key_client(vendor_org, ["imports:read"])
    assert reader.get("/api/v1/imports").status_code == 200
    assert reader.post("/api/v1/imports", upload(content), format="multipart").status_code == 403


def test_api_key_upload_runs_as_the_key(reference, vendor_org, key_client, eager_worker):
    # given
    client = key_client(vendor_org, ["imports:*"])
    # when
    response = eager_worker(client, "/api/v1/imports", upload(fill_template([good_row()])))
    # then
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert job.status == "succeeded" and job.actor_label.startswith("api-key:")
    assert Offering.objects.filter(organization=vendor_org).count() == 1


def test_template_and_export_downloads(reference, vendor_org, vendor_user, client_for):
    # given
    client = client_for(vendor_user)
    factories.OfferingFactory(organization=vendor_org, kind=factories.kind("module"), name="甲")
    factories.OfferingFactory(name="别家的")
    # when
    template = client.get("/api/v1/imports/template")
    exported = client.get("/api/v1/imports/export/", HTTP_ACCEPT=XLSX)
    # then
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    assert "attachment" in template["Content-Disposition"]
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["甲"]


def test_job_fails_with_a_code_when_the_uploader_lost_access(reference, vendor_org, vendor_user):
    # given a queued job whose uploader has left the organisation since
    job = ImportJob.objects.create(
        organization=vendor_org,
        created_by=vendor_user,
        filename="offerings.xlsx",
        content=fill_template([good_row()]),
    )
    vendor_user.memberships.all().delete()
    # when
    assert run_import(job.pk) == "failed"
    # then
    job.refresh_from_db()
    assert job.error_code == "not_owner" and job.error_message
    assert job.finished_at is not None
    assert not Offering.objects.exists()


def test_submit_sends_every_offering_of_a_finished_import_for_review(
    reference, vendor_org, vendor_user, client_for, eager_worker
):
    # given a finished import of two rows, and a dry run
    client = client_for(vendor_user)
    content = fill_template([good_row(name="甲"), good_row(name="乙")])
    job_id = eager_worker(client, "/api/v1/imports", upload(content)).json()["id"]
    dry_id = eager_worker(client, "/api/v1/imports", upload(content, dry_run="true")).json()["id"]
    # when
    response = client.post(f"/api/v1/imports/{job_id}/submit")
    again = client.post(f"/api/v1/imports/{job_id}/submit")
    refused = client.post(f"/api/v1/imports/{dry_id}/submit")
    # then both rows are waiting for review, a second call explains, a dry run is refused
    assert response.status_code == 200, response.content
    assert [(r["row"], r["name"], r["submitted"]) for r in response.json()["results"]] == [
        (2, "甲", True),
        (3, "乙", True),
    ]
    assert not any(r["submitted"] for r in again.json()["results"])
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "import_not_committed"
    assert set(Offering.objects.values_list("status", flat=True)) == {"pending_review"}
