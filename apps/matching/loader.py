"""Loads the engine's indexes from the database (values_list, never model instances) and keeps a
per-process copy fresh by reading only rows changed since the last look.
"""

from __future__ import annotations

import gc
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from apps.accounts.models import Organization
from apps.catalog.models import (
    Certification,
    Function,
    Offering,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.catalog.reference.functions import functions_meant, keyword_stuffed
from apps.catalog.reference.kinds import price_unit_of
from apps.catalog.reference.positioning import POSITIONING_CODES
from apps.catalog.selectors import reference_name_table
from apps.coordination.selectors import typical_case_counts, typical_case_vendors_since
from apps.core.upsert import copy_upsert
from apps.demands.models import Demand

from .engine import (
    DemandIndex,
    DemandSpec,
    FunctionSpec,
    OfferingIndex,
    OfferingRecord,
    ReferenceData,
    RequirementProfile,
    TechnologySpec,
    TokenVocabulary,
    VendorRecord,
    Weights,
    tokenize,
)
from .engine.index import TOKEN_CAP
from .engine.text import TOKENIZER_VERSION
from .models import DemandTokens, ListingTokens, Match, OfferingTokens

# updated_at is stamped before commit: a refresh re-reads rows stamped less than OVERLAP
# before it ran, so a slower concurrent commit is not skipped (re-applying is harmless).
OVERLAP = timedelta(seconds=5)
OPEN_DEMAND_STATUSES = (Demand.Status.PUBLISHED, Demand.Status.MATCHED)
# Listings deleted outright (or demands past their expiry) leave no changed row for an
# incremental read; a reconciliation by id every RECONCILE_SECONDS drops them from the index.
# A full reload (58 s at a million offerings) is then only a daily refresh of idf and layout.
RECONCILE_SECONDS = 5 * 60
FULL_RELOAD_SECONDS = 24 * 3600
# Compact the offering index once tombstones make up this share of its rows.
COMPACT_SHARE = 0.1
# Rows per database round trip while loading (≈ 2 MB of tuples each).
LOAD_BATCH = 20_000
OFFERING_COLUMNS = (
    "id",
    "organization_id",
    "kind_id",
    "sectors",
    "scenarios",
    "technologies",
    "nationwide",
    "regions",
    "certifications",
    "protocols",
    "price_min",
    "price_max",
    "min_order",
    "annual_capacity",
    "lead_time_days",
    "updated_at",
    "status",
    "name",
    "model_number",
    "description",
    "function_id",
    "attributes__deployment",
    "attributes__price_unit",
    "attributes__positioning",
)
DEMAND_COLUMNS = (
    "id",
    "organization_id",
    "sector_id",
    "scenario_id",
    "technologies",
    "uplink_kbps",
    "max_latency_ms",
    "mobility",
    "power_source",
    "battery_life_years",
    "coverage_depth",
    "needs_voice",
    "needs_video",
    "needs_positioning",
    "kinds_needed",
    "regions",
    "volume",
    "unit_budget",
    "rollout_months",
    "certifications",
    "status",
    "updated_at",
    "title",
    "description",
    "expires_at",
    "functions",
    "technology_flexible",
    "deployment",
    "budget_unit",
    "protocols",
    "positioning_method",
)


def weights() -> Weights:
    """Scoring weights: engine defaults overridden by settings.MATCHING_WEIGHTS."""
    return Weights.from_mapping(getattr(settings, "MATCHING_WEIGHTS", None))


def technology_specs() -> list[TechnologySpec]:
    """Every technology with its thresholds (what technology advice needs; one query)."""
    return [
        TechnologySpec(
            code=row[0],
            name_zh=row[1],
            name_en=row[2],
            max_uplink_kbps=float(row[3]),
            typical_latency_ms=float(row[4]),
            max_mobility=row[5],
            max_coverage_depth=row[6],
            max_battery_years=float(row[7]),
            supports_voice=row[8],
            supports_video=row[9],
            supports_positioning=row[10],
            module_price_min=float(row[11]),
            module_price_max=float(row[12]),
            cost_rank=row[13],
        )
        for row in Technology.objects.values_list(
            "code",
            "name_zh",
            "name_en",
            "max_uplink_kbps",
            "typical_latency_ms",
            "max_mobility",
            "max_coverage_depth",
            "max_battery_years",
            "supports_voice",
            "supports_video",
            "supports_positioning",
            "module_price_min",
            "module_price_max",
            "cost_rank",
        )
    ]


def load_reference() -> ReferenceData:
    names = reference_name_table()
    technologies = technology_specs()
    # One read of the kinds: their chain order, and which attributes (deployment, positioning)
    # their listings state.
    kinds = list(
        SupplyKind.objects.order_by("chain_position", "code").values_list(
            "code", "chain_position", "attribute_spec"
        )
    )
    return ReferenceData(
        technologies=technologies,
        kinds=[code for code, _, _ in kinds],
        sectors=list(Sector.objects.order_by("code").values_list("code", flat=True)),
        scenarios=list(Scenario.objects.order_by("code").values_list("code", flat=True)),
        certifications=list(Certification.objects.order_by("code").values_list("code", flat=True)),
        protocols=list(Protocol.objects.order_by("code").values_list("code", flat=True)),
        provinces=list(
            Region.objects.filter(level=Region.Level.PROVINCE)
            .order_by("code")
            .values_list("code", flat=True)
        ),
        kind_chain={code: position for code, position, _ in kinds},
        names=names,
        functions=[
            FunctionSpec(code, kind, general)
            for code, kind, general in Function.objects.order_by("code").values_list(
                "code", "kind_id", "general"
            )
        ],
        deployment_kinds=[code for code, _, spec in kinds if "deployment" in (spec or {})],
        positioning_methods=POSITIONING_CODES,
        positioning_kinds=[code for code, _, spec in kinds if "positioning" in (spec or {})],
        protocol_kinds={
            code: tuple(kinds)
            for code, kinds in Protocol.objects.values_list("code", "kinds")
            if kinds
        },
        certification_kinds={
            code: tuple(kinds)
            for code, kinds in Certification.objects.values_list("code", "kinds")
            if kinds
        },
    )


def scenario_certifications() -> dict[str, tuple[str, ...]]:
    return {
        code: tuple(certs)
        for code, certs in Scenario.objects.values_list("code", "required_certifications")
    }


def _offering_record(row: tuple, tokens: tuple[str, ...] | None = None) -> OfferingRecord:
    (oid, org, kind, sectors, scenarios, techs, nationwide, regions, certs, protocols) = row[:10]
    (pmin, pmax, min_order, capacity, lead, updated, status) = row[10:17]
    unit, factor = price_unit_of(kind, {"price_unit": row[22]} if isinstance(row[22], str) else {})
    return OfferingRecord(
        id=oid,
        vendor_id=org,
        kind=kind,
        function=row[20],
        deployment=row[21] if isinstance(row[21], str) else None,
        positioning=tuple(row[23]) if isinstance(row[23], list) else (),
        sectors=sectors,
        scenarios=scenarios,
        technologies=techs,
        nationwide=nationwide,
        regions=regions,
        certifications=certs,
        protocols=protocols,
        price_min=float(pmin) * factor,
        price_max=float(pmax) * factor,
        price_unit=unit,
        min_order=min_order,
        annual_capacity=capacity,
        lead_time_days=lead,
        updated_at=updated.timestamp(),
        published=status == Offering.Status.PUBLISHED,
        text=_offering_text(row),
        tokens=tokens,
        stuffed=keyword_stuffed(kind, row[20], f"{row[17]} {row[18]} {row[19]}"),
    )


def _offering_text(row: tuple) -> str:
    """What an offering's text relevance reads: name, model number, start of description."""
    return f"{row[17]} {row[18]} {row[19][:300]}"


def demand_spec(row: tuple, typical: dict[str, tuple[str, ...]], now: datetime) -> DemandSpec:
    """A DemandSpec from a DEMAND_COLUMNS row."""
    (
        did,
        org,
        sector,
        scenario,
        techs,
        uplink,
        latency,
        mobility,
        power,
        battery,
        coverage,
        voice,
        video,
        positioning,
        kinds,
        regions,
        volume,
        budget,
        rollout,
        certs,
        status,
        updated,
        title,
        description,
        expires_at,
        functions,
        technology_flexible,
        deployment,
        budget_unit,
        protocols,
        positioning_method,
    ) = row
    return DemandSpec(
        id=did,
        organization_id=org,
        sector=sector,
        scenario=scenario,
        functions=functions_meant(functions, title, description),
        technologies=tuple(techs),
        technology_flexible=technology_flexible,
        deployment=deployment or None,
        positioning_method=positioning_method or None,
        profile=RequirementProfile(
            uplink_kbps=uplink,
            max_latency_ms=latency,
            mobility=mobility,
            power_source=power,
            battery_life_years=float(battery) if battery is not None else None,
            coverage_depth=coverage,
            needs_voice=voice,
            needs_video=video,
            needs_positioning=positioning,
        ),
        kinds_needed=tuple(kinds),
        regions=tuple(regions),
        volume=volume,
        unit_budget=float(budget) if budget is not None else None,
        budget_unit=budget_unit or "device",
        rollout_months=rollout,
        certifications=tuple(certs),
        protocols=tuple(protocols or ()),
        typical_certifications=typical.get(scenario, ()) if scenario else (),
        open=status in OPEN_DEMAND_STATUSES and (expires_at is None or expires_at > now),
        updated_at=updated.timestamp(),
        text=f"{title} {description[:500]}",
    )


def profile_spec(values: dict, *, demand_id: int = 0) -> DemandSpec:
    """A DemandSpec for an unsaved profile (the advice endpoint); keys as on Demand."""
    row = tuple(values.get(column) for column in DEMAND_COLUMNS)
    defaults = {
        "id": demand_id,
        "organization_id": 0,
        "technologies": [],
        "mobility": 0,
        "power_source": "mains",
        "coverage_depth": 0,
        "needs_voice": False,
        "needs_video": False,
        "needs_positioning": False,
        "kinds_needed": [],
        "regions": [],
        "volume": 1,
        "rollout_months": 12,
        "certifications": [],
        "status": Demand.Status.PUBLISHED,
        "updated_at": datetime.now().astimezone(),
        "title": "",
        "description": "",
        "functions": [],
        "technology_flexible": True,
        "deployment": "",
        "budget_unit": "device",
        "protocols": [],
        "positioning_method": "",
    }
    row = tuple(
        value if value is not None else defaults.get(column)
        for column, value in zip(DEMAND_COLUMNS, row, strict=True)
    )
    return demand_spec(row, scenario_certifications(), datetime.now().astimezone())


def _vendors(organization_filter: Q | None = None) -> list[VendorRecord]:
    """Credibility inputs: verification, published typical cases and the share of
    introductions the vendor answered."""
    organizations = Organization.objects.all()
    if organization_filter is not None:
        organizations = organizations.filter(organization_filter)
    rows = list(organizations.values_list("id", "verification_status"))
    cases = typical_case_counts(
        vendor_ids=None if organization_filter is None else [org_id for org_id, _ in rows]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT vendor, count(*) FILTER (WHERE vendor_response <> %s)::float / count(*) "
            "FROM matching_match, unnest(vendor_ids) AS vendor "
            "WHERE status = ANY(%s) GROUP BY vendor",
            [Match.Response.PENDING, list(_INTRODUCED_OR_LATER)],
        )
        answered = dict(cursor.fetchall())
    return [
        VendorRecord(
            id=org_id,
            verified=status == Organization.Verification.VERIFIED,
            typical_cases=cases.get(org_id, 0),
            response_rate=answered.get(org_id),
        )
        for org_id, status in rows
    ]


_INTRODUCED_OR_LATER = (
    Match.Status.INTRODUCED,
    Match.Status.ACCEPTED,
    Match.Status.DECLINED,
    Match.Status.WON,
    Match.Status.LOST,
)


@dataclass
class MarketState:
    """The loaded indexes and the high-water marks incremental refreshes continue from."""

    ref: ReferenceData
    offerings: OfferingIndex
    demands: DemandIndex
    offerings_seen: datetime | None
    demands_seen: datetime | None
    organizations_seen: datetime | None
    cases_seen: datetime | None
    loaded_at: float
    reconciled_at: float = 0.0


# The token cache columns read beside a listing's own (see ListingTokens).
_CACHED = ("match_tokens__digest", "match_tokens__tokens")


def _digest(text: str) -> int:
    """The token cache's key: the text and the tokenizer that segmented it."""
    return zlib.crc32(f"{TOKENIZER_VERSION}\x00{text}".encode())


def _cached_tokens(text: str, digest: int | None, tokens: str | None) -> tuple[str, ...] | None:
    """The cached tokens of `text`, or None when there are none for this very text."""
    if digest is None or digest != _digest(text):
        return None
    return tuple(tokens.split())


def _tokens_store(model: type[ListingTokens], rows: list[tuple[int, int, str]]) -> None:
    """Upsert freshly segmented texts, (listing id, digest, tokens), into a token cache."""
    if rows:
        key = model._meta.pk.column
        copy_upsert(
            table=model._meta.db_table,
            columns=(key, "digest", "tokens"),
            rows=rows,
            conflict=(key,),
            update=("digest", "tokens"),
            references={key: model._meta.pk.related_model._meta.db_table},
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while the indexes are built: nearly everything
    they allocate survives, and collections walking it took 13 of 60 s to load 1M offerings
    (34 full collections); paused, the load took 43 s."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_state() -> MarketState:
    """Read every published offering and open demand into fresh indexes."""
    with _collector_paused():
        return _state_built()


def _state_built() -> MarketState:
    read_at = timezone.now()
    offerings_seen = Offering.objects.aggregate(m=Max("updated_at"))["m"]
    demands_seen = Demand.objects.aggregate(m=Max("updated_at"))["m"]
    organizations_seen = Organization.objects.aggregate(m=Max("updated_at"))["m"]
    _, cases_seen = typical_case_vendors_since(since=None)
    ref = load_reference()
    tokens = TokenVocabulary()
    queryset = Offering.objects.filter(status=Offering.Status.PUBLISHED).order_by("id")

    def records() -> Iterator[OfferingRecord]:
        # A generator, so each record (and its text) is dropped once the index has its row.
        last_id = 0
        while True:
            batch = list(
                queryset.filter(id__gt=last_id).values_list(*OFFERING_COLUMNS, *_CACHED)[
                    :LOAD_BATCH
                ]
            )
            if not batch:
                return
            fresh: list[tuple[int, int, str]] = []
            for row in batch:
                text = _offering_text(row)
                cached = _cached_tokens(text, row[-2], row[-1])
                if cached is None:
                    cached = tokenize(text, TOKEN_CAP)
                    fresh.append((row[0], _digest(text), " ".join(cached)))
                yield _offering_record(row, cached)
            _tokens_store(OfferingTokens, fresh)
            last_id = batch[-1][0]

    offerings = OfferingIndex.build(ref, records(), _vendors(), tokens)
    typical = scenario_certifications()
    now = datetime.now().astimezone()

    def specs() -> Iterator[DemandSpec]:
        fresh: list[tuple[int, int, str]] = []
        rows = Demand.objects.filter(status__in=OPEN_DEMAND_STATUSES).values_list(
            *DEMAND_COLUMNS, *_CACHED
        )
        for row in rows.iterator(chunk_size=LOAD_BATCH):
            spec = demand_spec(row[: len(DEMAND_COLUMNS)], typical, now)
            cached = _cached_tokens(spec.text, row[-2], row[-1])
            if cached is None:
                cached = tokenize(spec.text)
                fresh.append((spec.id, _digest(spec.text), " ".join(cached)))
            yield replace(spec, tokens=cached)
        _tokens_store(DemandTokens, fresh)

    demands = DemandIndex.build(ref, specs(), tokens)
    return MarketState(
        ref=ref,
        offerings=offerings,
        demands=demands,
        offerings_seen=_settled(offerings_seen, read_at),
        demands_seen=_settled(demands_seen, read_at),
        organizations_seen=_settled(organizations_seen, read_at),
        cases_seen=_settled(cases_seen, read_at),
        loaded_at=time.monotonic(),
        reconciled_at=time.monotonic(),
    )


def _settled(seen: datetime | None, read_at: datetime) -> datetime | None:
    """The mark the next refresh reads after: rows stamped at or before it cannot still be
    committing (transactions are shorter than OVERLAP), so they are never read again."""
    if seen is None:
        return None
    return min(seen, read_at - OVERLAP)


def _unchanged(index, entity_id: int, stamp: datetime, listed: bool) -> bool:
    position = index.position.get(entity_id)
    if position is None:
        return not listed
    return listed and index.col("updated_at")[position] == stamp.timestamp()


def refresh_state(state: MarketState) -> None:
    """Apply every offering, demand and organisation changed since the last look."""
    read_at = timezone.now()
    offering_rows = Offering.objects.values_list(*OFFERING_COLUMNS)
    if state.offerings_seen is not None:
        offering_rows = offering_rows.filter(updated_at__gt=state.offerings_seen)
    latest = state.offerings_seen
    for row in offering_rows.order_by("updated_at"):
        latest = max(latest or row[15], row[15])
        published = row[16] == Offering.Status.PUBLISHED
        if not _unchanged(state.offerings, row[0], row[15], published):
            state.offerings.upsert(_offering_record(row))
    state.offerings_seen = _settled(latest, read_at)

    organizations = Organization.objects.all()
    if state.organizations_seen is not None:
        organizations = organizations.filter(updated_at__gt=state.organizations_seen)
    changed = list(organizations.values_list("id", "updated_at"))
    # A newly published typical case raises its vendors' credibility.
    with_cases, cases_latest = typical_case_vendors_since(since=state.cases_seen)
    if changed or with_cases:
        vendor_ids = {org_id for org_id, _ in changed} | with_cases
        for vendor in _vendors(Q(id__in=vendor_ids)):
            state.offerings.upsert_vendor(vendor)
    if changed:
        latest = max(updated for _, updated in changed)
        state.organizations_seen = _settled(
            max(latest, state.organizations_seen or latest), read_at
        )
    if cases_latest is not None:
        state.cases_seen = _settled(max(cases_latest, state.cases_seen or cases_latest), read_at)

    demand_rows = Demand.objects.values_list(*DEMAND_COLUMNS)
    if state.demands_seen is not None:
        demand_rows = demand_rows.filter(updated_at__gt=state.demands_seen)
    typical = scenario_certifications()
    now = datetime.now().astimezone()
    latest = state.demands_seen
    for row in demand_rows.order_by("updated_at"):
        latest = max(latest or row[21], row[21])
        spec = demand_spec(row, typical, now)
        if not _unchanged(state.demands, spec.id, row[21], spec.open):
            state.demands.upsert(spec)
    state.demands_seen = _settled(latest, read_at)


def reconcile_state(state: MarketState) -> tuple[int, int]:
    """Drop indexed offerings and demands that are no longer listed or open in the database
    (deleted rows, expired demands); returns how many of each were dropped.

    Counting first keeps the common case (nothing to drop) to two COUNT queries.
    """
    now = timezone.now()
    published = Offering.objects.filter(status=Offering.Status.PUBLISHED)
    open_demands = Demand.objects.filter(status__in=OPEN_DEMAND_STATUSES).exclude(
        expires_at__lte=now
    )
    dropped = []
    for index, listed in ((state.offerings, published), (state.demands, open_demands)):
        gone: list[int] = []
        if listed.count() != index.live:
            present = set(listed.values_list("id", flat=True).iterator(chunk_size=LOAD_BATCH))
            gone = [listing_id for listing_id in index.position if listing_id not in present]
            for listing_id in gone:
                index.remove(listing_id)
        dropped.append(len(gone))
    state.reconciled_at = time.monotonic()
    return dropped[0], dropped[1]


_state: MarketState | None = None
_state_lock = threading.Lock()


def market(*, fresh: bool = False) -> MarketState:
    """This process's market indexes, refreshed with every change since the last call.

    Built on first use and rebuilt every FULL_RELOAD_SECONDS (or when `fresh`).
    """
    global _state
    with _state_lock:
        if fresh or _state is None or time.monotonic() - _state.loaded_at > FULL_RELOAD_SECONDS:
            _state = build_state()
        else:
            refresh_state(_state)
            if time.monotonic() - _state.reconciled_at > RECONCILE_SECONDS:
                reconcile_state(_state)
            index = _state.offerings
            if index.size - index.live > COMPACT_SHARE * max(index.size, 1):
                index.compact()
        return _state


# Reference data changes only when an operator reloads it; reading it took 17 of 38 ms of a
# pair's evaluation (the worker's index keeps its copy for a day).
PAIR_REFERENCE_TTL_SECONDS = 300
_pair_reference: tuple[float, ReferenceData] | None = None


def pair_reference() -> ReferenceData:
    """The reference data for scoring one pair in a web process, re-read every
    PAIR_REFERENCE_TTL_SECONDS."""
    global _pair_reference
    now = time.monotonic()
    if _pair_reference is None or now - _pair_reference[0] > PAIR_REFERENCE_TTL_SECONDS:
        _pair_reference = (now, load_reference())
    return _pair_reference[1]


def forget_market() -> None:
    """Drop the cached indexes and reference data (tests, and after reference data changes)."""
    global _state, _pair_reference
    with _state_lock:
        _state = None
        _pair_reference = None
