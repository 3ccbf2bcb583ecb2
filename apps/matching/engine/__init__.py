"""The matching core: plain Python + numpy, no Django. Data in, ranked explained results out.

Bump ENGINE_VERSION whenever scoring, feasibility or explanations change meaning: stored
matches carry it, and a full rematch replaces every row of an older version.
"""

from __future__ import annotations

from dataclasses import dataclass

from .advice import TechnologyAdvice, assess_technology, technology_advice
from .bundles import Bundle, PartnerSuggestion, solution_bundles, suggest_partners
from .explain import Criterion, MatchResult, Unmet
from .index import (
    CompiledDemand,
    DemandIndex,
    DemandSpec,
    OfferingIndex,
    OfferingRecord,
    VendorRecord,
    annual_need,
    compile_demand,
)
from .matcher import (
    DemandMatches,
    explain_ranked,
    match_demand,
    match_offering,
    ranked_offerings,
)
from .mismatch import Flag, cell_flags, demand_flags, offering_flags
from .radar import DemandSupply, RadarCell, demand_supplies, radar_cells
from .reference import FunctionSpec, ReferenceData, RequirementProfile, TechnologySpec
from .scoring import CRITERIA, Weights
from .text import TokenVocabulary, tokenize

ENGINE_VERSION = "2.2.1"


@dataclass(frozen=True)
class DemandAnalysis:
    """Everything the platform stores for one demand after matching it."""

    matches: DemandMatches
    bundles: list[Bundle]
    flags: list[Flag]

    @property
    def results(self) -> list[MatchResult]:
        return self.matches.results


def analyse_demand(
    index: OfferingIndex,
    demand: DemandSpec | CompiledDemand,
    *,
    now: float,
    weights: Weights | None = None,
    limit: int = 20,
    bundle_limit: int = 5,
    explain_results: bool = True,
) -> DemandAnalysis:
    """Matches per needed kind, solution bundles (when it needs several kinds) and flags.

    Without `explain_results` the matches are ranked but not explained (see explain_ranked).
    """
    matches = match_demand(
        index, demand, now=now, weights=weights, limit=limit, explain_results=explain_results
    )
    bundles = (
        solution_bundles(index, matches, limit=bundle_limit)
        if len(matches.demand.kinds) > 1
        else []
    )
    flags = demand_flags(index, matches, bundles if len(matches.demand.kinds) > 1 else None)
    return DemandAnalysis(matches=matches, bundles=bundles, flags=flags)


__all__ = [
    "CRITERIA",
    "ENGINE_VERSION",
    "Bundle",
    "CompiledDemand",
    "Criterion",
    "DemandAnalysis",
    "DemandIndex",
    "DemandMatches",
    "DemandSpec",
    "DemandSupply",
    "Flag",
    "FunctionSpec",
    "MatchResult",
    "OfferingIndex",
    "OfferingRecord",
    "PartnerSuggestion",
    "RadarCell",
    "ReferenceData",
    "RequirementProfile",
    "TechnologyAdvice",
    "TechnologySpec",
    "TokenVocabulary",
    "Unmet",
    "VendorRecord",
    "Weights",
    "analyse_demand",
    "annual_need",
    "assess_technology",
    "cell_flags",
    "compile_demand",
    "demand_flags",
    "demand_supplies",
    "explain_ranked",
    "match_demand",
    "match_offering",
    "offering_flags",
    "radar_cells",
    "ranked_offerings",
    "solution_bundles",
    "suggest_partners",
    "technology_advice",
    "tokenize",
]
