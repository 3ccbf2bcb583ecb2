"""Recommendations: the best offerings for a demand and the demands an offering fits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from apps.catalog.reference.regions import PART_CREDIT

from .explain import MatchResult, explain, query_weights
from .index import (
    ALL_REGIONS,
    ANY_TECH,
    EMPTY,
    NATIONWIDE,
    TOKEN_CAP,
    CompiledDemand,
    DemandIndex,
    DemandSpec,
    OfferingIndex,
    compile_demand,
)
from .reference import mask_to_int, masks_from_ints
from .scoring import (
    CAPACITY,
    GENERAL,
    PRICE,
    TEXT_NO_QUERY,
    UNIT,
    PackedLayout,
    Weights,
    any_bit,
    budget_for,
    covers,
    criterion_scores,
    feasible_pairs,
    partial_points,
    price_ceiling,
    price_in_class,
    relevance_floor,
    scope_to_kind,
    top_k,
    total_score,
)
from .text import shared_weight_ceiling

DEFAULT_LIMIT = 20
# Rows per kind kept exactly ranked beyond `limit`, for bundles (see bundles.py).
# Candidates per kind explored for bundles: 10 per kind keeps a 4-kind search at 10^4 combos.
BUNDLE_CANDIDATES_PER_KIND = 10


@dataclass
class KindEvaluation:
    """Every feasible candidate of one needed kind, scored (positions are index rows).

    Only the rows in `exact` (indices into `positions`, ascending) have exact scores and
    sub-scores (`subs`, aligned with `exact`); every other row's score is a lower bound that
    already leaves it out of the best `keep`.
    """

    kind: str
    positions: np.ndarray
    scores: np.ndarray
    exact: np.ndarray
    subs: dict[str, np.ndarray]
    candidates: int
    capacity_total: float
    cheapest_price: float
    _exact_rows: dict[int, dict[str, float]] | None = field(default=None, repr=False)

    def ranked(self, k: int, ids: np.ndarray) -> np.ndarray:
        """Indices into `positions` of the k best, ties by ascending offering id."""
        if k > len(self.exact) and len(self.exact) < len(self.positions):
            return top_k(self.scores, ids[self.positions], k)
        # Up to `keep` (≥ k) rows, the best are all scored exactly and every other row's
        # lower bound is below them: rank the exact rows only.
        best = top_k(self.scores[self.exact], ids[self.positions[self.exact]], k)
        return self.exact[best]

    def sub_scores(self, i: int) -> dict[str, float]:
        """Sub-scores of row `i` (an index into `positions` that is in `exact`)."""
        if self._exact_rows is None:
            # Explaining the best 20 reads them one by one: convert the columns once.
            columns = {name: values.tolist() for name, values in self.subs.items()}
            self._exact_rows = {
                row: {name: values[j] for name, values in columns.items()}
                for j, row in enumerate(self.exact.tolist())
            }
        try:
            return self._exact_rows[int(i)]
        except KeyError:
            raise KeyError(f"row {i} was not scored exactly") from None


@dataclass
class DemandMatches:
    demand: CompiledDemand
    by_kind: dict[str, list[MatchResult]] = field(default_factory=dict)
    evaluations: dict[str, KindEvaluation] = field(default_factory=dict)

    @property
    def results(self) -> list[MatchResult]:
        return [m for matches in self.by_kind.values() for m in matches]


def union(lists: list[np.ndarray], scratch: np.ndarray) -> np.ndarray:
    """Distinct positions of several posting arrays, in first-seen order, in O(total length).

    `scratch` is an all-False boolean array at least as long as the largest position; it is
    left all-False again.
    """
    lists = [a for a in lists if len(a)]
    if not lists:
        return EMPTY
    if len(lists) == 1:
        return lists[0]
    parts = []
    for a in lists:
        scratch[a] = True
    for a in lists:
        fresh = a[scratch[a]]
        scratch[fresh] = False
        parts.append(fresh)
    return np.concatenate(parts)


def offering_columns(index: OfferingIndex, rows: np.ndarray | slice) -> dict[str, np.ndarray]:
    """Offering-side columns for scoring, gathered at `rows`."""
    vendor = index.col("vendor")[rows]
    return {
        "function": index.col("function")[rows],
        "general": index.col("general")[rows],
        "deploy": index.col("deploy")[rows],
        "posit": index.col("posit")[rows],
        "unit": index.col("unit")[rows],
        "protocol": index.col("protocol")[rows],
        "tech": index.col("tech")[rows],
        "sector": index.col("sector")[rows],
        "scenario": index.col("scenario")[rows],
        "cert": index.col("cert")[rows],
        "price_min": index.col("price_min")[rows],
        "price_max": index.col("price_max")[rows],
        "min_order": index.col("min_order")[rows],
        "capacity": index.col("capacity")[rows],
        "updated_at": index.col("updated_at")[rows],
        "active": index.col("active")[rows],
        "verified": index.vendor_verified[vendor],
        "cases": index.vendor_cases[vendor],
        "response": index.vendor_response[vendor],
    }


def compiled_columns(c: CompiledDemand, kind: str) -> dict[str, np.ndarray]:
    """Demand-side columns of one compiled demand for offerings of `kind`, shaped to broadcast
    over candidates."""
    asked = c.for_kind(kind)
    return {
        "allowed": c.allowed,
        "feasible": c.feasible,
        "preferred": c.preferred,
        "sector": c.sector,
        "scenario": c.scenario,
        "functions": c.functions,
        "stated": np.array([asked.stated]),
        "function_table": asked.function_table,
        "required_certs": asked.required_certs,
        "wanted_certs": asked.wanted_certs,
        "required_protocols": asked.required_protocols,
        "volume": np.array([float(c.spec.volume)]),
        "need": np.array([c.need]),
        "budget": np.array([c.budget]),
        "budget_unit": np.array([c.budget_unit], dtype=np.int8),
        "active": np.array([bool(c.spec.open)]),
        "deploy_need": np.array([asked.deploy_need], dtype=np.int8),
        "posit_need": np.array([asked.posit_need], dtype=np.int8),
    }


def demand_columns(index: DemandIndex, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {
        name: index.col(name)[rows]
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
            "volume",
            "need",
            "budget",
            "budget_unit",
            "active",
            "deploy_need",
            "posit_need",
        )
    }


# --- one demand against the offering index ----------------------------------------------


def offering_candidates(index: OfferingIndex, c: CompiledDemand, kind: int) -> np.ndarray:
    """Live rows of `kind` that offer an allowed technology (or none) where the demand deploys
    (read-only: shared by every demand asking the same kind, technologies and provinces)."""
    allowed = mask_to_int(c.allowed[0])
    if c.regions:
        places = (NATIONWIDE, *sorted({p for p, _ in c.regions if p >= 0}))
    else:
        places = (ALL_REGIONS,)
    # Three times fewer distinct keys than whole candidate sets (5.2k against 16.4k of 20.9k
    # kind evaluations on seed_demo's 20k demands), so most builds of a set skip the union.
    return index.candidate_set(
        ("offering_candidates", kind, allowed, places),
        lambda: (_posted_rows(index, kind, allowed, places),),
    )[0]


def _posted_rows(index: OfferingIndex, kind: int, allowed: int, places: tuple) -> np.ndarray:
    techs = [t for t in range(len(index.ref.tech_vocab)) if allowed >> t & 1] + [ANY_TECH]
    rows = union([index.postings((kind, t, p)) for t in techs for p in places], index.mark())
    return rows[index.col("eligible")[rows]]


def coverage_for_demand(
    index: OfferingIndex, c: CompiledDemand, rows: np.ndarray, masks: np.ndarray | None = None
) -> np.ndarray:
    """Share of the demand's regions each row serves, by the rule of
    apps.catalog.reference.regions: 1 for a region served or inside a served one, PART_CREDIT
    for one served only in some of its parts.

    `masks` are the rows' packed masks when the caller has gathered them already.
    """
    if not c.regions:
        return np.ones(len(rows))
    if masks is None:
        masks = np.take(index.col("scoring_masks"), rows, axis=0)
    layout = index.layout
    served = masks[:, layout.served]
    partly = masks[:, layout.partly]
    total = np.zeros(len(rows))
    for p, code in c.regions:
        if p < 0:
            # A region outside the province vocabulary: only nationwide offerings serve it.
            total += (served == np.uint64(0xFFFFFFFFFFFFFFFF)).all(axis=-1)
            continue
        word, bit = p >> 6, np.uint64(1 << (p & 63))
        full = (served[:, word] & bit) != 0
        if not code:
            total += full
            total += ((partly[:, word] & bit) != 0) * PART_CREDIT * ~full
            continue
        county = code % 100
        full |= _in_postings(index, [code, code - county] if county else [code], rows)
        total += full
        if not county:
            total += _in_postings(index, [-code], rows) * PART_CREDIT * ~full
    return total / len(c.regions)


def _in_postings(index: OfferingIndex, keys: list[int], rows: np.ndarray) -> np.ndarray:
    """Which of `rows` are in any of these `index.cities` postings."""
    postings = [index.cities[key] for key in keys if key in index.cities]
    if not postings:
        return np.zeros(len(rows), dtype=bool)
    mark = index.mark()
    for posting in postings:
        mark[posting.array()] = True
    found = mark[rows]
    for posting in postings:
        mark[posting.array()] = False
    return found


def relevance_for_demand(index: OfferingIndex, c: CompiledDemand, rows: np.ndarray) -> np.ndarray:
    """idf-weighted share of the demand's tokens each row's text contains."""
    weights, total, exact = index.query_idf(c.tokens)
    if total <= 0:
        return np.full(len(rows), TEXT_NO_QUERY)
    # Token id → the demand's weight for it; the slot after the vocabulary (padding id -1)
    # stays 0. A reused all-zero buffer: zeroing a vocabulary-sized table per call cost more
    # than the lookup.
    table = index.token_table(len(index.tokens.ids) + 1)
    table[c.tokens] = weights
    try:
        found = np.take(table, index.col("tokens")[rows])
        # einsum sums each row for a fifth less than `sum(axis=1)`, in another order; when
        # float64 holds every partial sum of the weights exactly, the order cannot change a
        # bit (text.exactly_summed). (Not `@ ones`: BLAS may start threads.)
        if exact and found.shape[1] <= TOKEN_CAP:
            shared = np.einsum("ij->i", found)
        else:
            shared = found.sum(axis=1)
        return np.where(index.col("stuffed")[rows], 0.0, shared / total)
    finally:
        table[c.tokens] = 0.0


def accumulate(
    text: dict, tokens: np.ndarray, weights: np.ndarray, rows: np.ndarray, buffer: np.ndarray
) -> np.ndarray:
    """Sum of token weights per row over the token postings; `buffer` is left all-zero."""
    touched = []
    for token, weight in zip(tokens.tolist(), weights.tolist(), strict=True):
        posting = text.get(token)
        if weight > 0 and posting is not None:
            hits = posting.array()
            buffer[hits] += weight
            touched.append(hits)
    out = buffer[rows]
    for hits in touched:
        buffer[hits] = 0.0
    return out


def relevant_rows(
    index: OfferingIndex, c: CompiledDemand, kind: str, rows: np.ndarray
) -> np.ndarray:
    """The rows (of `kind`) above the relevance floor for the demand (see relevance_floor),
    but for the price class, which depends on the budget (see in_price_class)."""
    o = {
        name: index.col(name)[rows] for name in ("function", "general", "sector", "deploy", "posit")
    }
    return rows[relevance_floor(o, compiled_columns(c, kind), price=False)]


def in_price_class(
    numbers: np.ndarray, masks: np.ndarray, c: CompiledDemand, layout: PackedLayout
) -> np.ndarray:
    """Which packed rows are priced within reach of the demand's budget (price_in_class)."""
    budget = budget_for(numbers[:, UNIT], c.budget, c.budget_unit)
    made_for_sector = any_bit(masks[:, layout.sector], c.sector)
    ceiling = price_ceiling(numbers[:, GENERAL].astype(bool), made_for_sector)
    return price_in_class(numbers[:, PRICE], budget, ceiling)


def candidate_key(c: CompiledDemand, kind: int) -> tuple:
    """What feasible_candidates depends on: demands with equal keys share their candidates."""
    bits = c.bits
    asked = c.for_kind(c.ref.kind_vocab.codes[kind])
    return (
        kind,
        bits["allowed"],
        bits["sector"],
        c.regions,
        mask_to_int(asked.required_certs[0]),
        asked.deploy_need,
        asked.posit_need,
        bits["functions"] & mask_to_int(asked.kind_functions[0]),
    )


def feasible_candidates(
    index: OfferingIndex, c: CompiledDemand, kind: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Rows of `kind` a demand may be offered (function, technology, regions, the
    certifications asked of that kind, eligible), with their packed masks, regional coverage
    and numbers; and how many candidates there were before function, regions and
    certifications were checked exactly.

    Depends only on the kind, the allowed technologies, the regions, the certifications and
    functions asked of the kind: demands that share those share this
    (OfferingIndex.candidate_set).
    """
    asked = c.for_kind(index.ref.kind_vocab.codes[kind])
    rows = offering_candidates(index, c, kind)
    candidates = len(rows)
    rows = relevant_rows(index, c, index.ref.kind_vocab.codes[kind], rows)
    masks = np.take(index.col("scoring_masks"), rows, axis=0)
    coverage = coverage_for_demand(index, c, rows, masks)
    ok = coverage > 0 if c.regions else None
    if asked.required_certs.any():
        certified = covers(masks[:, index.layout.cert], asked.required_certs)
        ok = certified if ok is None else ok & certified
    if ok is not None:
        rows, masks, coverage = rows[ok], masks[ok], coverage[ok]
    numbers = np.take(index.col("scoring_numbers"), rows, axis=0)
    return rows, masks, coverage, numbers, candidates


def feasible_rows(
    index: OfferingIndex, c: CompiledDemand, kind: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Every row of `kind` the demand may be offered: its shared candidate set
    (feasible_candidates) within the demand's price class; as feasible_candidates returns.

    The one definition of "feasible supply" for a demand: matching scores these rows, and the
    mismatch radar counts their capacity.
    """
    rows, masks, coverage, numbers, candidates = index.candidate_set(
        candidate_key(c, kind), lambda: feasible_candidates(index, c, kind)
    )
    if c.budget > 0:
        # The price class is the one part of the floor that depends on the budget, so it is
        # checked here rather than in the candidate set demands of any budget share.
        priced = in_price_class(numbers, masks, c, index.layout)
        if not priced.all():
            rows, masks, coverage, numbers = (
                rows[priced],
                masks[priced],
                coverage[priced],
                numbers[priced],
            )
    return rows, masks, coverage, numbers, candidates


def evaluate_kind(
    index: OfferingIndex,
    c: CompiledDemand,
    kind: int,
    now: float,
    weights: Weights,
    keep: int,
    include: np.ndarray = EMPTY,
) -> KindEvaluation:
    """Score every feasible offering of one kind for a demand.

    Candidates already have the kind, an allowed technology and an eligible (listed,
    verified) vendor; certifications and exact regional coverage are checked here. Every
    survivor gets `partial_points` from packed columns (all criteria but text relevance);
    text relevance is added only for rows that could still reach the best `keep` with it,
    and the best `keep` of those (plus the index rows in `include`) are scored exactly,
    through the same `criterion_scores` the other direction uses, so a pair's score never
    depends on which side asked. Every other row's score is a lower bound.
    """
    layout = index.layout
    rows, masks, coverage, numbers, candidates = feasible_rows(index, c, kind)
    d = compiled_columns(c, index.ref.kind_vocab.codes[kind])
    points = partial_points(masks, numbers, coverage, d, layout, weights, now)
    text_weight = 100.0 * weights.normalised()["text"]
    pool, pool_relevance = _text_pool(index, c, rows, masks, points, text_weight, keep)
    points[pool] += text_weight * pool_relevance
    chosen = _best_bound(points[pool], 0.0, keep)
    exact = pool[chosen]
    if len(include):
        exact = np.union1d(exact, np.flatnonzero(np.isin(rows, include)))
        # A pinned row may be outside the pool: compute the few exact rows' relevance again.
        relevance = relevance_for_demand(index, c, rows[exact])
    else:
        # Relevance is per row: the pool's figures are the exact rows' (a second gather
        # over the token table cost one call per kind of every demand).
        relevance = pool_relevance[chosen]
    picked = rows[exact]
    subs = criterion_scores(offering_columns(index, picked), d, coverage[exact], relevance, now)
    scores = np.round(points, 2)
    scores[exact] = total_score(subs, weights)
    return KindEvaluation(
        kind=index.ref.kind_vocab.codes[kind],
        positions=rows,
        scores=scores,
        exact=exact,
        subs=subs,
        candidates=candidates,
        capacity_total=float(numbers[:, CAPACITY].sum()),
        cheapest_price=cheapest_in_budget_unit(numbers, c.budget_unit),
    )


# Rows whose text relevance is gathered first (the best by their ceiling): their totals set
# the threshold the other rows' ceilings must reach.
TEXT_POOL_FIRST = 64


def relevance_ceiling(
    index: OfferingIndex, c: CompiledDemand, signatures: np.ndarray, total: float
) -> np.ndarray:
    """An upper bound of relevance_for_demand for rows with these token signatures (their
    `layout.signature` masks; `total` the demand's idf sum)."""
    return shared_weight_ceiling(signatures, index.query_signature(c.tokens)) / total


def _text_pool(
    index: OfferingIndex,
    c: CompiledDemand,
    rows: np.ndarray,
    masks: np.ndarray,
    points: np.ndarray,
    text_weight: float,
    keep: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Ascending indices of the rows that may reach the best `keep` once their text relevance
    (`text_weight` points at most) is added to `points`, and their relevance.

    Every row left out totals below the `keep`-th best by more than the rounding tolerance,
    so the rows `_best_bound(totals of the pool, 0, keep)` picks are those it would pick over
    all rows. At 1M offerings nearly every candidate is within `text_weight` of the best, so
    each row's relevance is first bounded from its token signature (relevance_ceiling); the
    rows with the best ceilings are gathered, and then only the rows whose ceiling reaches
    the threshold their totals set.
    """
    pool = _best_bound(points, text_weight, keep)
    _, total, _ = index.query_idf(c.tokens)
    first_size = max(TEXT_POOL_FIRST, keep)
    if len(pool) <= first_size or total <= 0:
        return pool, relevance_for_demand(index, c, rows[pool])
    # Near every candidate is in the pool at 1M offerings: skip copying the pool's rows then.
    whole = len(pool) == len(points)
    signatures = masks[:, index.layout.signature] if whole else masks[pool, index.layout.signature]
    ceiling = (points if whole else points[pool]) + text_weight * relevance_ceiling(
        index, c, signatures, total
    )
    first = np.zeros(len(pool), dtype=bool)
    first[np.argpartition(ceiling, len(pool) - first_size)[-first_size:]] = True
    relevance = relevance_for_demand(index, c, rows[pool[first]])
    totals = points[pool[first]] + text_weight * relevance
    # The tolerance absorbs rounding between these sums and the exact formulas.
    threshold = np.partition(totals, len(totals) - keep)[len(totals) - keep] - 0.01
    # 1e-9: the ceiling sums the same weights as the relevance, grouped and in another order.
    rest = ~first & (ceiling + 1e-9 >= threshold)
    chosen = first | rest
    out = np.zeros(len(pool))
    out[first] = relevance
    out[rest] = relevance_for_demand(index, c, rows[pool[rest]])
    return pool[chosen], out[chosen]


def cheapest_in_budget_unit(numbers: np.ndarray, unit: int) -> float:
    """The lowest mid price among rows priced in the budget's unit (NaN when none is)."""
    prices = numbers[numbers[:, UNIT] == unit, PRICE]
    return float(prices.min()) if len(prices) else float("nan")


def _best_bound(points: np.ndarray, slack: float, keep: int) -> np.ndarray:
    """Ascending indices of the rows whose points plus `slack` reach the `keep`-th best."""
    if len(points) <= keep:
        return np.arange(len(points))
    threshold = np.partition(points, len(points) - keep)[len(points) - keep]
    return np.flatnonzero(points + slack >= threshold - 0.01)


def result_for(
    index: OfferingIndex,
    c: CompiledDemand,
    position: int,
    subs: dict[str, float],
    score: float,
    weights: Weights,
    now: float,
    query: tuple[float, dict[int, float]] | None = None,
) -> MatchResult:
    """One explained result; `query` (explain.query_weights of the demand) when already known."""
    details, unmet = explain(
        index,
        position,
        c,
        subs,
        weights,
        now=now,
        query=query if query is not None else query_weights(index, c),
    )
    row = index.cols.data  # whole columns: indexing one position skips the view per read
    return MatchResult(
        demand_id=c.spec.id,
        offering_id=int(row["id"][position]),
        vendor_id=int(index.vendor_ids[row["vendor"][position]]),
        kind=index.ref.kind_vocab.codes[int(row["kind"][position])],
        score=float(score),
        details=details,
        unmet_figures=unmet,
    )


def match_demand(
    index: OfferingIndex,
    demand: DemandSpec | CompiledDemand,
    *,
    now: float,
    weights: Weights | None = None,
    limit: int = DEFAULT_LIMIT,
    explain_results: bool = True,
    include: dict[int, int] | None = None,
) -> DemandMatches:
    """Top `limit` feasible offerings per needed kind, best first, each with its explanation.

    `include` maps a kind position to an index row that must be scored exactly even when it
    is not among the best (a pinned bundle component).
    """
    weights = weights or Weights()
    c = (
        demand
        if isinstance(demand, CompiledDemand)
        else compile_demand(index.ref, demand, index.tokens)
    )
    out = DemandMatches(demand=c)
    ids = index.col("id")
    query = query_weights(index, c) if explain_results else (0.0, {})
    for kind in c.kinds:
        pinned = (include or {}).get(kind)
        evaluation = evaluate_kind(
            index,
            c,
            kind,
            now,
            weights,
            max(limit, BUNDLE_CANDIDATES_PER_KIND),
            EMPTY if pinned is None else np.array([pinned]),
        )
        out.evaluations[evaluation.kind] = evaluation
        best = evaluation.ranked(limit, ids)
        if explain_results:
            out.by_kind[evaluation.kind] = [
                result_for(
                    index,
                    c,
                    int(evaluation.positions[i]),
                    evaluation.sub_scores(int(i)),
                    float(evaluation.scores[i]),
                    weights,
                    now,
                    query,
                )
                for i in best
            ]
    return out


def ranked_offerings(
    index: OfferingIndex, matches: DemandMatches, limit: int = DEFAULT_LIMIT
) -> list[tuple[str, int, float]]:
    """(kind, evaluation row, score) of the best `limit` per needed kind, best first.

    For callers that explain only some results (a full rematch explains what changed).
    """
    ids = index.col("id")
    return [
        (kind, int(i), float(evaluation.scores[i]))
        for kind, evaluation in matches.evaluations.items()
        for i in evaluation.ranked(limit, ids)
    ]


def explain_ranked(
    index: OfferingIndex,
    matches: DemandMatches,
    picks: Iterable[tuple[str, int]],
    *,
    now: float,
    weights: Weights | None = None,
) -> list[MatchResult]:
    """Explained results for `picks`: (kind, row of the demand's evaluation of that kind)."""
    weights = weights or Weights()
    query = query_weights(index, matches.demand)
    out = []
    for kind, i in picks:
        evaluation = matches.evaluations[kind]
        out.append(
            result_for(
                index,
                matches.demand,
                int(evaluation.positions[i]),
                evaluation.sub_scores(i),
                float(evaluation.scores[i]),
                weights,
                now,
                query,
            )
        )
    return out


# --- one offering against the demand index ----------------------------------------------


def demand_candidates(offerings: OfferingIndex, demands: DemandIndex, position: int) -> np.ndarray:
    """Open demand rows needing the offering's kind in a province it serves (or anywhere)."""
    kind = int(offerings.col("kind")[position])
    if kind < 0:
        return EMPTY
    if offerings.col("nationwide")[position]:
        rows = demands.postings((kind, ALL_REGIONS))
    else:
        provinces = mask_to_int(offerings.col("prov_full")[position]) | mask_to_int(
            offerings.col("prov_city")[position]
        )
        places = [NATIONWIDE] + [
            p for p in range(len(offerings.ref.province_vocab)) if provinces >> p & 1
        ]
        rows = union([demands.postings((kind, p)) for p in places], demands.mark())
    return rows[demands.col("active")[rows]]


def coverage_for_offering(
    offerings: OfferingIndex, demands: DemandIndex, position: int, rows: np.ndarray
) -> np.ndarray:
    """For each demand row, the share of its regions the offering serves (as above)."""
    owners, provinces, cities, counts = demands.region_flat()
    if offerings.col("nationwide")[position]:
        return np.ones(len(rows))
    size = len(offerings.ref.province_vocab)
    full_bits = mask_to_int(offerings.col("prov_full")[position])
    city_bits = mask_to_int(offerings.col("prov_city")[position])
    full_table = np.array([bool(full_bits >> p & 1) for p in range(size)] + [False])
    city_table = np.array([bool(city_bits >> p & 1) for p in range(size)] + [False])
    own_cities = list(offerings.row_cities.get(position, ()))
    prov = np.where(provinces < 0, size, provinces)
    full = full_table[prov]
    is_city = cities != 0
    part = ~is_city & city_table[prov]
    if own_cities:
        county = cities % 100
        full = full | (is_city & np.isin(cities, own_cities))
        full |= (county != 0) & np.isin(cities - county, own_cities)
        counties_of = [code - code % 100 for code in own_cities if code % 100]
        if counties_of:
            part |= is_city & (county == 0) & np.isin(cities, counties_of)
    credit = np.where(full, 1.0, np.where(part, PART_CREDIT, 0.0))
    sums = np.bincount(owners, weights=credit, minlength=demands.size)
    share = np.divide(sums, counts, out=np.ones(demands.size), where=counts > 0)
    return share[rows]


def relevance_for_offering(
    offerings: OfferingIndex, demands: DemandIndex, position: int, rows: np.ndarray
) -> np.ndarray:
    totals = demands.idf_totals(offerings)[rows]
    if offerings.col("stuffed")[position]:
        return np.where(totals > 0, 0.0, TEXT_NO_QUERY)
    tokens = offerings.row_tokens(position)
    weights = offerings.token_idf(tokens)
    acc = accumulate(demands.text, tokens, weights, rows, demands.accumulator())
    return np.divide(acc, totals, out=np.full(len(rows), TEXT_NO_QUERY), where=totals > 0)


def match_offering(
    offerings: OfferingIndex,
    demands: DemandIndex,
    offering_id: int,
    *,
    now: float,
    weights: Weights | None = None,
    limit: int = DEFAULT_LIMIT,
    explain_results: bool = True,
) -> tuple[list[MatchResult], int]:
    """The open demands an indexed offering fits, best first; and how many it fits in all."""
    weights = weights or Weights()
    position = offerings.position.get(offering_id)
    if position is None:
        return [], 0
    rows = demand_candidates(offerings, demands, position)
    coverage = coverage_for_offering(offerings, demands, position, rows)
    o = offering_columns(offerings, slice(position, position + 1))
    ref = offerings.ref
    kind = ref.kind_vocab.codes[int(offerings.col("kind")[position])]
    d = scope_to_kind(
        demand_columns(demands, rows),
        masks_from_ints([ref.kind_function_bits.get(kind, 0)], ref.function_vocab.words),
        masks_from_ints([ref.kind_certification_bits.get(kind, 0)], ref.cert_vocab.words),
        masks_from_ints([ref.kind_protocol_bits.get(kind, 0)], ref.protocol_vocab.words),
        deploys=kind in ref.deployment_kinds,
        positions=kind in ref.positioning_kinds,
    )
    ok = feasible_pairs(o, d, coverage)
    rows, coverage = rows[ok], coverage[ok]
    d = {k: v[ok] for k, v in d.items()}
    relevance = relevance_for_offering(offerings, demands, position, rows)
    subs = criterion_scores(o, d, coverage, relevance, now)
    scores = total_score(subs, weights)
    best = top_k(scores, demands.col("id")[rows], limit)
    if not explain_results:
        return [], len(rows)
    results = []
    for i in best:
        c = demands.compiled[int(rows[i])]
        results.append(
            result_for(
                offerings,
                c,
                position,
                {k: float(v[i]) for k, v in subs.items()},
                float(scores[i]),
                weights,
                now,
            )
        )
    return results, len(rows)
