"""Technology advice: which technologies meet a requirement profile, and the cheapest one.

The "high–low mix" rule as data: every check compares the profile with a row of the
thresholds table, so tuning a threshold changes the advice without touching code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .reference import BATTERY_POWERED, RequirementProfile, TechnologySpec

MOBILITY_NAMES = {
    0: ("固定", "fixed"),
    1: ("游牧", "nomadic"),
    2: ("低速移动", "low-speed mobility"),
    3: ("车载高速移动", "vehicular mobility"),
}
COVERAGE_NAMES = {
    0: ("普通覆盖", "normal coverage"),
    1: ("室内覆盖", "indoor coverage"),
    2: ("深度覆盖", "deep-indoor coverage"),
}


@dataclass(frozen=True)
class Check:
    """One requirement compared with one technology's threshold."""

    code: str
    passed: bool
    zh: str
    en: str


@dataclass(frozen=True)
class TechnologyAssessment:
    technology: str
    name_zh: str
    name_en: str
    cost_rank: int
    feasible: bool
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


@dataclass(frozen=True)
class TechnologyAdvice:
    """Feasible technologies cheapest first, the recommendation and why, and every assessment."""

    recommended: str | None
    feasible: tuple[str, ...]
    assessments: tuple[TechnologyAssessment, ...]
    reason_zh: str
    reason_en: str

    def assessment(self, code: str) -> TechnologyAssessment | None:
        for item in self.assessments:
            if item.technology == code:
                return item
        return None


def assess_technology(profile: RequirementProfile, spec: TechnologySpec) -> TechnologyAssessment:
    """Compare a profile with one technology; only the requirements the profile states count."""
    checks: list[Check] = []
    n = spec.name_zh
    if profile.uplink_kbps is not None:
        ok = profile.uplink_kbps <= spec.max_uplink_kbps
        checks.append(
            Check(
                "uplink",
                ok,
                f"上行速率需求 {profile.uplink_kbps:g} kbps，"
                f"{n} 上限约 {spec.max_uplink_kbps:g} kbps",
                f"uplink need {profile.uplink_kbps:g} kbps, {spec.name_en} peaks at about "
                f"{spec.max_uplink_kbps:g} kbps",
            )
        )
    if profile.max_latency_ms is not None:
        ok = spec.typical_latency_ms <= profile.max_latency_ms
        checks.append(
            Check(
                "latency",
                ok,
                f"可接受时延 {profile.max_latency_ms:g} ms，"
                f"{n} 典型时延 {spec.typical_latency_ms:g} ms",
                f"latency budget {profile.max_latency_ms:g} ms, {spec.name_en} typically "
                f"{spec.typical_latency_ms:g} ms",
            )
        )
    if profile.mobility > 0:
        ok = profile.mobility <= spec.max_mobility
        need_zh, need_en = MOBILITY_NAMES.get(profile.mobility, (str(profile.mobility),) * 2)
        cap_zh, cap_en = MOBILITY_NAMES.get(spec.max_mobility, (str(spec.max_mobility),) * 2)
        checks.append(
            Check(
                "mobility",
                ok,
                f"需要{need_zh}，{n} 最多支持{cap_zh}",
                f"needs {need_en}, {spec.name_en} supports up to {cap_en}",
            )
        )
    if profile.coverage_depth > 0:
        ok = profile.coverage_depth <= spec.max_coverage_depth
        need_zh, need_en = COVERAGE_NAMES.get(profile.coverage_depth, ("?", "?"))
        cap_zh, cap_en = COVERAGE_NAMES.get(spec.max_coverage_depth, ("?", "?"))
        checks.append(
            Check(
                "coverage",
                ok,
                f"需要{need_zh}，{n} 可达{cap_zh}",
                f"needs {need_en}, {spec.name_en} reaches {cap_en}",
            )
        )
    if profile.power_source in BATTERY_POWERED and profile.battery_life_years:
        ok = profile.battery_life_years <= spec.max_battery_years
        checks.append(
            Check(
                "battery",
                ok,
                f"电池寿命需求 {profile.battery_life_years:g} 年，{n} 最长约 "
                f"{spec.max_battery_years:g} 年",
                f"battery life need {_years(profile.battery_life_years)}, {spec.name_en} "
                f"lasts up to about {_years(spec.max_battery_years)}",
            )
        )
    for flag, supported, code, zh, en in (
        (profile.needs_voice, spec.supports_voice, "voice", "语音", "voice"),
        (profile.needs_video, spec.supports_video, "video", "视频", "video"),
        (
            profile.needs_positioning,
            spec.supports_positioning,
            "positioning",
            "定位",
            "positioning",
        ),
    ):
        if flag:
            checks.append(
                Check(
                    code,
                    supported,
                    f"需要{zh}，{n}{'支持' if supported else '不支持'}",
                    f"needs {en}, {spec.name_en} {'supports' if supported else 'does not support'}"
                    " it",
                )
            )
    return TechnologyAssessment(
        technology=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        cost_rank=spec.cost_rank,
        feasible=all(c.passed for c in checks),
        checks=tuple(checks),
    )


def technology_advice(
    profile: RequirementProfile, technologies: Sequence[TechnologySpec]
) -> TechnologyAdvice:
    """Assess every technology; recommend the cheapest feasible one (lowest cost_rank)."""
    ordered = sorted(technologies, key=lambda t: (t.cost_rank, t.code))
    assessments = tuple(assess_technology(profile, spec) for spec in ordered)
    feasible = tuple(a.technology for a in assessments if a.feasible)
    if not feasible:
        return TechnologyAdvice(
            recommended=None,
            feasible=(),
            assessments=assessments,
            reason_zh="没有任何网络技术能同时满足该需求画像，请放宽速率、时延、移动性或续航要求。",
            reason_en="No network technology meets every requirement of this profile; relax the "
            "rate, latency, mobility or battery requirements.",
        )
    best = next(a for a in assessments if a.feasible)
    cheaper = [
        a
        for a in assessments
        if a.cost_rank < best.cost_rank
        or (a.cost_rank == best.cost_rank and a.technology < best.technology)
    ]
    met_zh = "；".join(c.zh for c in best.checks) or "需求画像没有特殊要求"
    met_en = "; ".join(c.en for c in best.checks) or "the profile states no special requirement"
    if cheaper:
        why_zh = "；".join(f"{a.name_zh}不满足（{a.failed[0].zh}）" for a in cheaper if a.failed)
        why_en = "; ".join(
            f"{a.name_en} falls short ({a.failed[0].en})" for a in cheaper if a.failed
        )
        reason_zh = (
            f"推荐 {best.name_zh}：满足需求画像的最低成本技术（高低搭配）。{met_zh}。"
            f"更低成本的选项：{why_zh}。"
        )
        reason_en = (
            f"{best.name_en} is recommended: the lowest-cost technology that meets the profile "
            f"(high–low mix). {met_en[:1].upper() + met_en[1:]}. Cheaper options: {why_en}."
        )
    else:
        reason_zh = f"推荐 {best.name_zh}：满足需求画像且成本最低（高低搭配）。{met_zh}。"
        reason_en = (
            f"{best.name_en} is recommended: it meets the profile at the lowest cost "
            f"(high–low mix). {met_en[:1].upper() + met_en[1:]}."
        )
    return TechnologyAdvice(
        recommended=best.technology,
        feasible=feasible,
        assessments=assessments,
        reason_zh=reason_zh,
        reason_en=reason_en,
    )


def _years(value: float) -> str:
    """ "1 year", "0.5 years", "10 years" (the engine has no gettext; English only)."""
    return f"{value:g} year" if value == 1 else f"{value:g} years"
