"""Display names of stored reference codes, in the active language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

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


def enumeration(items: Iterable[object]) -> str:
    """Items joined the reader's way: 水表、燃气表 in Chinese, "meters, valves" in English."""
    return gettext("、").join(str(item) for item in items)


def reference_names() -> dict[str, dict[str, str]]:
    """Dimension → {code: name}; templates show codes with the `names` filter."""
    return {
        "sectors": {row.pk: row.name for row in Sector.objects.all()},
        "scenarios": {row.pk: row.name for row in Scenario.objects.all()},
        "technologies": {row.pk: row.name for row in Technology.objects.all()},
        "kinds": {row.pk: row.name for row in SupplyKind.objects.all()},
        "functions": {row.pk: row.name for row in Function.objects.all()},
        "regions": {row.pk: row.name for row in Region.objects.all()},
        "certifications": {row.pk: row.name for row in Certification.objects.all()},
        "protocols": {row.pk: row.name for row in Protocol.objects.all()},
    }
