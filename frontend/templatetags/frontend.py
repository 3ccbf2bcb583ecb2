"""Template helpers of the web UI: the acting organisation, reference names, bilingual text."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from apps.catalog.selectors import reference_name
from apps.core.i18n import reads_english, sentences_joined

from ..access import current_organization
from ..names import demand_budget, names_of, offering_price
from ..names import enumeration as join_enumeration

register = template.Library()


@register.simple_tag(takes_context=True)
def acting_organization(context: dict) -> Any:
    """The organisation the signed-in user acts for (None when there is none)."""
    request = context.get("request")
    return current_organization(request) if request is not None else None


@register.filter
def bilingual(value: Any, suffix: str = "") -> str:
    """Pick the zh/en variant of a pair: a dict {"zh":…, "en":…} or an object with *_zh/*_en."""
    english = reads_english()
    if isinstance(value, dict):
        return value.get("en" if english else "zh") or value.get("zh") or ""
    attr = f"{suffix}_{'en' if english else 'zh'}" if suffix else ("en" if english else "zh")
    return getattr(value, attr, "") or ""


@register.filter
def names(codes: Any, lookup: dict) -> str:
    """Reference codes shown as their names, joined the reader's way (、 or ", ")."""
    return names_of(lookup, codes or [])


@register.filter
def enumeration(items: Any) -> str:
    """A list of names joined the reader's way (、 in Chinese, ", " in English)."""
    return join_enumeration(items or [])


@register.filter
def sentences(items: Any) -> str:
    """Sentences (each with its full stop) run together the reader's way."""
    return sentences_joined(items or [])


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def number(value: Any) -> str:
    """A figure with the language's digit grouping (120,000), for reading, not for inputs."""
    if value is None or value == "":
        return ""
    try:
        return number_format(value, use_l10n=True, force_grouping=True)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def positioning_name(code: str) -> str:
    """A positioning method (gnss, uwb, …) by its name in the active language."""
    zh, en = reference_name("positioning", code)
    return en if reads_english() else zh


@register.filter
def budget(demand: Any) -> str:
    """A demand's budget per unit with its unit, as search results write it ("—" if none)."""
    return demand_budget(demand)


@register.filter
def price(offering: Any) -> str:
    """An offering's price range with its unit, as its public page writes it."""
    return offering_price(offering)
