"""Feasibility and weighted scoring of (offering, demand) pairs, vectorised over candidates.

Both directions (one demand against many offerings, one offering against many demands) call
the same two functions with columns aligned pair by pair, so a pair scores the same whichever
side asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np

from .reference import popcount

CRITERIA = (
    "function",
    "technology",
    "sector",
    "region",
    "capacity",
    "price",
    "certification",
    "text",
    "credibility",
    "freshness",
)

# Sub-scores of function fit: the demand names the offering's function for its kind; a
# general-purpose function (module class, IoT card, device management) fits any scenario; the
# demand names no function of that kind. Any other function is not a candidate at all.
FUNCTION_LISTED = 1.0
FUNCTION_GENERAL = 0.7
FUNCTION_UNSTATED = 0.6
# Sub-scores of technology fit: the preferred technology (requested and feasible, or the
# cheapest feasible one) beats one that merely works; a technology-agnostic offering
# (a platform) fits any. A requested technology that cannot meet the profile is a candidate
# only for a demand that wants that technology alone (open to alternatives, it is left out),
# and then below every offering that can: its negative sub-score costs 4 × the technology
# weight (48 points at the default weights), more than the other criteria can make up.
TECH_PREFERRED = 1.0
TECH_FEASIBLE = 0.7
TECH_AGNOSTIC = 0.85
TECH_REQUESTED_MISFIT = -4.0
# Sector and scenario fit: a listing earns full credit for its scenario only while it claims
# at most SCENARIO_BREADTH_FREE scenarios (SECTOR_BREADTH_FREE sectors); claiming more
# divides the credit, so ticking every box earns nothing extra. A listing that names no
# sector is a general product; one in the right sector but not the scenario earns half.
SCENARIO_BREADTH_FREE = 3.0
SECTOR_BREADTH_FREE = 2.0
SECTOR_GENERAL = 0.4
SECTOR_ONLY = 0.5
# Price: anything within budget scores 1, so being cheaper does not lift an offering over a
# more relevant one; far below budget (under PRICE_LOW_RATIO of it) hints at another class of
# product and falls to PRICE_FAR_BELOW when free; above budget falls to 0 at twice it.
PRICE_LOW_RATIO = 0.2
PRICE_FAR_BELOW = 0.7
PRICE_NO_BUDGET = 0.8
# Relevance floor on price, in the budget's unit: above PRICE_CEILING times the budget or below
# PRICE_FLOOR of it, an offering is another class of product (a ¥45,000 canal gate for a
# drip-valve tender of ¥800, a ¥600 valve for the canal gate's). On the labelled set these
# bounds removed 19 grade-0 pairs and no graded one (5× and 1/20 removed four graded ones).
PRICE_CEILING = 10.0
PRICE_FLOOR = 0.02
# A general-purpose product (a module, a card, a device platform) not made for the demand's
# sector has nothing but its price to recommend it: above twice the budget, where the price
# criterion reaches 0, it is another class of product (an industrial dual-SIM GNSS module at
# ¥58 for a ¥22 air-conditioner tender). One made for the sector keeps PRICE_CEILING.
PRICE_CEILING_OUT_OF_SECTOR = 2.0
TEXT_NO_QUERY = 0.5
# Freshness: full marks for 30 days, then linear to the floor at one year.
FRESH_DAYS = 30.0
STALE_DAYS = 365.0
FRESH_FLOOR = 0.2
# Credibility: verified is the gate; typical cases (5 saturate) and answered introductions add.
CRED_BASE = 0.4
CRED_CASES = 0.35
CRED_CASES_SATURATION = 5.0
CRED_RESPONSE = 0.25
CRED_RESPONSE_UNKNOWN = 0.5
MIN_ORDER_PENALTY = 0.5


@dataclass(frozen=True)
class Weights:
    """Relative weight of each criterion in the 0–100 score (normalised by their sum).

    Relevance first: what the product does (function), the sector/scenario it serves and its
    text carry 60 of 100 points; the rest orders relevant offerings among themselves.
    """

    function: float = 28.0
    technology: float = 12.0
    sector: float = 12.0
    region: float = 6.0
    capacity: float = 6.0
    price: float = 6.0
    certification: float = 4.0
    text: float = 20.0
    credibility: float = 4.0
    freshness: float = 2.0

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, float] | None) -> Weights:
        """Defaults overridden by a mapping (e.g. settings.MATCHING_WEIGHTS); unknown keys fail."""
        overrides = dict(overrides or {})
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown matching weights: {sorted(unknown)}")
        weights = cls(**{k: float(v) for k, v in overrides.items()})
        if any(v < 0 for v in asdict(weights).values()) or weights.total <= 0:
            raise ValueError("matching weights must be non-negative and not all zero")
        return weights

    @property
    def total(self) -> float:
        return float(sum(asdict(self).values()))

    def normalised(self) -> dict[str, float]:
        cached = self.__dict__.get("_normalised")
        if cached is None:
            total = self.total
            cached = {k: v / total for k, v in asdict(self).items()}
            object.__setattr__(self, "_normalised", cached)
        return cached


def whole_points(score: float) -> str:
    """A score in whole points as every page shows it (Django's floatformat:0: the decimal
    written, halves up), so a sentence saying 68.5 agrees with the badge beside it (69)."""
    return str(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def intersects(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: do two broadcastable (…, words) masks share a bit?"""
    if a.shape[-1] == 1:
        return (a[..., 0] & b[..., 0]) != 0
    return ((a & b) != 0).any(axis=-1)


def covers(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: does mask `a` hold every bit of mask `b`?"""
    if a.shape[-1] == 1:
        return (a[..., 0] & b[..., 0]) == b[..., 0]
    return ((a & b) == b).all(axis=-1)


def empty(a: np.ndarray) -> np.ndarray:
    if a.shape[-1] == 1:
        return a[..., 0] == 0
    return (a == 0).all(axis=-1)


def has_bit(masks: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Row-wise: is bit `positions[i]` set in `masks[i]`? (masks (m | 1, words); -1 → False)."""
    positions = np.asarray(positions, dtype=np.int64)
    masks = np.broadcast_to(masks, (len(positions), masks.shape[-1]))
    safe = np.maximum(positions, 0)
    words = np.take_along_axis(masks, (safe >> 6)[:, None], axis=1)[:, 0]
    return (((words >> (safe & 63).astype(np.uint64)) & np.uint64(1)) != 0) & (positions >= 0)


def function_fit(listed: np.ndarray, general: np.ndarray, stated: np.ndarray) -> np.ndarray:
    """Function sub-score; NaN where the function does not fit (not a candidate).

    `listed`: the demand names the offering's function; `general`: the function is
    general-purpose; `stated`: the demand names some function of the offering's kind.
    """
    return np.where(
        listed,
        FUNCTION_LISTED,
        np.where(general, FUNCTION_GENERAL, np.where(stated, np.nan, FUNCTION_UNSTATED)),
    )


def scope_to_kind(
    d: Mapping[str, np.ndarray],
    kind_functions: np.ndarray,
    kind_certs: np.ndarray,
    kind_protocols: np.ndarray,
    *,
    deploys: bool,
    positions: bool,
) -> dict[str, np.ndarray]:
    """Demand columns as they apply to offerings of one kind: only the certifications asked
    of that kind are required or wanted, `stated` says whether it names a function of it, a
    deployment requirement counts only for kinds that are deployed (`deploys`), a
    positioning method only for kinds that position (`positions`)."""
    return {
        **d,
        "required_certs": d["required_certs"] & kind_certs,
        "wanted_certs": d["wanted_certs"] & kind_certs,
        "stated": intersects(d["functions"], kind_functions),
        "required_protocols": d["required_protocols"] & kind_protocols,
        "deploy_need": d["deploy_need"] if deploys else np.zeros_like(d["deploy_need"]),
        "posit_need": d["posit_need"] if positions else np.zeros_like(d["posit_need"]),
    }


def pair_function_fit(o: Mapping[str, np.ndarray], d: Mapping[str, np.ndarray]) -> np.ndarray:
    """function_fit of aligned pairs (demand columns scoped to the offerings' kind).

    One demand's columns carry its `function_table` (function_fit per function position):
    a lookup then, instead of a bit test per row."""
    if "function_table" in d:
        return function_points(np.asarray(o["function"]), d["function_table"])
    shape = np.broadcast_shapes(np.shape(o["function"]), np.shape(d["stated"]))
    listed = has_bit(d["functions"], np.broadcast_to(o["function"], shape))
    return function_fit(listed, np.broadcast_to(o["general"], shape), d["stated"])


def relevance_floor(
    o: Mapping[str, np.ndarray], d: Mapping[str, np.ndarray], *, price: bool = True
) -> np.ndarray:
    """Is the offering relevant to the demand at all (below this floor nothing is shown)?

    Its function fits (see function_fit); it is made for the demand's sector (a
    general-purpose function, or a listing naming no sector, serves any); it can be deployed
    as the demand requires (public cloud / private, for kinds that are deployed); a module or
    terminal that states its positioning methods states the one the demand requires (one
    that states none may still: the explanation says it is unconfirmed); and it is
    priced within reach of the budget where both are in the same unit (price_in_class).
    `d` is scoped to the offerings' kind by `scope_to_kind`. Without `price` the price class
    is left for the caller to check (candidate sets shared by demands of any budget).
    """
    for_sector = o["general"] | empty(o["sector"]) | intersects(o["sector"], d["sector"])
    deployable = (d["deploy_need"] == 0) | ((o["deploy"] & d["deploy_need"]) != 0)
    positions = (d["posit_need"] == 0) | (o["posit"] == 0) | ((o["posit"] & d["posit_need"]) != 0)
    relevant = ~np.isnan(pair_function_fit(o, d)) & for_sector & deployable & positions
    if price:
        relevant &= price_in_class(
            (o["price_min"] + o["price_max"]) / 2.0,
            budget_for(o["unit"], d["budget"], d["budget_unit"]),
            price_ceiling(o["general"], intersects(o["sector"], d["sector"])),
        )
    return relevant


def price_ceiling(general: np.ndarray, made_for_sector: np.ndarray) -> np.ndarray:
    """How far above the budget an offering stays in its price class (see price_in_class)."""
    return np.where(
        np.asarray(general) & ~np.asarray(made_for_sector),
        PRICE_CEILING_OUT_OF_SECTOR,
        PRICE_CEILING,
    )


def feasible_pairs(
    o: Mapping[str, np.ndarray], d: Mapping[str, np.ndarray], coverage: np.ndarray
) -> np.ndarray:
    """Hard constraints: listed and verified, open demand, the relevance floor, technology,
    region, the certifications asked of the offering's kind (`d` scoped by `scope_to_kind`).

    The kind is already guaranteed by candidate generation (postings are per kind).
    """
    tech_ok = empty(o["tech"]) | intersects(o["tech"], d["allowed"])
    return (
        o["active"]
        & o["verified"]
        & d["active"]
        & relevance_floor(o, d)
        & tech_ok
        & (coverage > 0)
        & covers(o["cert"], d["required_certs"])
    )


def technology_fit(tech: np.ndarray, d: Mapping[str, np.ndarray]) -> np.ndarray:
    """Technology sub-score of offering technology masks against one or aligned demands."""
    return np.select(
        [
            intersects(tech, d["preferred"]),
            intersects(tech, d["allowed"] & d["feasible"]),
            empty(tech),
            intersects(tech, d["allowed"]),
        ],
        [TECH_PREFERRED, TECH_FEASIBLE, TECH_AGNOSTIC, TECH_REQUESTED_MISFIT],
        0.0,
    )


def technology_table(d: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """technology_fit of every one-word technology mask below 2^TECH_TABLE_BITS for one demand
    (read-only; index it by mask); None for demands aligned pair by pair."""
    if d["preferred"].shape != (1, 1) or d["allowed"].shape != (1, 1):
        return None
    return _technology_table(
        int(d["preferred"][0, 0]), int(d["allowed"][0, 0]), int(d["feasible"][0, 0])
    )


# 32 KiB each; demands share a few dozen technology profiles.
@lru_cache(maxsize=256)
def _technology_table(preferred: int, allowed: int, feasible: int) -> np.ndarray:
    # np.select's four masks cost ~40 µs however few the rows: one table per demand profile
    # instead of two selects per kind evaluated (partial points, then the exact rows).
    d = {
        name: np.array([[value]], dtype=np.uint64)
        for name, value in (("preferred", preferred), ("allowed", allowed), ("feasible", feasible))
    }
    table = technology_fit(np.arange(1 << TECH_TABLE_BITS, dtype=np.uint64)[:, None], d)
    table.flags.writeable = False
    return table


def breadth(masks: np.ndarray, free: float) -> np.ndarray:
    """Credit kept by a listing claiming popcount(mask) codes: 1 up to `free`, then free / n."""
    return np.minimum(1.0, free / np.maximum(popcount(masks), 1))


def sector_fit(sector: np.ndarray, scenario: np.ndarray, d: Mapping[str, np.ndarray]) -> np.ndarray:
    """The demand's scenario (or, without one, its sector) among those the listing claims,
    discounted by how many it claims; half credit for the sector without the scenario."""
    in_sector = intersects(sector, d["sector"]) * breadth(sector, SECTOR_BREADTH_FREE)
    in_scenario = intersects(scenario, d["scenario"]) * breadth(scenario, SCENARIO_BREADTH_FREE)
    demand_has_scenario = ~empty(d["scenario"])
    fit = np.where(demand_has_scenario, np.maximum(in_scenario, SECTOR_ONLY * in_sector), in_sector)
    return np.where(empty(sector), SECTOR_GENERAL, fit)


def capacity_fit(
    capacity: np.ndarray, min_order: np.ndarray, d: Mapping[str, np.ndarray]
) -> np.ndarray:
    fit = np.clip(capacity / np.maximum(d["need"], 1.0), 0.0, 1.0)
    return fit * np.where(min_order > d["volume"], MIN_ORDER_PENALTY, 1.0)


def certification_fit(
    cert: np.ndarray, protocol: np.ndarray, general: np.ndarray, d: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Share of what the demand asks of the kind that the offering has: the certificates
    (required or usual in the scenario) and the protocols it requires. General-purpose
    products adapt protocols, so they count as speaking them. A soft criterion: on the
    relevance set, requiring protocols as a hard constraint lost 7 graded pairs and no
    grade-0 one (NDCG@5 0.975 → 0.966)."""
    protocols = popcount(d["required_protocols"])
    wanted = popcount(d["wanted_certs"]) + protocols
    spoken = np.where(general, protocols, popcount(protocol & d["required_protocols"]))
    held = popcount(cert & d["wanted_certs"]) + spoken
    return np.where(wanted == 0, 1.0, held / np.maximum(wanted, 1))


def credibility(cases: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Vendor credibility in [CRED_BASE, 1] from typical cases and the share answered."""
    cases = np.minimum(np.asarray(cases, dtype=np.float64) / CRED_CASES_SATURATION, 1.0)
    response = np.asarray(response, dtype=np.float64)
    response = np.where(np.isnan(response), CRED_RESPONSE_UNKNOWN, response)
    return CRED_BASE + CRED_CASES * cases + CRED_RESPONSE * np.clip(response, 0, 1)


def freshness(updated_at: np.ndarray, now: float) -> np.ndarray:
    age_days = np.maximum(now - updated_at, 0.0) / 86400.0
    return np.clip(
        1.0 - (age_days - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS) * (1.0 - FRESH_FLOOR),
        FRESH_FLOOR,
        1.0,
    )


def criterion_scores(
    o: Mapping[str, np.ndarray],
    d: Mapping[str, np.ndarray],
    coverage: np.ndarray,
    relevance: np.ndarray,
    now: float,
) -> dict[str, np.ndarray]:
    """Each criterion's sub-score in [0, 1] for aligned pairs."""
    m = len(coverage)
    price = price_score(
        (o["price_min"] + o["price_max"]) / 2.0,
        budget_for(o["unit"], d["budget"], d["budget_unit"]),
    )
    return {
        "function": np.broadcast_to(pair_function_fit(o, d), (m,)),
        "technology": np.broadcast_to(_technology_scores(o["tech"], d), (m,)),
        "sector": np.broadcast_to(sector_fit(o["sector"], o["scenario"], d), (m,)),
        "region": coverage,
        "capacity": np.broadcast_to(capacity_fit(o["capacity"], o["min_order"], d), (m,)),
        "price": np.broadcast_to(price, (m,)),
        "certification": np.broadcast_to(
            certification_fit(o["cert"], o["protocol"], o["general"], d), (m,)
        ),
        "text": relevance,
        "credibility": np.broadcast_to(credibility(o["cases"], o["response"]), (m,)),
        "freshness": np.broadcast_to(freshness(o["updated_at"], now), (m,)),
    }


def _technology_scores(tech: np.ndarray, d: Mapping[str, np.ndarray]) -> np.ndarray:
    """technology_fit, read from the demand's table when it has one and the masks fit it."""
    table = technology_table(d) if tech.ndim == 2 and tech.shape[-1] == 1 else None
    if table is None or not len(tech) or int(tech.max()) >= len(table):
        return technology_fit(tech, d)
    return table[tech[:, 0]]


# The criterion `partial_points` leaves out: it costs the most per row, and adds at most its
# weight.
DEFERRED = ("text",)
# Packed scoring numbers per offering row (see OfferingIndex): mid price, capacity, minimum
# order, vendor credibility, last change (epoch seconds), function position (-1: none), price
# unit (position in PRICE_UNITS), general-purpose function (1/0), and the sector and scenario
# credit its breadth leaves it (`breadth`: the same per row for every demand, so packed once
# rather than counted per candidate of every kind evaluated).
PRICE, CAPACITY, MIN_ORDER, CREDIBILITY, UPDATED_AT, FUNCTION, UNIT, GENERAL = range(8)
SECTOR_BREADTH, SCENARIO_BREADTH = 8, 9
NUMBERS = 10
# Lookup tables replace the technology formula while a mask has at most this many bits.
TECH_TABLE_BITS = 12


@dataclass(frozen=True)
class PackedLayout:
    """Column slices of an offering index's packed masks (see OfferingIndex._packed).

    `served` holds the provinces served in full (every bit set for a nationwide offering),
    `partly` those served in some cities only, `signature` the row's token signature
    (text.token_signatures).
    """

    tech: slice
    sector: slice
    scenario: slice
    cert: slice
    served: slice
    partly: slice
    protocol: slice
    signature: slice
    tech_codes: int

    @classmethod
    def of(cls, words: Mapping[str, int], tech_codes: int) -> PackedLayout:
        """Slices for masks of `words` columns each, in the order the fields are declared."""
        slices, start = {}, 0
        for name in (
            "tech",
            "sector",
            "scenario",
            "cert",
            "served",
            "partly",
            "protocol",
            "signature",
        ):
            slices[name] = slice(start, start + words[name])
            start += words[name]
        return cls(**slices, tech_codes=tech_codes)


def any_bit(masks: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per row of `masks` (m, words): does it share a bit with the one-row `mask` (1, words)?"""
    if masks.shape[-1] == 1:
        return (masks[:, 0] & mask[0, 0]) != 0
    return ((masks & mask) != 0).any(axis=-1)


def partial_points(
    masks: np.ndarray,
    numbers: np.ndarray,
    coverage: np.ndarray,
    d: Mapping[str, np.ndarray],
    layout: PackedLayout,
    weights: Weights,
    now: float,
) -> np.ndarray:
    """Weighted points (0–100) of every criterion except DEFERRED, for packed offering rows.

    The sub-scores of `criterion_scores` for one demand, rewritten as arithmetic on boolean
    and float columns (np.where and np.select cost ten times more per row here). A lower bound
    of the total that the deferred criteria raise by at most `deferred_points(weights)`;
    exact scores always come from `criterion_scores`.
    """
    norm = weights.normalised()
    tech = masks[:, layout.tech]
    table = None
    if tech.shape[-1] == 1 and layout.tech_codes <= TECH_TABLE_BITS:
        table = technology_table(d)
    if table is not None:
        points = table[tech[:, 0]] * (100.0 * norm["technology"])
    else:
        points = technology_fit(tech, d) * (100.0 * norm["technology"])
    points += function_points(numbers[:, FUNCTION], d["function_table"]) * (
        100.0 * norm["function"]
    )
    sector = masks[:, layout.sector]
    in_sector = any_bit(sector, d["sector"]) * numbers[:, SECTOR_BREADTH]
    if d["scenario"].any():
        scenario = masks[:, layout.scenario]
        in_scenario = any_bit(scenario, d["scenario"]) * numbers[:, SCENARIO_BREADTH]
        fit = np.maximum(in_scenario, SECTOR_ONLY * in_sector)
    else:
        fit = in_sector
    no_sector = ~sector.any(axis=-1) if sector.shape[-1] > 1 else sector[:, 0] == 0
    points += np.where(no_sector, SECTOR_GENERAL, fit) * (100.0 * norm["sector"])
    points += coverage * (100.0 * norm["region"])
    need, volume = float(d["need"][0]), float(d["volume"][0])
    capacity = np.minimum(numbers[:, CAPACITY] * (1.0 / max(need, 1.0)), 1.0)
    capacity *= 1.0 - (numbers[:, MIN_ORDER] > volume) * (1.0 - MIN_ORDER_PENALTY)
    points += capacity * (100.0 * norm["capacity"])
    budget = budget_for(numbers[:, UNIT], d["budget"], d["budget_unit"])
    points += price_score(numbers[:, PRICE], budget) * (100.0 * norm["price"])
    w = 100.0 * norm["certification"]
    if d["wanted_certs"].any() or d["required_protocols"].any():
        general = numbers[:, GENERAL] > 0
        points += (
            certification_fit(masks[:, layout.cert], masks[:, layout.protocol], general, d) * w
        )
    else:
        points += w
    points += numbers[:, CREDIBILITY] * (100.0 * norm["credibility"])
    points += freshness(numbers[:, UPDATED_AT], now) * (100.0 * norm["freshness"])
    return points


def function_points(positions: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Function sub-scores of rows by their function position through a demand's per-kind
    table (`function_table`: one slot per function, the last for rows without one)."""
    return np.take(table, positions.astype(np.int64))


def function_table(functions: int, kind_functions: int, general: int, size: int) -> np.ndarray:
    """Per function position (and a last slot for none): its function_fit for a demand that
    names the `functions` bits, for offerings of a kind whose functions are `kind_functions`."""
    listed = np.array([bool(functions >> i & 1) for i in range(size)] + [False])
    is_general = np.array([bool(general >> i & 1) for i in range(size)] + [False])
    stated = np.full(size + 1, bool(functions & kind_functions))
    return function_fit(listed, is_general, stated)


def deferred_points(weights: Weights) -> float:
    """The most the DEFERRED criteria can add to `partial_points`."""
    norm = weights.normalised()
    return 100.0 * sum(norm[name] for name in DEFERRED)


def budget_for(units: np.ndarray, budget: np.ndarray, budget_unit: np.ndarray) -> np.ndarray:
    """The demand's budget for rows priced in `units`: NaN (no budget) in another unit."""
    return np.where(np.asarray(units) == budget_unit, budget, np.nan)


def price_in_class(
    price: np.ndarray, budget: np.ndarray, ceiling: np.ndarray | float = PRICE_CEILING
) -> np.ndarray:
    """Is the price within PRICE_FLOOR … `ceiling` (price_ceiling) of the budget? Always
    without a budget, and for a price of 0 (free, or a price on request)."""
    price = np.asarray(price, dtype=np.float64)
    budget = np.asarray(budget, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = price / np.where(budget > 0, budget, np.nan)
    return ~(budget > 0) | (price <= 0) | ((ratio <= ceiling) & (ratio >= PRICE_FLOOR))


def price_score(price: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """1 anywhere within budget down to PRICE_LOW_RATIO of it, PRICE_FAR_BELOW when free,
    0 at twice the budget; PRICE_NO_BUDGET without one."""
    price = np.asarray(price, dtype=np.float64)
    budget = np.asarray(budget, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(budget > 0, price / np.where(budget > 0, budget, 1.0), np.inf)
        ratio = np.where((budget <= 0) & (price <= 0), 0.0, ratio)
        below = np.minimum(1.0, PRICE_FAR_BELOW + (1.0 - PRICE_FAR_BELOW) / PRICE_LOW_RATIO * ratio)
    score = np.minimum(below, np.clip(2.0 - ratio, 0.0, 1.0))
    return np.where(np.isnan(budget), PRICE_NO_BUDGET, score)


def total_score(subs: Mapping[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Weighted 0–100 score, rounded to 2 decimals so ranking ties are stable across runs."""
    norm = weights.normalised()
    total = np.zeros(len(subs["region"]), dtype=np.float64)
    for name in CRITERIA:
        total += norm[name] * subs[name]
    return np.round(np.clip(total * 100.0, 0.0, 100.0), 2)


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, ties broken by ascending id (deterministic)."""
    if len(scores) == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        pool = np.flatnonzero(scores >= threshold)
    else:
        pool = np.arange(len(scores))
    order = np.lexsort((ids[pool], -scores[pool]))
    return pool[order[:k]]
