"""Display names of stored reference codes, in the active language."""

from __future__ import annotations

from decimal import Decimal

from apps.catalog.attributes import enumeration  # the web UI's list joiner
from apps.catalog.models import (
    Certification,
    Function,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.catalog.reference.kinds import PRICE_UNITS, price_unit_of
from apps.core.i18n import reads_english


def reference_names() -> dict[str, dict[str, str]]:
    """Dimension → {code: name}; templates show codes with the `names` filter."""
    return {
        "sectors": {row.pk: row.name for row in Sector.objects.all()},
        "scenarios": {row.pk: row.name for row in Scenario.objects.all()},
        "technologies": {row.pk: row.name for row in Technology.objects.all()},
        "kinds": {row.pk: row.name for row in SupplyKind.objects.all()},
        "functions": {row.pk: row.name for row in Function.objects.all()},
        "regions": region_names(),
        "certifications": {row.pk: row.name for row in Certification.objects.all()},
        "protocols": {row.pk: row.name for row in Protocol.objects.all()},
    }


def names_of(lookup: dict[str, str], codes: list[str]) -> str:
    """Reference codes as their names (`lookup` from `reference_names`, in the active
    language), joined the language's way."""
    return enumeration(lookup.get(code, code) for code in codes)


def region_full_name(
    zh: str, en: str, level: str, parent: tuple[str, str] | None, *, english: bool
) -> str:
    """A region's name in the active language; a county's with the division above it
    (杭州市西湖区, "Xihu District, Hangzhou"), as county names repeat across the country."""
    if level != Region.Level.COUNTY or parent is None:
        return en if english else zh
    return f"{en}, {parent[1]}" if english else f"{parent[0]}{zh}"


def region_names() -> dict[str, str]:
    """Region code → `region_full_name` in the active language."""
    english = reads_english()
    rows = Region.objects.values_list("code", "name_zh", "name_en", "level", "parent_id")
    plain = {code: (zh, en) for code, zh, en, _level, _parent in rows}
    return {
        code: region_full_name(zh, en, level, plain.get(parent or ""), english=english)
        for code, zh, en, level, parent in rows
    }


def _amount(value: Decimal | float) -> str:
    return f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")


def price_text(low: Decimal | float | None, high: Decimal | float | None, unit: str) -> str:
    """An amount or a range with its unit, the way every page writes prices and budgets:
    "1,200–1,500 元/台" or "¥1,200–1,500 per device"; "—" without an amount."""
    if low is None:
        return "—"
    high = low if high is None else high
    amount = _amount(low) if low == high else f"{_amount(low)}–{_amount(high)}"
    zh, en = PRICE_UNITS.get(unit, PRICE_UNITS["device"])
    return f"¥{amount} {en}" if reads_english() else f"{amount} {zh}"


def offering_price(offering) -> str:
    """An offering's price range in the unit the platform compares it in (a monthly price as
    yearly): what its page, search and lists show."""
    if offering.price_min is None or offering.price_max is None:
        return "—"  # a draft saved without its price
    unit, factor = price_unit_of(offering.kind_id, offering.attributes)
    scale = Decimal(str(factor))
    return price_text(offering.price_min * scale, offering.price_max * scale, unit)


def demand_budget(demand) -> str:
    """A demand's budget per unit with its unit ("—" when it states none)."""
    return price_text(demand.unit_budget, None, demand.budget_unit)
