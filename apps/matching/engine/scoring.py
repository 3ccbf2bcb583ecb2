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


def criterion_scores(
    o: Mapping[str, np.ndarray],
    d: Mapping[str, np.ndarray],
    coverage: np.ndarray,
    relevance: np.ndarray,
    now: float,
) -> dict[str, np.ndarray]:
    """Each criterion's sub-score in [0, 1] for aligned pairs."""
    tech_agnostic = empty(o["tech"])
    tech = np.select(
        [
            intersects(o["tech"], d["preferred"]),
            intersects(o["tech"], d["allowed"] & d["feasible"]),
            tech_agnostic,
            intersects(o["tech"], d["allowed"]),
        ],
        [TECH_PREFERRED, TECH_FEASIBLE, TECH_AGNOSTIC, TECH_REQUESTED_MISFIT],
        0.0,
    )
    in_sector = intersects(o["sector"], d["sector"])
    demand_has_scenario = ~empty(d["scenario"])
    in_scenario = intersects(o["scenario"], d["scenario"])
    sector = np.where(
        in_sector,
        np.where(demand_has_scenario, 0.7 + 0.3 * in_scenario, 1.0),
        np.where(empty(o["sector"]), 0.4, 0.0),
    )
    capacity = np.clip(o["capacity"] / np.maximum(d["need"], 1.0), 0.0, 1.0)
    capacity = capacity * np.where(o["min_order"] > d["volume"], MIN_ORDER_PENALTY, 1.0)
    price = price_score((o["price_min"] + o["price_max"]) / 2.0, d["budget"])
    wanted = popcount(d["wanted_certs"])
    held = popcount(o["cert"] & d["wanted_certs"])
    certification = np.where(wanted == 0, 1.0, held / np.maximum(wanted, 1))
    cases = np.minimum(o["cases"] / CRED_CASES_SATURATION, 1.0)
    response = np.where(np.isnan(o["response"]), CRED_RESPONSE_UNKNOWN, o["response"])
    credibility = CRED_BASE + CRED_CASES * cases + CRED_RESPONSE * np.clip(response, 0, 1)
    age_days = np.maximum(now - o["updated_at"], 0.0) / 86400.0
    freshness = np.clip(
        1.0 - (age_days - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS) * (1.0 - FRESH_FLOOR),
        FRESH_FLOOR,
        1.0,
    )
    m = len(coverage)
    return {
        "technology": np.broadcast_to(tech, (m,)),
        "sector": np.broadcast_to(sector, (m,)),
        "region": coverage,
        "capacity": np.broadcast_to(capacity, (m,)),
        "price": np.broadcast_to(price, (m,)),
        "certification": np.broadcast_to(certification, (m,)),
        "text": relevance,
        "credibility": np.broadcast_to(credibility, (m,)),
        "freshness": np.broadcast_to(freshness, (m,)),
    }


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
