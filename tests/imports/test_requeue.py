"""Import jobs whose queue message was lost are picked up again by the beat task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.imports import services
from apps.imports.models import ImportJob

pytestmark = pytest.mark.django_db


def test_only_jobs_queued_for_long_are_enqueued_again(monkeypatch, vendor_org):
    # given a fresh queued job, a stale queued job and a stale finished job
    enqueued: list[int] = []
    monkeypatch.setattr(services, "_job_enqueue", enqueued.append)
    fresh = ImportJob.objects.create(organization=vendor_org, filename="a.xlsx", content=b"x")
    stale = ImportJob.objects.create(organization=vendor_org, filename="b.xlsx", content=b"x")
    done = ImportJob.objects.create(
        organization=vendor_org, filename="c.xlsx", content=b"x", status=ImportJob.Status.SUCCEEDED
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=an_hour_ago)
    # when
    count = services.import_jobs_requeue_stale()
    # then
    assert count == 1
    assert enqueued == [stale.pk]
    assert fresh.pk not in enqueued
