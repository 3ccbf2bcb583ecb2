"""Display names of stored reference codes, in the active language."""

from __future__ import annotations

from apps.catalog.attributes import enumeration  # noqa: F401  (the web UI's list joiner)
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
