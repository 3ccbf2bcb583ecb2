"""A pair-by-pair pure-Python matcher: the oracle the vectorised core is tested against, and
the baseline its benchmark compares with. Same rules, no index, no numpy in the loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from apps.catalog.reference.regions import province_of, region_credit

from .advice import technology_advice
from .index import DemandSpec, OfferingRecord, VendorRecord, annual_need
from .reference import DEPLOYMENT_BITS, ReferenceData
from .scoring import (
    CRED_BASE,
    CRED_CASES,
    CRED_CASES_SATURATION,
    CRED_RESPONSE,
    CRED_RESPONSE_UNKNOWN,
    FRESH_DAYS,
    FRESH_FLOOR,
    FUNCTION_GENERAL,
    FUNCTION_LISTED,
    FUNCTION_UNSTATED,
    MIN_ORDER_PENALTY,
    PRICE_CEILING,
    PRICE_CEILING_OUT_OF_SECTOR,
    PRICE_FAR_BELOW,
    PRICE_FLOOR,
    PRICE_LOW_RATIO,
    PRICE_NO_BUDGET,
    SCENARIO_BREADTH_FREE,
    SECTOR_BREADTH_FREE,
    SECTOR_GENERAL,
    SECTOR_ONLY,
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
    served = {r for r in o.regions if province_of(r) in known}
    total = 0.0
    for r in d.regions:
        if o.nationwide:
            total += 1.0
        elif province_of(r) in known:
            total += region_credit(served, r)
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
    recommended = {advice.recommended} if advice.recommended else set()
    if requested and d.technology_flexible:
        fitting = requested & feasible
        rank = {t.code: t.cost_rank for t in ref.technologies}
        ceiling = max((rank[t] for t in fitting), default=None)
        cheaper = {t for t in feasible if ceiling is None or rank[t] <= ceiling}
        allowed, preferred = cheaper, fitting or recommended
    elif requested:
        allowed, preferred = requested, requested & feasible
    else:
        allowed = feasible
        preferred = {advice.recommended} if advice.recommended else set()
    o_techs = {t for t in o.technologies if t in techs}
    certs = set(ref.cert_vocab.codes)
    # Only the certifications asked of the offering's kind count.
    certs = {c for c in certs if o.kind in ref.certification_kinds.get(c, ref.kinds)}
    o_certs = set(o.certifications) & certs
    coverage = _coverage(ref, o, d)
    functions = {f.code: f for f in ref.functions}
    stated = {f for f in d.functions if f in functions and functions[f].kind == o.kind}
    mine = functions.get(o.function or "")
    if mine is not None and mine.code in stated:
        function = FUNCTION_LISTED
    elif mine is not None and mine.general:
        function = FUNCTION_GENERAL
    elif not stated:
        function = FUNCTION_UNSTATED
    else:
        return None
    need = DEPLOYMENT_BITS.get(d.deployment or "", 0) if o.kind in ref.deployment_kinds else 0
    if need and not DEPLOYMENT_BITS.get(o.deployment or "", 0) & need:
        return None
    # A module or terminal that states its positioning methods must state the required one.
    stated_methods = set(o.positioning) & set(ref.positioning_methods)
    if (
        d.profile.needs_positioning
        and d.positioning_method in ref.positioning_methods
        and o.kind in ref.positioning_kinds
        and stated_methods
        and d.positioning_method not in stated_methods
    ):
        return None
    # The protocols the demand requires of this kind (scored with the certificates below).
    protocols = {
        p
        for p in d.protocols
        if p in ref.protocol_vocab.position and o.kind in ref.protocol_kinds.get(p, ref.kinds)
    }
    # A specialised product made for other sectors only is below the relevance floor.
    o_sectors = set(o.sectors) & set(ref.sector_vocab.codes)
    if not (mine is not None and mine.general) and o_sectors and d.sector not in o_sectors:
        return None
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
    scenarios = set(o.scenarios) & set(ref.scenario_vocab.codes)
    in_sector = (d.sector in sectors) * min(1.0, SECTOR_BREADTH_FREE / max(len(sectors), 1))
    if not sectors:
        sector = SECTOR_GENERAL
    elif d.scenario and d.scenario in ref.scenario_vocab.position:
        in_scenario = (d.scenario in scenarios) * min(
            1.0, SCENARIO_BREADTH_FREE / max(len(scenarios), 1)
        )
        sector = max(in_scenario, SECTOR_ONLY * in_sector)
    else:
        sector = in_sector
    need = annual_need(d.volume, d.rollout_months)
    capacity = min(max(o.annual_capacity / max(need, 1.0), 0.0), 1.0)
    if o.min_order > d.volume:
        capacity *= MIN_ORDER_PENALTY
    price = (o.price_min + o.price_max) / 2
    same_unit = o.price_unit == d.budget_unit
    if d.unit_budget is not None and same_unit and float(d.unit_budget) > 0 and price > 0:
        ratio = price / float(d.unit_budget)
        out_of_sector = mine is not None and mine.general and d.sector not in sectors
        ceiling = PRICE_CEILING_OUT_OF_SECTOR if out_of_sector else PRICE_CEILING
        if not PRICE_FLOOR <= ratio <= ceiling:
            return None  # another class of product: below the relevance floor
    if d.unit_budget is None or not same_unit:
        price_s = PRICE_NO_BUDGET
    else:
        budget = float(d.unit_budget)
        ratio = price / budget if budget > 0 else (0.0 if price <= 0 else math.inf)
        if ratio <= 1:
            price_s = min(1.0, PRICE_FAR_BELOW + (1 - PRICE_FAR_BELOW) / PRICE_LOW_RATIO * ratio)
        else:
            price_s = min(max(2 - ratio, 0.0), 1.0)
    wanted = {c for c in (*d.certifications, *d.typical_certifications) if c in certs}
    general = mine is not None and mine.general
    spoken = len(protocols) if general else len(protocols & set(o.protocols))
    asked = len(wanted) + len(protocols)
    cert = 1.0 if not asked else (len(wanted & o_certs) + spoken) / asked
    d_tokens = list(dict.fromkeys(d_tokens))
    o_set = set(o_tokens)
    total_idf = sum(idf.get(t, unseen_idf) for t in d_tokens)
    if total_idf <= 0:
        text = TEXT_NO_QUERY
    elif o.stuffed:
        text = 0.0
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
        "function": function,
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
