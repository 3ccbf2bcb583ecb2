"""Live technology advice for the demand wizard: the matching engine's advice for a profile.

Uses the matching app's Django-side advice when it provides one; otherwise feeds the
technology thresholds table straight into the pure engine function (same rules, same text).
"""

from __future__ import annotations

from typing import Any

from apps.catalog.models import Technology
from apps.matching.engine.advice import TechnologyAdvice, technology_advice
from apps.matching.engine.reference import RequirementProfile, TechnologySpec


def _specs() -> list[TechnologySpec]:
    return [
        TechnologySpec(
            code=t.code,
            name_zh=t.name_zh,
            name_en=t.name_en,
            max_uplink_kbps=float(t.max_uplink_kbps),
            typical_latency_ms=float(t.typical_latency_ms),
            max_mobility=t.max_mobility,
            max_coverage_depth=t.max_coverage_depth,
            max_battery_years=float(t.max_battery_years),
            supports_voice=t.supports_voice,
            supports_video=t.supports_video,
            supports_positioning=t.supports_positioning,
            module_price_min=float(t.module_price_min),
            module_price_max=float(t.module_price_max),
            cost_rank=t.cost_rank,
        )
        for t in Technology.objects.all()
    ]


def profile_from(values: dict[str, Any]) -> RequirementProfile:
    """A RequirementProfile from cleaned profile-form values (missing ones: no requirement)."""

    def number(name: str) -> float | None:
        value = values.get(name)
        return float(value) if value not in (None, "") else None

    return RequirementProfile(
        uplink_kbps=number("uplink_kbps"),
        max_latency_ms=number("max_latency_ms"),
        mobility=int(values.get("mobility") or 0),
        power_source=values.get("power_source") or "mains",
        battery_life_years=number("battery_life_years"),
        coverage_depth=int(values.get("coverage_depth") or 0),
        needs_voice=bool(values.get("needs_voice")),
        needs_video=bool(values.get("needs_video")),
        needs_positioning=bool(values.get("needs_positioning")),
    )


def advice_for(values: dict[str, Any]) -> TechnologyAdvice:
    """The engine's technology advice for an unsaved requirement profile."""
    return technology_advice(profile_from(values), _specs())
