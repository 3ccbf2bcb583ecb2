"""Celery entry point for catalogue imports; the work is in services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="imports.run_import", acks_late=True, ignore_result=True)
def run_import(job_id: int) -> str | None:
    """Process one import job; a job that already finished is not run again."""
    job = services.import_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="imports.requeue_stale", ignore_result=True)
def requeue_stale() -> int:
    """Beat: re-enqueue import jobs whose message was lost (still queued after 10 minutes)."""
    return services.import_jobs_requeue_stale()
