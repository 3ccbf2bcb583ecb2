"""Template helpers of the web UI: the acting organisation, reference names, bilingual text."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from ..access import current_organization

register = template.Library()


@register.simple_tag(takes_context=True)
def acting_organization(context: dict) -> Any:
    """The organisation the signed-in user acts for (None when there is none)."""
    request = context.get("request")
    return current_organization(request) if request is not None else None


@register.filter
def bilingual(value: Any, suffix: str = "") -> str:
    """Pick the zh/en variant of a pair: a dict {"zh":…, "en":…} or an object with *_zh/*_en."""
    english = (get_language() or "").startswith("en")
    if isinstance(value, dict):
        return value.get("en" if english else "zh") or value.get("zh") or ""
    attr = f"{suffix}_{'en' if english else 'zh'}" if suffix else ("en" if english else "zh")
    return getattr(value, attr, "") or ""


@register.filter
def names(codes: Any, lookup: dict) -> str:
    """Reference codes shown as their names, joined with the Chinese enumeration comma."""
    return "、".join(str(lookup.get(code, code)) for code in codes or [])


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""
