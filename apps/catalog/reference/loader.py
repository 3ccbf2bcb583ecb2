"""Upsert the reference data shipped in this package into the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import models, transaction

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

from .certifications import CERTIFICATION_KINDS, CERTIFICATIONS, PROTOCOL_KINDS, PROTOCOLS
from .functions import FUNCTIONS, scenario_functions
from .kinds import SUPPLY_KINDS
from .sectors import SCENARIOS, SECTORS
from .technologies import TECHNOLOGIES

REGIONS_FILE = Path(__file__).with_name("regions.json")


@dataclass
class LoadReport:
    """Per model: rows in the shipped data, rows created, and database rows the data lacks."""

    total: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    obsolete: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def region_rows() -> list[dict]:
    """The vendored province-, prefecture- and county-level divisions (see NOTICE.regions)."""
    return json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["regions"]


def _rows() -> list[tuple[type[models.Model], list[dict]]]:
    """Every reference model with its rows, parents before children."""
    regions = [
        {
            "code": row["code"],
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": row["level"],
            "parent_id": row["parent"],
            "sort_order": index,
        }
        for index, row in enumerate(region_rows())
    ]
    sectors = [
        {"code": code, "name_zh": zh, "name_en": en, "direction": direction, "sort_order": index}
        for index, (code, zh, en, direction) in enumerate(SECTORS)
    ]
    scenarios = [
        {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "sector_id": code.split(".", 1)[0],
            "typical_profile": profile,
            "required_certifications": list(certs),
            "functions": scenario_functions(code),
            "sort_order": index,
        }
        for index, (code, zh, en, profile, certs) in enumerate(SCENARIOS)
    ]
    technologies = [
        {
            **row,
            "max_battery_years": Decimal(row["max_battery_years"]),
            "module_price_min": Decimal(row["module_price_min"]),
            "module_price_max": Decimal(row["module_price_max"]),
            "sort_order": index,
        }
        for index, row in enumerate(TECHNOLOGIES)
    ]
    certifications = [
        {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "category": category,
            "kinds": list(CERTIFICATION_KINDS.get(category, ())),
            "sort_order": index,
        }
        for index, (code, zh, en, category) in enumerate(CERTIFICATIONS)
    ]
    functions = [
        {
            "code": code,
            "kind_id": kind,
            "name_zh": zh,
            "name_en": en,
            "general": general,
            "sort_order": index,
        }
        for index, (code, kind, zh, en, general) in enumerate(FUNCTIONS)
    ]
    protocols = [
        {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "kinds": list(PROTOCOL_KINDS[code]),
            "sort_order": index,
        }
        for index, (code, zh, en) in enumerate(PROTOCOLS)
    ]
    kinds = [{**row, "sort_order": index} for index, row in enumerate(SUPPLY_KINDS)]
    return [
        (Region, regions),
        (Sector, sectors),
        (Scenario, scenarios),
        (Technology, technologies),
        (Certification, certifications),
        (Protocol, protocols),
        (SupplyKind, kinds),
        (Function, functions),
    ]


@transaction.atomic
def reference_load() -> LoadReport:
    """Insert or update every shipped reference row by code, in one transaction.

    Never deletes: rows no longer shipped stay (offerings, demands and organisations may still
    refer to them) and are counted in `obsolete`. Safe to run at every start.
    """
    report = LoadReport()
    for model, rows in _rows():
        existing = set(model.objects.values_list("code", flat=True))
        codes = {row["code"] for row in rows}
        update_fields = [name for name in rows[0] if name != "code"]
        model.objects.bulk_create(
            [model(**row) for row in rows],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=update_fields,
        )
        label = model._meta.model_name
        report.labels[label] = str(model._meta.verbose_name_plural)
        report.total[label] = len(rows)
        report.created[label] = len(codes - existing)
        report.obsolete[label] = len(existing - codes)
    return report
