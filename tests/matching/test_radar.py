"""The radar counts a demand as without feasible supply exactly when matching flagged it so:
one rule of feasibility, the engine's, behind both."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.matching import loader
from apps.matching.models import DemandCoverage, MismatchFlag

from .radar_market import DEMANDS, build_market

pytestmark = pytest.mark.django_db

# Flags matching raises when some kind a demand needs has no feasible offering at all.
NO_FEASIBLE_SUPPLY = {"no_supply", "no_regional_supply", "tech_unsupported", "cert_gap"}


@pytest.fixture(autouse=True)
def reference(db):
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    yield
    loader.forget_market()


def test_demands_without_feasible_supply_are_those_matching_flagged_so():
    # given the radar's market, matched and aggregated
    demands = build_market()
    # then each open demand has its share of the radar
    coverage = {row.demand_id: row for row in DemandCoverage.objects.all()}
    assert set(coverage) == {d.pk for d in demands.values()}
    flags: dict[int, set[str]] = {}
    for flag in MismatchFlag.objects.filter(subject_type="demand", resolved_at__isnull=True):
        flags.setdefault(flag.demand_id, set()).add(flag.code)
    # and a demand counts as without feasible supply exactly when matching found none for it
    for title, *_ in DEMANDS:
        demand = demands[title]
        blocked = bool(flags.get(demand.pk, set()) & NO_FEASIBLE_SUPPLY)
        assert coverage[demand.pk].feasible is not blocked, title
    assert not coverage[demands["广东两轮车定位终端 8 万台"].pk].feasible
    # and a nationwide demand is its own province
    nationwide = coverage[demands["全国路灯控制器 10 万套"].pk]
    assert nationwide.provinces == ["nationwide"]
