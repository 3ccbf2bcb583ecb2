"""Celery tasks of search: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from .services import outbox_drain


@shared_task(
    name="search.drain_outbox",
    acks_late=True,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def drain_outbox() -> int:
    """Apply pending outbox events to the search index; idempotent, safe on many workers."""
    return outbox_drain()
