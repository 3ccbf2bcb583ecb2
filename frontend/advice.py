"""Live technology advice for the demand wizard: the matching engine's advice for a profile.

Feeds the technology thresholds table (the matching loader's `technology_specs`) into the
pure engine function: the same rules and text as the advice the API and the worker give.
"""

from __future__ import annotations

from typing import Any

from apps.matching.engine.advice import TechnologyAdvice, technology_advice
from apps.matching.engine.reference import RequirementProfile
from apps.matching.loader import technology_specs


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
    return technology_advice(profile_from(values), technology_specs())
