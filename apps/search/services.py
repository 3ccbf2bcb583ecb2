"""Search writes: the outbox that keeps the index following the database, rebuild and repair."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .backends import get_backend
from .documents import ENTITIES, OFFERING, source_hash, source_rows, with_tokens
from .models import OutboxEvent

logger = logging.getLogger(__name__)

# 500 events ≈ 500 documents ≈ 0.15 s of jieba and one bulk write: short enough to keep row
# locks brief, large enough that a burst of imports drains in a few round trips.
DRAIN_BATCH_SIZE = 500
# A task stops after this many batches and lets the next run continue (beat fires every 5 s).
DRAIN_MAX_BATCHES = 40
# Retry delays after a failed sync: 2 s, 4 s, 8 s … capped at 10 minutes.
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 600


def outbox_enqueue(*, entity: str, entity_id: int) -> None:
    """Record that a listing changed; call inside the transaction that changed it.

    The row commits or rolls back with the change itself, so no change is lost between
    commit and indexing; after commit a drain is started so it is searchable within seconds.
    """
    OutboxEvent.objects.create(entity=entity, entity_id=entity_id)
    _kick_drain_on_commit()


def outbox_enqueue_organization(*, organization_id: int) -> None:
    """Record that an organisation's name or verification changed: every listing of it is
    re-indexed (call inside the transaction that changed the organisation)."""
    from apps.catalog.models import Offering
    from apps.demands.models import Demand

    events = [
        OutboxEvent(entity=OutboxEvent.Entity.OFFERING, entity_id=pk)
        for pk in Offering.objects.filter(organization_id=organization_id).values_list(
            "pk", flat=True
        )
    ] + [
        OutboxEvent(entity=OutboxEvent.Entity.DEMAND, entity_id=pk)
        for pk in Demand.objects.filter(organization_id=organization_id).values_list(
            "pk", flat=True
        )
    ]
    OutboxEvent.objects.bulk_create(events, batch_size=1000)
    if events:
        _kick_drain_on_commit()


def _kick_drain_on_commit() -> None:
    # One kick per transaction is enough however many listings it changed.
    if any(callback is _kick_drain for _sids, callback, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_kick_drain, robust=True)


def _kick_drain() -> None:
    from .tasks import drain_outbox

    try:
        drain_outbox.apply_async(expires=60)
    except Exception:  # the broker being away only delays indexing until the next beat run
        logger.warning("could not queue search.drain_outbox; the beat schedule will catch up")


def search_sync(*, entity: str, ids: Iterable[int]) -> None:
    """Make the index match the database for these listings: index the searchable ones at
    their current state, delete the others (drafts, archived, deleted, hidden demands)."""
    ids = sorted(set(ids))
    if not ids:
        return
    backend = get_backend()
    documents = [with_tokens(row) for batch in source_rows(entity, ids=ids) for row in batch]
    found = {document["id"] for document in documents}
    backend.upsert(entity, documents)
    backend.delete(entity, [i for i in ids if i not in found])


def outbox_drain(
    *, batch_size: int = DRAIN_BATCH_SIZE, max_batches: int = DRAIN_MAX_BATCHES
) -> int:
    """Apply pending outbox events to the index, oldest first; the number of events done.

    Safe on several workers at once: each batch is claimed with FOR UPDATE SKIP LOCKED, and
    each listing is synced under a transaction-scoped advisory lock after which its current
    state is read, so the last writer always writes the newest state. A failed batch stays in
    the outbox with `attempts` raised and `available_at` pushed back exponentially.
    """
    done = 0
    for _ in range(max_batches):
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(available_at__lte=timezone.now())
                .order_by("id")[:batch_size]
            )
            if not events:
                break
            by_entity: dict[str, set[int]] = defaultdict(set)
            for event in events:
                by_entity[event.entity].add(event.entity_id)
            try:
                with transaction.atomic():
                    for entity, ids in sorted(by_entity.items()):
                        _lock_listings(entity, ids)
                        search_sync(entity=entity, ids=ids)
            except Exception as exc:
                logger.exception("search outbox batch failed; will retry with backoff")
                _postpone(events, exc)
                continue
            OutboxEvent.objects.filter(id__in=[e.id for e in events]).delete()
            done += len(events)
    return done


def _lock_listings(entity: str, ids: Iterable[int]) -> None:
    # Sorted ids: two drains locking overlapping sets cannot deadlock.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s || ':' || i::text, 0))"
            " FROM unnest(%s::bigint[]) AS i ORDER BY i",
            [entity, sorted(ids)],
        )


def _postpone(events: list[OutboxEvent], exc: Exception) -> None:
    now = timezone.now()
    for event in events:
        event.attempts += 1
        delay = min(RETRY_BASE_SECONDS * 2 ** (event.attempts - 1), RETRY_MAX_SECONDS)
        event.available_at = now + timedelta(seconds=delay)
        event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    OutboxEvent.objects.bulk_update(events, ["attempts", "available_at", "last_error"])


def listings(entity: str):
    """Every listing of `entity`, searchable or not."""
    from apps.catalog.models import Offering
    from apps.demands.models import Demand

    return (Offering if entity == OFFERING else Demand).objects.all()


def search_reindex(*, entities: Iterable[str] = ENTITIES) -> dict[str, int]:
    """Rebuild each entity's index from the database; the number of documents per entity.

    Searches keep answering during the rebuild. Listings changed while it ran are synced
    again at the end (their outbox events may have gone to the index being replaced).
    """
    backend = get_backend()
    counts = {}
    for entity in entities:
        started = timezone.now()
        counts[entity] = backend.rebuild(
            entity, ([with_tokens(row) for row in batch] for batch in source_rows(entity))
        )
        # Any listing changed meanwhile, searchable or not any more (search_sync deletes those).
        changed = list(
            listings(entity).filter(updated_at__gte=started).values_list("id", flat=True)
        )
        for start in range(0, len(changed), DRAIN_BATCH_SIZE):
            search_sync(entity=entity, ids=changed[start : start + DRAIN_BATCH_SIZE])
        backend.refresh(entity)
    return counts


@dataclass
class Differences:
    """How an entity's index differs from the database."""

    entity: str
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)


def search_reconcile(
    *, repair: bool = False, entities: Iterable[str] = ENTITIES
) -> list[Differences]:
    """Compare each index with the database (ids and source fingerprints); with `repair`,
    sync every listing that differs. Returns the differences found (before repair)."""
    backend = get_backend()
    report = []
    for entity in entities:
        expected = {row["id"]: source_hash(row) for batch in source_rows(entity) for row in batch}
        actual = dict(backend.versions(entity))
        differences = Differences(
            entity=entity,
            missing=sorted(set(expected) - set(actual)),
            extra=sorted(set(actual) - set(expected)),
            stale=sorted(i for i in set(expected) & set(actual) if expected[i] != actual[i]),
        )
        report.append(differences)
        if repair and differences.total:
            ids = differences.missing + differences.extra + differences.stale
            for start in range(0, len(ids), DRAIN_BATCH_SIZE):
                search_sync(entity=entity, ids=ids[start : start + DRAIN_BATCH_SIZE])
            backend.refresh(entity)
    return report
