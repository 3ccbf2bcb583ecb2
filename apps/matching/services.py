"""Matching writes: scheduling, storing engine results, mismatch flags and match transitions.

Every match status change is one atomic transaction that also writes its audit row.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import orjson
from celery import current_app
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Offering
from apps.coordination.services import audit_record
from apps.core.exceptions import BusinessError, Conflict, NotFound, PermissionDenied
from apps.core.upsert import copy_upsert
from apps.demands.models import Demand
from apps.integrations.services import webhook_event_emit, webhook_event_has_subscribers

from . import loader
from .engine import (
    ENGINE_VERSION,
    Bundle,
    DemandAnalysis,
    Flag,
    MatchResult,
    OfferingIndex,
    RadarCell,
    analyse_demand,
    cell_flags,
    demand_supplies,
    explain_ranked,
    match_demand,
    match_offering,
    offering_flags,
    radar_cells,
    ranked_offerings,
)
from .engine.matcher import candidate_key
from .models import (
    DemandCoverage,
    Match,
    MatchingOutboxEvent,
    MatchRun,
    MatchRunSlice,
    MismatchFlag,
    MismatchSnapshot,
    RecommendationFeedback,
)
from .notifications import introduction_notify

logger = logging.getLogger(__name__)

MATCHES_PER_DEMAND = 20
BUNDLES_PER_DEMAND = 5
# Demands an offering is stored against after it changes (the best-fitting ones).
DEMANDS_PER_OFFERING = 50
ENTITIES = ("offering", "demand")


# --- the matching outbox ------------------------------------------------------------------

# Listings per claimed batch. One is matched in 10–100 ms on a loaded index, so a batch holds
# its row locks for a few seconds at most; the duplicates of a burst collapse within a batch.
OUTBOX_BATCH = 50
# A drain stops claiming batches after this long and queues its successor, so one task never
# runs into its time limit however large the backlog (an import of 10,000 offerings).
OUTBOX_DRAIN_SECONDS = 30
# Retry delays after a listing failed to match: 2 s, 4 s, 8 s … capped at 10 minutes; after
# OUTBOX_MAX_ATTEMPTS (≈ 30 minutes of tries) the event is marked failed and left for an
# operator (the next full rematch covers the listing meanwhile).
OUTBOX_RETRY_BASE_SECONDS = 2
OUTBOX_RETRY_MAX_SECONDS = 600
OUTBOX_MAX_ATTEMPTS = 10


def matching_schedule(*, entity: str, entity_id: int) -> None:
    """Record that an offering or demand changed, for incremental matching; call inside the
    transaction that changed it.

    The outbox row commits or rolls back with the change, so a lost broker message, a flushed
    Redis or a dead worker only delays matching until the beat's next drain
    (MATCHING_OUTBOX_SWEEP_SECONDS); after commit a drain is queued so it usually takes seconds.
    """
    if entity not in ENTITIES:
        raise ValueError(f"entity must be one of {ENTITIES}, not {entity!r}")
    MatchingOutboxEvent.objects.create(entity=entity, entity_id=entity_id)
    _drain_kick_on_commit()


def _drain_kick_on_commit() -> None:
    # One kick per transaction is enough however many listings it changed.
    if any(callback is _drain_kick for _sids, callback, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_drain_kick, robust=True)


def _drain_kick() -> None:
    from .tasks import drain_outbox

    try:
        drain_outbox.apply_async(expires=60)
    except Exception:  # the broker being away only delays matching until the beat's sweep
        logger.warning("could not queue matching.drain_outbox; the beat sweep will catch up")


def matching_outbox_drain(
    *, batch_size: int = OUTBOX_BATCH, budget_seconds: float = OUTBOX_DRAIN_SECONDS
) -> tuple[int, bool]:
    """Match the listings waiting in the outbox, oldest first; (events done, whether events
    were left for a successor when the time budget ran out).

    Safe on several workers at once: batches are claimed with FOR UPDATE SKIP LOCKED and each
    listing is matched under a transaction-scoped advisory lock, reading its current state.
    A listing that fails is retried with backoff on its own; the others of its batch go on.
    A worker killed mid-batch rolls the batch back: its events wait for the next drain.
    """
    done = 0
    started = time.monotonic()
    while True:
        if time.monotonic() - started >= budget_seconds:
            return done, _outbox_pending().exists()
        with transaction.atomic():
            events = list(
                _outbox_pending().select_for_update(skip_locked=True).order_by("id")[:batch_size]
            )
            if not events:
                return done, False
            by_listing: dict[tuple[str, int], list[MatchingOutboxEvent]] = {}
            for event in events:
                by_listing.setdefault((event.entity, event.entity_id), []).append(event)
            finished: list[int] = []
            for (entity, entity_id), group in sorted(by_listing.items()):
                try:
                    with transaction.atomic():
                        _listing_lock(entity, entity_id)
                        if entity == "demand":
                            demand_match(demand_id=entity_id)
                        else:
                            offering_match(offering_id=entity_id)
                except Exception as exc:
                    logger.exception(
                        "matching %s %s failed; retrying with backoff", entity, entity_id
                    )
                    _outbox_postpone(group, exc)
                    continue
                finished += [event.pk for event in group]
            MatchingOutboxEvent.objects.filter(pk__in=finished).delete()
            done += len(finished)


def _outbox_pending():
    return MatchingOutboxEvent.objects.filter(
        failed_at__isnull=True, available_at__lte=timezone.now()
    )


def _listing_lock(entity: str, entity_id: int) -> None:
    # Two drains holding events of the same listing match it one after the other.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"matching:{entity}:{entity_id}"],
        )


def _outbox_postpone(events: list[MatchingOutboxEvent], exc: Exception) -> None:
    now = timezone.now()
    for event in events:
        event.attempts += 1
        delay = min(OUTBOX_RETRY_BASE_SECONDS * 2 ** (event.attempts - 1), OUTBOX_RETRY_MAX_SECONDS)
        event.available_at = now + timezone.timedelta(seconds=delay)
        event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if event.attempts >= OUTBOX_MAX_ATTEMPTS:
            event.failed_at = now
    MatchingOutboxEvent.objects.bulk_update(
        events, ["attempts", "available_at", "last_error", "failed_at"]
    )


def matching_outbox_retry(*, event_ids: Iterable[int]) -> int:
    """Put failed outbox events back in line (the admin's retry); the number retried."""
    return MatchingOutboxEvent.objects.filter(pk__in=list(event_ids)).update(
        failed_at=None, attempts=0, available_at=timezone.now()
    )


# --- storing engine results ---------------------------------------------------------------


def _result_row(demand_id: int, result: MatchResult, now, fingerprint: str = "") -> Match:
    return Match(**_staged_result(demand_id, result, now, fingerprint)._asdict())


def _bundle_row(demand_id: int, bundle: Bundle, now, fingerprint: str = "") -> Match:
    return Match(**_staged_bundle(demand_id, bundle, now, fingerprint)._asdict())


_REFRESHED = (
    "vendor_ids",
    "kind",
    "score",
    "breakdown",
    "unmet",
    "explanation_zh",
    "explanation_en",
    "bundle_technology",
    "bundle_protocol",
    "engine_version",
    "computed_at",
    "fingerprint",
    "updated_at",
)


def _upsert(rows: list[Match]) -> None:
    """Insert or refresh rows by (demand, pair_key); the lifecycle fields are never touched."""
    if rows:
        Match.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["demand", "pair_key"],
            update_fields=list(_REFRESHED),
        )


def demand_results_store(*, demand_id: int, analysis: DemandAnalysis | None) -> None:
    """Replace a demand's engine suggestions with `analysis` (None: the demand is not open).

    Suggestions no longer produced are removed unless a person already acted on them; rows
    in later statuses keep their lifecycle and get refreshed figures.
    """
    now = timezone.now()
    rows: list[Match] = []
    if analysis is not None:
        rows = [_result_row(demand_id, r, now) for r in analysis.results]
        rows += [_bundle_row(demand_id, b, now) for b in analysis.bundles]
    keys = {row.pair_key for row in rows}
    # Telling partners of new suggestions costs queries on every demand of a full rematch;
    # pay them only when someone listens.
    announce = bool(rows) and webhook_event_has_subscribers("match.suggested")
    with transaction.atomic():
        known = (
            set(
                Match.objects.filter(demand_id=demand_id, pair_key__in=keys).values_list(
                    "pair_key", flat=True
                )
            )
            if announce
            else set()
        )
        stale = Match.objects.filter(
            demand_id=demand_id, status=Match.Status.SUGGESTED, origin=Match.Origin.ENGINE
        ).exclude(pair_key__in=keys)
        stale.delete()
        _upsert(rows)
        if announce:
            _suggested_webhooks(demand_id, [row for row in rows if row.pair_key not in known])
        flags_sync(
            subject_type=MismatchFlag.Subject.DEMAND,
            subject_key=f"demand:{demand_id}",
            flags=analysis.flags if analysis is not None else [],
            demand_id=demand_id,
            now=now,
        )


def _suggested_webhooks(demand_id: int, new_rows: list[Match] | list[StagedMatch]) -> None:
    """`match.suggested` for new suggestions: each vendor hears of its own, the enterprise of all.

    One event per party and demand, so a vendor never learns of a rival's match.
    """
    if not new_rows:
        return
    pair_ids = dict(
        Match.objects.filter(
            demand_id=demand_id, pair_key__in=[row.pair_key for row in new_rows]
        ).values_list("pair_key", "pk")
    )
    by_vendor: dict[int, list[int]] = {}
    for row in new_rows:
        for vendor_id in row.vendor_ids:
            by_vendor.setdefault(vendor_id, []).append(pair_ids[row.pair_key])
    for vendor_id, match_ids in by_vendor.items():
        webhook_event_emit(
            event_type="match.suggested",
            organization_ids=[vendor_id],
            payload={"demand_id": demand_id, "match_ids": sorted(match_ids)},
        )
    enterprise_id = Demand.objects.filter(pk=demand_id).values_list("organization_id", flat=True)
    webhook_event_emit(
        event_type="match.suggested",
        organization_ids=list(enterprise_id),
        payload={"demand_id": demand_id, "match_ids": sorted(pair_ids.values())},
    )


def _mismatch_webhook(flag: MismatchFlag) -> None:
    """`mismatch.raised` for the organisation whose demand or offering a new flag concerns."""
    if flag.demand_id:
        owners = Demand.objects.filter(pk=flag.demand_id)
    elif flag.offering_id:
        owners = Offering.objects.filter(pk=flag.offering_id)
    else:
        return  # aggregate cells concern the market, not one organisation
    webhook_event_emit(
        event_type="mismatch.raised",
        organization_ids=list(owners.values_list("organization_id", flat=True)),
        payload={
            "flag_id": flag.pk,
            "code": flag.code,
            "severity": flag.severity,
            "demand_id": flag.demand_id,
            "offering_id": flag.offering_id,
            "figures": flag.figures,
        },
    )


@dataclass(frozen=True)
class FlagSubject:
    """What one subject (a demand, an offering or a cell) raises now."""

    subject_type: str
    subject_key: str
    flags: tuple[Flag, ...]
    demand_id: int | None = None
    offering_id: int | None = None
    cell: RadarCell | None = None


def flags_sync(
    *,
    subject_type: str,
    subject_key: str,
    flags: Iterable[Flag],
    now,
    demand_id: int | None = None,
    offering_id: int | None = None,
    cell: RadarCell | None = None,
) -> None:
    """Open or refresh the subject's raised flags; resolve its open flags not raised any more."""
    flags_sync_many(
        subjects=[
            FlagSubject(subject_type, subject_key, tuple(flags), demand_id, offering_id, cell)
        ],
        now=now,
    )


_FLAG_REFRESHED = ("severity", "figures", "message_zh", "message_en", "last_seen")


def flags_sync_many(*, subjects: Iterable[FlagSubject], now) -> None:
    """`flags_sync` for many subjects in four statements (a full rematch syncs 200 at once)."""
    subjects = {subject.subject_key: subject for subject in subjects}
    if not subjects:
        return
    with transaction.atomic():
        open_flags = list(
            MismatchFlag.objects.select_for_update().filter(
                subject_key__in=list(subjects), resolved_at__isnull=True
            )
        )
        opened = {(f.subject_key, f.code): f for f in open_flags}
        resolved, refreshed, created, seen_again = [], [], [], []
        for flag in open_flags:
            raised = {f.code for f in subjects[flag.subject_key].flags}
            if flag.code not in raised:
                resolved.append(flag.pk)
        for key, subject in subjects.items():
            for flag in {f.code: f for f in subject.flags}.values():
                existing = opened.get((key, flag.code))
                values = {
                    "severity": flag.severity,
                    "figures": flag.figures,
                    "message_zh": flag.zh[:500],
                    "message_en": flag.en[:500],
                    "last_seen": now,
                }
                if existing is not None:
                    if any(
                        getattr(existing, k) != v for k, v in values.items() if k != "last_seen"
                    ):
                        for name, value in values.items():
                            setattr(existing, name, value)
                        refreshed.append(existing)
                    else:
                        seen_again.append(existing.pk)
                    continue
                cell = subject.cell
                created.append(
                    MismatchFlag(
                        subject_type=subject.subject_type,
                        subject_key=key,
                        demand_id=subject.demand_id,
                        offering_id=subject.offering_id,
                        sector=cell.sector if cell else "",
                        technology=cell.technology if cell else "",
                        province=cell.province if cell else "",
                        code=flag.code,
                        first_seen=now,
                        **values,
                    )
                )
        if resolved:
            MismatchFlag.objects.filter(pk__in=resolved).update(resolved_at=now)
        if seen_again:
            MismatchFlag.objects.filter(pk__in=seen_again).update(last_seen=now)
        if refreshed:
            MismatchFlag.objects.bulk_update(refreshed, _FLAG_REFRESHED, batch_size=500)
        if created:
            MismatchFlag.objects.bulk_create(created, batch_size=500)
            if webhook_event_has_subscribers("mismatch.raised"):
                for flag in created:
                    _mismatch_webhook(flag)


# --- incremental and full matching (called by tasks) -------------------------------------


def demand_match(*, demand_id: int) -> int:
    """Match one demand against the current market and store the outcome; returns #matches."""
    state = loader.market()
    row = Demand.objects.filter(id=demand_id).values_list(*loader.DEMAND_COLUMNS).first()
    if row is None:
        return 0
    spec = loader.demand_spec(row, loader.scenario_certifications(), timezone.now())
    state.demands.upsert(spec)
    if not spec.open:
        demand_results_store(demand_id=demand_id, analysis=None)
        return 0
    analysis = analyse_demand(
        state.offerings,
        spec,
        now=time.time(),
        weights=loader.weights(),
        limit=MATCHES_PER_DEMAND,
        bundle_limit=BUNDLES_PER_DEMAND,
    )
    demand_results_store(demand_id=demand_id, analysis=analysis)
    return len(analysis.results) + len(analysis.bundles)


def offering_match(*, offering_id: int) -> int:
    """Match one offering against the open demands and store the outcome; returns #fits."""
    state = loader.market()
    row = Offering.objects.filter(id=offering_id).values_list(*loader.OFFERING_COLUMNS).first()
    if row is None:
        return 0
    state.offerings.upsert(loader._offering_record(row))
    now = time.time()
    results, fits = match_offering(
        state.offerings,
        state.demands,
        offering_id,
        now=now,
        weights=loader.weights(),
        limit=DEMANDS_PER_OFFERING,
    )
    flags = (
        offering_flags(state.offerings, offering_id, fits=fits, now=now)
        if offering_id in state.offerings.position
        else []
    )
    with transaction.atomic():
        kept = {r.demand_id for r in results}
        stale = Match.objects.filter(
            offering_id=offering_id, status=Match.Status.SUGGESTED, origin=Match.Origin.ENGINE
        )
        if kept:
            stale = stale.exclude(demand_id__in=kept)
        stale.delete()
        stamp = timezone.now()
        _upsert([_result_row(r.demand_id, r, stamp) for r in results])
        flags_sync(
            subject_type=MismatchFlag.Subject.OFFERING,
            subject_key=f"offering:{offering_id}",
            flags=flags,
            offering_id=offering_id,
            now=stamp,
        )
    return fits


FULL_REMATCH_CHUNK = 200
LEASE_SECONDS = 120
# A full rematch cuts its plan into more slices than it has processes, and each process takes
# the next free slice when it finishes one, so none idles while another still has part of a
# fixed share left (at 1M offerings one of two fixed halves once finished well before the
# other; on a day the halves came out even, taking 16 slices in turn cost nothing: 364.9 vs
# 366.0 s). 8 per process leaves at most one slice, about a sixteenth of the run, to a single
# process; a slice holds at least 500 demands, so small markets keep one slice per process.
SLICES_PER_WORKER = 8
SLICE_MIN_DEMANDS = 500


def lease_seconds() -> int:
    return int(getattr(settings, "MATCHING_LEASE_SECONDS", LEASE_SECONDS))


def rematch_workers() -> int:
    """Processes a full rematch forks to score slices side by side (they share the index)."""
    return max(1, int(getattr(settings, "MATCHING_FULL_REMATCH_WORKERS", 1)))


def full_rematch_leased_elsewhere(*, owner: str) -> bool:
    """Whether another worker holds a live lease on an unfinished full rematch."""
    return (
        MatchRun.objects.filter(status=MatchRun.Status.RUNNING, lease_until__gt=timezone.now())
        .exclude(lease_owner=owner)
        .exists()
    )


def full_rematch_lapsed() -> bool:
    """Whether an unfinished full rematch has no live lease (its worker died or was stopped)."""
    return (
        MatchRun.objects.filter(status=MatchRun.Status.RUNNING)
        .exclude(lease_until__gt=timezone.now())
        .exists()
    )


def full_rematch(
    *,
    owner: str,
    lease: int | None = None,
    chunk: int | None = None,
    workers: int | None = None,
    requested_by: str = "",
    resume_only: bool = False,
) -> MatchRun | None:
    """Rematch every demand (closed ones lose their suggestions), resuming an unfinished run.

    One worker at a time holds the run's lease; another caller returns None at once. The
    market index is loaded (or refreshed), then `workers` forked processes (sharing the index
    copy-on-write) take the run's slices one after another, scoring and storing each. Each
    chunk's rows and its slice cursor commit together, so a killed worker loses at most one
    chunk per process, which the next call redoes idempotently. Rows whose fingerprint is
    unchanged are not rewritten.

    `requested_by` names the request (a task id): a request whose run was already finished,
    by this caller or by a resume, starts no other. `resume_only`: carry on an unfinished run
    whose lease lapsed, never start one (the beat's resume of a dead worker's run).
    """
    lease = lease or lease_seconds()
    chunk = chunk or getattr(settings, "MATCHING_FULL_REMATCH_CHUNK", FULL_REMATCH_CHUNK)
    if full_rematch_leased_elsewhere(owner=owner):
        return None  # before loading a market this call would not use
    if resume_only and not full_rematch_lapsed():
        return None
    if (
        requested_by
        and MatchRun.objects.filter(requested_by=requested_by, status=MatchRun.Status.DONE).exists()
    ):
        return None  # a redelivered request (the broker's visibility timeout) already served
    # The process's market, refreshed with every change since its last look (a worker that
    # has been matching incrementally skips the load; a fresh process pays it once). A new
    # run's plan orders demands by what they ask of it.
    state = loader.market()
    workers = workers or rematch_workers()
    run = _lease_run(
        owner, lease, workers, state, requested_by=requested_by, create=not resume_only
    )
    if run is None:
        return None
    now = time.time()  # one clock for the run, so freshness is the same for every demand
    pending = list(run.slices.filter(done=False).order_by("number"))
    if len(pending) > 1 and not connection.in_atomic_block:
        _slices_forked(
            run,
            pending,
            state,
            processes=workers,
            now=now,
            owner=owner,
            lease=lease,
            chunk=chunk,
        )
    else:
        # Inside a transaction (tests, callers' atomic blocks) forked processes could not
        # see uncommitted demands: run the slices here, one after the other.
        for part in pending:
            if not _slice_rematch(
                run.pk, part, state, now=now, owner=owner, lease=lease, chunk=chunk
            ):
                break
    with transaction.atomic():
        finished = not run.slices.filter(done=False).exists()
        if finished:
            MatchRun.objects.filter(pk=run.pk, lease_owner=owner).update(
                status=MatchRun.Status.DONE, finished_at=timezone.now(), lease_until=None
            )
    if finished:
        _match_statistics_refresh()
    run.refresh_from_db()
    return run if run.status == MatchRun.Status.DONE else None


def _match_statistics_refresh() -> None:
    """ANALYZE the matches a full rematch has just rewritten. Until autovacuum gets round to
    it, the planner's statistics are stale: after a 100k × 10k rematch it expected 738
    suggested rows instead of 209,108, and the coordinators' match queue at page 20 took
    1.1 s instead of 7 ms. ANALYZE samples 30,000 rows (≈ 0.2 s)."""
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{Match._meta.db_table}"')


def _lease_run(
    owner: str, lease: int, workers: int, state, *, requested_by: str = "", create: bool = True
) -> MatchRun | None:
    now = timezone.now()
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().filter(status=MatchRun.Status.RUNNING).first()
        if run is None:
            if not create:
                return None
            run = MatchRun.objects.create(engine_version=ENGINE_VERSION, requested_by=requested_by)
            MatchRunSlice.objects.bulk_create(_slices_plan(run, workers, state))
        if (
            run.lease_owner
            and run.lease_owner != owner
            and run.lease_until
            and run.lease_until > now
        ):
            return None
        run.lease_owner = owner
        run.lease_until = now + timezone.timedelta(seconds=lease)
        run.save(update_fields=["lease_owner", "lease_until"])
        return run


def _candidate_group(state, demand_id: int) -> tuple:
    """What a demand asks of the market's candidate sets (see OfferingIndex.candidate_set);
    () for a demand the index does not hold as open (it only loses its suggestions)."""
    position = state.demands.position.get(demand_id)
    c = state.demands.compiled[position] if position is not None else None
    if c is None or not c.spec.open:
        return ()
    return tuple(candidate_key(c, kind) for kind in c.kinds)


def _slices_plan(run: MatchRun, workers: int, state) -> list[MatchRunSlice]:
    """Today's demands in slices of about equal work, in matching order.

    Demands asking for the same candidates are planned side by side, so each candidate set
    is built once and found in the cache by the next demand (at 1M offerings, 104k
    kind-evaluations share 50k distinct sets; in id order almost none were reused). Open
    demands are cut into contiguous slices by their number of kinds, `SLICES_PER_WORKER` per
    worker (fewer when slices would hold under `SLICE_MIN_DEMANDS`, never fewer than
    `workers`); the rest are dealt out evenly. Demands created later are matched when
    published and by the next run.
    """
    groups = [
        (_candidate_group(state, demand_id), demand_id)
        for demand_id in Demand.objects.order_by("id").values_list("id", flat=True).iterator()
    ]
    groups.sort()
    idle = [demand_id for group, demand_id in groups if not group]
    busy = [(len(group), demand_id) for group, demand_id in groups if group]
    count = max(workers, min(workers * SLICES_PER_WORKER, -(-len(busy) // SLICE_MIN_DEMANDS)))
    parts: list[list[int]] = [idle[k::count] for k in range(count)]
    work, share, k = 0, sum(n for n, _ in busy) / count, 0
    for n, demand_id in busy:
        while work >= share * (k + 1) and k < count - 1:
            k += 1
        parts[k].append(demand_id)
        work += n
    return [MatchRunSlice(run=run, number=k, demand_ids=part) for k, part in enumerate(parts)]


def _slices_forked(run, pending, state, *, processes, now, owner, lease, chunk) -> None:
    """Fork `processes` processes that take the pending slices in turn, each the next free one
    when it finishes the last; renew the lease until all have exited."""
    connections.close_all()  # each process opens its own connection
    taken = multiprocessing.Value("i", 0)  # shared memory: the next pending slice to take
    # The market index's Python objects (hundreds of thousands) move to a permanent generation
    # the children's collector never walks: each chunk's explained rows otherwise set off
    # collections that traverse them all (explaining 45 instead of 78 µs per row at 1M
    # offerings), and walking them writes to their pages, copying them per process. The
    # children go further and collect only once per chunk, when its rows are stored: cold
    # full rematch at 1M 290.4 s (CPU 445 s) frozen, 276.1 s with young collections every
    # 20,000 allocations, 260.0 s (CPU 398 s) collecting per chunk; peak memory the same.
    gc.freeze()
    children: dict[int, int] = {}
    failed = []
    try:
        for number in range(min(processes, len(pending))):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, its exit code is checked below
                code = 1
                try:
                    # Broker connections are not fork-safe: the child gets fresh ones, as Celery's
                    # own pool processes do.
                    current_app._after_fork()
                    # Collections are run once per stored chunk instead (see _slice_rematch).
                    gc.disable()
                    while True:
                        with taken.get_lock():
                            next_slice = taken.value
                            taken.value += 1
                        if next_slice >= len(pending):
                            break
                        part = pending[next_slice]
                        if not _slice_rematch(
                            run.pk,
                            part,
                            state,
                            now=now,
                            owner=owner,
                            lease=lease,
                            chunk=chunk,
                            collect=True,
                        ):
                            break  # the lease was lost: the next slices are not ours either
                    code = 0
                except BaseException:
                    logger.exception("full rematch process %s failed", number)
                finally:
                    connections.close_all()
                    os._exit(code)
            children[pid] = number
        renew_at = time.monotonic() + lease / 3
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid:
                number = children.pop(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    failed.append(number)
                continue
            if time.monotonic() >= renew_at:
                MatchRun.objects.filter(pk=run.pk, lease_owner=owner).update(
                    lease_until=timezone.now() + timezone.timedelta(seconds=lease)
                )
                renew_at = time.monotonic() + lease / 3
            time.sleep(0.1)
    finally:
        gc.unfreeze()
        connections.close_all()
    if failed:
        raise RuntimeError(
            f"full rematch processes {sorted(failed)} failed; the next run resumes their slices"
        )


def _slice_rematch(run_id, part, state, *, now, owner, lease, chunk, collect=False) -> bool:
    """Score and store one slice chunk by chunk from its cursor; False if the run's lease was
    lost meanwhile. `collect`: run the garbage collector after each chunk (for a process that
    keeps it disabled)."""
    typical = loader.scenario_certifications()
    weights = loader.weights()
    cursor = part.cursor
    while cursor < len(part.demand_ids):
        planned = part.demand_ids[cursor : cursor + chunk]
        found = {
            row[0]: row
            for row in Demand.objects.filter(id__in=planned).values_list(*loader.DEMAND_COLUMNS)
        }
        rows = [found[demand_id] for demand_id in planned if demand_id in found]
        cursor += len(planned)
        stamp = timezone.now()
        analyses = []
        for row in rows:
            spec = loader.demand_spec(row, typical, stamp)
            analysis = None
            if spec.open:
                # The demand index compiled every open demand while loading (advice, tokens):
                # reuse it unless the demand changed since.
                position = state.demands.position.get(spec.id)
                compiled = state.demands.compiled[position] if position is not None else None
                reuse = compiled is not None and (
                    replace(spec, tokens=compiled.spec.tokens) == compiled.spec
                )
                analysis = analyse_demand(
                    state.offerings,
                    compiled if reuse else spec,
                    now=now,
                    weights=weights,
                    limit=MATCHES_PER_DEMAND,
                    bundle_limit=BUNDLES_PER_DEMAND,
                    explain_results=False,
                )
            analyses.append((spec.id, analysis))
        with transaction.atomic():
            _chunk_store(analyses, state.offerings, weights=weights, now=now, stamp=stamp)
            updated = MatchRun.objects.filter(
                pk=run_id, lease_owner=owner, status=MatchRun.Status.RUNNING
            ).update(
                demands_done=F("demands_done") + len(rows),
                lease_until=timezone.now() + timezone.timedelta(seconds=lease),
            )
            if not updated:
                # The lease was lost: someone else carries on. Roll this chunk back.
                transaction.set_rollback(True)
                return False
            MatchRunSlice.objects.filter(pk=part.pk).update(cursor=cursor)
        if collect:
            gc.collect()
    MatchRunSlice.objects.filter(pk=part.pk).update(cursor=cursor, done=True)
    return True


def _fingerprint(*parts: object) -> str:
    return "|".join([ENGINE_VERSION, *(str(p) for p in parts)])[:200]


# Columns a full rematch computes; a new row starts its lifecycle as a suggestion, and an
# existing row's lifecycle columns are never overwritten.
_STAGED = (
    "demand_id",
    "offering_id",
    "bundle_offering_ids",
    "pair_key",
    *(c for c in _REFRESHED if c != "updated_at"),
)


# One staged row of a full rematch, in _STAGED order: building Match instances for a million
# rows cost more than writing them.
StagedMatch = namedtuple("StagedMatch", _STAGED)
_JSON = tuple(i for i, name in enumerate(_STAGED) if name in ("breakdown", "unmet"))
_ID_ARRAYS = tuple(
    i for i, name in enumerate(_STAGED) if name in ("bundle_offering_ids", "vendor_ids")
)


def _staged_result(demand_id: int, result: MatchResult, stamp, fingerprint: str) -> StagedMatch:
    return StagedMatch(
        demand_id=demand_id,
        offering_id=result.offering_id,
        bundle_offering_ids=[],
        pair_key=f"o:{result.offering_id}",
        vendor_ids=[result.vendor_id],
        kind=result.kind,
        score=result.score,
        breakdown=result.breakdown(),
        unmet=result.unmet_json(),
        # Sentences are rendered from the breakdown's facts when read (selectors).
        explanation_zh="",
        explanation_en="",
        bundle_technology="",
        bundle_protocol="",
        engine_version=ENGINE_VERSION,
        computed_at=stamp,
        fingerprint=fingerprint,
    )


def _staged_bundle(demand_id: int, bundle: Bundle, stamp, fingerprint: str) -> StagedMatch:
    return StagedMatch(
        demand_id=demand_id,
        offering_id=None,
        bundle_offering_ids=list(bundle.offering_ids),
        pair_key="b:" + "-".join(str(i) for i in bundle.offering_ids),
        vendor_ids=sorted({c.vendor_id for c in bundle.components}),
        kind="+".join(c.kind for c in bundle.components),
        score=bundle.score,
        breakdown={
            "components": [
                {"offering_id": c.offering_id, "kind": c.kind, "score": c.score}
                for c in bundle.components
            ]
        },
        unmet=[],
        explanation_zh=bundle.explanation_zh,
        explanation_en=bundle.explanation_en,
        bundle_technology=bundle.technology or "",
        bundle_protocol=bundle.protocol or "",
        engine_version=ENGINE_VERSION,
        computed_at=stamp,
        fingerprint=fingerprint,
    )


def _matches_copy_upsert(rows: list[StagedMatch]) -> None:
    """`_upsert` through COPY (a full rematch writes thousands of rows per chunk)."""
    now = timezone.now()

    def values(row: StagedMatch) -> list:
        out = list(row)
        for i in _JSON:
            # orjson: 1–2 µs per breakdown where json.dumps took 12 (1.6M rows per run).
            out[i] = orjson.dumps(out[i], option=orjson.OPT_SERIALIZE_NUMPY).decode()
        for i in _ID_ARRAYS:
            # As array literals: psycopg's list dumper cost more than the rest of the row.
            out[i] = "{" + ",".join([str(int(v)) for v in out[i]]) + "}"
        return out

    copy_upsert(
        table=Match._meta.db_table,
        columns=_STAGED,
        rows=(values(row) for row in rows),
        conflict=("demand_id", "pair_key"),
        update=_REFRESHED,
        constants={
            "status": Match.Status.SUGGESTED,
            "origin": Match.Origin.ENGINE,
            "enterprise_response": Match.Response.PENDING,
            "vendor_response": Match.Response.PENDING,
            "note": "",
            "created_at": now,
            "updated_at": now,
        },
    )


def _chunk_store(analyses, index, *, weights, now: float, stamp) -> None:
    """Store a chunk of unexplained analyses: explain and write only rows that changed.

    Suggestions no longer produced are removed unless a person already acted on them; rows
    in later statuses keep their lifecycle and get refreshed figures.
    """
    demand_ids = [demand_id for demand_id, _ in analyses]
    stored = {
        (demand_id, key): (pk, fingerprint, status, origin)
        for pk, demand_id, key, fingerprint, status, origin in Match.objects.filter(
            demand_id__in=demand_ids
        ).values_list("pk", "demand_id", "pair_key", "fingerprint", "status", "origin")
    }
    updated_at = index.col("updated_at")
    ids = index.col("id")
    produced: set[tuple[int, str]] = set()
    rows: list[StagedMatch] = []
    subjects = []
    for demand_id, analysis in analyses:
        subjects.append(
            FlagSubject(
                MismatchFlag.Subject.DEMAND,
                f"demand:{demand_id}",
                tuple(analysis.flags) if analysis is not None else (),
                demand_id=demand_id,
            )
        )
        if analysis is None:
            continue
        matches = analysis.matches
        # As _fingerprint would write it, once per demand rather than per row.
        demand_stamp = str(matches.demand.spec.updated_at)
        changed, fingerprints = [], []
        for kind, i, score in ranked_offerings(index, matches, MATCHES_PER_DEMAND):
            position = int(matches.evaluations[kind].positions[i])
            key = f"o:{int(ids[position])}"
            fingerprint = _fingerprint(f"{score:.2f}", updated_at[position], demand_stamp)
            produced.add((demand_id, key))
            if stored.get((demand_id, key), (None, None))[1] != fingerprint:
                changed.append((kind, i))
                fingerprints.append(fingerprint)
        if changed:
            results = explain_ranked(index, matches, changed, now=now, weights=weights)
            rows += [
                _staged_result(demand_id, result, stamp, fingerprint)
                for result, fingerprint in zip(results, fingerprints, strict=True)
            ]
        for bundle in analysis.bundles:
            key = "b:" + "-".join(str(i) for i in bundle.offering_ids)
            fingerprint = _fingerprint(
                f"{bundle.score:.2f}", *(f"{c.score:.2f}" for c in bundle.components)
            )
            produced.add((demand_id, key))
            if stored.get((demand_id, key), (None, None))[1] != fingerprint:
                # Staged directly: a Match instance per bundle cost ~90 µs to build.
                rows.append(_staged_bundle(demand_id, bundle, stamp, fingerprint))
    stale = [
        pk
        for key, (pk, _, status, origin) in stored.items()
        if key not in produced
        and status == Match.Status.SUGGESTED
        and origin == Match.Origin.ENGINE
    ]
    if stale:
        Match.objects.filter(pk__in=stale).delete()
    if rows:
        _matches_copy_upsert(rows)
        new = [row for row in rows if (row.demand_id, row.pair_key) not in stored]
        if new and webhook_event_has_subscribers("match.suggested"):
            by_demand: dict[int, list[StagedMatch]] = {}
            for row in new:
                by_demand.setdefault(row.demand_id, []).append(row)
            for demand_id, demand_rows in by_demand.items():
                _suggested_webhooks(demand_id, demand_rows)
    flags_sync_many(subjects=subjects, now=stamp)


def mismatch_aggregate() -> int:
    """Compute the mismatch radar (engine/radar.py) over the open market: store today's
    snapshot (Asia/Shanghai; a later run the same day replaces it), each open demand's share
    for the drill-down, and sync the cell flags. Returns the number of cells."""
    state = loader.market()
    supplies = demand_supplies(state.offerings, state.demands)
    cells = radar_cells(supplies)
    now = timezone.now()
    day = timezone.localdate(now)
    flagged = {(c.sector, c.technology, c.province): f for c, f in cell_flags(cells)}
    detailed = [c for c in cells if c.sector and c.technology and c.province]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two runs at once would interleave their delete and insert of the day's rows.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ["radar"])
        MismatchSnapshot.objects.filter(day=day).delete()
        MismatchSnapshot.objects.bulk_create(
            (
                MismatchSnapshot(
                    day=day,
                    taken_at=now,
                    sector=c.sector,
                    technology=c.technology,
                    province=c.province,
                    demanded=c.demanded,
                    covered=c.covered,
                    need=c.need,
                    capacity=c.capacity,
                    demands=c.demands,
                    unserved=c.unserved,
                )
                for c in cells
            ),
            batch_size=5000,
        )
        DemandCoverage.objects.all().delete()
        DemandCoverage.objects.bulk_create(
            (
                DemandCoverage(
                    demand_id=d.demand_id,
                    sector=d.sector,
                    technology=d.technology,
                    provinces=list(d.provinces),
                    volume=d.volume,
                    need=d.need,
                    capacity=d.capacity,
                    covered_share=d.covered_share,
                    feasible=d.feasible,
                    computed_at=now,
                )
                for d in supplies
            ),
            batch_size=5000,
        )
        open_cells = set(
            MismatchFlag.objects.filter(
                subject_type=MismatchFlag.Subject.CELL, resolved_at__isnull=True
            ).values_list("subject_key", flat=True)
        )
        subjects = []
        for cell in detailed:
            key = f"cell:{cell.sector}:{cell.technology}:{cell.province}"
            flag = flagged.get((cell.sector, cell.technology, cell.province))
            if flag is None and key not in open_cells:
                continue
            open_cells.discard(key)
            subjects.append(
                FlagSubject(MismatchFlag.Subject.CELL, key, (flag,) if flag else (), cell=cell)
            )
        subjects += [FlagSubject(MismatchFlag.Subject.CELL, key, ()) for key in open_cells]
        flags_sync_many(subjects=subjects, now=now)
    return len(detailed)


# --- match lifecycle -------------------------------------------------------------------------


def _transition(
    *,
    actor: Any,
    match: Match,
    allowed_from: tuple[str, ...],
    action: str,
    data: dict,
    decide: Callable[[Match], dict[str, Any]] | None = None,
    **changes,
) -> Match:
    """Apply `changes` (and those `decide` computes from the locked row) to the match in one
    transaction, under a row lock, if its locked status is in `allowed_from`; audit it.

    Everything is decided on the row as locked, never on the caller's copy: two people acting
    at the same moment see each other's change (the second waits for the first's commit).
    """
    with transaction.atomic():
        locked = Match.objects.select_for_update().get(pk=match.pk)
        if decide is not None:  # pure; may refuse the actor (PermissionDenied) before all else
            changes = {**changes, **decide(locked)}
        if locked.status not in allowed_from:
            raise Conflict(
                "invalid_transition",
                _("当前状态为“%(status)s”，不能执行该操作。")
                % {"status": locked.get_status_display()},
            )
        before = locked.status
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        audit_record(
            actor=actor,
            action=f"match.{action}",
            subject=locked,
            organization_id=locked.demand.organization_id,
            data={"from": before, "to": locked.status, **data},
        )
        if locked.status != before:
            _status_webhooks(locked, before)
    return locked


def _status_webhooks(match: Match, before: str) -> None:
    """`match.status_changed` (and `match.introduced`) for the enterprise and the vendors."""
    payload = {
        "match_id": match.pk,
        "demand_id": match.demand_id,
        "offering_ids": match.offering_ids,
        "status": match.status,
        "previous_status": before,
    }
    parties = [match.demand.organization_id, *match.vendor_ids]
    webhook_event_emit(event_type="match.status_changed", organization_ids=parties, payload=payload)
    if match.status == Match.Status.INTRODUCED:
        webhook_event_emit(event_type="match.introduced", organization_ids=parties, payload=payload)


def _require_coordinator(actor: Any) -> None:
    if not getattr(actor, "is_coordinator", False):
        raise PermissionDenied("permission_denied", _("只有平台协调员可以执行此操作。"))


def match_approve(*, actor: Any, match: Match, note: str = "") -> Match:
    """A coordinator approves a suggested match (or a vendor's expression of interest)."""
    _require_coordinator(actor)
    return _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.SUGGESTED,),
        action="approve",
        data={"note": note},
        status=Match.Status.APPROVED,
        note=note,
    )


def match_reject(*, actor: Any, match: Match, note: str = "") -> Match:
    """A coordinator rejects a suggested match, or an approved one not yet introduced."""
    _require_coordinator(actor)
    return _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.SUGGESTED, Match.Status.APPROVED),
        action="reject",
        data={"note": note},
        status=Match.Status.REJECTED,
        note=note,
    )


def match_introduce(*, actor: Any, match: Match, note: str = "") -> Match:
    """A coordinator introduces the two parties of an approved match to each other; both are
    told by e-mail (after commit)."""
    _require_coordinator(actor)
    introduced = _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.APPROVED,),
        action="introduce",
        data={"note": note},
        status=Match.Status.INTRODUCED,
        note=note,
        enterprise_response=Match.Response.PENDING,
        vendor_response=Match.Response.PENDING,
    )
    introduction_notify(match=introduced)
    return introduced


def match_respond(*, actor: Any, match: Match, side: str, accept: bool) -> Match:
    """One side answers an introduction; both accepting → accepted, either declining → declined.

    `side` is "enterprise" or "vendor"; the actor must belong to that side's organisation.
    The other side's answer is read from the locked row, so two answers at the same moment
    both count.
    """
    if side not in ("enterprise", "vendor"):
        raise BusinessError("invalid", _("答复方必须是需求方或供给方。"))
    orgs = getattr(actor, "organization_ids", frozenset())
    answer = Match.Response.ACCEPTED if accept else Match.Response.DECLINED

    def decide(locked: Match) -> dict[str, Any]:
        if side == "enterprise":
            allowed = locked.demand.organization_id in orgs
        else:
            allowed = bool(set(locked.vendor_ids) & set(orgs))
        if not allowed:
            raise PermissionDenied("permission_denied", _("您不是该匹配的这一方。"))
        enterprise = answer if side == "enterprise" else locked.enterprise_response
        vendor = answer if side == "vendor" else locked.vendor_response
        if Match.Response.DECLINED in (enterprise, vendor):
            status = Match.Status.DECLINED
        elif enterprise == vendor == Match.Response.ACCEPTED:
            status = Match.Status.ACCEPTED
        else:
            status = Match.Status.INTRODUCED
        return {"status": status, "enterprise_response": enterprise, "vendor_response": vendor}

    return _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.INTRODUCED,),
        action="respond",
        data={"side": side, "accept": accept},
        decide=decide,
    )


def match_close(*, actor: Any, match: Match, won: bool, note: str = "") -> Match:
    """A coordinator records the outcome of an accepted introduction."""
    _require_coordinator(actor)
    return _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.ACCEPTED,),
        action="close",
        data={"won": won, "note": note},
        status=Match.Status.WON if won else Match.Status.LOST,
        note=note,
    )


def interest_evaluate(*, demand_id: int, offering_id: int) -> MatchResult | None:
    """The engine's result for one offering against one demand, from their two rows alone.

    None when the offering is not a candidate the worker would store (the engine's hard
    constraints and relevance floor; published, verified vendor). Raises Conflict
    `demand_not_open` for a demand not open (or expired). Built on a one-offering index and the
    demand's compiled spec, so it costs milliseconds and a few KiB in any process (web
    processes never load the market); every criterion is the market's except text relevance,
    whose idf weights come from the pair rather than the whole catalogue (at most the text
    weight apart, 20 of 100 points today).
    """
    offering_row = (
        Offering.objects.filter(id=offering_id)
        .values_list(*loader.OFFERING_COLUMNS, *_TOKENS_CACHED)
        .first()
    )
    demand_row = (
        Demand.objects.filter(id=demand_id)
        .values_list(*loader.DEMAND_COLUMNS, *_TOKENS_CACHED)
        .first()
    )
    if demand_row is None or offering_row is None:
        raise NotFound("not_found", _("需求或供给不存在。"))
    spec = loader.demand_spec(
        demand_row[: len(loader.DEMAND_COLUMNS)], loader.scenario_certifications(), timezone.now()
    )
    if not spec.open:
        raise Conflict("demand_not_open", _("该需求未在征集中。"))
    spec = replace(spec, tokens=loader._cached_tokens(spec.text, *demand_row[-2:]))
    offering_fields = offering_row[: len(loader.OFFERING_COLUMNS)]
    record = loader._offering_record(
        offering_fields,
        loader._cached_tokens(loader._offering_text(offering_fields), *offering_row[-2:]),
    )
    index = OfferingIndex.build(
        loader.pair_reference(), [record], loader._vendors(Q(id=record.vendor_id))
    )
    matches = match_demand(index, spec, now=time.time(), weights=loader.weights(), limit=1)
    return next((r for r in matches.results if r.offering_id == offering_id), None)


# A listing's cached engine tokens (see models.ListingTokens), read beside its own columns.
_TOKENS_CACHED = ("match_tokens__digest", "match_tokens__tokens")


# --- introduction requests and the enterprise's verdicts on its recommendations -------------

# Either party may ask for an introduction while the match is still a suggestion; after that
# a coordinator is already handling it.
REQUESTABLE_STATUSES = (Match.Status.SUGGESTED,)
# An enterprise dismisses (or restores) a recommendation until the parties are introduced;
# from then on it answers the introduction instead.
DISMISSABLE_STATUSES = (Match.Status.SUGGESTED, Match.Status.APPROVED)
# A recommendation's feedback once it is shown again (restored, shortlisted, or requested).
_NOT_DISMISSED: dict[str, Any] = {
    "dismissed_reason": "",
    "dismissed_note": "",
    "dismissed_at": None,
}


def _require_requestable(match: Match) -> None:
    if match.status not in REQUESTABLE_STATUSES:
        raise Conflict("already_in_progress", _("该产品与该需求的对接已在进行中。"))


def _requested_origin(match: Match, origin: str) -> str:
    """The first party to ask stays the origin (the other side's request is in the audit log)."""
    return origin if match.origin == Match.Origin.ENGINE else match.origin


def _requested_note(match: Match, origin: str, note: str) -> str:
    """A party's note replaces its own earlier one; when the other side asked first, both are
    kept for the coordinator."""
    if match.origin in (Match.Origin.ENGINE, origin) or not match.note:
        return note
    if not note:
        return match.note
    return f"{match.note} / {note}"[: Match._meta.get_field("note").max_length]


def _require_demand_owner(actor: Any, match: Match) -> None:
    if match.demand.organization_id not in getattr(actor, "organization_ids", frozenset()):
        raise PermissionDenied("not_demand_owner", _("只有发布该需求的企业可以执行此操作。"))


def match_introduction_request(*, actor: Any, match: Match, note: str = "") -> Match:
    """The enterprise asks the coordinators to introduce it to a recommended offering (or bundle).

    The match stays `suggested`, now with origin enterprise_request, and joins the coordinators'
    queue of requests; a dismissed recommendation is restored. Raises PermissionDenied
    `not_demand_owner`, Conflict `demand_not_open` or `already_in_progress`.
    """
    _require_demand_owner(actor, match)
    if match.demand.status not in (Demand.Status.PUBLISHED, Demand.Status.MATCHED):
        raise Conflict("demand_not_open", _("该需求未在征集中。"))

    def decide(locked: Match) -> dict[str, Any]:
        _require_requestable(locked)
        return {
            "origin": _requested_origin(locked, Match.Origin.ENTERPRISE_REQUEST),
            "note": _requested_note(locked, Match.Origin.ENTERPRISE_REQUEST, note),
        }

    with transaction.atomic():
        requested = _transition(
            actor=actor,
            match=match,
            allowed_from=REQUESTABLE_STATUSES,
            action="introduction_requested",
            data={"note": note},
            decide=decide,
        )
        # Only a dismissal is cleared, and the row then says who cleared it and when (an
        # update() skips auto_now).
        RecommendationFeedback.objects.filter(
            demand_id=match.demand_id, pair_key=match.pair_key
        ).exclude(**_NOT_DISMISSED).update(
            **_NOT_DISMISSED,
            updated_by=actor if getattr(actor, "_meta", None) is not None else None,
            updated_at=timezone.now(),
        )
    return requested


def _feedback_change(
    *, actor: Any, match: Match, action: str, data: dict, **changes
) -> RecommendationFeedback:
    """Write the enterprise's verdict on `match` (creating its row) and audit it, atomically."""
    _require_demand_owner(actor, match)
    user = actor if getattr(actor, "_meta", None) is not None else None
    with transaction.atomic():
        feedback, _created = RecommendationFeedback.objects.select_for_update().get_or_create(
            demand_id=match.demand_id, pair_key=match.pair_key
        )
        for field, value in changes.items():
            setattr(feedback, field, value)
        feedback.updated_by = user
        feedback.save()
        audit_record(
            actor=actor,
            action=f"recommendation.{action}",
            subject=match,
            organization_id=match.demand.organization_id,
            data=data,
        )
    return feedback


def recommendation_shortlist(
    *, actor: Any, match: Match, shortlisted: bool = True
) -> RecommendationFeedback:
    """The enterprise adds a recommendation to (or removes it from) its shortlist; shortlisting
    a dismissed recommendation restores it. Raises PermissionDenied `not_demand_owner`."""
    changes: dict[str, Any] = {"shortlisted": shortlisted}
    if shortlisted:
        changes |= _NOT_DISMISSED
    return _feedback_change(
        actor=actor,
        match=match,
        action="shortlist" if shortlisted else "unshortlist",
        data={},
        **changes,
    )


def recommendation_dismiss(
    *, actor: Any, match: Match, reason: str, note: str = ""
) -> RecommendationFeedback:
    """The enterprise dismisses a recommendation with a reason (and, for "other", its words);
    coordinators see the reason beside the match. Raises BusinessError `invalid` (400) for an
    unknown reason or "other" without words, PermissionDenied `not_demand_owner`, Conflict
    `already_introduced` once the parties were introduced."""
    note = note.strip()[:500]
    if reason not in RecommendationFeedback.Reason.values:
        raise BusinessError(
            "invalid", _("请选择忽略原因。"), fields={"reason": [_("请选择忽略原因。")]}
        )
    if reason == RecommendationFeedback.Reason.OTHER and not note:
        raise BusinessError(
            "invalid", _("请说明忽略的原因。"), fields={"note": [_("请说明忽略的原因。")]}
        )
    _require_demand_owner(actor, match)
    if match.status not in DISMISSABLE_STATUSES:
        raise Conflict("already_introduced", _("双方已被引荐，请在对接邀请中答复。"))
    return _feedback_change(
        actor=actor,
        match=match,
        action="dismiss",
        data={"reason": reason, "note": note},
        shortlisted=False,
        dismissed_reason=reason,
        dismissed_note=note,
        dismissed_at=timezone.now(),
    )


def recommendation_restore(*, actor: Any, match: Match) -> RecommendationFeedback:
    """The enterprise shows a dismissed recommendation again (the reason is kept in the audit
    log). Raises PermissionDenied `not_demand_owner`."""
    return _feedback_change(
        actor=actor,
        match=match,
        action="restore",
        data={},
        **_NOT_DISMISSED,
    )


def interest_express(*, actor: Any, demand: Demand, offering: Offering, note: str = "") -> Match:
    """A vendor asks to be introduced to a published demand its offering fits.

    The request enters the match lifecycle as `suggested` with origin vendor_interest, for a
    coordinator to approve. Fails when the offering does not fit the demand (scored by
    `interest_evaluate` from the two rows; no market index is loaded), when the demand is not
    open (decided on the locked demand row), or when the pair's match is already past review.
    """
    if offering.organization_id not in getattr(actor, "organization_ids", frozenset()):
        raise PermissionDenied("permission_denied", _("只能以本组织的产品表达意向。"))
    with transaction.atomic():
        # Locked first: a demand closed meanwhile takes no interest, and two interests in the
        # same demand are stored one after the other (no unique-key clash).
        list(Demand.objects.select_for_update(no_key=True).filter(pk=demand.pk).values("pk"))
        result = interest_evaluate(demand_id=demand.pk, offering_id=offering.pk)
        if result is None:
            raise BusinessError(
                "offering_does_not_fit", _("该产品不满足需求的硬性条件（类型、技术、区域或认证）。")
            )
        row = _result_row(demand.pk, result, timezone.now())
        existing = (
            Match.objects.select_for_update().filter(demand=demand, pair_key=row.pair_key).first()
        )
        if existing is not None:
            _require_requestable(existing)
            existing.note = _requested_note(existing, Match.Origin.VENDOR_INTEREST, note)
            existing.origin = _requested_origin(existing, Match.Origin.VENDOR_INTEREST)
            existing.save(update_fields=["origin", "note", "updated_at"])
            match = existing
        else:
            row.origin = Match.Origin.VENDOR_INTEREST
            row.note = note
            row.save()
            match = row
        audit_record(
            actor=actor,
            action="match.interest",
            subject=match,
            organization_id=offering.organization_id,
            data={"demand": demand.pk, "offering": offering.pk, "note": note},
        )
    return match
