"""Mismatch flags: per demand, per offering, and aggregate sector × technology × province cells."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bundles import Bundle
from .index import ALL_REGIONS, ANY_TECH, OfferingIndex
from .matcher import DemandMatches, coverage_for_demand, relevant_rows, union
from .radar import ALL, SURPLUS_RATIO, RadarCell
from .reference import mask_to_int
from .scoring import PRICE, UNIT, covers

HIGH, MEDIUM, LOW = "high", "medium", "low"
STALE_DAYS = 180


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    zh: str
    en: str
    figures: dict = field(default_factory=dict)


def _kind_rows(index: OfferingIndex, kind: int, techs: list[int]) -> np.ndarray:
    rows = union([index.postings((kind, t, ALL_REGIONS)) for t in techs], index.mark())
    return rows[index.col("eligible")[rows]]


def demand_flags(
    index: OfferingIndex, matches: DemandMatches, bundles: list[Bundle] | None = None
) -> list[Flag]:
    """Why the market cannot (fully) serve a demand; empty when it can."""
    c = matches.demand
    ref = index.ref
    flags: dict[str, Flag] = {}
    every_tech = [*range(len(ref.tech_vocab)), ANY_TECH]
    allowed = mask_to_int(c.allowed[0])
    allowed_techs = [t for t in every_tech if t == ANY_TECH or allowed >> t & 1]

    def add(code: str, severity: str, zh: str, en: str, kind: str | None, **figures) -> None:
        previous = flags.get(code)
        kinds = (previous.figures.get("kinds", []) if previous else []) + ([kind] if kind else [])
        if previous:
            figures = {**previous.figures, **figures}
            zh, en = previous.zh, previous.en
        flags[code] = Flag(code, severity, zh, en, {**figures, "kinds": kinds})

    if c.requested_misfit:
        rec = c.advice.recommended
        failed = []
        for code in c.spec.technologies:
            assessment = c.advice.assessment(code)
            if assessment is not None:
                failed.extend(ch.code for ch in assessment.failed)
        rzh, ren = ref.name("technology", rec) if rec else ("无", "none")
        req_zh = "、".join(ref.name("technology", t)[0] for t in c.spec.technologies)
        req_en = ", ".join(ref.name("technology", t)[1] for t in c.spec.technologies)
        add(
            "tech_misfit",
            MEDIUM,
            f"指定的 {req_zh} 不满足需求画像，建议改用 {rzh}。",
            f"The requested {req_en} cannot meet the profile; {ren} would.",
            None,
            requested=list(c.spec.technologies),
            suggested=rec,
            failed_checks=sorted(set(failed)),
        )
    if not c.spec.technologies and c.advice.recommended is None:
        add(
            "tech_unsupported",
            HIGH,
            "没有任何网络技术能满足该需求画像。",
            "No network technology can meet this requirement profile.",
            None,
            reason="profile",
        )

    missing_kinds = []
    for kind_code, evaluation in matches.evaluations.items():
        kind = ref.kind_vocab.position[kind_code]
        kzh, ken = ref.name("kind", kind_code)
        if len(evaluation.positions):
            capacity = evaluation.capacity_total
            if capacity < c.need:
                ratio = capacity / c.need if c.need else 0.0
                add(
                    "capacity_shortfall",
                    HIGH if ratio < 0.5 else MEDIUM,
                    f"可行供给的{kzh}年产能合计 {capacity:,.0f}，"
                    f"低于每年约 {c.need:,.0f} 的需求量。",
                    f"Feasible {ken} capacity totals {capacity:,.0f} a year, below the yearly "
                    f"need of about {c.need:,.0f}.",
                    kind_code,
                    capacity=capacity,
                    need=c.need,
                    ratio=round(ratio, 4),
                )
            if not np.isnan(c.budget):
                cheapest = evaluation.cheapest_price
                if cheapest > c.budget:
                    add(
                        "price_gap",
                        LOW if cheapest <= 1.5 * c.budget else MEDIUM,
                        f"最便宜的可行{kzh}单价约 {cheapest:,.2f} 元，"
                        f"高于预算 {c.budget:,.2f} 元。",
                        f"The cheapest feasible {ken} costs about CNY {cheapest:,.2f}, above the "
                        f"CNY {c.budget:,.2f} budget.",
                        kind_code,
                        cheapest=cheapest,
                        budget=c.budget,
                    )
            continue
        missing_kinds.append(kind_code)
        supply = _kind_rows(index, kind, allowed_techs)
        if not len(supply):
            if c.spec.technologies and len(_kind_rows(index, kind, every_tech)):
                offered = index.col("tech")[_kind_rows(index, kind, every_tech)]
                available = ref.tech_vocab.decode(np.bitwise_or.reduce(offered, axis=0))
                add(
                    "tech_unsupported",
                    HIGH,
                    f"没有厂商提供采用所指定技术的{kzh}。",
                    f"No vendor offers a {ken} on the requested technology.",
                    kind_code,
                    requested=list(c.spec.technologies),
                    available=available,
                )
            else:
                add(
                    "no_supply",
                    HIGH,
                    f"平台上没有可用的{kzh}供给。",
                    f"No usable {ken} supply is listed on the platform.",
                    kind_code,
                )
            continue
        asked = c.for_kind(kind_code)
        if len(supply):
            supply = relevant_rows(index, c, kind_code, supply)
            if not len(supply):
                needed = ref.function_vocab.decode(c.functions[0] & asked.kind_functions[0])
                names = [ref.name("function", code) for code in needed]
                szh, sen = ref.name("sector", c.spec.sector)
                add(
                    "no_supply",
                    HIGH,
                    f"平台上没有所需功能的{kzh}供给（{'、'.join(n[0] for n in names)}）。"
                    if needed
                    else f"平台上没有面向{szh}行业的{kzh}供给。",
                    f"No {ken} with the needed function is listed "
                    f"({', '.join(n[1] for n in names)})."
                    if needed
                    else f"No {ken} made for the {sen} sector is listed.",
                    kind_code,
                    functions=needed,
                )
                continue
        coverage = coverage_for_demand(index, c, supply)
        regional = supply[coverage > 0]
        if not len(regional):
            add(
                "no_regional_supply",
                HIGH,
                f"有{kzh}供给，但都不服务需求的部署区域。",
                f"{ken.capitalize()} supply exists, but none serves the deployment regions.",
                kind_code,
                elsewhere=len(supply),
            )
            continue
        certs = index.col("cert")[regional]
        certified = regional[covers(certs, asked.required_certs)]
        if len(certified):
            # Everything else fits: the supply is priced out of the budget's reach.
            numbers = index.col("scoring_numbers")[certified]
            same_unit = numbers[numbers[:, UNIT] == c.budget_unit, PRICE]
            add(
                "price_gap",
                MEDIUM,
                f"区域内可行的{kzh}供给价格都远离预算 {c.budget:,.2f} 元（另一档次的产品）。",
                f"Every feasible {ken} in the region is priced far from the CNY "
                f"{c.budget:,.2f} budget (another class of product).",
                kind_code,
                cheapest=float(same_unit.min()) if len(same_unit) else None,
                budget=c.budget,
                regional=len(certified),
            )
            continue
        lacking = certs[~covers(certs, asked.required_certs)]
        vocab = ref.cert_vocab
        # How many regional offerings lack each required certification, most lacked first.
        lacked = {
            code: int(((lacking & vocab.mask([code])) == 0).all(axis=-1).sum())
            for code in vocab.decode(asked.required_certs[0])
        }
        missing = sorted((code for code, n in lacked.items() if n), key=lambda k: -lacked[k])
        add(
            "cert_gap",
            HIGH,
            f"区域内的{kzh}供给都缺少必需的认证。",
            f"Every {ken} supply in the region lacks a required certification.",
            kind_code,
            regional=len(regional),
            missing=missing,
        )

    if len(c.kinds) > 1 and (missing_kinds or (bundles is not None and not bundles)):
        add(
            "incomplete_chain",
            HIGH,
            "无法组成完整的解决方案：部分环节没有可行或相互兼容的供给。",
            "No complete solution can be assembled: some link of the chain has no feasible or "
            "compatible supply.",
            None,
            missing=missing_kinds,
        )
    return sorted(flags.values(), key=lambda f: f.code)


def offering_flags(
    index: OfferingIndex,
    offering_id: int,
    *,
    fits: int,
    now: float,
    stale_days: float = STALE_DAYS,
) -> list[Flag]:
    """no_demand when no open demand fits the offering; stale when it has not been updated."""
    flags = []
    if fits == 0:
        flags.append(
            Flag(
                "no_demand",
                LOW,
                "当前没有与该产品匹配的开放需求。",
                "No open demand currently fits this offering.",
                {"fits": 0},
            )
        )
    position = index.position.get(offering_id)
    if position is not None:
        age = (now - float(index.col("updated_at")[position])) / 86400
        if age > stale_days:
            flags.append(
                Flag(
                    "stale",
                    LOW,
                    f"产品信息已 {age:.0f} 天未更新。",
                    f"The listing has not been updated for {age:.0f} days.",
                    {"age_days": round(age, 1), "threshold_days": stale_days},
                )
            )
    return flags


def cell_flags(cells: list[RadarCell]) -> list[tuple[RadarCell, Flag]]:
    """Cells (sector × technology × province, not roll-ups) where connections lack feasible
    supply, or where the capacity attributed to them idles far above their yearly need; the
    thresholds are the radar's balance scale (radar.RadarCell.balance)."""
    out = []
    for cell in cells:
        if ALL in (cell.sector, cell.technology, cell.province):
            continue
        figures = {
            "demanded": round(cell.demanded, 2),
            "covered": round(cell.covered, 2),
            "unmet": round(cell.unmet, 2),
            "need": round(cell.need, 2),
            "capacity": round(cell.capacity, 2),
            "demands": cell.demands,
            "unserved": cell.unserved,
        }
        balance = cell.balance
        if balance in ("shortfall", "shortfall_severe"):
            out.append(
                (
                    cell,
                    Flag(
                        "supply_shortage",
                        HIGH if balance == "shortfall_severe" else MEDIUM,
                        f"{cell.demanded:,.0f} 个需求连接中有 {cell.unmet:,.0f} 个没有可行供给"
                        f"（覆盖率 {cell.coverage or 0:.1%}）。",
                        f"{cell.unmet:,.0f} of {cell.demanded:,.0f} demanded connections have "
                        f"no feasible supply (coverage {cell.coverage or 0:.1%}).",
                        figures,
                    ),
                )
            )
        elif balance == "idle":
            out.append(
                (
                    cell,
                    Flag(
                        "supply_surplus",
                        LOW,
                        f"归属该单元的可行年产能 {cell.capacity:,.0f} 是年需求量 "
                        f"{cell.need:,.0f} 的 {SURPLUS_RATIO:.0f} 倍以上。",
                        f"Feasible capacity of {cell.capacity:,.0f} a year attributed to the cell "
                        f"is over {SURPLUS_RATIO:.0f} times its yearly need of {cell.need:,.0f}.",
                        figures,
                    ),
                )
            )
    return out
