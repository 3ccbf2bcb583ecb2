"""Why a match scored as it did: facts per criterion at match time, sentences at read time.

Matching records, per criterion, the few codes and figures a sentence needs (`facts`); the
zh-Hans and English sentences are rendered from them when someone reads the match
(`explain_breakdown`, `explain_unmet`, `summarise`). A full rematch stores 1.6M matches:
formatting 18 sentences for each (most never read) cost more than scoring them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .index import CompiledDemand, OfferingIndex
from .reference import PRICE_UNITS, mask_to_int
from .scoring import CRITERIA, Weights, whole_points

# (dimension, code) → (zh, en) display names; ReferenceData.name has this shape.
Names = Callable[[str, str], tuple[str, str]]


class Criterion(NamedTuple):
    """One criterion of a match: sub-score in [0, 1], its weight, points and the facts behind it."""

    code: str
    score: float
    weight: float
    points: float
    facts: dict


class Unmet(NamedTuple):
    """A soft constraint the match does not meet (it stays a match, ranked lower)."""

    code: str
    figures: dict


@dataclass(frozen=True)
class MatchResult:
    """One ranked offering for a demand, with its stored (JSON-ready) breakdown and unmet list."""

    demand_id: int
    offering_id: int
    vendor_id: int
    kind: str
    score: float
    details: dict
    unmet_figures: list[dict]

    def breakdown(self) -> dict:
        """Per criterion: sub-score, weight, points and facts (see explain_breakdown)."""
        return self.details

    def unmet_json(self) -> list[dict]:
        return self.unmet_figures

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(
            Criterion(code, d["score"], d["weight"], d["points"], d["facts"])
            for code, d in self.details.items()
        )

    @property
    def unmet(self) -> tuple[Unmet, ...]:
        return tuple(Unmet(u["code"], u["figures"]) for u in self.unmet_figures)


def _bits(column: np.ndarray, position: int) -> int:
    """One row of a uint64 mask column as a Python int (mask_to_int without the row view,
    for the common one-word masks)."""
    if column.shape[1] == 1:
        return int(column[position, 0])
    return mask_to_int(column[position])


@lru_cache(maxsize=8192)
def _codes(vocab, bits: int, limit: int) -> list[str]:
    return [code for i, code in enumerate(vocab.codes) if bits >> i & 1][:limit]


def region_credit(index: OfferingIndex, position: int, c: CompiledDemand) -> tuple[int, int, int]:
    """(fully covered, partly covered, total) demand regions for one offering row, by the rule
    of apps.catalog.reference.regions."""
    if not c.regions:
        return (0, 0, 0)
    row = index.cols.data
    nationwide = bool(row["nationwide"][position])
    full_bits = _bits(row["prov_full"], position)
    city_bits = _bits(row["prov_city"], position)
    own = index.row_cities.get(position, ())
    full = partial = 0
    for p, code in c.regions:
        if nationwide:
            full += 1
        elif p < 0:
            continue
        elif full_bits >> p & 1:
            full += 1
        elif code % 100:
            full += code in own or code - code % 100 in own
        elif code:
            if code in own:
                full += 1
            elif any(mine % 100 and mine - mine % 100 == code for mine in own):
                partial += 1
        elif city_bits >> p & 1:
            partial += 1
    return full, partial, len(c.regions)


def _number(value: float) -> float | int:
    """JSON-friendly: whole numbers as int, others rounded to cents."""
    return int(value) if float(value).is_integer() else round(float(value), 2)


def _failed_checks(c: CompiledDemand) -> list[str]:
    """The profile checks the demand's requested technologies fail (e.g. mobility, voice)."""
    failed: list[str] = []
    for code in c.spec.technologies:
        assessment = c.advice.assessment(code)
        if assessment is not None:
            failed.extend(check.code for check in assessment.failed)
    return list(dict.fromkeys(failed))


def query_weights(index: OfferingIndex, c: CompiledDemand) -> tuple[float, dict[int, float]]:
    """The demand's summed token idf, and idf (rounded to 6 places) per token that can count
    as a shared keyword.

    Computed once per demand, not per explained row."""
    if not len(c.tokens):
        return 0.0, {}
    idf = index.token_idf(c.tokens)
    # Rounded here, once per demand: the weights only order the keywords a row shares.
    return float(idf.sum()), {
        t: round(w, 6) for t, w in zip(c.tokens.tolist(), idf.tolist(), strict=True) if w > 0
    }


def explain(
    index: OfferingIndex,
    position: int,
    c: CompiledDemand,
    subs: dict[str, float],
    weights: Weights,
    *,
    now: float,
    query: tuple[float, dict[int, float]],
) -> tuple[dict, list[dict]]:
    """The breakdown (per criterion: sub-score, weight, points, facts) of one pair, JSON-ready,
    and the soft constraints it misses. `query` comes from query_weights."""
    ref = index.ref
    row = index.cols.data  # whole columns: indexing one position skips the view per read
    facts: dict[str, dict] = {}
    unmet: list[dict] = []

    function = int(row["function"][position])
    function_code = ref.function_vocab.codes[function] if function >= 0 else None
    fit = subs["function"]
    facts["function"] = {
        "fit": "listed" if fit >= 1.0 else "general" if row["general"][position] else "unstated",
        "function": function_code,
    }

    tech_bits = _bits(row["tech"], position)
    bits = c.bits
    preferred, allowed, feasible = bits["preferred"], bits["allowed"], bits["feasible"]
    tv = ref.tech_vocab
    if tech_bits & (preferred | (allowed & feasible)):
        good = tech_bits & preferred or tech_bits & allowed & feasible
        facts["technology"] = {
            "fit": "preferred" if tech_bits & preferred else "feasible",
            "codes": _codes(tv, good, 4),
        }
        if c.requested_misfit:
            # Shown because the requested technology cannot serve the demand: say so.
            facts["technology"]["instead_of"] = list(c.spec.technologies)
            facts["technology"]["failed"] = _failed_checks(c)
    elif not tech_bits:
        facts["technology"] = {"fit": "agnostic"}
    else:
        rec = c.advice.recommended
        facts["technology"] = {
            "fit": "misfit",
            "codes": _codes(tv, tech_bits & allowed, 4),
            "suggested": rec,
        }
        unmet.append({"code": "tech_misfit", "figures": {"suggested": rec}})

    sector_bits = _bits(row["sector"], position)
    spec = c.spec
    if sector_bits & bits["sector"]:
        if spec.scenario:
            scenario_bits = _bits(row["scenario"], position)
            fit = "scenario" if scenario_bits & bits["scenario"] else "sector_only"
            facts["sector"] = {"fit": fit, "sector": spec.sector, "scenario": spec.scenario}
        else:
            facts["sector"] = {"fit": "sector", "sector": spec.sector}
    elif not sector_bits:
        facts["sector"] = {"fit": "general"}
    else:
        facts["sector"] = {
            "fit": "other",
            "sector": spec.sector,
            "codes": _codes(ref.sector_vocab, sector_bits, 3),
        }

    full, partial, total = region_credit(index, position, c)
    if row["nationwide"][position]:
        facts["region"] = {"covered": full, "partial": partial, "total": total, "nationwide": True}
    else:
        facts["region"] = {"covered": full, "partial": partial, "total": total}
        if full < total:
            unmet.append({"code": "partial_region", "figures": facts["region"]})

    capacity = float(row["capacity"][position])
    need = float(c.need)
    facts["capacity"] = {"capacity": _number(capacity), "need": _number(need)}
    if capacity < need:
        unmet.append({"code": "capacity", "figures": {"capacity": capacity, "need": need}})
    min_order = int(row["min_order"][position])
    if min_order > spec.volume:
        unmet.append(
            {"code": "min_order", "figures": {"min_order": min_order, "volume": spec.volume}}
        )

    price = (float(row["price_min"][position]) + float(row["price_max"][position])) / 2
    budget = c.budget
    unit = int(row["unit"][position])
    if unit != c.budget_unit and budget == budget:
        # priced per card-year, say, against a budget per device: not comparable
        facts["price"] = {
            "price": _number(price),
            "budget": None,
            "unit": PRICE_UNITS[unit] if unit >= 0 else None,
            "budget_unit": PRICE_UNITS[c.budget_unit],
        }
    elif budget != budget:  # NaN: no budget given
        facts["price"] = {"price": _number(price), "budget": None}
    else:
        budget = float(budget)
        facts["price"] = {"price": _number(price), "budget": _number(budget)}
        if price > budget:
            unmet.append({"code": "price", "figures": {"price": price, "budget": budget}})

    # Only the certificates asked of this offering's kind (a platform is never asked for IP68).
    asked = c.for_kind(ref.kind_vocab.codes[int(row["kind"][position])])
    wanted = asked.bits["wanted_certs"]
    if not wanted:
        facts["certification"] = {"required": []}
    else:
        cv = ref.cert_vocab
        missing = wanted & ~_bits(row["cert"], position)
        facts["certification"] = {
            "required": _codes(cv, wanted, 6),
            "missing": _codes(cv, missing, 6),
        }
        if missing:
            unmet.append(
                {"code": "certification", "figures": {"missing": _codes(cv, missing, len(cv))}}
            )
    protocols = asked.bits["required_protocols"]
    unspoken = (
        protocols & ~_bits(row["protocol"], position)
        if protocols and not row["general"][position]
        else 0
    )
    if unspoken:
        pv = ref.protocol_vocab
        facts["certification"]["protocols_missing"] = _codes(pv, unspoken, 6)
        unmet.append({"code": "protocol", "figures": {"missing": _codes(pv, unspoken, len(pv))}})
    if asked.posit_need:
        # Below the floor when it states other methods only; here it states the one asked
        # for, or none at all (then the buyer should ask).
        method = ref.positioning_vocab.codes[asked.posit_need.bit_length() - 1]
        stated = int(row["posit"][position]) & asked.posit_need
        facts["certification"]["positioning" if stated else "positioning_unstated"] = method
        if not stated:
            unmet.append({"code": "positioning", "figures": {"method": method}})

    query_idf, query_tokens = query
    if query_idf <= 0 or not len(c.tokens):
        facts["text"] = {"keywords": None}
    elif row["stuffed"][position]:
        facts["text"] = {"keywords": [], "stuffed": True}
    else:
        # The row's padding (-1) is never a query token.
        shared = [t for t in set(row["tokens"][position].tolist()) if t in query_tokens]
        if len(shared) > 1:
            # Highest idf first, then alphabetical: independent of token ids (load order).
            words = sorted(
                zip(
                    index.tokens.words(shared),
                    [query_tokens[t] for t in shared],
                    strict=True,
                ),
                key=_by_weight_then_word,
            )
            facts["text"] = {"keywords": [word for word, _ in words[:5]]}
        else:
            facts["text"] = {"keywords": index.tokens.words(shared)}

    vendor = int(row["vendor"][position])
    response = float(index.vendor_response[vendor])
    facts["credibility"] = {
        "cases": int(index.vendor_cases[vendor]),
        "response": None if response != response else round(response, 4),
    }
    days = max(0.0, (now - float(row["updated_at"][position])) / 86400)
    facts["freshness"] = {"days": round(days)}

    breakdown = {}
    for name, weight, norm, rounded in _criterion_roundings(weights):
        score = subs[name]
        # Only non-zero floats are remembered: 0.0 and -0.0 (or 1 and 1.0) are one key but
        # round to different JSON.
        remembered = score.__class__ is float and score != 0.0
        figures = rounded.get(score) if remembered else None
        if figures is None:
            if len(rounded) >= _ROUNDED_MAX:
                rounded.clear()
            figures = (round(score, 4), round(score * norm * 100, 2))
            if remembered:
                rounded[score] = figures
        breakdown[name] = {
            "score": figures[0],
            "weight": weight,
            "points": figures[1],
            "facts": facts[name],
        }
    return breakdown, unmet


# Distinct sub-scores remembered per criterion: most criteria take few values (fits, vendor
# figures), and a dict lookup costs a tenth of the two round() calls (≈ 0.75 µs) it replaces
# for each of the 10 criteria of every explained row.
_ROUNDED_MAX = 50_000


def _criterion_roundings(weights: Weights) -> list[tuple[str, float, float, dict]]:
    """Per criterion: name, weight, normalised weight and its memo of sub-score →
    (sub-score rounded, points rounded), kept on the weights (immutable) they depend on."""
    cached = weights.__dict__.get("_roundings")
    if cached is None:
        # Equal weights share the memos (callers build a Weights per task or slice).
        memos = _ROUNDINGS.setdefault(weights, [{} for _ in CRITERIA])
        norm = weights.normalised()
        cached = [
            (name, getattr(weights, name), norm[name], memo)
            for name, memo in zip(CRITERIA, memos, strict=True)
        ]
        object.__setattr__(weights, "_roundings", cached)
    return cached


_ROUNDINGS: dict[Weights, list[dict]] = {}


def _by_weight_then_word(pair: tuple[str, float]) -> tuple[float, str]:
    return (-pair[1], pair[0])


# --- sentences, rendered when a match is read ----------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _joined(name: Names, dimension: str, codes) -> tuple[str, str]:
    pairs = [name(dimension, code) for code in codes or ()]
    return "、".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)


# Requirement-profile checks by name, for "you asked for NB-IoT; mobility needs Cat.1".
CHECK_NAMES = {
    "uplink": ("上行速率", "the uplink rate"),
    "latency": ("时延", "the latency"),
    "mobility": ("移动性", "mobility"),
    "coverage": ("覆盖深度", "the coverage depth"),
    "battery": ("电池寿命", "the battery life"),
    "voice": ("语音", "voice"),
    "video": ("视频", "video"),
    "positioning": ("定位", "positioning"),
}


def _function(f: Mapping, name: Names) -> tuple[str, str]:
    fzh, fen = name("function", f["function"]) if f.get("function") else ("—", "—")
    fit = f.get("fit")
    if fit == "listed":
        return (f"产品功能为“{fzh}”，正是需求所需。", f"A {fen}: a function the demand needs.")
    if fit == "general":
        return (
            f"通用型“{fzh}”，适用于其技术可服务的任何场景。",
            f"A general-purpose {fen}: fits any scenario its technology serves.",
        )
    return (
        f"需求未限定此类供给的功能；本产品为“{fzh}”。",
        f"The demand names no function for this kind of supply; this is a {fen}.",
    )


def _technology(f: Mapping, name: Names) -> tuple[str, str]:
    fit = f.get("fit")
    zh, en = _joined(name, "technology", f.get("codes"))
    if f.get("instead_of"):
        rzh, ren = _joined(name, "technology", f["instead_of"])
        checks = [CHECK_NAMES[c] for c in f.get("failed") or () if c in CHECK_NAMES]
        why_zh = "、".join(c[0] for c in checks) or "需求画像"
        names_en = [c[1] for c in checks] or ["the profile"]
        why_en = (
            ", ".join(names_en[:-1]) + " and " + names_en[-1] if len(names_en) > 1 else names_en[0]
        )
        return (
            f"需求指定 {rzh}，但其在{why_zh}上不满足要求；本供给采用能满足要求的 {zh}。",
            f"You asked for {ren}, which falls short on {why_en}; this offering uses {en}, "
            "which meets the profile.",
        )
    if fit == "preferred":
        return (
            f"支持首选技术 {zh}，满足需求画像。",
            f"Supports the preferred technology {en}, which meets the requirement profile.",
        )
    if fit == "feasible":
        return (
            f"支持 {zh}，能满足需求画像，但不是成本最优的技术。",
            f"Supports {en}, which meets the profile but is not the lowest-cost choice.",
        )
    if fit == "agnostic":
        return (
            "与网络技术无关（如平台或服务），可配合任意接入技术。",
            "Technology-agnostic (e.g. a platform or service); works with any access technology.",
        )
    rec = f.get("suggested")
    rzh, ren = name("technology", rec) if rec else ("—", "—")
    return (
        f"提供需求指定的 {zh}，但该技术不满足需求画像，建议改用 {rzh}。",
        f"Offers the requested {en}, but it does not meet the profile; {ren} would.",
    )


def _sector(f: Mapping, name: Names) -> tuple[str, str]:
    fit = f.get("fit")
    if fit == "general":
        return ("通用产品，未限定行业。", "A general-purpose product not tied to a sector.")
    szh, sen = name("sector", f.get("sector", ""))
    if fit == "other":
        zh, en = _joined(name, "sector", f.get("codes"))
        return (f"主要面向{zh}，不在{szh}行业。", f"Aimed at {en}, not at the {sen} sector.")
    if fit == "sector":
        return (f"面向{szh}行业。", f"Serves the {sen} sector.")
    czh, cen = name("scenario", f.get("scenario", ""))
    if fit == "scenario":
        return (
            f"面向{szh}行业，并覆盖“{czh}”场景。",
            f"Serves the {sen} sector and the '{cen}' scenario.",
        )
    return (
        f"面向{szh}行业，但未标明“{czh}”场景经验。",
        f"Serves the {sen} sector but lists no '{cen}' scenario experience.",
    )


def _region(f: Mapping, name: Names) -> tuple[str, str]:
    full, partial, total = f.get("covered", 0), f.get("partial", 0), f.get("total", 0)
    if total == 0:
        return ("需求未限定部署区域。", "The demand names no deployment region.")
    if f.get("nationwide"):
        return ("全国服务，覆盖全部部署区域。", "Serves nationwide, every deployment region.")
    return (
        f"覆盖 {total} 个部署区域中的 {full} 个"
        + (f"（另有 {partial} 个部分覆盖）" if partial else "")
        + "。",
        f"Covers {full} of {total} deployment regions"
        + (f" ({partial} more in part)" if partial else "")
        + ".",
    )


def _capacity(f: Mapping, name: Names) -> tuple[str, str]:
    capacity, need = float(f.get("capacity", 0)), float(f.get("need", 0))
    if capacity >= need:
        return (
            f"年产能 {_fmt(capacity)}，足以满足每年约 {_fmt(need)} 的需求量。",
            f"Annual capacity {_fmt(capacity)} covers the yearly need of about {_fmt(need)}.",
        )
    share = capacity / need * 100 if need else 0
    return (
        f"年产能 {_fmt(capacity)}，仅能满足每年约 {_fmt(need)} 需求量的 {share:.0f}%。",
        f"Annual capacity {_fmt(capacity)} covers only {share:.0f}% of the yearly need of "
        f"about {_fmt(need)}.",
    )


# Price units as written after an amount (the default, per device, is left unsaid).
UNIT_NAMES = {
    "device": ("元/台", "per device"),
    "card_year": ("元/卡/年", "per card-year"),
    "device_year": ("元/设备/年", "per device-year"),
    "project": ("元/项目", "per project"),
}


def _price(f: Mapping, name: Names) -> tuple[str, str]:
    price, budget = float(f.get("price", 0)), f.get("budget")
    if f.get("budget_unit"):
        uzh, uen = UNIT_NAMES.get(f.get("unit") or "", ("元", ""))
        bzh, ben = UNIT_NAMES.get(f["budget_unit"], ("元", ""))
        return (
            f"参考价约 {_fmt(price)} {uzh}；需求预算按{bzh}计，不直接比较。",
            f"Price about CNY {_fmt(price)} {uen}; the budget is {ben}, so they are not compared.",
        )
    if budget is None:
        return (
            f"参考单价约 {_fmt(price)} 元；需求未给出预算。",
            f"Unit price about CNY {_fmt(price)}; the demand gives no budget.",
        )
    budget = float(budget)
    if price <= budget:
        return (
            f"参考单价约 {_fmt(price)} 元，在单位预算 {_fmt(budget)} 元以内。",
            f"Unit price about CNY {_fmt(price)}, within the CNY {_fmt(budget)} budget.",
        )
    over = f" {(price / budget - 1) * 100:.0f}%" if budget else ""
    return (
        f"参考单价约 {_fmt(price)} 元，超出单位预算 {_fmt(budget)} 元{over}。",
        f"Unit price about CNY {_fmt(price)}, above the CNY {_fmt(budget)} budget"
        + (f" by{over}" if budget else "")
        + ".",
    )


def _certification(f: Mapping, name: Names) -> tuple[str, str]:
    for key, zh_text, en_text in (
        ("positioning", "支持需求要求的{method}。", "Supports the required {method}."),
        (
            "positioning_unstated",
            "未说明是否支持需求要求的{method}，请向厂商确认。",
            "Does not state whether it supports the required {method}; ask the vendor.",
        ),
    ):
        if f.get(key):
            zh, en = name("positioning", f[key])
            czh, cen = _certification({k: v for k, v in f.items() if k != key}, name)
            return (f"{czh}{zh_text.format(method=zh)}", f"{cen} {en_text.format(method=en)}")
    if f.get("protocols_missing"):
        pzh, pen = _joined(name, "protocol", f["protocols_missing"])
        czh, cen = _certification({k: v for k, v in f.items() if k != "protocols_missing"}, name)
        return (
            f"{czh}不支持需求要求的协议：{pzh}。",
            f"{cen} Does not speak the required protocols: {pen}.",
        )
    if not f.get("required"):
        return ("需求与场景无认证要求。", "No certification is required.")
    if f.get("missing"):
        zh, en = _joined(name, "certification", f["missing"])
        return (
            f"缺少场景常需的认证：{zh}。",
            f"Lacks certifications the scenario usually needs: {en}.",
        )
    zh, en = _joined(name, "certification", f["required"])
    return (f"具备所需认证：{zh}。", f"Holds the certifications: {en}.")


def _text(f: Mapping, name: Names) -> tuple[str, str]:
    if f.get("stuffed"):
        return (
            "描述罗列了大量其他产品的关键词，不计文本相关度。",
            "Its description lists many products it is not, so its text earns nothing.",
        )
    words = f.get("keywords")
    if words is None:
        return (
            "需求没有可比对的特征关键词。",
            "The demand has no distinctive keywords to compare.",
        )
    if words:
        return (
            f"描述与需求相关，共同关键词：{'、'.join(words)}。",
            f"Its description shares keywords with the demand: {', '.join(words)}.",
        )
    return ("描述与需求文字没有共同关键词。", "Its description shares no keyword with the demand.")


def _credibility(f: Mapping, name: Names) -> tuple[str, str]:
    cases, response = f.get("cases", 0), f.get("response")
    resp_zh = "" if response is None else f"，对接响应率 {response * 100:.0f}%"
    resp_en = "" if response is None else f", answers {response * 100:.0f}% of introductions"
    return (
        f"已认证厂商，典型案例 {cases} 个{resp_zh}。",
        f"Verified vendor with {cases} typical case{'s' if cases != 1 else ''}{resp_en}.",
    )


def _freshness(f: Mapping, name: Names) -> tuple[str, str]:
    days = f.get("days", 0)
    return (f"信息 {days} 天前更新。", f"Listing updated {days} day{'s' if days != 1 else ''} ago.")


SENTENCES: dict[str, Callable[[Mapping, Names], tuple[str, str]]] = {
    "function": _function,
    "technology": _technology,
    "sector": _sector,
    "region": _region,
    "capacity": _capacity,
    "price": _price,
    "certification": _certification,
    "text": _text,
    "credibility": _credibility,
    "freshness": _freshness,
}
# An unmet constraint reads as the sentence of the criterion it belongs to.
UNMET_CRITERION = {
    "tech_misfit": "technology",
    "partial_region": "region",
    "capacity": "capacity",
    "price": "price",
    "certification": "certification",
    "protocol": "certification",
    "positioning": "certification",
}


def sentence(code: str, item: Mapping, name: Names) -> tuple[str, str]:
    """(zh, en) sentence of one stored breakdown item; items stored with text keep theirs."""
    if "facts" not in item:
        return item.get("zh", ""), item.get("en", "")
    return SENTENCES[code](item["facts"], name)


def explain_breakdown(breakdown: Mapping, name: Names) -> dict:
    """The stored breakdown with each criterion's zh and en sentences added (other keys, e.g.
    a bundle's components, as stored)."""
    out = {}
    for code, item in (breakdown or {}).items():
        if code in SENTENCES and isinstance(item, Mapping):
            zh, en = sentence(code, item, name)
            item = {**item, "zh": zh, "en": en}
        out[code] = item
    return out


def explain_unmet(unmet, explained: Mapping) -> list[dict]:
    """Stored unmet constraints with their zh and en sentences; `explained` is the match's
    explain_breakdown, whose sentences an unmet constraint repeats."""
    out = []
    for entry in unmet or ():
        code, figures = entry.get("code", ""), entry.get("figures") or {}
        if "zh" in entry:
            zh, en = entry["zh"], entry.get("en", "")
        elif code == "min_order":
            zh, en = (
                f"最小起订量 {figures.get('min_order')} 高于需求规模 {figures.get('volume')}。",
                f"Minimum order {figures.get('min_order')} exceeds the demand volume "
                f"{figures.get('volume')}.",
            )
        elif UNMET_CRITERION.get(code) in (explained or {}):
            item = explained[UNMET_CRITERION[code]]
            zh, en = item["zh"], item["en"]
        else:
            zh, en = code, code
        out.append({"code": code, "zh": zh, "en": en, "figures": figures})
    return out


def summarise(explained: Mapping, score: float) -> tuple[str, str]:
    """A short overall sentence: the score and the two strongest reasons (from the match's
    explain_breakdown)."""
    items = [(code, item) for code, item in (explained or {}).items() if code in SENTENCES]
    best = sorted(items, key=lambda pair: (-pair[1].get("points", 0), pair[0]))[:2]
    return (
        f"匹配度 {whole_points(score)} 分：" + "".join(item["zh"] for _, item in best),
        f"Match score {whole_points(score)}: " + " ".join(item["en"] for _, item in best),
    )
