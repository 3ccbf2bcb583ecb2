"""Solution bundles (compatible offerings along the chain) and partner suggestions."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from .index import DemandIndex, OfferingIndex
from .matcher import BUNDLE_CANDIDATES_PER_KIND, DemandMatches, match_demand, match_offering
from .reference import mask_to_int
from .scoring import Weights, whole_points

BUNDLE_LIMIT = 5
# How far below a rounded score (2 places) an average can lie and still round up to it, with
# room for the float error of summing a few scores in another order.
ROUNDING_REACH = 0.005 + 1e-6


@dataclass(frozen=True)
class BundleComponent:
    offering_id: int
    vendor_id: int
    kind: str
    score: float


@dataclass(frozen=True)
class Bundle:
    """Offerings of every needed kind that work together over one technology and protocol."""

    demand_id: int
    components: tuple[BundleComponent, ...]
    score: float
    technology: str | None
    protocol: str | None
    explanation_zh: str
    explanation_en: str

    @property
    def offering_ids(self) -> tuple[int, ...]:
        return tuple(c.offering_id for c in self.components)


@dataclass(frozen=True)
class _Option:
    position: int
    offering_id: int
    vendor_id: int
    kind: str
    score: float
    tech: int
    protocol: int


def _lowest_bit(bits: int) -> int:
    return (bits & -bits).bit_length() - 1


def solution_bundles(
    index: OfferingIndex,
    matches: DemandMatches,
    *,
    limit: int = BUNDLE_LIMIT,
    per_kind: int = BUNDLE_CANDIDATES_PER_KIND,
    fixed: dict[str, int] | None = None,
) -> list[Bundle]:
    """The best `limit` bundles for a demand needing several kinds, best first.

    Compatible means: the components that declare technologies share one the demand allows,
    and the components that declare protocols share one. `fixed` pins a kind to an offering
    row (used for partner suggestions).
    """
    c = matches.demand
    ref = index.ref
    if len(matches.evaluations) < 2 or len(matches.evaluations) != len(c.kinds):
        return []
    allowed = mask_to_int(c.allowed[0])
    ids = index.col("id")
    options: list[list[_Option]] = []
    kinds = sorted(matches.evaluations, key=lambda k: (ref.kind_chain.get(k, 0), k))
    for kind in kinds:
        evaluation = matches.evaluations[kind]
        if fixed and kind in fixed:
            hits = np.flatnonzero(evaluation.positions == fixed[kind])
            chosen = hits[:1]
        else:
            chosen = evaluation.ranked(per_kind, ids)
        kind_options = []
        for i in chosen:
            position = int(evaluation.positions[i])
            kind_options.append(
                _Option(
                    position=position,
                    offering_id=int(ids[position]),
                    vendor_id=int(index.vendor_ids[index.col("vendor")[position]]),
                    kind=kind,
                    score=float(evaluation.scores[i]),
                    tech=mask_to_int(index.col("tech")[position]),
                    protocol=mask_to_int(index.col("protocol")[position]),
                )
            )
        if not kind_options:
            return []
        options.append(kind_options)

    best: list[tuple[float, tuple[int, ...], tuple[_Option, ...], int | None, int | None]] = []
    # The most the kinds from each depth on can add to a bundle's total: once the heap is full,
    # a branch whose best average stays below its lowest score by more than rounding can
    # lift cannot enter it, so it is not walked. The heap sees the same pushes and
    # replacements; for seed_demo's first 2,000 planned demands the walk took 13k calls
    # instead of 76k.
    ceiling = [0.0] * (len(options) + 1)
    for depth in range(len(options) - 1, -1, -1):
        ceiling[depth] = ceiling[depth + 1] + max(o.score for o in options[depth])

    def walk(
        depth: int,
        chosen: tuple[_Option, ...],
        tech: int | None,
        proto: int | None,
        total: float = 0.0,
    ):
        if depth == len(options):
            score = round(sum(o.score for o in chosen) / len(chosen), 2)
            # Min-heap of the best `limit`; ids negated so smaller ids win ties.
            key = (score, tuple(-o.offering_id for o in chosen))
            item = (*key, chosen, tech, proto)
            if len(best) < limit:
                heapq.heappush(best, item)
            elif key > best[0][:2]:
                heapq.heapreplace(best, item)
            return
        for option in options[depth]:
            if (
                len(best) == limit
                and (total + option.score + ceiling[depth + 1]) / len(options)
                < best[0][0] - ROUNDING_REACH
            ):
                continue
            next_tech = tech
            if option.tech:
                next_tech = (option.tech & allowed) if tech is None else (tech & option.tech)
                if not next_tech:
                    continue
            next_proto = proto
            if option.protocol:
                next_proto = option.protocol if proto is None else (proto & option.protocol)
                if not next_proto:
                    continue
            walk(depth + 1, (*chosen, option), next_tech, next_proto, total + option.score)

    walk(0, (), None, None)
    bundles = []
    for score, _, chosen, tech, proto in sorted(best, key=lambda b: (-b[0], [-x for x in b[1]])):
        tech_code = ref.tech_vocab.codes[_lowest_bit(tech)] if tech else None
        proto_code = ref.protocol_vocab.codes[_lowest_bit(proto)] if proto else None
        kinds_zh = " + ".join(ref.name("kind", o.kind)[0] for o in chosen)
        kinds_en = " + ".join(ref.name("kind", o.kind)[1] for o in chosen)
        tzh, ten = (
            ref.name("technology", tech_code) if tech_code else ("任意接入技术", "any access")
        )
        pzh, pen = ref.name("protocol", proto_code) if proto_code else ("", "")
        bundles.append(
            Bundle(
                demand_id=c.spec.id,
                components=tuple(
                    BundleComponent(o.offering_id, o.vendor_id, o.kind, o.score) for o in chosen
                ),
                score=score,
                technology=tech_code,
                protocol=proto_code,
                explanation_zh=f"{kinds_zh}：经 {tzh} 接入"
                + (f"，以 {pzh} 协议互通" if proto_code else "")
                + f"，平均匹配度 {whole_points(score)} 分。",
                explanation_en=f"{kinds_en} over {ten}"
                + (f", talking {pen}" if proto_code else "")
                + f"; average match score {whole_points(score)}.",
            )
        )
    return bundles


@dataclass(frozen=True)
class PartnerSuggestion:
    """A complementary vendor and the open demands the two could serve together."""

    vendor_id: int
    kinds: tuple[str, ...]
    demand_ids: tuple[int, ...]
    volume: float
    explanation_zh: str
    explanation_en: str


def suggest_partners(
    offerings: OfferingIndex,
    demands: DemandIndex,
    vendor_id: int,
    *,
    now: float,
    weights: Weights | None = None,
    limit: int = 10,
    offerings_examined: int = 20,
    demands_per_offering: int = 20,
) -> list[PartnerSuggestion]:
    """Vendors whose offerings complete this vendor's into bundles for open demands.

    Looks at the vendor's offerings' best-fitting multi-kind demands and counts, per other
    vendor, the demands where the best bundle holding this vendor's offering includes theirs.
    """
    vendor = offerings.vendor_position.get(vendor_id)
    if vendor is None:
        return []
    rows = np.flatnonzero((offerings.col("vendor") == vendor) & offerings.col("active"))
    rows = rows[np.argsort(offerings.col("id")[rows], kind="stable")][:offerings_examined]
    partners: dict[int, dict] = {}
    seen: set[tuple[int, int]] = set()
    for position in rows.tolist():
        offering_id = int(offerings.col("id")[position])
        kind = offerings.ref.kind_vocab.codes[int(offerings.col("kind")[position])]
        results, _ = match_offering(
            offerings, demands, offering_id, now=now, weights=weights, limit=demands_per_offering
        )
        for result in results:
            c = demands.compiled[demands.position[result.demand_id]]
            if len(c.kinds) < 2:
                continue
            matches = match_demand(
                offerings,
                c,
                now=now,
                weights=weights,
                explain_results=False,
                include={int(offerings.col("kind")[position]): position},
            )
            bundles = solution_bundles(offerings, matches, limit=1, fixed={kind: position})
            if not bundles:
                continue
            for component in bundles[0].components:
                if component.vendor_id == vendor_id:
                    continue
                if (component.vendor_id, c.spec.id) in seen:
                    continue
                seen.add((component.vendor_id, c.spec.id))
                entry = partners.setdefault(
                    component.vendor_id, {"kinds": set(), "demands": [], "volume": 0.0}
                )
                entry["kinds"].add(component.kind)
                entry["demands"].append(c.spec.id)
                entry["volume"] += float(c.spec.volume)
    ranked = sorted(
        partners.items(), key=lambda kv: (-len(kv[1]["demands"]), -kv[1]["volume"], kv[0])
    )
    out = []
    for partner_id, entry in ranked[:limit]:
        kinds = tuple(sorted(entry["kinds"]))
        names = offerings.ref
        kzh = "、".join(names.name("kind", k)[0] for k in kinds)
        ken = ", ".join(names.name("kind", k)[1] for k in kinds)
        n = len(entry["demands"])
        out.append(
            PartnerSuggestion(
                vendor_id=partner_id,
                kinds=kinds,
                demand_ids=tuple(sorted(entry["demands"])),
                volume=entry["volume"],
                explanation_zh=f"可提供{kzh}，与您的产品组合可共同满足 {n} 个开放需求。",
                explanation_en=f"Supplies {ken}; together you could serve {n} open "
                f"demand{'s' if n != 1 else ''}.",
            )
        )
    return out
