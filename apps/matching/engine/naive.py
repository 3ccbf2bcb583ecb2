"""A pair-by-pair pure-Python matcher: the oracle the vectorised core is tested against, and
the baseline its benchmark compares with. Same rules, no index, no numpy in the loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from .advice import technology_advice
from .index import DemandSpec, OfferingRecord, VendorRecord, annual_need
from .reference import ReferenceData, is_province, province_of
from .scoring import (
    CRED_BASE,
    CRED_CASES,
    CRED_CASES_SATURATION,
    CRED_RESPONSE,
    CRED_RESPONSE_UNKNOWN,
    FRESH_DAYS,
    FRESH_FLOOR,
    MIN_ORDER_PENALTY,
    PRICE_AT_BUDGET,
    PRICE_NO_BUDGET,
    STALE_DAYS,
    TECH_AGNOSTIC,
    TECH_FEASIBLE,
    TECH_PREFERRED,
    TECH_REQUESTED_MISFIT,
    TEXT_NO_QUERY,
    Weights,
)


def _coverage(ref: ReferenceData, o: OfferingRecord, d: DemandSpec) -> float:
    if not d.regions:
        return 1.0
    known = set(ref.province_vocab.codes)
    full = {r for r in o.regions if is_province(r) and r in known}
    cities = {r for r in o.regions if not is_province(r) and province_of(r) in known}
    city_provinces = {province_of(r) for r in cities}
    total = 0.0
    for r in d.regions:
        p = province_of(r)
        if p not in known:
            total += 1.0 if o.nationwide else 0.0
        elif o.nationwide or p in full or (not is_province(r) and r in cities):
            total += 1.0
        elif is_province(r) and p in city_provinces:
            total += 0.5
    return total / len(d.regions)


def pair_score(
    ref: ReferenceData,
    o: OfferingRecord,
    vendor: VendorRecord | None,
    d: DemandSpec,
    *,
    now: float,
    weights: Weights,
    idf: Mapping[str, float],
    unseen_idf: float,
    o_tokens: Iterable[str],
    d_tokens: Iterable[str],
) -> float | None:
    """The 0–100 score of one pair, or None when a hard constraint fails."""
    techs = set(ref.tech_vocab.codes)
    advice = technology_advice(d.profile, ref.technologies)
    feasible = set(advice.feasible)
    requested = {t for t in d.technologies if t in techs}
    if requested:
        allowed, preferred = requested, requested & feasible
    else:
        allowed = feasible
        preferred = {advice.recommended} if advice.recommended else set()
    o_techs = {t for t in o.technologies if t in techs}
    certs = set(ref.cert_vocab.codes)
    o_certs = set(o.certifications) & certs
    coverage = _coverage(ref, o, d)
    if not (
        o.published
        and vendor is not None
        and vendor.verified
        and d.open
        and o.kind in d.kinds_needed
        and (not o_techs or o_techs & allowed)
        and coverage > 0
        and ({c for c in d.certifications if c in certs} <= o_certs)
    ):
        return None
    if o_techs & preferred:
        tech = TECH_PREFERRED
    elif o_techs & allowed & feasible:
        tech = TECH_FEASIBLE
    elif not o_techs:
        tech = TECH_AGNOSTIC
    else:
        tech = TECH_REQUESTED_MISFIT
    sectors = set(o.sectors) & set(ref.sector_vocab.codes)
    if d.sector in sectors:
        if d.scenario and d.scenario in ref.scenario_vocab.position:
            sector = 0.7 + 0.3 * (d.scenario in o.scenarios)
        else:
            sector = 1.0
    else:
        sector = 0.4 if not sectors else 0.0
    need = annual_need(d.volume, d.rollout_months)
    capacity = min(max(o.annual_capacity / max(need, 1.0), 0.0), 1.0)
    if o.min_order > d.volume:
        capacity *= MIN_ORDER_PENALTY
    price = (o.price_min + o.price_max) / 2
    if d.unit_budget is None:
        price_s = PRICE_NO_BUDGET
    else:
        budget = float(d.unit_budget)
        ratio = price / budget if budget > 0 else (0.0 if price <= 0 else math.inf)
        if ratio <= 1:
            price_s = PRICE_AT_BUDGET + (1 - PRICE_AT_BUDGET) * (1 - ratio)
        else:
            price_s = PRICE_AT_BUDGET * min(max(2 - ratio, 0.0), 1.0)
    wanted = {c for c in (*d.certifications, *d.typical_certifications) if c in certs}
    cert = 1.0 if not wanted else len(wanted & o_certs) / len(wanted)
    d_tokens = list(dict.fromkeys(d_tokens))
    o_set = set(o_tokens)
    total_idf = sum(idf.get(t, unseen_idf) for t in d_tokens)
    if total_idf <= 0:
        text = TEXT_NO_QUERY
    else:
        text = sum(idf.get(t, unseen_idf) for t in d_tokens if t in o_set) / total_idf
    cases = min(vendor.typical_cases / CRED_CASES_SATURATION, 1.0)
    response = CRED_RESPONSE_UNKNOWN if vendor.response_rate is None else vendor.response_rate
    cred = CRED_BASE + CRED_CASES * cases + CRED_RESPONSE * min(max(response, 0), 1)
    age = max(now - o.updated_at, 0.0) / 86400
    fresh = min(
        max(1 - (age - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS) * (1 - FRESH_FLOOR), FRESH_FLOOR),
        1.0,
    )
    subs = {
        "technology": tech,
        "sector": sector,
        "region": coverage,
        "capacity": capacity,
        "price": price_s,
        "certification": cert,
        "text": text,
        "credibility": cred,
        "freshness": fresh,
    }
    norm = weights.normalised()
    return round(min(max(sum(norm[k] * v for k, v in subs.items()) * 100, 0.0), 100.0), 2)


def naive_match_demand(
    ref: ReferenceData,
    offerings: Iterable[OfferingRecord],
    vendors: Mapping[int, VendorRecord],
    d: DemandSpec,
    *,
    now: float,
    weights: Weights | None = None,
    idf: Mapping[str, float] | None = None,
    unseen_idf: float = 0.0,
    tokens_of=None,
) -> dict[int, float]:
    """Offering id → score of every feasible offering, computed pair by pair."""
    weights = weights or Weights()
    idf = idf or {}
    tokens_of = tokens_of or (lambda record: record.tokens or ())
    d_tokens = d.tokens or ()
    out = {}
    for o in offerings:
        score = pair_score(
            ref,
            o,
            vendors.get(o.vendor_id),
            d,
            now=now,
            weights=weights,
            idf=idf,
            unseen_idf=unseen_idf,
            o_tokens=tokens_of(o),
            d_tokens=d_tokens,
        )
        if score is not None:
            out[o.id] = score
    return out
