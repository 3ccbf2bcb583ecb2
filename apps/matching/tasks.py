"""Celery tasks: thin, idempotent wrappers around matching services, named for beat and callers."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from . import partners, services

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="matching.match_demand",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    **RETRY,
)
def match_demand(demand_id: int) -> int:
    return services.demand_match(demand_id=demand_id)


@shared_task(
    name="matching.match_offering",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    **RETRY,
)
def match_offering(offering_id: int) -> int:
    return services.offering_match(offering_id=offering_id)


@shared_task(
    bind=True,
    name="matching.full_rematch",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
    **RETRY,
)
def full_rematch(self) -> int | None:
    owner = f"{socket.gethostname()}:{os.getpid()}:{self.request.id}"
    run = services.full_rematch(owner=owner, requested_by=self.request.id or "")
    if run is None and services.full_rematch_leased_elsewhere(owner=owner):
        # Another worker holds the lease; if it died, the lease lapses and we take over.
        raise self.retry(countdown=services.lease_seconds() + 1, max_retries=50)
    return run.demands_done if run is not None else None


@shared_task(
    bind=True,
    name="matching.full_rematch_resume",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def full_rematch_resume(self) -> int | None:
    """Carry on a full rematch whose lease lapsed (its worker was killed), from its cursors.

    Without it the killed worker's task would wait out the broker's visibility timeout (an
    hour with Redis) before anyone resumed the run. A no-op (one query) when none lapsed.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{self.request.id}"
    run = services.full_rematch(owner=owner, resume_only=True)
    return run.demands_done if run is not None else None


@shared_task(
    name="matching.drain_outbox",
    acks_late=True,
    ignore_result=True,
    # A drain stops claiming work after services.OUTBOX_DRAIN_SECONDS; the limits leave room
    # for the batch in hand and for a cold process loading the market index first.
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def drain_outbox() -> int:
    """Match the listings waiting in the outbox; queued after each change and by beat."""
    done, more = services.matching_outbox_drain()
    if more:
        drain_outbox.apply_async(expires=60)
    return done


@shared_task(
    name="matching.mismatch_aggregate",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
    **RETRY,
)
def mismatch_aggregate() -> int:
    return services.mismatch_aggregate()


@shared_task(
    name="matching.partner_suggestions_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
    **RETRY,
)
def partner_suggestions_refresh(vendor_ids: list[int] | None = None) -> int:
    return partners.partner_suggestions_refresh(vendor_ids=vendor_ids)
