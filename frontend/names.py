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
