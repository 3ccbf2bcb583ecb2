"""Search writes: the outbox that keeps the index following the database, rebuild and repair."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .backends import get_backend
from .backends.base import SearchUnavailable
from .documents import ENTITIES, OFFERING, source_hash, source_rows, with_tokens
from .models import OutboxEvent
from .vocabulary import WordCounts, vocabulary_add, vocabulary_replace

logger = logging.getLogger(__name__)

# 500 events ≈ 500 documents ≈ 0.15 s of jieba and one bulk write: short enough to keep row
# locks brief, large enough that a burst of imports drains in a few round trips.
DRAIN_BATCH_SIZE = 500
# A task stops after this many batches and lets the next run continue (beat fires every 5 s).
DRAIN_MAX_BATCHES = 40
# Retry delays after a failed sync: 2 s, 4 s, 8 s … capped at 10 minutes.
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 600
# A listing that failed on its own this many times (≈ 17 minutes of backoff: 2 + 4 + … + 512 s)
# is set aside as failed: a poisoned document waits for a fix, not for ever.
OUTBOX_MAX_ATTEMPTS = 10


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
    vocabulary_add(entity=entity, documents=documents)
    backend.delete(entity, [i for i in ids if i not in found])


def outbox_drain(
    *, batch_size: int = DRAIN_BATCH_SIZE, max_batches: int = DRAIN_MAX_BATCHES
) -> int:
    """Apply pending outbox events to the index, oldest first; the number of events done.

    Safe on several workers at once: each batch is claimed with FOR UPDATE SKIP LOCKED, and
    each listing is synced under a transaction-scoped advisory lock after which its current
    state is read, so the last writer always writes the newest state.

    One listing that cannot be indexed never holds the others back: a failing batch is
    retried in halves until the failing listings are alone (`_sync_isolating`); the others
    are applied, the failing ones are retried with backoff and marked failed after
    OUTBOX_MAX_ATTEMPTS tries. When the engine itself is away (SearchUnavailable) the whole
    batch waits with backoff and nothing is marked failed.
    """
    done = 0
    for _ in range(max_batches):
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(failed_at__isnull=True, available_at__lte=timezone.now())
                .order_by("id")[:batch_size]
            )
            if not events:
                break
            by_listing: dict[tuple[str, int], list[OutboxEvent]] = defaultdict(list)
            for event in events:
                by_listing[(event.entity, event.entity_id)].append(event)
            outcome = _sync_isolating(sorted(by_listing))
            synced = [e for key in outcome.synced for e in by_listing[key]]
            if synced:
                _delete_applied(synced, outcome.synced)
                done += len(synced)
            for key, exc in outcome.failed:
                _postpone(by_listing[key], exc, may_fail=True)
            if outcome.unavailable is not None:
                logger.warning(
                    "search engine unavailable; %d events wait with backoff: %s",
                    sum(len(by_listing[key]) for key in outcome.waiting),
                    outcome.unavailable,
                )
                _postpone(
                    [e for key in outcome.waiting for e in by_listing[key]],
                    outcome.unavailable,
                    may_fail=False,
                )
    return done


@dataclass
class _SyncOutcome:
    synced: list[tuple[str, int]] = field(default_factory=list)
    failed: list[tuple[tuple[str, int], Exception]] = field(default_factory=list)
    # Listings not tried because the engine was away, and why.
    waiting: list[tuple[str, int]] = field(default_factory=list)
    unavailable: SearchUnavailable | None = None


def _sync_isolating(listings: list[tuple[str, int]]) -> _SyncOutcome:
    """Sync (entity, id) listings, all at once if possible; a failing part is split in halves
    until each failing listing is alone, so k bad listings among n cost ≈ 2·k·log2(n) extra
    syncs, not n. Each part runs in a savepoint: a failed part leaves nothing behind."""
    outcome = _SyncOutcome()
    parts = [listings]
    while parts:
        part = parts.pop()
        try:
            with transaction.atomic():
                by_entity: dict[str, list[int]] = defaultdict(list)
                for entity, entity_id in part:
                    by_entity[entity].append(entity_id)
                for entity, ids in sorted(by_entity.items()):
                    _lock_listings(entity, ids)
                    search_sync(entity=entity, ids=ids)
        except SearchUnavailable as exc:
            outcome.waiting = part + [key for rest in parts for key in rest]
            outcome.unavailable = exc
            return outcome
        except Exception as exc:
            if len(part) == 1:
                logger.warning("search sync of %s#%s failed: %s", *part[0], exc)
                outcome.failed.append((part[0], exc))
            else:
                middle = len(part) // 2
                # pop() takes the first half first: listings keep their order.
                parts += [part[middle:], part[:middle]]
            continue
        outcome.synced += part
    return outcome


def _delete_applied(events: list[OutboxEvent], listings: list[tuple[str, int]]) -> None:
    """Delete the applied events, and earlier failed events of the same listings: the index
    now holds their current state, so those failures are resolved."""
    OutboxEvent.objects.filter(id__in=[e.id for e in events]).delete()
    by_entity: dict[str, list[int]] = defaultdict(list)
    for entity, entity_id in listings:
        by_entity[entity].append(entity_id)
    for entity, ids in by_entity.items():
        OutboxEvent.objects.filter(
            entity=entity, entity_id__in=ids, failed_at__isnull=False
        ).delete()


def _lock_listings(entity: str, ids: Iterable[int]) -> None:
    # Sorted ids: two drains locking overlapping sets cannot deadlock.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s || ':' || i::text, 0))"
            " FROM unnest(%s::bigint[]) AS i ORDER BY i",
            [entity, sorted(ids)],
        )


def _postpone(events: list[OutboxEvent], exc: Exception, *, may_fail: bool) -> None:
    """Retry `events` later with exponential backoff; with `may_fail` (the listing failed on
    its own, not because the engine was away) mark them failed after OUTBOX_MAX_ATTEMPTS."""
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    for event in events:
        event.attempts += 1
        delay = min(RETRY_BASE_SECONDS * 2 ** (event.attempts - 1), RETRY_MAX_SECONDS)
        event.available_at = now + timedelta(seconds=delay)
        event.last_error = error
        if may_fail and event.attempts >= OUTBOX_MAX_ATTEMPTS:
            event.failed_at = now
            logger.error(
                "search outbox event %s (%s#%s) failed %d times and is set aside; retry it "
                "with `manage.py search_reconcile --repair` or the admin once fixed: %s",
                event.id,
                event.entity,
                event.entity_id,
                event.attempts,
                error,
            )
    OutboxEvent.objects.bulk_update(events, ["attempts", "available_at", "last_error", "failed_at"])


def outbox_failed(*, entities: Iterable[str] = ENTITIES) -> list[OutboxEvent]:
    """The events set aside after OUTBOX_MAX_ATTEMPTS failed tries, oldest first."""
    return list(
        OutboxEvent.objects.filter(failed_at__isnull=False, entity__in=list(entities)).order_by(
            "id"
        )
    )


def outbox_retry_failed(
    *, entities: Iterable[str] = ENTITIES, ids: Iterable[int] | None = None
) -> int:
    """Give failed events (all of `entities`, or those with these `ids`) a fresh set of tries,
    due now, and start a drain after commit; the number requeued."""
    events = OutboxEvent.objects.filter(failed_at__isnull=False, entity__in=list(entities))
    if ids is not None:
        events = events.filter(id__in=list(ids))
    requeued = events.update(failed_at=None, attempts=0, available_at=timezone.now())
    if requeued:
        _kick_drain_on_commit()
    return requeued


def listings(entity: str):
    """Every listing of `entity`, searchable or not."""
    from apps.catalog.models import Offering
    from apps.demands.models import Demand

    return (Offering if entity == OFFERING else Demand).objects.all()


def search_reindex(*, entities: Iterable[str] = ENTITIES) -> dict[str, int]:
    """Rebuild each entity's index from the database; the number of documents per entity.

    Searches keep answering during the rebuild. Listings changed while it ran are synced
    again at the end (their outbox events may have gone to the index being replaced). One
    rebuild per entity at a time (a PostgreSQL session lock, released even if the process
    dies), so a backend may treat whatever a previous rebuild left behind as garbage.
    """
    backend = get_backend()
    counts = {}
    for entity in entities:
        with _rebuild_lock(entity):
            started = timezone.now()
            words = WordCounts()
            counts[entity] = backend.rebuild(entity, _counting(entity, words))
            vocabulary_replace(entity=entity, counts=words)
            # Any listing changed meanwhile, searchable or not any more (search_sync deletes
            # those); one that cannot be indexed is left to its outbox event.
            changed = list(
                listings(entity).filter(updated_at__gte=started).values_list("id", flat=True)
            )
            _sync_reporting(entity, changed)
            backend.refresh(entity)
    return counts


def _counting(entity: str, words: WordCounts) -> Iterator[list[dict]]:
    """The entity's documents in batches, counting their words on the way past."""
    for batch in source_rows(entity):
        documents = [with_tokens(row) for row in batch]
        words.add(documents)
        yield documents


@contextmanager
def _rebuild_lock(entity: str) -> Iterator[None]:
    key = f"search-rebuild:{entity}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _sync_reporting(entity: str, ids: list[int]) -> dict[int, str]:
    """Sync these listings in batches, isolating failures; {id: error} of those that failed.
    SearchUnavailable propagates: with the engine away there is nothing to report yet."""
    failures = {}
    for start in range(0, len(ids), DRAIN_BATCH_SIZE):
        outcome = _sync_isolating([(entity, i) for i in ids[start : start + DRAIN_BATCH_SIZE]])
        if outcome.unavailable is not None:
            raise outcome.unavailable
        failures |= {key[1]: f"{type(exc).__name__}: {exc}"[:2000] for key, exc in outcome.failed}
    return failures


@dataclass
class Differences:
    """How an entity's index differs from the database, and its failed outbox events."""

    entity: str
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    failed_events: list[OutboxEvent] = field(default_factory=list)
    # After a repair: (id, error) of listings that could still not be synced.
    unrepaired: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)


def search_reconcile(
    *, repair: bool = False, entities: Iterable[str] = ENTITIES
) -> list[Differences]:
    """Compare each index with the database (ids and source fingerprints) and list failed
    outbox events. With `repair`, sync every listing that differs or has a failed event: the
    failed events of listings now in sync are deleted, a listing that still cannot be indexed
    keeps its failed event (with the new error) and is reported in `unrepaired`, not raised.
    Returns what was found before the repair."""
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
            failed_events=outbox_failed(entities=[entity]),
        )
        report.append(differences)
        failed_ids = {event.entity_id for event in differences.failed_events}
        to_sync = sorted(
            {*differences.missing, *differences.extra, *differences.stale, *failed_ids}
        )
        if repair and to_sync:
            errors = _sync_reporting(entity, to_sync)
            differences.unrepaired = sorted(errors.items())
            resolved = failed_ids - set(errors)
            OutboxEvent.objects.filter(
                entity=entity, entity_id__in=resolved, failed_at__isnull=False
            ).delete()
            for entity_id, error in errors.items():
                OutboxEvent.objects.filter(
                    entity=entity, entity_id=entity_id, failed_at__isnull=False
                ).update(last_error=error)
            backend.refresh(entity)
    return report
