"""Regional coverage with counties: the engine, its offering-side twin, the explanation and the
naive oracle all follow apps.catalog.reference.regions."""

from __future__ import annotations

import pytest

from apps.matching.engine import DemandIndex, OfferingIndex, analyse_demand, match_offering
from apps.matching.engine.explain import explain_breakdown
from apps.matching.engine.naive import _coverage

from .engine_data import NOW, demand, offering, reference, vendors

REF = reference()
HANGZHOU, XIHU, GONGSHU = "330100", "330106", "330105"
NINGBO_HAISHU = "330203"
DONGCHENG = "110101"  # a Beijing district: no city between it and its province


def served_by(*regions: str, nationwide: bool = False):
    return offering(nationwide=nationwide, regions=regions)


@pytest.mark.parametrize(
    ("wanted", "served", "nationwide", "share"),
    [
        # a county is served by itself, its city, its province or the whole country
        ((XIHU,), (XIHU,), False, 1.0),
        ((XIHU,), (HANGZHOU,), False, 1.0),
        ((XIHU,), ("330000",), False, 1.0),
        ((XIHU,), (), True, 1.0),
        ((XIHU,), (GONGSHU,), False, 0.0),
        ((XIHU,), (NINGBO_HAISHU,), False, 0.0),
        # a whole city served in one of its counties is only partly covered
        ((HANGZHOU,), (XIHU,), False, 0.5),
        ((HANGZHOU,), (NINGBO_HAISHU,), False, 0.0),
        # a whole province served in one county is partly covered, as by one city
        (("330000",), (XIHU,), False, 0.5),
        # a municipality's district hangs from the province directly
        ((DONGCHENG,), ("110000",), False, 1.0),
        (("110000",), (DONGCHENG,), False, 0.5),
        # shares add up over the demand's regions
        ((XIHU, HANGZHOU, "310000"), (XIHU,), False, 1.5 / 3),
    ],
)
def test_coverage_follows_the_region_rule_in_engine_explanation_and_oracle(
    wanted, served, nationwide, share
):
    # given one offering serving `served` and a demand deploying in `wanted`
    listing = served_by(*served, nationwide=nationwide)
    index = OfferingIndex.build(REF, [listing], vendors(1))
    spec = demand(regions=wanted)
    # when the demand is matched, and the offering looks for demands
    analysis = analyse_demand(index, spec, now=NOW)
    demands = DemandIndex.build(REF, [spec], index.tokens)
    found, _ = match_offering(index, demands, listing.id, now=NOW)
    # then both sides and the oracle agree on the share of the regions covered
    assert _coverage(REF, listing, spec) == pytest.approx(share)
    if not share:
        assert analysis.results == [] and found == []
        return
    [result] = analysis.results
    region = result.breakdown()["region"]
    assert region["score"] == pytest.approx(share, abs=0.001)
    assert [r.score for r in found] == [result.score]
    facts = region["facts"]
    assert facts["covered"] + 0.5 * facts["partial"] == pytest.approx(share * len(wanted))


def test_a_county_demand_explains_its_coverage_in_words():
    index = OfferingIndex.build(REF, [served_by(HANGZHOU)], vendors(1))
    analysis = analyse_demand(index, demand(regions=(XIHU,)), now=NOW)
    region = explain_breakdown(analysis.results[0].breakdown(), REF.name)["region"]
    assert region["score"] == 1.0 and region["zh"] == "覆盖 1 个部署区域中的 1 个。"
