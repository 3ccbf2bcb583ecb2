"""Feasibility and weighted scoring of (offering, demand) pairs, vectorised over candidates.

Both directions (one demand against many offerings, one offering against many demands) call
the same two functions with columns aligned pair by pair, so a pair scores the same whichever
side asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np

from .reference import popcount

CRITERIA = (
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

# Sub-scores of technology fit: the preferred technology (requested and feasible, or the
# cheapest feasible one) beats one that merely works; a technology-agnostic offering
# (a platform) fits any; a requested but infeasible technology is kept but ranked low.
TECH_PREFERRED = 1.0
TECH_FEASIBLE = 0.7
TECH_AGNOSTIC = 0.85
TECH_REQUESTED_MISFIT = 0.3
# Price at budget scores this much; 0 at twice the budget, 1 when free.
PRICE_AT_BUDGET = 0.6
PRICE_NO_BUDGET = 0.5
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
    """Relative weight of each criterion in the 0–100 score (normalised by their sum)."""

    technology: float = 20.0
    sector: float = 15.0
    region: float = 10.0
    capacity: float = 10.0
    price: float = 15.0
    certification: float = 8.0
    text: float = 8.0
    credibility: float = 9.0
    freshness: float = 5.0

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


def feasible_pairs(
    o: Mapping[str, np.ndarray], d: Mapping[str, np.ndarray], coverage: np.ndarray
) -> np.ndarray:
    """Hard constraints: listed and verified, open demand, technology, region, certifications.

    The kind is already guaranteed by candidate generation (postings are per kind).
    """
    tech_ok = empty(o["tech"]) | intersects(o["tech"], d["allowed"])
    return (
        o["active"]
        & o["verified"]
        & d["active"]
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


def sector_fit(sector: np.ndarray, scenario: np.ndarray, d: Mapping[str, np.ndarray]) -> np.ndarray:
    in_sector = intersects(sector, d["sector"])
    demand_has_scenario = ~empty(d["scenario"])
    in_scenario = intersects(scenario, d["scenario"])
    return np.where(
        in_sector,
        np.where(demand_has_scenario, 0.7 + 0.3 * in_scenario, 1.0),
        np.where(empty(sector), 0.4, 0.0),
    )


def capacity_fit(
    capacity: np.ndarray, min_order: np.ndarray, d: Mapping[str, np.ndarray]
) -> np.ndarray:
    fit = np.clip(capacity / np.maximum(d["need"], 1.0), 0.0, 1.0)
    return fit * np.where(min_order > d["volume"], MIN_ORDER_PENALTY, 1.0)


def certification_fit(cert: np.ndarray, d: Mapping[str, np.ndarray]) -> np.ndarray:
    wanted = popcount(d["wanted_certs"])
    held = popcount(cert & d["wanted_certs"])
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
    price = price_score((o["price_min"] + o["price_max"]) / 2.0, d["budget"])
    return {
        "technology": np.broadcast_to(technology_fit(o["tech"], d), (m,)),
        "sector": np.broadcast_to(sector_fit(o["sector"], o["scenario"], d), (m,)),
        "region": coverage,
        "capacity": np.broadcast_to(capacity_fit(o["capacity"], o["min_order"], d), (m,)),
        "price": np.broadcast_to(price, (m,)),
        "certification": np.broadcast_to(certification_fit(o["cert"], d), (m,)),
        "text": relevance,
        "credibility": np.broadcast_to(credibility(o["cases"], o["response"]), (m,)),
        "freshness": np.broadcast_to(freshness(o["updated_at"], now), (m,)),
    }


# The criterion `partial_points` leaves out: it costs the most per row, and adds at most its
# weight.
DEFERRED = ("text",)
# Packed scoring numbers per offering row (see OfferingIndex): mid price, capacity, minimum
# order, vendor credibility, last change (epoch seconds).
PRICE, CAPACITY, MIN_ORDER, CREDIBILITY, UPDATED_AT = range(5)
# Lookup tables replace the technology formula while a mask has at most this many bits.
TECH_TABLE_BITS = 12


@dataclass(frozen=True)
class PackedLayout:
    """Column slices of an offering index's packed masks (see OfferingIndex._packed).

    `served` holds the provinces served in full (every bit set for a nationwide offering),
    `partly` those served in some cities only.
    """

    tech: slice
    sector: slice
    scenario: slice
    cert: slice
    served: slice
    partly: slice
    tech_codes: int

    @classmethod
    def of(cls, words: Mapping[str, int], tech_codes: int) -> PackedLayout:
        """Slices for masks of `words` columns each, in the order the fields are declared."""
        slices, start = {}, 0
        for name in ("tech", "sector", "scenario", "cert", "served", "partly"):
            slices[name] = slice(start, start + words[name])
            start += words[name]
        return cls(**slices, tech_codes=tech_codes)


def _any_bit(masks: np.ndarray, mask: np.ndarray) -> np.ndarray:
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
    if tech.shape[-1] == 1 and layout.tech_codes <= TECH_TABLE_BITS:
        every_mask = np.arange(1 << layout.tech_codes, dtype=np.uint64)[:, None]
        table = technology_fit(every_mask, d) * (100.0 * norm["technology"])
        points = table[tech[:, 0]]
    else:
        points = technology_fit(tech, d) * (100.0 * norm["technology"])
    sector = masks[:, layout.sector]
    in_sector = _any_bit(sector, d["sector"])
    no_sector = ~sector.any(axis=-1) if sector.shape[-1] > 1 else sector[:, 0] == 0
    w = 100.0 * norm["sector"]
    if d["scenario"].any():
        in_scenario = _any_bit(masks[:, layout.scenario], d["scenario"])
        points += in_sector * (0.7 * w) + (in_sector & in_scenario) * (0.3 * w)
    else:
        points += in_sector * w
    points += no_sector * (0.4 * w)
    points += coverage * (100.0 * norm["region"])
    need, volume = float(d["need"][0]), float(d["volume"][0])
    capacity = np.minimum(numbers[:, CAPACITY] * (1.0 / max(need, 1.0)), 1.0)
    capacity *= 1.0 - (numbers[:, MIN_ORDER] > volume) * (1.0 - MIN_ORDER_PENALTY)
    points += capacity * (100.0 * norm["capacity"])
    budget = float(d["budget"][0])
    w = 100.0 * norm["price"]
    if budget > 0:
        # price_score without np.where: both linear pieces clipped, minus their overlap.
        # Divide (as price_score does): multiplying by 1/budget turns a free offering's
        # ratio into 0 × inf = NaN for a budget so small its inverse overflows.
        with np.errstate(over="ignore"):
            ratio = numbers[:, PRICE] / budget
        under = 1.0 - (1.0 - PRICE_AT_BUDGET) * np.minimum(ratio, 1.0)
        over = PRICE_AT_BUDGET * np.clip(2.0 - ratio, 0.0, 1.0)
        points += (under + over - PRICE_AT_BUDGET) * w
    else:
        points += price_score(numbers[:, PRICE], d["budget"]) * w
    w = 100.0 * norm["certification"]
    if d["wanted_certs"].any():
        points += certification_fit(masks[:, layout.cert], d) * w
    else:
        points += w
    points += numbers[:, CREDIBILITY] * (100.0 * norm["credibility"])
    points += freshness(numbers[:, UPDATED_AT], now) * (100.0 * norm["freshness"])
    return points


def deferred_points(weights: Weights) -> float:
    """The most the DEFERRED criteria can add to `partial_points`."""
    norm = weights.normalised()
    return 100.0 * sum(norm[name] for name in DEFERRED)


def price_score(price: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Non-increasing in price: 1 when free, PRICE_AT_BUDGET at the budget, 0 at twice it."""
    price = np.asarray(price, dtype=np.float64)
    budget = np.asarray(budget, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(budget > 0, price / np.where(budget > 0, budget, 1.0), np.inf)
        ratio = np.where((budget <= 0) & (price <= 0), 0.0, ratio)
    under = PRICE_AT_BUDGET + (1.0 - PRICE_AT_BUDGET) * (1.0 - np.minimum(ratio, 1.0))
    over = PRICE_AT_BUDGET * np.clip(2.0 - ratio, 0.0, 1.0)
    score = np.where(ratio <= 1.0, under, over)
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
