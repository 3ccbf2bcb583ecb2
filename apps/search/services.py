"""Search writes: the outbox that keeps the index following the database."""

from __future__ import annotations

from .models import OutboxEvent


def outbox_enqueue(*, entity: str, entity_id: int) -> None:
    """Record that a listing changed; call inside the transaction that changed it."""
    OutboxEvent.objects.create(entity=entity, entity_id=entity_id)
