"""Columnar in-memory indexes of published offerings and open demands.

Rows live in numpy columns; reference codes are bitmasks. Candidate generation goes through
postings keyed by (kind, technology, province), so a demand only touches the offerings of the
kinds and technologies it can use in the provinces it deploys in. Changes are append-only:
an update tombstones the old row and appends a new one, so postings never hold a wrong row;
`compact()` drops tombstones by remapping every posting at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from apps.catalog.reference.regions import is_province, province_of

from .advice import TechnologyAdvice, technology_advice
from .reference import (
    DEPLOYMENT_BITS,
    PRICE_UNITS,
    ReferenceData,
    RequirementProfile,
    mask_to_int,
    masks_from_ints,
)
from .scoring import (
    CAPACITY,
    CREDIBILITY,
    FUNCTION,
    GENERAL,
    MIN_ORDER,
    NUMBERS,
    PRICE,
    SCENARIO_BREADTH,
    SCENARIO_BREADTH_FREE,
    SECTOR_BREADTH,
    SECTOR_BREADTH_FREE,
    UNIT,
    UPDATED_AT,
    PackedLayout,
    breadth,
    credibility,
    function_table,
)
from .text import (
    SIGNATURE_WORDS,
    TokenVocabulary,
    exactly_summed,
    idf_weights,
    signature_groups,
    token_signatures,
    tokenize,
)

PRICE_UNIT_POSITION = {unit: i for i, unit in enumerate(PRICE_UNITS)}
ANY_TECH = -1  # posting key for offerings that declare no technology (platforms, services)
NATIONWIDE = -1  # posting key for nationwide offerings / demands without regions
ALL_REGIONS = -2  # posting key for every row of a kind and technology, wherever it serves
# Candidate sets kept per process: ≈100 B per candidate row, so 96 MiB holds a thousand sets
# of seed_demo's typical 9,000 candidates.
CANDIDATE_CACHE_BYTES = 96 * 2**20
# Demands' token idf remembered per offering index (≈ 200 B each; cleared when full).
QUERY_MEMO_SIZE = 100_000
EMPTY = np.empty(0, dtype=np.int32)
# Refresh idf when the number of rows has drifted this much since the last snapshot: idf
# moves slowly and a frozen snapshot keeps scores reproducible between refreshes.
IDF_REFRESH_DRIFT = 0.01
COMMON_TOKEN_SHARE = 0.5
# Text relevance reads an offering's first TOKEN_CAP distinct tokens (name, then description):
# they say what it is, and a fixed width keeps the token matrix gatherable per candidate.
TOKEN_CAP = 32
COMMON_TOKEN_MIN_ROWS = 1000  # below this a "common" token is just a small catalogue


@dataclass(frozen=True)
class OfferingRecord:
    """One offering as the engine sees it. `updated_at` is epoch seconds."""

    id: int
    vendor_id: int
    kind: str
    function: str | None = None
    deployment: str | None = None
    price_unit: str = "device"
    # Its text lists products it is not (keyword stuffing): the text earns no relevance.
    stuffed: bool = False
    sectors: Sequence[str] = ()
    scenarios: Sequence[str] = ()
    technologies: Sequence[str] = ()
    nationwide: bool = False
    regions: Sequence[str] = ()
    certifications: Sequence[str] = ()
    protocols: Sequence[str] = ()
    # The positioning methods a module or terminal states (empty: not stated).
    positioning: Sequence[str] = ()
    price_min: float = 0.0
    price_max: float = 0.0
    min_order: int = 1
    annual_capacity: int = 0
    lead_time_days: int = 30
    updated_at: float = 0.0
    published: bool = True
    text: str = ""
    tokens: Sequence[str] | None = None


@dataclass(frozen=True)
class VendorRecord:
    """A vendor's credibility inputs: verified, typical cases, share of introductions answered."""

    id: int
    verified: bool
    typical_cases: int = 0
    response_rate: float | None = None


@dataclass(frozen=True)
class DemandSpec:
    """One demand as the engine sees it; `typical_certifications` come from its scenario.

    `functions` are what it needs supplied (any kind; an offering fits when its kind has none
    of them, its function is one, or its function is general-purpose). With
    `technology_flexible` (open to alternatives), the candidates are the technologies that
    meet the profile: the requested ones that do first, no-dearer alternatives after them, or
    every feasible one (the advised first) when no requested technology can meet the profile;
    a requested technology that cannot is left out. Without it ("this technology only"), the
    requested technologies are the candidates, misfits included.
    """

    id: int
    organization_id: int
    sector: str
    scenario: str | None = None
    functions: Sequence[str] = ()
    technologies: Sequence[str] = ()
    technology_flexible: bool = True
    deployment: str | None = None
    # With profile.needs_positioning: the method the devices must position by (None: any).
    positioning_method: str | None = None
    profile: RequirementProfile = field(default_factory=RequirementProfile)
    kinds_needed: Sequence[str] = ()
    regions: Sequence[str] = ()
    volume: int = 1
    unit_budget: float | None = None
    budget_unit: str = "device"
    rollout_months: int = 12
    certifications: Sequence[str] = ()
    protocols: Sequence[str] = ()
    typical_certifications: Sequence[str] = ()
    open: bool = True
    updated_at: float = 0.0
    text: str = ""
    tokens: Sequence[str] | None = None


def annual_need(volume: float, rollout_months: float) -> float:
    """Units a year the rollout needs: the whole volume when it rolls out within a year."""
    return float(volume) * min(1.0, 12.0 / max(float(rollout_months), 1.0))


def _locality_key(row: dict) -> tuple[int, int, int, int]:
    """Physical row order: kind, cheapest technology, nationwide first, first province.

    Candidate sets are then near-contiguous, which makes gathering their columns several
    times faster than from rows scattered over the whole index (measured: 10x at 40k of 1M).
    """
    tech = row["tech"]
    provinces = row["prov_full"] | row["prov_city"]
    return (
        row["kind"],
        (tech & -tech).bit_length() if tech else 99,
        0 if row["nationwide"] else 1,
        (provinces & -provinces).bit_length() if provinces else 99,
    )


def _lowest_bit(words: np.ndarray) -> np.ndarray:
    """Per value, 1 + the index of its lowest set bit, 99 for none (as in `_locality_key`)."""
    low = words & (~words + np.uint64(1))
    out = np.zeros(len(words), dtype=np.int16)
    nonzero = low != 0
    out[nonzero] = np.log2(low[nonzero].astype(np.float64)).astype(np.int16) + 1
    out[~nonzero] = 99
    return out


class Postings:
    """Row positions for one key: a frozen numpy base plus a small list of appended rows."""

    __slots__ = ("_merged", "base", "delta")

    def __init__(self, base: np.ndarray | None = None) -> None:
        self.base = EMPTY if base is None else base
        self.delta: list[int] = []
        self._merged: np.ndarray | None = None

    def add(self, position: int) -> None:
        self.delta.append(position)
        self._merged = None

    def array(self) -> np.ndarray:
        if not self.delta:
            return self.base
        if self._merged is None:
            self._merged = np.concatenate([self.base, np.asarray(self.delta, dtype=np.int32)])
        return self._merged

    def remapped(self, keep: np.ndarray, new_position: np.ndarray) -> Postings:
        rows = self.array()
        rows = rows[keep[rows]]
        return Postings(new_position[rows].astype(np.int32))


def place_keys(codes: Iterable[int]) -> list[int]:
    """Keys of the `cities` postings an offering naming these city or county codes is in: each
    code (served in full), and for a county the negated code of its city (served in part)."""
    keys = list(codes)
    keys.extend(-(code - code % 100) for code in codes if code % 100)
    return keys


def _postings_from_lists(lists: dict) -> dict:
    return {key: Postings(np.asarray(rows, dtype=np.int32)) for key, rows in lists.items()}


class _Scratch(threading.local):
    """Per-thread reusable buffers (a boolean mark and a float accumulator), kept all-zero."""

    def __init__(self) -> None:
        self.mark = np.zeros(0, dtype=bool)
        self.acc = np.zeros(0, dtype=np.float64)
        self.tokens = np.zeros(0, dtype=np.float64)

    def get(self, name: str, size: int, dtype) -> np.ndarray:
        buffer = getattr(self, name)
        if len(buffer) < size:
            buffer = np.zeros(max(size, 2 * len(buffer)), dtype=dtype)
            setattr(self, name, buffer)
        return buffer


class _Columns:
    """Named numpy columns with amortised O(1) appends (capacity doubles)."""

    def __init__(self, spec: dict[str, tuple[np.dtype, int]], data: dict[str, np.ndarray]) -> None:
        self.spec = spec
        self.n = len(next(iter(data.values()))) if data else 0
        self.data = data

    def append(self, values: dict[str, object]) -> int:
        position = self.n
        capacity = len(next(iter(self.data.values())))
        if position >= capacity:
            grow = max(16, capacity)
            for name, column in self.data.items():
                pad = np.zeros((grow, *column.shape[1:]), dtype=column.dtype)
                self.data[name] = np.concatenate([column, pad])
        for name, value in values.items():
            self.data[name][position] = value
        self.n += 1
        return position

    def view(self, name: str) -> np.ndarray:
        return self.data[name][: self.n]

    def compress(self, keep: np.ndarray) -> None:
        for name, column in self.data.items():
            self.data[name] = column[: self.n][keep].copy()
        self.n = int(keep.sum())


class OfferingIndex:
    """Published offerings as columns, with postings for candidates, cities and tokens.

    Not thread-safe for writes: one process builds or refreshes it, queries only read.
    """

    def __init__(self, ref: ReferenceData, tokens: TokenVocabulary | None = None) -> None:
        self.ref = ref
        self._scratch = _Scratch()
        self.tokens = tokens or TokenVocabulary()
        self.position: dict[int, int] = {}
        self.candidates: dict[tuple[int, int, int], Postings] = {}
        # City or county code → rows serving it; -city code → rows serving one of its counties.
        self.cities: dict[int, Postings] = {}
        self.df = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0, dtype=np.float32)
        self.idf_version = 0
        self._idf_rows = 0
        self.vendor_position: dict[int, int] = {}
        self.vendor_ids = np.zeros(0, dtype=np.int64)
        self.vendor_verified = np.zeros(0, dtype=bool)
        self.vendor_cases = np.zeros(0, dtype=np.float32)
        self.vendor_response = np.zeros(0, dtype=np.float32)
        # Row → the city and county codes it names (as ints).
        self.row_cities: dict[int, tuple[int, ...]] = {}
        self.cols = _Columns({}, {})
        self._candidate_sets: OrderedDict[tuple, tuple] = OrderedDict()
        self._candidate_bytes = 0
        self._candidate_lock = threading.Lock()
        self._query_memo: dict = {}
        self._build_columns([])

    # --- candidate sets shared by demands --------------------------------------------------

    def candidate_set(self, key: tuple, build: Callable[[], tuple[np.ndarray, ...]]) -> tuple:
        """`build()`'s arrays for `key`, kept (least recently used first out, within
        CANDIDATE_CACHE_BYTES) until the index changes.

        Demands asking for the same kind, technologies, regions and certifications share
        their feasible candidates, and a demand's bundles re-evaluate its kinds. Measured on
        seed_demo data: 7–15 % less analysis time on 10k demands, but only ~1–6 % of
        lookups hit in an id-ordered full rematch (equal keys lie too far apart for the LRU).
        """
        with self._candidate_lock:
            found = self._candidate_sets.get(key)
            if found is not None:
                self._candidate_sets.move_to_end(key)
                return found
        value = build()
        arrays = [a for a in value if isinstance(a, np.ndarray)]
        for array in arrays:
            array.flags.writeable = False  # shared by every demand with this key
        size = sum(a.nbytes for a in arrays)
        with self._candidate_lock:
            self._candidate_sets[key] = value
            self._candidate_bytes += size
            while self._candidate_bytes > CANDIDATE_CACHE_BYTES and len(self._candidate_sets) > 1:
                _, dropped = self._candidate_sets.popitem(last=False)
                self._candidate_bytes -= sum(a.nbytes for a in dropped if isinstance(a, np.ndarray))
        return value

    def forget_candidate_sets(self) -> None:
        """Drop the cached candidate sets (every write does: they may no longer hold)."""
        with self._candidate_lock:
            self._candidate_sets.clear()
            self._candidate_bytes = 0

    # --- building -----------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        ref: ReferenceData,
        offerings: Iterable[OfferingRecord],
        vendors: Iterable[VendorRecord],
        tokens: TokenVocabulary | None = None,
    ) -> OfferingIndex:
        """Index every published offering; unpublished records are skipped."""
        index = cls(ref, tokens)
        for vendor in vendors:
            index.upsert_vendor(vendor)
        index._build_columns(o for o in offerings if o.published)
        return index

    def _row(self, record: OfferingRecord) -> dict[str, object]:
        ref = self.ref
        provinces_full = 0
        provinces_city = 0
        cities: list[int] = []
        pv = ref.province_vocab.position
        for code in record.regions:
            p = pv.get(province_of(code))
            if p is None:
                continue
            if is_province(code):
                provinces_full |= 1 << p
            else:
                provinces_city |= 1 << p
                cities.append(int(code))
        vendor = self.vendor_position.get(record.vendor_id)
        if vendor is None:
            vendor = self.upsert_vendor(VendorRecord(record.vendor_id, verified=False))
        tokens = record.tokens if record.tokens is not None else tokenize(record.text, TOKEN_CAP)
        function = ref.function_vocab.position.get(record.function or "", -1)
        return {
            "id": record.id,
            "vendor": vendor,
            "kind": ref.kind_vocab.position.get(record.kind, -1),
            "function": function,
            "general": function >= 0 and bool(ref.general_function_bits >> function & 1),
            "deploy": DEPLOYMENT_BITS.get(record.deployment or "", 0),
            "posit": ref.positioning_vocab.bits(record.positioning),
            "unit": PRICE_UNIT_POSITION.get(record.price_unit, -1),
            "stuffed": bool(record.stuffed),
            "tech": ref.tech_vocab.bits(record.technologies),
            "sector": ref.sector_vocab.bits(record.sectors),
            "scenario": ref.scenario_vocab.bits(record.scenarios),
            "cert": ref.cert_vocab.bits(record.certifications),
            "protocol": ref.protocol_vocab.bits(record.protocols),
            "nationwide": bool(record.nationwide),
            "prov_full": provinces_full,
            "prov_city": provinces_city,
            "price_min": float(record.price_min),
            "price_max": float(record.price_max),
            "min_order": int(record.min_order),
            "capacity": float(record.annual_capacity),
            "lead_time": int(record.lead_time_days),
            "updated_at": float(record.updated_at),
            "_cities": cities,
            "_tokens": self.tokens.encode(tokens)[:TOKEN_CAP],
        }

    def _mask_columns(self) -> dict[str, int]:
        ref = self.ref
        return {
            "tech": ref.tech_vocab.words,
            "sector": ref.sector_vocab.words,
            "scenario": ref.scenario_vocab.words,
            "cert": ref.cert_vocab.words,
            "protocol": ref.protocol_vocab.words,
            "prov_full": ref.province_vocab.words,
            "prov_city": ref.province_vocab.words,
        }

    def _build_columns(self, records: Iterable[OfferingRecord]) -> None:
        self.forget_candidate_sets()
        rows = [self._row(r) for r in records]
        # A re-listed id keeps only its last record.
        last: dict[int, int] = {}
        for i, row in enumerate(rows):
            last[row["id"]] = i
        rows = [rows[i] for i in last.values()]
        rows.sort(key=_locality_key)
        n = len(rows)
        data: dict[str, np.ndarray] = {
            "id": np.fromiter((r["id"] for r in rows), np.int64, n),
            "vendor": np.fromiter((r["vendor"] for r in rows), np.int32, n),
            "kind": np.fromiter((r["kind"] for r in rows), np.int16, n),
            "function": np.fromiter((r["function"] for r in rows), np.int16, n),
            "general": np.fromiter((r["general"] for r in rows), bool, n),
            "deploy": np.fromiter((r["deploy"] for r in rows), np.int8, n),
            "posit": np.fromiter((r["posit"] for r in rows), np.int8, n),
            "unit": np.fromiter((r["unit"] for r in rows), np.int8, n),
            "stuffed": np.fromiter((r["stuffed"] for r in rows), bool, n),
            "nationwide": np.fromiter((r["nationwide"] for r in rows), bool, n),
            "price_min": np.fromiter((r["price_min"] for r in rows), np.float64, n),
            "price_max": np.fromiter((r["price_max"] for r in rows), np.float64, n),
            "min_order": np.fromiter((r["min_order"] for r in rows), np.int64, n),
            "capacity": np.fromiter((r["capacity"] for r in rows), np.float64, n),
            "lead_time": np.fromiter((r["lead_time"] for r in rows), np.int32, n),
            "updated_at": np.fromiter((r["updated_at"] for r in rows), np.float64, n),
            "active": np.ones(n, dtype=bool),
        }
        for name, words in self._mask_columns().items():
            data[name] = masks_from_ints([r[name] for r in rows], words)
        width = max([1, *(len(r["_tokens"]) for r in rows)])
        tokens = np.full((n, width), -1, dtype=np.int32)
        for position, row in enumerate(rows):
            tokens[position, : len(row["_tokens"])] = row["_tokens"]
        data["tokens"] = tokens
        data.update(self._packed(data))
        data["eligible"] = np.zeros(n, dtype=bool)
        self.cols = _Columns({}, data)
        self._vendor_columns_refresh()
        self.position = {int(i): p for p, i in enumerate(data["id"])}
        candidates: dict = {}
        cities: dict = {}
        for position, row in enumerate(rows):
            for key in self._candidate_keys(row):
                candidates.setdefault(key, []).append(position)
            for key in place_keys(row["_cities"]):
                cities.setdefault(key, []).append(position)
        self.candidates = _postings_from_lists(candidates)
        self.cities = _postings_from_lists(cities)
        self.row_cities = {p: tuple(r["_cities"]) for p, r in enumerate(rows) if r["_cities"]}
        self._count_tokens()
        self.refresh_idf()

    @cached_property
    def layout(self) -> PackedLayout:
        ref = self.ref
        words = self._mask_columns()
        return PackedLayout.of(
            {
                **words,
                "served": words["prov_full"],
                "partly": words["prov_city"],
                "signature": SIGNATURE_WORDS,
            },
            len(ref.tech_vocab),
        )

    @staticmethod
    def _packed(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What scoring reads for every candidate, in two row-major arrays (one gather each).

        Gathering 40k scattered rows costs about the same for one wide row as for one value,
        so packing the scoring inputs cut the gather time by more than half.
        """
        numbers = np.zeros((len(data["id"]), NUMBERS), dtype=np.float64)
        numbers[:, PRICE] = (data["price_min"] + data["price_max"]) / 2.0
        numbers[:, FUNCTION] = data["function"]
        numbers[:, UNIT] = data["unit"]
        numbers[:, GENERAL] = data["general"]
        numbers[:, CAPACITY] = data["capacity"]
        numbers[:, MIN_ORDER] = data["min_order"]
        numbers[:, UPDATED_AT] = data["updated_at"]
        numbers[:, SECTOR_BREADTH] = breadth(data["sector"], SECTOR_BREADTH_FREE)
        numbers[:, SCENARIO_BREADTH] = breadth(data["scenario"], SCENARIO_BREADTH_FREE)
        served = data["prov_full"].copy()
        served[data["nationwide"]] = np.uint64(0xFFFFFFFFFFFFFFFF)
        masks = np.concatenate(
            [
                data["tech"],
                data["sector"],
                data["scenario"],
                data["cert"],
                served,
                data["prov_city"],
                data["protocol"],
                token_signatures(data["tokens"]),
            ],
            axis=-1,
        )
        return {"scoring_masks": masks, "scoring_numbers": numbers}

    def _vendor_columns_refresh(self, rows: np.ndarray | slice = slice(None)) -> None:
        """Recompute what rows take from their vendor: eligibility and credibility."""
        self.forget_candidate_sets()
        data, n = self.cols.data, self.cols.n
        vendor = data["vendor"][:n][rows]
        data["eligible"][:n][rows] = data["active"][:n][rows] & self.vendor_verified[vendor]
        data["scoring_numbers"][:n, CREDIBILITY][rows] = credibility(
            self.vendor_cases[vendor], self.vendor_response[vendor]
        )

    def _candidate_keys(self, row: dict) -> list[tuple[int, int, int]]:
        kind = row["kind"]
        tech_bits = row["tech"]
        techs = [t for t in range(len(self.ref.tech_vocab)) if tech_bits >> t & 1] or [ANY_TECH]
        provinces = row["prov_full"] | row["prov_city"]
        places = (
            [NATIONWIDE]
            if row["nationwide"]
            else [p for p in range(len(self.ref.province_vocab)) if provinces >> p & 1]
        )
        keys = []
        for t in techs:
            keys.append((kind, t, ALL_REGIONS))
            keys.extend((kind, t, p) for p in places)
        return keys

    # --- incremental changes ----------------------------------------------------------

    def upsert_vendor(self, vendor: VendorRecord) -> int:
        """Add or update a vendor's credibility inputs; every offering of it sees the change."""
        self.forget_candidate_sets()
        position = self.vendor_position.get(vendor.id)
        if position is None:
            position = len(self.vendor_ids)
            self.vendor_position[vendor.id] = position
            self.vendor_ids = np.append(self.vendor_ids, vendor.id)
            self.vendor_verified = np.append(self.vendor_verified, False)
            self.vendor_cases = np.append(self.vendor_cases, np.float32(0))
            self.vendor_response = np.append(self.vendor_response, np.float32(np.nan))
        self.vendor_verified[position] = bool(vendor.verified)
        self.vendor_cases[position] = float(vendor.typical_cases)
        self.vendor_response[position] = (
            np.nan if vendor.response_rate is None else float(vendor.response_rate)
        )
        if self.cols.n:
            self._vendor_columns_refresh(np.flatnonzero(self.col("vendor") == position))
        return position

    def remove(self, offering_id: int) -> bool:
        """Tombstone an offering (archived, unpublished, deleted); True when it was indexed."""
        self.forget_candidate_sets()
        position = self.position.pop(offering_id, None)
        if position is None:
            return False
        self.cols.data["active"][position] = False
        self.cols.data["eligible"][position] = False
        return True

    def upsert(self, record: OfferingRecord) -> int | None:
        """Index the record's current state; an unpublished record is removed. Returns its row."""
        self.forget_candidate_sets()
        self.remove(record.id)
        if not record.published:
            return None
        row = self._row(record)
        values = {k: v for k, v in row.items() if not k.startswith("_")}
        for name, words in self._mask_columns().items():
            values[name] = masks_from_ints([row[name]], words)[0]
        values["active"] = True
        tokens = row["_tokens"]
        width = self.cols.data["tokens"].shape[1]
        if len(tokens) > width:
            grown = np.full((len(self.cols.data["tokens"]), len(tokens)), -1, dtype=np.int32)
            grown[:, :width] = self.cols.data["tokens"]
            self.cols.data["tokens"] = grown
            width = len(tokens)
        padded = np.full(width, -1, dtype=np.int32)
        padded[: len(tokens)] = tokens
        values["tokens"] = padded
        packed = self._packed({k: np.asarray([v]) for k, v in values.items()})
        values.update({k: v[0] for k, v in packed.items()})
        position = self.cols.append(values)
        self._vendor_columns_refresh(slice(position, position + 1))
        self.position[record.id] = position
        for key in self._candidate_keys(row):
            self.candidates.setdefault(key, Postings()).add(position)
        for key in place_keys(row["_cities"]):
            self.cities.setdefault(key, Postings()).add(position)
        if row["_cities"]:
            self.row_cities[position] = tuple(row["_cities"])
        if len(self.tokens.ids) > len(self.df):
            self.df = np.concatenate(
                [self.df, np.zeros(len(self.tokens.ids) - len(self.df), dtype=np.int64)]
            )
        np.add.at(self.df, tokens, 1)
        if abs(self.live - self._idf_rows) > IDF_REFRESH_DRIFT * max(self._idf_rows, 1):
            self.refresh_idf()
        return position

    def compact(self) -> None:
        """Drop tombstoned rows; positions change, ids do not."""
        self.forget_candidate_sets()
        active = self.cols.view("active")
        if active.all():
            return
        kept = np.flatnonzero(active)
        # Re-establish locality: order the survivors like a fresh build does.
        tech = self.cols.view("tech")[kept, 0]
        provinces = self.cols.view("prov_full")[kept, 0] | self.cols.view("prov_city")[kept, 0]
        order = np.lexsort(
            (
                _lowest_bit(provinces),
                ~self.cols.view("nationwide")[kept],
                _lowest_bit(tech),
                self.cols.view("kind")[kept],
            )
        )
        new_position = np.zeros(len(active), dtype=np.int32)
        new_position[kept[order]] = np.arange(len(kept), dtype=np.int32)

        def remap(postings: Postings) -> Postings:
            moved = postings.remapped(active, new_position)
            moved.base.sort()
            return moved

        self.candidates = {k: remap(p) for k, p in self.candidates.items()}
        self.cities = {k: remap(p) for k, p in self.cities.items()}
        self.row_cities = {
            int(new_position[p]): cities for p, cities in self.row_cities.items() if active[p]
        }
        for name, column in self.cols.data.items():
            self.cols.data[name] = column[: self.cols.n][kept[order]].copy()
        self.cols.n = len(kept)
        self.position = {int(i): p for p, i in enumerate(self.cols.view("id"))}
        self._count_tokens()

    def _count_tokens(self) -> None:
        """Document frequencies of live rows, then a fresh idf snapshot."""
        tokens = self.cols.view("tokens")[self.cols.view("active")].ravel()
        self.df = np.bincount(tokens[tokens >= 0], minlength=len(self.tokens.ids)).astype(np.int64)
        self.refresh_idf()

    def refresh_idf(self) -> None:
        if len(self.df) < len(self.tokens.ids):
            self.df = np.concatenate(
                [self.df, np.zeros(len(self.tokens.ids) - len(self.df), dtype=np.int64)]
            )
        self._idf_rows = self.live
        idf = idf_weights(self.df, self._idf_rows)
        # Tokens in more than half the catalogue carry almost no signal and cost the most to
        # accumulate; both matching directions skip them alike.
        if self._idf_rows >= COMMON_TOKEN_MIN_ROWS:
            idf[self.df > COMMON_TOKEN_SHARE * self._idf_rows] = 0.0
        self.idf = idf
        self.idf_version += 1

    # --- reading ------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Rows, tombstones included."""
        return self.cols.n

    @property
    def live(self) -> int:
        return len(self.position)

    def col(self, name: str) -> np.ndarray:
        return self.cols.view(name)

    def token_idf(self, token_ids: np.ndarray) -> np.ndarray:
        """idf of token ids; tokens unseen when the snapshot was taken weigh the most."""
        out = np.full(len(token_ids), np.log1p(max(self._idf_rows, 1)), dtype=np.float32)
        known = token_ids < len(self.idf)
        out[known] = self.idf[token_ids[known]]
        return out

    def query_idf(self, token_ids: np.ndarray) -> tuple[np.ndarray, float, bool]:
        """A demand's token idf (token_idf), their float64 sum, and whether any TOKEN_CAP of
        them add up exactly in any order (text.exactly_summed); remembered per token list
        until the idf snapshot changes (a demand's kinds and bundles ask again)."""
        memo = self._query_memo
        if memo.get(None) != self.idf_version or len(memo) > QUERY_MEMO_SIZE:
            memo.clear()
            memo[None] = self.idf_version
        key = (token_ids.dtype.str, token_ids.tobytes())
        found = memo.get(key)
        if found is None:
            weights = self.token_idf(token_ids)
            weights.flags.writeable = False
            found = memo[key] = (
                weights,
                float(weights.sum(dtype=np.float64)),
                exactly_summed(weights, TOKEN_CAP),
            )
        return found

    def query_signature(self, token_ids: np.ndarray) -> list[tuple[tuple[np.uint64, ...], float]]:
        """text.signature_groups of a demand's tokens at their idf, remembered like query_idf
        (a demand's kinds and bundles ask again)."""
        weights, _, _ = self.query_idf(token_ids)  # first: it clears a stale snapshot's memo
        key = ("signature", token_ids.dtype.str, token_ids.tobytes())
        found = self._query_memo.get(key)
        if found is None:
            found = self._query_memo[key] = signature_groups(token_ids, weights)
        return found

    def mark(self) -> np.ndarray:
        return self._scratch.get("mark", self.size, bool)

    def accumulator(self) -> np.ndarray:
        return self._scratch.get("acc", self.size, np.float64)

    def token_table(self, size: int) -> np.ndarray:
        """An all-zero float buffer of at least `size` slots; callers leave it all-zero."""
        return self._scratch.get("tokens", size, np.float64)

    def postings(self, key: tuple[int, int, int]) -> np.ndarray:
        found = self.candidates.get(key)
        return EMPTY if found is None else found.array()

    def row_tokens(self, position: int) -> np.ndarray:
        row = self.cols.view("tokens")[position]
        return row[row >= 0]


@dataclass(frozen=True)
class CompiledDemand:
    """A demand turned into masks and numbers, plus the technology advice for its profile."""

    spec: DemandSpec
    advice: TechnologyAdvice
    kinds: tuple[int, ...]
    kinds_mask: np.ndarray
    allowed: np.ndarray
    feasible: np.ndarray
    preferred: np.ndarray
    sector: np.ndarray
    scenario: np.ndarray
    functions: np.ndarray
    required_certs: np.ndarray
    wanted_certs: np.ndarray
    required_protocols: np.ndarray
    regions: tuple[tuple[int, int], ...]  # (province position or -1, city/county code or 0)
    need: float
    budget: float
    budget_unit: int  # position in PRICE_UNITS
    tokens: np.ndarray
    cell_tech: int  # technology the demand's volume counts under in aggregate cells
    requested_misfit: bool
    deploy_need: int  # DEPLOYMENT_BITS of the platform deployment it requires, 0 for none
    posit_need: int  # bit of the positioning method it requires (positioning_vocab), 0 for none
    ref: ReferenceData = field(repr=False, compare=False)

    def for_kind(self, kind: str) -> KindRequirements:
        """What the demand asks of offerings of one kind (cached per kind)."""
        cache = self.__dict__.setdefault("_kinds", {})
        found = cache.get(kind)
        if found is None:
            ref = self.ref
            certs = masks_from_ints(
                [ref.kind_certification_bits.get(kind, 0)], ref.cert_vocab.words
            )
            functions = self.bits["functions"]
            kind_functions = ref.kind_function_bits.get(kind, 0)
            protocols = masks_from_ints(
                [ref.kind_protocol_bits.get(kind, 0)], ref.protocol_vocab.words
            )
            found = cache[kind] = KindRequirements(
                required_protocols=self.required_protocols & protocols,
                deploy_need=self.deploy_need if kind in ref.deployment_kinds else 0,
                posit_need=self.posit_need if kind in ref.positioning_kinds else 0,
                required_certs=self.required_certs & certs,
                wanted_certs=self.wanted_certs & certs,
                kind_functions=masks_from_ints([kind_functions], ref.function_vocab.words),
                stated=bool(functions & kind_functions),
                function_table=function_table(
                    functions, kind_functions, ref.general_function_bits, len(ref.function_vocab)
                ),
            )
        return found

    @cached_property
    def bits(self) -> dict[str, int]:
        """The masks as Python ints (explanations read them per result)."""
        return {
            name: mask_to_int(getattr(self, name)[0])
            for name in (
                "allowed",
                "feasible",
                "preferred",
                "sector",
                "scenario",
                "functions",
                "required_certs",
                "wanted_certs",
                "required_protocols",
            )
        }


@dataclass(frozen=True)
class KindRequirements:
    """A compiled demand's requirements of one supply kind: the certifications asked of that
    kind, whether it names functions of it, and the function sub-score per function position
    (NaN: not a candidate; the last slot is for offerings without a function), and the
    deployment it requires of it (DEPLOYMENT_BITS, 0 for none), the positioning method (its
    bit, 0 for none), and the protocols its specialised products must speak."""

    required_protocols: np.ndarray
    deploy_need: int
    posit_need: int
    required_certs: np.ndarray
    wanted_certs: np.ndarray
    kind_functions: np.ndarray
    stated: bool
    function_table: np.ndarray

    @cached_property
    def bits(self) -> dict[str, int]:
        """The masks as Python ints (explanations read them for every result)."""
        return {
            "wanted_certs": mask_to_int(self.wanted_certs[0]),
            "required_protocols": mask_to_int(self.required_protocols[0]),
        }


def _technology_bits(
    ref: ReferenceData, spec: DemandSpec, advice: TechnologyAdvice
) -> tuple[int, int]:
    """(allowed, preferred) technology bits of a demand; bits in cost order (cheapest first)."""
    tv = ref.tech_vocab
    feasible_bits = tv.bits(advice.feasible)
    requested_bits = tv.bits(spec.technologies)
    recommended_bits = tv.bits([advice.recommended] if advice.recommended else [])
    if requested_bits and spec.technology_flexible:
        # Open to alternatives: a technology that meets the profile at no more cost than the
        # requested one is a candidate too, after it (the high–low mix: nobody asking for
        # Cat.1 wants a 5G module); when no requested one fits, every feasible one is, and
        # the advised one is preferred. A requested technology that cannot meet the profile
        # is not offered to a demand open to alternatives: its offerings would only pad the
        # list below the ones that work (the tech_misfit flag and each result's explanation
        # say why it is missing).
        fitting = requested_bits & feasible_bits
        cheaper = (1 << fitting.bit_length()) - 1 if fitting else -1
        return feasible_bits & cheaper, fitting or recommended_bits
    if requested_bits:
        return requested_bits, requested_bits & feasible_bits
    return feasible_bits, recommended_bits


def counted_technology(
    ref: ReferenceData, spec: DemandSpec, advice: TechnologyAdvice | None = None
) -> str | None:
    """The technology a demand's connections count under in aggregate figures (the same as
    `CompiledDemand.cell_tech`): its preferred technology, else the cheapest it allows; None
    when it allows none. Cheap (no text, no masks): for reading many demands outside the
    market index."""
    advice = advice or technology_advice(spec.profile, ref.technologies)
    allowed, preferred = _technology_bits(ref, spec, advice)
    bits = preferred or allowed
    return ref.tech_vocab.codes[(bits & -bits).bit_length() - 1] if bits else None


def compile_demand(
    ref: ReferenceData,
    spec: DemandSpec,
    tokens: TokenVocabulary,
    advice: TechnologyAdvice | None = None,
) -> CompiledDemand:
    """Masks and advice for one demand. Requested technologies, when given, are what it allows."""
    advice = advice or technology_advice(spec.profile, ref.technologies)
    tv = ref.tech_vocab
    feasible_bits = tv.bits(advice.feasible)
    requested_bits = tv.bits(spec.technologies)
    allowed_bits, preferred_bits = _technology_bits(ref, spec, advice)
    cell_bits = preferred_bits or allowed_bits
    cell_tech = (cell_bits & -cell_bits).bit_length() - 1 if cell_bits else -1
    regions = []
    pv = ref.province_vocab.position
    for code in spec.regions:
        p = pv.get(province_of(code), -1)
        regions.append((p, 0 if is_province(code) else int(code)))
    raw_tokens = spec.tokens if spec.tokens is not None else tokenize(spec.text)
    # Tokens unseen in the catalogue still count (at the highest idf) in the denominator.
    token_ids = tokens.encode(raw_tokens)
    kv = ref.kind_vocab.position

    def words(vocab, bits: int) -> np.ndarray:
        return masks_from_ints([bits], vocab.words)

    budget = np.nan if spec.unit_budget is None else float(spec.unit_budget)
    return CompiledDemand(
        spec=spec,
        advice=advice,
        kinds=tuple(dict.fromkeys(kv[k] for k in spec.kinds_needed if k in kv)),
        kinds_mask=words(ref.kind_vocab, ref.kind_vocab.bits(spec.kinds_needed)),
        allowed=words(tv, allowed_bits),
        feasible=words(tv, feasible_bits),
        preferred=words(tv, preferred_bits),
        sector=words(ref.sector_vocab, ref.sector_vocab.bits([spec.sector])),
        scenario=words(
            ref.scenario_vocab, ref.scenario_vocab.bits([spec.scenario] if spec.scenario else [])
        ),
        functions=words(ref.function_vocab, ref.function_vocab.bits(spec.functions)),
        required_certs=words(ref.cert_vocab, ref.cert_vocab.bits(spec.certifications)),
        wanted_certs=words(
            ref.cert_vocab,
            ref.cert_vocab.bits([*spec.certifications, *spec.typical_certifications]),
        ),
        required_protocols=words(ref.protocol_vocab, ref.protocol_vocab.bits(spec.protocols)),
        regions=tuple(regions),
        need=annual_need(spec.volume, spec.rollout_months),
        budget=budget,
        budget_unit=PRICE_UNIT_POSITION.get(spec.budget_unit, 0),
        tokens=token_ids,
        cell_tech=cell_tech,
        requested_misfit=bool(requested_bits) and not (requested_bits & feasible_bits),
        deploy_need=DEPLOYMENT_BITS.get(spec.deployment or "", 0),
        posit_need=ref.positioning_vocab.bits([spec.positioning_method])
        if spec.positioning_method and spec.profile.needs_positioning
        else 0,
        ref=ref,
    )


class DemandIndex:
    """Open demands as columns, for matching one offering against all of them."""

    MASKS = (
        "kinds_mask",
        "allowed",
        "feasible",
        "preferred",
        "sector",
        "scenario",
        "functions",
        "required_certs",
        "wanted_certs",
        "required_protocols",
    )

    def __init__(self, ref: ReferenceData, tokens: TokenVocabulary) -> None:
        self.ref = ref
        self._scratch = _Scratch()
        self.tokens = tokens
        self.position: dict[int, int] = {}
        self.compiled: list[CompiledDemand | None] = []
        self.candidates: dict[tuple[int, int], Postings] = {}
        self.text: dict[int, Postings] = {}
        self._advice_cache: dict[RequirementProfile, TechnologyAdvice] = {}
        self._region_flat: tuple[np.ndarray, ...] | None = None
        self._region_lists: tuple[list[int], list[int], list[int]] = ([], [], [])
        self._region_counts: list[int] = []
        self._token_owners: list[int] = []
        self._token_ids: list[int] = []
        self._token_flat: tuple[np.ndarray, np.ndarray] | None = None
        self._idf_totals: tuple[tuple[int, int], np.ndarray] | None = None
        self.cols = _Columns({}, self._empty())

    def _empty(self) -> dict[str, np.ndarray]:
        ref = self.ref
        words = {
            "kinds_mask": ref.kind_vocab.words,
            "allowed": ref.tech_vocab.words,
            "feasible": ref.tech_vocab.words,
            "preferred": ref.tech_vocab.words,
            "sector": ref.sector_vocab.words,
            "scenario": ref.scenario_vocab.words,
            "functions": ref.function_vocab.words,
            "required_certs": ref.cert_vocab.words,
            "wanted_certs": ref.cert_vocab.words,
            "required_protocols": ref.protocol_vocab.words,
        }
        data = {name: np.zeros((0, w), dtype=np.uint64) for name, w in words.items()}
        data.update(
            id=np.zeros(0, np.int64),
            organization=np.zeros(0, np.int64),
            volume=np.zeros(0, np.float64),
            need=np.zeros(0, np.float64),
            budget=np.zeros(0, np.float64),
            budget_unit=np.zeros(0, np.int8),
            updated_at=np.zeros(0, np.float64),
            cell_tech=np.zeros(0, np.int16),
            deploy_need=np.zeros(0, np.int8),
            posit_need=np.zeros(0, np.int8),
            active=np.zeros(0, bool),
        )
        return data

    @classmethod
    def build(
        cls, ref: ReferenceData, demands: Iterable[DemandSpec], tokens: TokenVocabulary
    ) -> DemandIndex:
        index = cls(ref, tokens)
        kinds = ref.kind_vocab.position
        # Rows of a kind and province sit together, so an offering's candidates are near-contiguous.
        for demand in sorted(
            demands,
            key=lambda d: (
                min((kinds.get(k, 99) for k in d.kinds_needed), default=99),
                min(d.regions, default=""),
                d.id,
            ),
        ):
            index.upsert(demand)
        return index

    def compile(self, spec: DemandSpec) -> CompiledDemand:
        advice = self._advice_cache.get(spec.profile)
        if advice is None:
            advice = self._advice_cache[spec.profile] = technology_advice(
                spec.profile, self.ref.technologies
            )
        return compile_demand(self.ref, spec, self.tokens, advice)

    def remove(self, demand_id: int) -> bool:
        position = self.position.pop(demand_id, None)
        if position is None:
            return False
        self.cols.data["active"][position] = False
        self.compiled[position] = None
        return True

    def upsert(self, spec: DemandSpec) -> int | None:
        """Index the demand's current state; a demand no longer open is removed."""
        self.remove(spec.id)
        if not spec.open:
            return None
        c = self.compile(spec)
        values: dict[str, object] = {name: getattr(c, name)[0] for name in self.MASKS}
        values.update(
            id=spec.id,
            organization=spec.organization_id,
            volume=float(spec.volume),
            need=c.need,
            budget=c.budget,
            budget_unit=c.budget_unit,
            updated_at=float(spec.updated_at),
            cell_tech=c.cell_tech,
            deploy_need=c.deploy_need,
            posit_need=c.posit_need,
            active=True,
        )
        position = self.cols.append(values)
        self.position[spec.id] = position
        self.compiled.append(c)
        self._region_counts.append(len(c.regions))
        for p, city in c.regions:
            self._region_lists[0].append(position)
            self._region_lists[1].append(p)
            self._region_lists[2].append(city)
        provinces = {p for p, _ in c.regions if p >= 0}
        for kind in c.kinds:
            self.candidates.setdefault((kind, ALL_REGIONS), Postings()).add(position)
            if not c.regions:
                self.candidates.setdefault((kind, NATIONWIDE), Postings()).add(position)
            for p in provinces:
                self.candidates.setdefault((kind, p), Postings()).add(position)
        for token in c.tokens.tolist():
            self.text.setdefault(token, Postings()).add(position)
            self._token_owners.append(position)
            self._token_ids.append(token)
        self._idf_totals = None
        return position

    @property
    def size(self) -> int:
        return self.cols.n

    @property
    def live(self) -> int:
        return len(self.position)

    def col(self, name: str) -> np.ndarray:
        return self.cols.view(name)

    def mark(self) -> np.ndarray:
        return self._scratch.get("mark", self.size, bool)

    def accumulator(self) -> np.ndarray:
        return self._scratch.get("acc", self.size, np.float64)

    def postings(self, key: tuple[int, int]) -> np.ndarray:
        found = self.candidates.get(key)
        return EMPTY if found is None else found.array()

    def region_flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(owner row, province position, city or county code or 0, regions per row) over all
        rows."""
        flat = self._region_lists
        if self._region_flat is None or len(self._region_flat[0]) != len(flat[0]):
            counts = np.zeros(self.size, dtype=np.float64)
            counts[: len(self._region_counts)] = self._region_counts
            self._region_flat = (
                np.asarray(flat[0], dtype=np.int32),
                np.asarray(flat[1], dtype=np.int16),
                np.asarray(flat[2], dtype=np.int64),
                counts,
            )
        elif len(self._region_flat[3]) != self.size:
            counts = np.asarray(self._region_counts, dtype=np.float64)
            self._region_flat = (*self._region_flat[:3], counts)
        return self._region_flat

    def idf_totals(self, offerings: OfferingIndex) -> np.ndarray:
        """Per demand row: the summed idf of its tokens under the offering index's snapshot."""
        key = (id(offerings), offerings.idf_version)
        if self._idf_totals is None or self._idf_totals[0] != key:
            if self._token_flat is None or len(self._token_flat[0]) != len(self._token_owners):
                self._token_flat = (
                    np.asarray(self._token_owners, dtype=np.int32),
                    np.asarray(self._token_ids, dtype=np.int32),
                )
            owners, tokens = self._token_flat
            totals = np.bincount(owners, weights=offerings.token_idf(tokens), minlength=self.size)
            self._idf_totals = (key, totals)
        return self._idf_totals[1]
