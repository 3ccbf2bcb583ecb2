"""Reference vocabularies and the technology thresholds table the engine reads (plain data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from apps.catalog.reference.regions import province_of

# Demand power sources whose battery-life requirement is checked against a technology.
BATTERY_POWERED = frozenset({"battery"})
# Deployment as bits: a hybrid platform can be run either way; 0 states nothing.
DEPLOYMENT_BITS = {"public_cloud": 1, "private": 2, "hybrid": 3}
# What a price or a budget is per: a price compares with a budget only in the same unit.
PRICE_UNITS = ("device", "card_year", "device_year", "project")


@dataclass(frozen=True)
class TechnologySpec:
    """What a network technology can do; one row of the coordinator-tunable thresholds table.

    Ordinal scales as in the catalogue: mobility 0 fixed … 3 vehicular; coverage 0 normal …
    2 deep indoor.
    """

    code: str
    name_zh: str
    name_en: str
    max_uplink_kbps: float
    typical_latency_ms: float
    max_mobility: int
    max_coverage_depth: int
    max_battery_years: float
    supports_voice: bool
    supports_video: bool
    supports_positioning: bool
    module_price_min: float
    module_price_max: float
    cost_rank: int


@dataclass(frozen=True)
class FunctionSpec:
    """What a product does (a water meter, a meter-data platform), of one supply kind.

    A `general` function (a module class, an IoT card, a device-management platform) fits any
    demand its technology fits; any other fits only demands that name it.
    """

    code: str
    kind: str
    general: bool = False


@dataclass(frozen=True)
class RequirementProfile:
    """What the demand's devices must do; None or False means "no requirement"."""

    uplink_kbps: float | None = None
    max_latency_ms: float | None = None
    mobility: int = 0
    power_source: str = "mains"
    battery_life_years: float | None = None
    coverage_depth: int = 0
    needs_voice: bool = False
    needs_video: bool = False
    needs_positioning: bool = False


class Vocabulary:
    """Stable code → bit position for one reference dimension (technologies, kinds, …).

    Masks are uint64 arrays of `words` columns, so a dimension may grow past 64 codes.
    Unknown codes are ignored in masks: an offering cannot match on a code the platform
    does not know.
    """

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes: tuple[str, ...] = tuple(dict.fromkeys(codes))
        self.position: dict[str, int] = {code: i for i, code in enumerate(self.codes)}
        self.words = max(1, (len(self.codes) + 63) // 64)

    def __len__(self) -> int:
        return len(self.codes)

    def mask(self, codes: Iterable[str]) -> np.ndarray:
        """The mask (shape (words,), uint64) of the known codes among `codes`."""
        out = np.zeros(self.words, dtype=np.uint64)
        for code in codes:
            pos = self.position.get(code)
            if pos is not None:
                out[pos >> 6] |= np.uint64(1) << np.uint64(pos & 63)
        return out

    def bits(self, codes: Iterable[str]) -> int:
        """The mask of the known codes among `codes` as one Python int (any width)."""
        out = 0
        position = self.position
        for code in codes:
            pos = position.get(code)
            if pos is not None:
                out |= 1 << pos
        return out

    def decode(self, mask: np.ndarray) -> list[str]:
        """The codes set in one mask, in vocabulary order."""
        words = np.asarray(mask, dtype=np.uint64).reshape(-1)
        return [code for i, code in enumerate(self.codes) if int(words[i >> 6]) >> (i & 63) & 1]


@dataclass(frozen=True)
class ReferenceData:
    """Every vocabulary the engine needs, the technology table and bilingual names.

    `names` maps (dimension, code) → (zh, en) for explanations; `kind_chain` maps a supply
    kind to its position along chip → module → terminal → platform.
    """

    technologies: Sequence[TechnologySpec]
    kinds: Sequence[str]
    sectors: Sequence[str]
    scenarios: Sequence[str]
    certifications: Sequence[str]
    protocols: Sequence[str]
    provinces: Sequence[str]
    kind_chain: Mapping[str, int] = field(default_factory=dict)
    names: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    functions: Sequence[FunctionSpec] = ()
    # Certification code → the kinds it is asked of; a code not listed is asked of every kind.
    certification_kinds: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Kinds a demand's deployment requirement (public cloud / private) is asked of.
    deployment_kinds: Sequence[str] = ()
    # Protocol code → the kinds it is asked of; a code not listed is asked of every kind.
    protocol_kinds: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # How devices can find where they are (GNSS, cellular, Wi-Fi, …), and the kinds that state
    # it (a demand's positioning method is asked of those kinds only).
    positioning_methods: Sequence[str] = ()
    positioning_kinds: Sequence[str] = ()

    def __post_init__(self) -> None:
        technologies = sorted(self.technologies, key=lambda t: (t.cost_rank, t.code))
        object.__setattr__(self, "technologies", tuple(technologies))
        object.__setattr__(self, "tech_vocab", Vocabulary(t.code for t in technologies))
        object.__setattr__(self, "kind_vocab", Vocabulary(self.kinds))
        object.__setattr__(self, "sector_vocab", Vocabulary(self.sectors))
        object.__setattr__(self, "scenario_vocab", Vocabulary(self.scenarios))
        object.__setattr__(self, "cert_vocab", Vocabulary(self.certifications))
        object.__setattr__(self, "protocol_vocab", Vocabulary(self.protocols))
        object.__setattr__(self, "positioning_vocab", Vocabulary(self.positioning_methods))
        if len(self.positioning_methods) > 7:
            raise ValueError("the engine supports at most 7 positioning methods")
        object.__setattr__(self, "functions", tuple(self.functions))
        object.__setattr__(self, "function_vocab", Vocabulary(f.code for f in self.functions))
        kind_functions = {kind: 0 for kind in self.kinds}
        general = 0
        for f in self.functions:
            bit = 1 << self.function_vocab.position[f.code]
            kind_functions[f.kind] = kind_functions.get(f.kind, 0) | bit
            general |= bit if f.general else 0
        object.__setattr__(self, "kind_function_bits", kind_functions)
        object.__setattr__(self, "general_function_bits", general)
        kind_certs = {}
        for kind in self.kinds:
            kind_certs[kind] = self.cert_vocab.bits(
                code
                for code in self.certifications
                if kind in self.certification_kinds.get(code, self.kinds)
            )
        object.__setattr__(self, "kind_certification_bits", kind_certs)
        kind_protocols = {}
        for kind in self.kinds:
            kind_protocols[kind] = self.protocol_vocab.bits(
                code for code in self.protocols if kind in self.protocol_kinds.get(code, self.kinds)
            )
        object.__setattr__(self, "kind_protocol_bits", kind_protocols)
        provinces = tuple(dict.fromkeys(province_of(code) for code in self.provinces))
        object.__setattr__(self, "province_vocab", Vocabulary(provinces))
        if len(technologies) > 64:
            raise ValueError("the engine supports at most 64 technologies")

    # Set in __post_init__; declared for type checkers.
    tech_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    kind_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    sector_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    scenario_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    cert_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    protocol_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    positioning_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    province_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    function_vocab: Vocabulary = field(init=False, repr=False, compare=False)
    # Per kind: the bits of its functions, and of the certifications asked of it.
    kind_function_bits: Mapping[str, int] = field(init=False, repr=False, compare=False)
    kind_certification_bits: Mapping[str, int] = field(init=False, repr=False, compare=False)
    kind_protocol_bits: Mapping[str, int] = field(init=False, repr=False, compare=False)
    general_function_bits: int = field(init=False, repr=False, compare=False)

    def name(self, dimension: str, code: str) -> tuple[str, str]:
        """(zh, en) display names of a code; the code itself when no name is known."""
        return self.names.get((dimension, code), (code, code))

    def technology(self, code: str) -> TechnologySpec | None:
        for spec in self.technologies:
            if spec.code == code:
                return spec
        return None


MASK64 = (1 << 64) - 1


def masks_from_ints(values: Sequence[int], words: int) -> np.ndarray:
    """A (len(values), words) uint64 array from Python-int masks."""
    out = np.empty((len(values), words), dtype=np.uint64)
    for w in range(words):
        shift = 64 * w
        out[:, w] = np.fromiter(
            ((v >> shift) & MASK64 for v in values), dtype=np.uint64, count=len(values)
        )
    return out


def mask_to_int(mask: np.ndarray) -> int:
    """One row of a uint64 mask array as a Python int."""
    if len(mask) == 1:
        return int(mask[0])
    out = 0
    for w, word in enumerate(np.asarray(mask, dtype=np.uint64).reshape(-1)):
        out |= int(word) << (64 * w)
    return out


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of set bits per row of a (n, words) or (words,) uint64 mask array."""
    return np.bitwise_count(masks).sum(axis=-1, dtype=np.int64)
