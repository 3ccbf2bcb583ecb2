"""One-sentence explanations (zh-Hans and English) per criterion, and unmet soft constraints."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .index import CompiledDemand, OfferingIndex
from .reference import ReferenceData, mask_to_int
from .scoring import CRITERIA, Weights


@dataclass(frozen=True)
class Criterion:
    """One criterion of a match: sub-score in [0, 1], its weight, points and explanations."""

    code: str
    score: float
    weight: float
    points: float
    zh: str
    en: str


@dataclass(frozen=True)
class Unmet:
    """A soft constraint the match does not meet (it stays a match, ranked lower)."""

    code: str
    zh: str
    en: str
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MatchResult:
    demand_id: int
    offering_id: int
    vendor_id: int
    kind: str
    score: float
    criteria: tuple[Criterion, ...]
    unmet: tuple[Unmet, ...]
    summary_zh: str
    summary_en: str

    def breakdown(self) -> dict:
        """JSON-ready per-criterion breakdown."""
        return {
            c.code: {
                "score": round(c.score, 4),
                "weight": c.weight,
                "points": round(c.points, 2),
                "zh": c.zh,
                "en": c.en,
            }
            for c in self.criteria
        }

    def unmet_json(self) -> list[dict]:
        return [{"code": u.code, "zh": u.zh, "en": u.en, "figures": u.figures} for u in self.unmet]


def _names(ref: ReferenceData, dimension: str, vocab, bits: int, limit: int = 4) -> tuple[str, str]:
    codes = [code for i, code in enumerate(vocab.codes) if bits >> i & 1][:limit]
    pairs = [ref.name(dimension, code) for code in codes]
    return "、".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def region_credit(index: OfferingIndex, position: int, c: CompiledDemand) -> tuple[int, int, int]:
    """(fully covered, partly covered, total) demand regions for one offering row."""
    if not c.regions:
        return (0, 0, 0)
    row = index.cols.data
    nationwide = bool(row["nationwide"][position])
    full_bits = mask_to_int(row["prov_full"][position])
    city_bits = mask_to_int(row["prov_city"][position])
    full = partial = 0
    for p, city in c.regions:
        if nationwide:
            full += 1
        elif p < 0:
            continue
        elif full_bits >> p & 1:
            full += 1
        elif city:
            if city in index.row_cities.get(position, ()):
                full += 1
        elif city_bits >> p & 1:
            partial += 1
    return full, partial, len(c.regions)


def explain(
    index: OfferingIndex,
    position: int,
    c: CompiledDemand,
    subs: dict[str, float],
    weights: Weights,
) -> tuple[tuple[Criterion, ...], tuple[Unmet, ...]]:
    """Sentences for every criterion of one pair, and the soft constraints it misses."""
    ref = index.ref
    row = index.cols.data  # whole columns: indexing one position skips the view per read
    norm = weights.normalised()
    raw = {f: getattr(weights, f) for f in CRITERIA}
    sentences: dict[str, tuple[str, str]] = {}
    unmet: list[Unmet] = []

    tech_bits = mask_to_int(row["tech"][position])
    bits = c.bits
    preferred, allowed, feasible = bits["preferred"], bits["allowed"], bits["feasible"]
    tv = ref.tech_vocab
    if tech_bits & preferred:
        zh, en = _names(ref, "technology", tv, tech_bits & preferred)
        sentences["technology"] = (
            f"支持首选技术 {zh}，满足需求画像。",
            f"Supports the preferred technology {en}, which meets the requirement profile.",
        )
    elif tech_bits & allowed & feasible:
        zh, en = _names(ref, "technology", tv, tech_bits & allowed & feasible)
        sentences["technology"] = (
            f"支持 {zh}，能满足需求画像，但不是成本最优的技术。",
            f"Supports {en}, which meets the profile but is not the lowest-cost choice.",
        )
    elif not tech_bits:
        sentences["technology"] = (
            "与网络技术无关（如平台或服务），可配合任意接入技术。",
            "Technology-agnostic (e.g. a platform or service); works with any access technology.",
        )
    else:
        zh, en = _names(ref, "technology", tv, tech_bits & allowed)
        rec = c.advice.recommended
        rzh, ren = ref.name("technology", rec) if rec else ("—", "—")
        sentences["technology"] = (
            f"提供需求指定的 {zh}，但该技术不满足需求画像，建议改用 {rzh}。",
            f"Offers the requested {en}, but it does not meet the profile; {ren} would.",
        )
        unmet.append(
            Unmet(
                "tech_misfit",
                sentences["technology"][0],
                sentences["technology"][1],
                {"suggested": rec},
            )
        )

    sector_bits = mask_to_int(row["sector"][position])
    scenario_bits = mask_to_int(row["scenario"][position])
    szh, sen = ref.name("sector", c.spec.sector)
    if sector_bits & bits["sector"]:
        if c.spec.scenario and scenario_bits & bits["scenario"]:
            czh, cen = ref.name("scenario", c.spec.scenario)
            sentences["sector"] = (
                f"面向{szh}行业，并覆盖“{czh}”场景。",
                f"Serves the {sen} sector and the '{cen}' scenario.",
            )
        elif c.spec.scenario:
            czh, cen = ref.name("scenario", c.spec.scenario)
            sentences["sector"] = (
                f"面向{szh}行业，但未标明“{czh}”场景经验。",
                f"Serves the {sen} sector but lists no '{cen}' scenario experience.",
            )
        else:
            sentences["sector"] = (f"面向{szh}行业。", f"Serves the {sen} sector.")
    elif not sector_bits:
        sentences["sector"] = (
            "通用产品，未限定行业。",
            "A general-purpose product not tied to a sector.",
        )
    else:
        zh, en = _names(ref, "sector", ref.sector_vocab, sector_bits, 3)
        sentences["sector"] = (
            f"主要面向{zh}，不在{szh}行业。",
            f"Aimed at {en}, not at the {sen} sector.",
        )

    full, partial, total = region_credit(index, position, c)
    if total == 0:
        sentences["region"] = ("需求未限定部署区域。", "The demand names no deployment region.")
    elif bool(row["nationwide"][position]):
        sentences["region"] = (
            "全国服务，覆盖全部部署区域。",
            "Serves nationwide, every deployment region.",
        )
    else:
        sentences["region"] = (
            f"覆盖 {total} 个部署区域中的 {full} 个"
            + (f"（另有 {partial} 个部分覆盖）" if partial else "")
            + "。",
            f"Covers {full} of {total} deployment regions"
            + (f" ({partial} more in part)" if partial else "")
            + ".",
        )
        if full < total:
            unmet.append(
                Unmet(
                    "partial_region",
                    sentences["region"][0],
                    sentences["region"][1],
                    {"covered": full, "partial": partial, "total": total},
                )
            )

    capacity = float(row["capacity"][position])
    min_order = int(row["min_order"][position])
    need = c.need
    if capacity >= need:
        sentences["capacity"] = (
            f"年产能 {_fmt(capacity)}，足以满足每年约 {_fmt(need)} 的需求量。",
            f"Annual capacity {_fmt(capacity)} covers the yearly need of about {_fmt(need)}.",
        )
    else:
        share = capacity / need * 100 if need else 0
        sentences["capacity"] = (
            f"年产能 {_fmt(capacity)}，仅能满足每年约 {_fmt(need)} 需求量的 {share:.0f}%。",
            f"Annual capacity {_fmt(capacity)} covers only {share:.0f}% of the yearly need of "
            f"about {_fmt(need)}.",
        )
        unmet.append(
            Unmet(
                "capacity",
                sentences["capacity"][0],
                sentences["capacity"][1],
                {"capacity": capacity, "need": need},
            )
        )
    if min_order > c.spec.volume:
        unmet.append(
            Unmet(
                "min_order",
                f"最小起订量 {min_order} 高于需求规模 {c.spec.volume}。",
                f"Minimum order {min_order} exceeds the demand volume {c.spec.volume}.",
                {"min_order": min_order, "volume": c.spec.volume},
            )
        )

    price = (float(row["price_min"][position]) + float(row["price_max"][position])) / 2
    if np.isnan(c.budget):
        sentences["price"] = (
            f"参考单价约 {_fmt(price)} 元；需求未给出预算。",
            f"Unit price about CNY {_fmt(price)}; the demand gives no budget.",
        )
    elif price <= c.budget:
        sentences["price"] = (
            f"参考单价约 {_fmt(price)} 元，在单位预算 {_fmt(c.budget)} 元以内。",
            f"Unit price about CNY {_fmt(price)}, within the CNY {_fmt(c.budget)} budget.",
        )
    else:
        over = (price / c.budget - 1) * 100 if c.budget else float("inf")
        sentences["price"] = (
            f"参考单价约 {_fmt(price)} 元，超出单位预算 {_fmt(c.budget)} 元"
            + (f" {over:.0f}%" if c.budget else "")
            + "。",
            f"Unit price about CNY {_fmt(price)}, above the CNY {_fmt(c.budget)} budget"
            + (f" by {over:.0f}%" if c.budget else "")
            + ".",
        )
        unmet.append(
            Unmet(
                "price",
                sentences["price"][0],
                sentences["price"][1],
                {"price": price, "budget": c.budget},
            )
        )

    cert_row = row["cert"][position]
    cert_bits = mask_to_int(cert_row)
    wanted = bits["wanted_certs"]
    if not wanted:
        sentences["certification"] = ("需求与场景无认证要求。", "No certification is required.")
    else:
        missing = wanted & ~cert_bits
        if not missing:
            zh, en = _names(ref, "certification", ref.cert_vocab, wanted, 6)
            sentences["certification"] = (
                f"具备所需认证：{zh}。",
                f"Holds the certifications: {en}.",
            )
        else:
            zh, en = _names(ref, "certification", ref.cert_vocab, missing, 6)
            sentences["certification"] = (
                f"缺少场景常需的认证：{zh}。",
                f"Lacks certifications the scenario usually needs: {en}.",
            )
            unmet.append(
                Unmet(
                    "certification",
                    sentences["certification"][0],
                    sentences["certification"][1],
                    {"missing": ref.cert_vocab.decode(c.wanted_certs[0] & ~cert_row)},
                )
            )

    query = c.tokens.tolist()
    shared = np.fromiter(set(query).intersection(index.row_tokens(position).tolist()), np.int32)
    shared = shared[index.token_idf(shared) > 0]
    if subs.get("_query_idf", 1.0) <= 0 or not query:
        sentences["text"] = (
            "需求没有可比对的特征关键词。",
            "The demand has no distinctive keywords to compare.",
        )
    elif len(shared):
        # Highest idf first, then alphabetical: independent of token ids (i.e. of load order).
        words = sorted(
            zip(index.tokens.words(shared), index.token_idf(shared).tolist(), strict=True),
            key=lambda pair: (-round(pair[1], 6), pair[0]),
        )
        words = [word for word, _ in words[:5]]
        sentences["text"] = (
            f"描述与需求相关，共同关键词：{'、'.join(words)}。",
            f"Its description shares keywords with the demand: {', '.join(words)}.",
        )
    else:
        sentences["text"] = (
            "描述与需求文字没有共同关键词。",
            "Its description shares no keyword with the demand.",
        )

    vendor = int(row["vendor"][position])
    cases = int(index.vendor_cases[vendor])
    response = float(index.vendor_response[vendor])
    resp_zh = "" if np.isnan(response) else f"，对接响应率 {response * 100:.0f}%"
    resp_en = "" if np.isnan(response) else f", answers {response * 100:.0f}% of introductions"
    sentences["credibility"] = (
        f"已认证厂商，典型案例 {cases} 个{resp_zh}。",
        f"Verified vendor with {cases} typical case{'s' if cases != 1 else ''}{resp_en}.",
    )

    days = max(0.0, (subs.get("_now", 0.0) - float(row["updated_at"][position])) / 86400)
    sentences["freshness"] = (
        f"信息 {days:.0f} 天前更新。",
        f"Listing updated {days:.0f} day{'s' if round(days) != 1 else ''} ago.",
    )

    criteria = tuple(
        Criterion(
            code=name,
            score=float(subs[name]),
            weight=raw[name],
            points=float(subs[name]) * norm[name] * 100,
            zh=sentences[name][0],
            en=sentences[name][1],
        )
        for name in CRITERIA
    )
    return criteria, tuple(unmet)


def summarise(criteria: tuple[Criterion, ...], score: float) -> tuple[str, str]:
    """A short overall sentence: the score and the two strongest reasons."""
    best = sorted(criteria, key=lambda c: (-c.points, c.code))[:2]
    return (
        f"匹配度 {score:.0f} 分：" + "".join(c.zh for c in best),
        f"Match score {score:.0f}: " + " ".join(c.en for c in best),
    )
