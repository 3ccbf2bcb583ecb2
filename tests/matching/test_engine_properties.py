"""Properties of the matching core, checked on generated catalogues (hypothesis)."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.matching.engine import (
    CRITERIA,
    DemandIndex,
    DemandSpec,
    OfferingIndex,
    OfferingRecord,
    RequirementProfile,
    VendorRecord,
    Weights,
    bundles,
    match_demand,
    match_offering,
    matcher,
    text,
)
from apps.matching.engine.bundles import solution_bundles
from apps.matching.engine.index import compile_demand
from apps.matching.engine.matcher import relevance_for_demand
from apps.matching.engine.naive import naive_match_demand
from apps.matching.engine.scoring import (
    PRICE_FAR_BELOW,
    PRICE_FLOOR,
    PRICE_LOW_RATIO,
    TEXT_NO_QUERY,
)
from apps.matching.engine.text import (
    exactly_summed,
    shared_weight_ceiling,
    signature_groups,
    token_signatures,
)

from .engine_data import CERTIFICATIONS, DAY, NOW, POSITIONING, PROTOCOLS, SECTORS, reference

REF = reference()
TECHS = [t.code for t in REF.technologies]
REGIONS = [
    *("110000", "110105", "310000", "330000", "330100", "330102", "330106", "330212"),
    *("440000", "440100", "440106", "440300", "510000", "990000", "990100", "990101"),
]
WORDS = ["水表", "抄表", "定位", "追踪", "模组", "平台", "网关", "视频", "低功耗", "冷链"]

subset = lambda pool, n=3: st.lists(st.sampled_from(pool), max_size=n, unique=True)  # noqa: E731

offerings_st = st.lists(
    st.builds(
        OfferingRecord,
        id=st.integers(1, 10_000),
        vendor_id=st.integers(1, 4),
        kind=st.sampled_from(["module", "terminal", "platform"]),
        sectors=subset(SECTORS, 2),
        scenarios=subset(["water_meter", "fleet", "asset_tracking"], 2),
        technologies=subset(TECHS, 2),
        nationwide=st.booleans(),
        regions=subset(REGIONS, 3),
        certifications=subset(CERTIFICATIONS, 3),
        protocols=subset(PROTOCOLS, 2),
        positioning=subset(POSITIONING, 2),
        price_min=st.floats(0, 100, allow_nan=False),
        price_max=st.just(0.0),
        min_order=st.integers(1, 5000),
        annual_capacity=st.integers(0, 2_000_000),
        updated_at=st.floats(NOW - 500 * DAY, NOW),
        published=st.booleans(),
        tokens=subset(WORDS, 4),
    ).map(lambda o: replace(o, price_max=o.price_min * 1.5)),
    max_size=30,
    unique_by=lambda o: o.id,
)

demand_st = st.builds(
    DemandSpec,
    id=st.integers(20_000, 30_000),
    organization_id=st.just(7),
    sector=st.sampled_from(SECTORS),
    scenario=st.sampled_from([None, "water_meter", "fleet"]),
    technologies=subset(TECHS, 2),
    positioning_method=st.one_of(st.none(), st.sampled_from(POSITIONING)),
    profile=st.builds(
        RequirementProfile,
        uplink_kbps=st.one_of(st.none(), st.sampled_from([5, 50, 500, 20_000])),
        max_latency_ms=st.one_of(st.none(), st.sampled_from([20, 100, 5000])),
        mobility=st.integers(0, 3),
        power_source=st.sampled_from(["mains", "battery"]),
        battery_life_years=st.one_of(st.none(), st.sampled_from([1, 5, 10])),
        coverage_depth=st.integers(0, 2),
        needs_voice=st.booleans(),
        needs_video=st.booleans(),
        needs_positioning=st.booleans(),
    ),
    kinds_needed=st.lists(
        st.sampled_from(["module", "terminal", "platform"]), min_size=1, max_size=2, unique=True
    ),
    regions=subset(REGIONS, 2),
    volume=st.integers(1, 1_000_000),
    unit_budget=st.one_of(st.none(), st.floats(0, 200, allow_nan=False)),
    rollout_months=st.integers(1, 36),
    certifications=subset(CERTIFICATIONS, 2),
    typical_certifications=subset(CERTIFICATIONS, 2),
    tokens=subset(WORDS, 4),
)
vendors_st = st.lists(st.booleans(), min_size=4, max_size=4).map(
    lambda flags: {
        i + 1: VendorRecord(
            i + 1, verified=v, typical_cases=i, response_rate=None if i == 0 else i / 4
        )
        for i, v in enumerate(flags)
    }
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _index(offerings, vendors) -> OfferingIndex:
    return OfferingIndex.build(REF, offerings, vendors.values())


def _scores(index: OfferingIndex, demand: DemandSpec) -> dict[int, float]:
    matches = match_demand(index, demand, now=NOW, limit=1000)
    return {r.offering_id: r.score for r in matches.results}


def _oracle(index, offerings, vendors, demand) -> dict[int, float]:
    idf = {t: float(index.token_idf(np.array([i]))[0]) for t, i in index.tokens.ids.items()}
    return naive_match_demand(
        REF,
        offerings,
        vendors,
        demand,
        now=NOW,
        idf=idf,
        unseen_idf=float(np.log1p(max(index.live, 1))),
    )


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st)
def test_vectorised_core_agrees_with_the_pair_by_pair_oracle(offerings, vendors, demand):
    # given a catalogue and a demand
    index = _index(offerings, vendors)
    # when both matchers rank it
    fast = _scores(index, demand)
    slow = _oracle(index, offerings, vendors, demand)
    # then they return the same offerings (so nothing infeasible) with the same scores
    assert fast.keys() == slow.keys()
    for offering_id, score in fast.items():
        assert abs(score - slow[offering_id]) <= 0.011
        assert 0.0 <= score <= 100.0


many_terminals_st = st.lists(
    offerings_st.filter(len).map(lambda batch: batch[0]),
    min_size=12,
    max_size=60,
    unique_by=lambda o: o.id,
).map(lambda batch: [replace(o, kind="terminal", published=True) for o in batch])


def _all_terminals_feasible(offerings, vendors, demand):
    """The index, offerings, vendors and demand with nothing left to rule a terminal out: the
    demand needs terminals anywhere with no certificate, no offering names a technology and
    every vendor is verified."""
    demand = replace(demand, kinds_needed=("terminal",), regions=(), certifications=())
    offerings = [replace(o, technologies=()) for o in offerings]
    vendors = {i: replace(v, verified=True) for i, v in vendors.items()}
    return _index(offerings, vendors), offerings, vendors, demand


@SETTINGS
@given(offerings=many_terminals_st, vendors=vendors_st, demand=demand_st, limit=st.integers(1, 5))
def test_the_best_few_equal_the_oracle_best_when_most_candidates_are_pruned(
    offerings, vendors, demand, limit
):
    # given more feasible terminals than the engine scores exactly (it keeps the best 10):
    # verified vendors, no technology, region or certification left to rule any out
    index, offerings, vendors, demand = _all_terminals_feasible(offerings, vendors, demand)
    # when it returns its best few
    matches = match_demand(index, demand, now=NOW, limit=limit)
    slow = _oracle(index, offerings, vendors, demand)
    # then they are the oracle's best few, with the oracle's scores
    best = sorted(slow.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    got = [(r.offering_id, r.score) for r in matches.results]
    assert [score for _, score in got] == pytest.approx([s for _, s in best], abs=0.011)
    for offering_id, score in got:
        assert abs(slow[offering_id] - score) <= 0.011


@SETTINGS
@given(offerings=many_terminals_st, vendors=vendors_st, demand=demand_st, limit=st.integers(1, 4))
def test_rows_whose_token_signature_cannot_reach_the_best_change_no_result(
    offerings, vendors, demand, limit
):
    # given more feasible terminals than the engine scores exactly, and a demand with words
    index, _, _, demand = _all_terminals_feasible(offerings, vendors, demand)
    # when the text of only the best few by their signature ceiling is gathered first, and
    # then when every candidate's text is gathered
    with pytest.MonkeyPatch.context() as patch:
        # (keeping no more rows than asked, so the first few gathered are rarely all the best,
        # and one signature group, the loosest ceiling)
        patch.setattr(matcher, "BUNDLE_CANDIDATES_PER_KIND", 1)
        patch.setattr(text, "SIGNATURE_GROUPS", 1)
        patch.setattr(matcher, "TEXT_POOL_FIRST", 1)
        bounded = match_demand(index, demand, now=NOW, limit=limit)
        patch.setattr(matcher, "TEXT_POOL_FIRST", 10**9)
        gathered = match_demand(index, demand, now=NOW, limit=limit)
    # then the results, their scores and their explanations are the same
    assert [(r.offering_id, r.score, r.breakdown()) for r in bounded.results] == [
        (r.offering_id, r.score, r.breakdown()) for r in gathered.results
    ]


@SETTINGS
@given(
    rows=st.lists(
        st.lists(st.integers(0, 2_000), max_size=32, unique=True), min_size=1, max_size=20
    ),
    query=st.lists(st.integers(0, 2_000), min_size=1, max_size=40, unique=True),
    weights=st.lists(st.floats(0.125, 16.0, width=32), min_size=40, max_size=40),
)
def test_a_token_signature_bounds_the_weight_a_row_shares_with_a_query(rows, query, weights):
    # given rows of token ids (-1 padded) and a query with weights, ids colliding on bits
    tokens = np.full((len(rows), 32), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        tokens[i, : len(row)] = row
    query_ids = np.array(query, dtype=np.int32)
    query_weights = np.array(weights[: len(query)], dtype=np.float32)
    # when the shared weight is bounded from the signatures
    bound = shared_weight_ceiling(
        token_signatures(tokens), signature_groups(query_ids, query_weights)
    )
    # then no row shares more than its bound
    for i, row in enumerate(rows):
        shared = sum(float(w) for t, w in zip(query, query_weights, strict=True) if t in row)
        assert shared <= bound[i] + 1e-9


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st)
def test_unverified_vendors_and_unpublished_listings_are_never_returned(offerings, vendors, demand):
    index = _index(offerings, vendors)
    returned = _scores(index, demand)
    by_id = {o.id: o for o in offerings}
    for offering_id in returned:
        assert by_id[offering_id].published
        assert vendors[by_id[offering_id].vendor_id].verified


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st, cut=st.floats(0.0, 0.99))
def test_a_lower_price_never_lowers_the_price_sub_score_down_to_a_fifth_of_the_budget(
    offerings, vendors, demand, cut
):
    # Below PRICE_LOW_RATIO of the budget a price hints at another class of product and
    # scores lower on purpose (a ¥600 valve is not what a ¥45,000 canal-gate tender wants);
    # below PRICE_FLOOR of it the offering is not shown at all.
    index = _index(offerings, vendors)
    before = {r.offering_id: r for r in match_demand(index, demand, now=NOW, limit=1000).results}
    for offering in offerings:
        if offering.id in before:
            index.upsert(
                replace(
                    offering, price_min=offering.price_min * cut, price_max=offering.price_max * cut
                )
            )
    after = {r.offering_id: r for r in match_demand(index, demand, now=NOW, limit=1000).results}
    budget = demand.unit_budget
    by_id = {o.id: o for o in offerings}
    for offering_id in before.keys() - after.keys():
        # only an offering now priced (above 0) under the floor of the budget may drop out
        o = by_id[offering_id]
        price = (o.price_min + o.price_max) / 2 * cut
        assert budget is not None and 0 < price < PRICE_FLOOR * budget
    assert after.keys() <= before.keys()
    for offering_id, result in before.items():
        if offering_id not in after:
            continue
        price_before = result.breakdown()["price"]["score"]
        price_after = after[offering_id].breakdown()["price"]
        if budget is not None and price_after["facts"]["price"] < PRICE_LOW_RATIO * budget:
            assert price_after["score"] >= PRICE_FAR_BELOW
        else:
            assert price_after["score"] >= price_before


@SETTINGS
@given(
    offerings=offerings_st,
    vendors=vendors_st,
    demand=demand_st,
    cert=st.sampled_from(CERTIFICATIONS),
)
def test_requiring_a_certification_removes_offerings_that_lack_it(offerings, vendors, demand, cert):
    index = _index(offerings, vendors)
    stricter = replace(demand, certifications=(*demand.certifications, cert))
    returned = _scores(index, stricter)
    by_id = {o.id: o for o in offerings}
    assert all(cert in by_id[i].certifications for i in returned)
    assert returned.keys() <= _scores(index, demand).keys()


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st, seed=st.integers(0, 99))
def test_results_are_deterministic_whatever_the_load_order(offerings, vendors, demand, seed):
    first = match_demand(_index(offerings, vendors), demand, now=NOW, limit=5).results
    shuffled = list(offerings)
    random.Random(seed).shuffle(shuffled)
    second = match_demand(_index(shuffled, vendors), demand, now=NOW, limit=5).results
    assert [(r.offering_id, r.score, r.criteria) for r in first] == [
        (r.offering_id, r.score, r.criteria) for r in second
    ]


@SETTINGS
@given(
    offerings=offerings_st,
    vendors=vendors_st,
    demands=st.lists(demand_st, max_size=6, unique_by=lambda d: d.id),
)
def test_a_pair_scores_the_same_from_either_side(offerings, vendors, demands):
    index = _index(offerings, vendors)
    demand_index = DemandIndex.build(REF, demands, index.tokens)
    for offering in offerings:
        results, fits = match_offering(index, demand_index, offering.id, now=NOW, limit=100)
        assert fits == len(results)
        for result in results:
            demand = next(d for d in demands if d.id == result.demand_id)
            assert _scores(index, demand)[offering.id] == result.score
    for demand in demands:
        for offering_id in _scores(index, demand):
            results, _ = match_offering(index, demand_index, offering_id, now=NOW, limit=100)
            assert demand.id in {r.demand_id for r in results}


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st, drop=st.data())
def test_incremental_changes_and_compaction_equal_a_fresh_build(offerings, vendors, demand, drop):
    # given an index updated in place: some listings archived, others re-published changed
    index = _index(offerings, vendors)
    current = {o.id: o for o in offerings}
    for offering in offerings:
        action = drop.draw(st.sampled_from(["keep", "archive", "reprice"]))
        if action == "archive":
            current[offering.id] = replace(offering, published=False)
        elif action == "reprice":
            current[offering.id] = replace(offering, published=True, price_min=1, price_max=2)
        index.upsert(current[offering.id])
    incremental = _scores(index, demand)
    index.compact()
    # then it ranks like an index built from scratch (text idf aside: compare feasibility)
    fresh = _scores(_index(list(current.values()), vendors), demand)
    assert incremental.keys() == fresh.keys() == _scores(index, demand).keys()


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st)
def test_a_breakdown_states_each_sub_score_and_its_points_exactly_rounded(
    offerings, vendors, demand
):
    # given a catalogue, and explanations already given with equal weights (whose rounded
    # figures the engine remembers)
    index = _index(offerings, vendors)
    match_demand(index, demand, now=NOW, limit=1000, weights=Weights())
    # when a demand is matched and explained
    weights = Weights()
    matches = match_demand(index, demand, now=NOW, limit=1000, weights=weights)
    # then each criterion shows its sub-score rounded to 4 places and its points to 2, as
    # Python rounds them one by one (same value, same type, same sign of zero)
    norm = weights.normalised()
    ids = index.col("id")
    for kind, evaluation in matches.evaluations.items():
        best = evaluation.ranked(1000, ids)
        assert len(best) == len(matches.by_kind[kind])
        for i, result in zip(best.tolist(), matches.by_kind[kind], strict=True):
            subs = evaluation.sub_scores(i)
            shown = {
                name: (item["score"], item["points"], item["weight"])
                for name, item in result.breakdown().items()
            }
            expected = {
                name: (
                    round(subs[name], 4),
                    round(subs[name] * norm[name] * 100, 2),
                    getattr(weights, name),
                )
                for name in CRITERIA
            }
            assert repr(shown) == repr(expected)


@SETTINGS
@given(offerings=offerings_st, vendors=vendors_st, demand=demand_st)
def test_text_relevance_is_the_exactly_rounded_share_of_the_demands_token_weight(
    offerings, vendors, demand
):
    # given a catalogue and a demand with words
    index = _index(offerings, vendors)
    c = compile_demand(REF, demand, index.tokens)
    rows = np.arange(index.size)
    # when the relevance of every row is gathered at once
    relevance = relevance_for_demand(index, c, rows)
    # then each row's figure is its shared weight summed exactly (in no particular order:
    # math.fsum) over the demand's, whatever order the gather added them in
    weights = dict(zip(c.tokens.tolist(), index.token_idf(c.tokens).tolist(), strict=True))
    total = math.fsum(weights.values())
    for row, figure in zip(rows.tolist(), relevance.tolist(), strict=True):
        if not total:
            expected = TEXT_NO_QUERY
        elif index.col("stuffed")[row]:
            expected = 0.0
        else:
            shared = math.fsum(weights.get(t, 0.0) for t in index.row_tokens(row).tolist())
            expected = shared / total
        assert figure == expected


def test_float32_weights_too_far_apart_to_add_exactly_are_summed_in_numpys_order():
    # given float32 weights 2^0 … 2^-30 apart, or float64 ones
    wide = np.array([1.0, 2.0**-30], dtype=np.float32)
    narrow = np.array([0.7, 1.1, 13.8], dtype=np.float32)
    # then only the narrow float32 ones may be added in any order
    assert exactly_summed(narrow, 32)
    assert not exactly_summed(wide, 32)
    assert not exactly_summed(narrow.astype(np.float64), 32)


multi_kind_demand_st = demand_st.map(
    lambda d: replace(d, kinds_needed=["module", "terminal", "platform"][: 2 + d.id % 2])
)
# Enough published listings of each kind for a full heap of bundles and branches to skip.
bundle_market_st = st.lists(
    offerings_st.filter(len).map(lambda batch: batch[0]),
    min_size=20,
    max_size=60,
    unique_by=lambda o: o.id,
).map(lambda batch: [replace(o, published=True) for o in batch])
verified_vendors_st = vendors_st.map(
    lambda vendors: {i: replace(v, verified=True) for i, v in vendors.items()}
)


@SETTINGS
@given(
    offerings=bundle_market_st,
    vendors=verified_vendors_st,
    demand=multi_kind_demand_st,
    limit=st.integers(1, 5),
)
def test_bundles_are_the_same_whether_hopeless_branches_are_walked_or_not(
    offerings, vendors, demand, limit
):
    # given a catalogue and a demand needing several kinds, matched once
    index = _index(offerings, vendors)
    matches = match_demand(index, demand, now=NOW, explain_results=False)
    # when its best bundles are found skipping branches that cannot reach them, and again
    # walking every branch
    pruned = solution_bundles(index, matches, limit=limit)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundles, "ROUNDING_REACH", float("inf"))
        walked = solution_bundles(index, matches, limit=limit)
    # then they are the same bundles in the same order
    assert pruned == walked
