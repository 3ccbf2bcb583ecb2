"""Matching writes: scheduling, storing engine results, mismatch flags and match transitions.

Every match status change is one atomic transaction that also writes its audit row.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Offering
from apps.coordination.services import audit_record
from apps.core.exceptions import BusinessError, Conflict, PermissionDenied
from apps.demands.models import Demand
from apps.integrations.services import webhook_event_emit, webhook_event_has_subscribers

from . import loader
from .engine import (
    ENGINE_VERSION,
    Bundle,
    Cell,
    DemandAnalysis,
    Flag,
    MatchResult,
    aggregate_cells,
    analyse_demand,
    cell_flags,
    match_offering,
    offering_flags,
)
from .models import Match, MatchRun, MismatchFlag, MismatchSnapshot
from .notifications import introduction_notify

MATCHES_PER_DEMAND = 20
BUNDLES_PER_DEMAND = 5
# Demands an offering is stored against after it changes (the best-fitting ones).
DEMANDS_PER_OFFERING = 50
VOLUME_KINDS = ("module", "terminal", "solution")
ENTITIES = ("offering", "demand")


def matching_schedule(*, entity: str, entity_id: int) -> None:
    """Enqueue incremental matching of one offering or demand once the transaction commits."""
    if entity not in ENTITIES:
        raise ValueError(f"entity must be one of {ENTITIES}, not {entity!r}")
    from . import tasks

    task = tasks.match_offering if entity == "offering" else tasks.match_demand
    transaction.on_commit(lambda: task.delay(entity_id))


# --- storing engine results ---------------------------------------------------------------


def _result_row(demand_id: int, result: MatchResult, now) -> Match:
    return Match(
        demand_id=demand_id,
        offering_id=result.offering_id,
        vendor_ids=[result.vendor_id],
        pair_key=f"o:{result.offering_id}",
        kind=result.kind,
        score=result.score,
        breakdown=result.breakdown(),
        unmet=result.unmet_json(),
        explanation_zh=result.summary_zh,
        explanation_en=result.summary_en,
        engine_version=ENGINE_VERSION,
        computed_at=now,
    )


def _bundle_row(demand_id: int, bundle: Bundle, now) -> Match:
    return Match(
        demand_id=demand_id,
        offering=None,
        bundle_offering_ids=list(bundle.offering_ids),
        vendor_ids=sorted({c.vendor_id for c in bundle.components}),
        pair_key="b:" + "-".join(str(i) for i in bundle.offering_ids),
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
        computed_at=now,
    )


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


def _suggested_webhooks(demand_id: int, new_rows: list[Match]) -> None:
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


def flags_sync(
    *,
    subject_type: str,
    subject_key: str,
    flags: Iterable[Flag],
    now,
    demand_id: int | None = None,
    offering_id: int | None = None,
    cell: Cell | None = None,
) -> None:
    """Open or refresh the subject's raised flags; resolve its open flags not raised any more."""
    raised = {flag.code: flag for flag in flags}
    open_flags = {
        f.code: f
        for f in MismatchFlag.objects.select_for_update().filter(
            subject_key=subject_key, resolved_at__isnull=True
        )
    }
    for code, existing in open_flags.items():
        if code not in raised:
            existing.resolved_at = now
            existing.save(update_fields=["resolved_at"])
    for code, flag in raised.items():
        existing = open_flags.get(code)
        if existing is not None:
            existing.severity = flag.severity
            existing.figures = flag.figures
            existing.message_zh = flag.zh[:500]
            existing.message_en = flag.en[:500]
            existing.last_seen = now
            existing.save(
                update_fields=["severity", "figures", "message_zh", "message_en", "last_seen"]
            )
        else:
            created = MismatchFlag.objects.create(
                subject_type=subject_type,
                subject_key=subject_key,
                demand_id=demand_id,
                offering_id=offering_id,
                sector=cell.sector if cell else "",
                technology=cell.technology if cell else "",
                province=cell.province if cell else "",
                code=code,
                severity=flag.severity,
                figures=flag.figures,
                message_zh=flag.zh[:500],
                message_en=flag.en[:500],
                first_seen=now,
                last_seen=now,
            )
            _mismatch_webhook(created)


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


def lease_seconds() -> int:
    return int(getattr(settings, "MATCHING_LEASE_SECONDS", LEASE_SECONDS))


def full_rematch_leased_elsewhere(*, owner: str) -> bool:
    """Whether an unfinished full rematch is leased by another worker."""
    return (
        MatchRun.objects.filter(status=MatchRun.Status.RUNNING).exclude(lease_owner=owner).exists()
    )


def full_rematch(
    *, owner: str, lease: int | None = None, chunk: int | None = None
) -> MatchRun | None:
    """Rematch every open demand, resuming the running run from its cursor.

    One worker at a time holds the run's lease (renewed per chunk); another caller returns
    None at once. Each chunk's results and the cursor commit together, so a killed worker
    loses at most one chunk of work, which the next call redoes idempotently.
    """
    lease = lease or lease_seconds()
    chunk = chunk or getattr(settings, "MATCHING_FULL_REMATCH_CHUNK", FULL_REMATCH_CHUNK)
    run = _lease_run(owner, lease)
    if run is None:
        return None
    state = loader.market(fresh=True)
    typical = loader.scenario_certifications()
    weights = loader.weights()
    while True:
        rows = list(
            Demand.objects.filter(id__gt=run.cursor)
            .order_by("id")
            .values_list(*loader.DEMAND_COLUMNS)[:chunk]
        )
        if not rows:
            break
        now = timezone.now()
        analyses = []
        for row in rows:
            spec = loader.demand_spec(row, typical, now)
            analyses.append(
                (
                    spec.id,
                    analyse_demand(
                        state.offerings,
                        spec,
                        now=time.time(),
                        weights=weights,
                        limit=MATCHES_PER_DEMAND,
                        bundle_limit=BUNDLES_PER_DEMAND,
                    )
                    if spec.open
                    else None,
                )
            )
        with transaction.atomic():
            locked = MatchRun.objects.select_for_update().get(pk=run.pk)
            if locked.lease_owner != owner or locked.status != MatchRun.Status.RUNNING:
                return None  # the lease was lost: someone else carries on
            for demand_id, analysis in analyses:
                demand_results_store(demand_id=demand_id, analysis=analysis)
            locked.cursor = rows[-1][0]
            locked.demands_done += len(rows)
            locked.lease_until = timezone.now() + timezone.timedelta(seconds=lease)
            locked.save(update_fields=["cursor", "demands_done", "lease_until"])
            run = locked
    with transaction.atomic():
        MatchRun.objects.filter(pk=run.pk, lease_owner=owner).update(
            status=MatchRun.Status.DONE, finished_at=timezone.now(), lease_until=None
        )
    run.refresh_from_db()
    return run


def _lease_run(owner: str, lease: int) -> MatchRun | None:
    now = timezone.now()
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().filter(status=MatchRun.Status.RUNNING).first()
        if run is None:
            run = MatchRun.objects.create(engine_version=ENGINE_VERSION)
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


def mismatch_aggregate() -> int:
    """Snapshot every sector × technology × province cell and sync the cell flags."""
    state = loader.market()
    cells = aggregate_cells(state.offerings, state.demands, volume_kinds=VOLUME_KINDS)
    now = timezone.now()
    flagged = {(c.sector, c.technology, c.province): f for c, f in cell_flags(cells)}
    with transaction.atomic():
        MismatchSnapshot.objects.bulk_create(
            MismatchSnapshot(
                taken_at=now,
                sector=c.sector,
                technology=c.technology,
                province=c.province,
                demanded=c.demanded,
                capacity=c.capacity,
                demands=c.demands,
            )
            for c in cells
        )
        open_cells = set(
            MismatchFlag.objects.filter(
                subject_type=MismatchFlag.Subject.CELL, resolved_at__isnull=True
            ).values_list("subject_key", flat=True)
        )
        seen = set()
        for cell in cells:
            key = f"cell:{cell.sector}:{cell.technology}:{cell.province}"
            flag = flagged.get((cell.sector, cell.technology, cell.province))
            if flag is None and key not in open_cells:
                continue
            seen.add(key)
            flags_sync(
                subject_type=MismatchFlag.Subject.CELL,
                subject_key=key,
                flags=[flag] if flag else [],
                cell=cell,
                now=now,
            )
        for key in open_cells - seen:
            flags_sync(subject_type=MismatchFlag.Subject.CELL, subject_key=key, flags=[], now=now)
    return len(cells)


# --- match lifecycle -------------------------------------------------------------------------


def _transition(
    *, actor: Any, match: Match, allowed_from: tuple[str, ...], action: str, data: dict, **changes
) -> Match:
    with transaction.atomic():
        locked = Match.objects.select_for_update().get(pk=match.pk)
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
        "offering_ids": [match.offering_id] if match.offering_id else match.bundle_offering_ids,
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
    """
    orgs = getattr(actor, "organization_ids", frozenset())
    if side == "enterprise":
        allowed = match.demand.organization_id in orgs
    elif side == "vendor":
        allowed = bool(set(match.vendor_ids) & set(orgs))
    else:
        raise BusinessError("invalid", _("答复方必须是需求方或供给方。"))
    if not allowed:
        raise PermissionDenied("permission_denied", _("您不是该匹配的这一方。"))
    answer = Match.Response.ACCEPTED if accept else Match.Response.DECLINED
    enterprise = answer if side == "enterprise" else match.enterprise_response
    vendor = answer if side == "vendor" else match.vendor_response
    if Match.Response.DECLINED in (enterprise, vendor):
        status = Match.Status.DECLINED
    elif enterprise == vendor == Match.Response.ACCEPTED:
        status = Match.Status.ACCEPTED
    else:
        status = Match.Status.INTRODUCED
    return _transition(
        actor=actor,
        match=match,
        allowed_from=(Match.Status.INTRODUCED,),
        action="respond",
        data={"side": side, "accept": accept},
        status=status,
        enterprise_response=enterprise,
        vendor_response=vendor,
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


def interest_express(*, actor: Any, demand: Demand, offering: Offering, note: str = "") -> Match:
    """A vendor asks to be introduced to a published demand its offering fits.

    The request enters the match lifecycle as `suggested` with origin vendor_interest, for a
    coordinator to approve. Fails when the offering does not fit the demand.
    """
    if offering.organization_id not in getattr(actor, "organization_ids", frozenset()):
        raise PermissionDenied("permission_denied", _("只能以本组织的产品表达意向。"))
    if demand.status not in loader.OPEN_DEMAND_STATUSES:
        raise Conflict("demand_not_open", _("该需求未在征集中。"))
    state = loader.market()
    state.offerings.upsert(
        loader._offering_record(
            Offering.objects.filter(id=offering.id).values_list(*loader.OFFERING_COLUMNS).get()
        )
    )
    spec = loader.demand_spec(
        Demand.objects.filter(id=demand.id).values_list(*loader.DEMAND_COLUMNS).get(),
        loader.scenario_certifications(),
        timezone.now(),
    )
    state.demands.upsert(spec)
    results, _fits = match_offering(
        state.offerings,
        state.demands,
        offering.id,
        now=time.time(),
        weights=loader.weights(),
        limit=100_000,
    )
    result = next((r for r in results if r.demand_id == demand.id), None)
    if result is None:
        raise BusinessError(
            "offering_does_not_fit", _("该产品不满足需求的硬性条件（类型、技术、区域或认证）。")
        )
    now = timezone.now()
    with transaction.atomic():
        row = _result_row(demand.id, result, now)
        existing = (
            Match.objects.select_for_update().filter(demand=demand, pair_key=row.pair_key).first()
        )
        if existing is not None and existing.status != Match.Status.SUGGESTED:
            raise Conflict("already_in_progress", _("该产品与该需求的对接已在进行中。"))
        if existing is not None:
            existing.origin = Match.Origin.VENDOR_INTEREST
            existing.note = note
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
            data={"demand": demand.id, "offering": offering.id, "note": note},
        )
    return match
