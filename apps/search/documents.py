"""Index documents: what each listing looks like to search, built from the database in bulk.

A document has plain fields (the *source*, hashed to detect drift) and jieba token fields
derived from it. Only searchable listings have documents: published offerings; published
demands whose visibility is public or anonymous.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from apps.catalog.models import Function, Offering, Scenario
from apps.catalog.reference.functions import EVERY_SCENARIO
from apps.catalog.reference.regions import province_of
from apps.demands.models import Demand

from .text import token_string

OFFERING = "offering"
DEMAND = "demand"
ENTITIES = (OFFERING, DEMAND)

SUMMARY_LENGTH = 300
# An offering's scenario names are searchable while it declares at most this many (a module
# made for five scenarios is for each of them; the sensor "for every scenario" is for none).
SEARCHABLE_SCENARIOS = 6

# Volume bands of demands (connections or units): lower bound inclusive, upper exclusive.
VOLUME_BANDS: list[tuple[str, int, int | None]] = [
    ("lt_1k", 0, 1_000),
    ("1k_10k", 1_000, 10_000),
    ("10k_100k", 10_000, 100_000),
    ("100k_1m", 100_000, 1_000_000),
    ("gte_1m", 1_000_000, None),
]
# Unit price bands of offerings in CNY, the same shape.
PRICE_BANDS: list[tuple[str, int, int | None]] = [
    ("lt_20", 0, 20),
    ("20_50", 20, 50),
    ("50_200", 50, 200),
    ("200_1000", 200, 1_000),
    ("gte_1000", 1_000, None),
]


def volume_band(volume: int) -> str:
    """The VOLUME_BANDS code containing `volume`."""
    for code, low, high in VOLUME_BANDS:
        if volume >= low and (high is None or volume < high):
            return code
    return VOLUME_BANDS[0][0]


def _provinces(regions: Iterable[str]) -> list[str]:
    return sorted({province_of(code) for code in regions if len(code) == 6})


def source_hash(source: dict) -> str:
    """A stable fingerprint of a document's source fields (order-insensitive for arrays)."""

    def plain(value: object) -> object:
        if isinstance(value, list):
            return sorted(str(item) for item in value)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value

    canonical = json.dumps({k: plain(v) for k, v in sorted(source.items())}, ensure_ascii=False)
    return hashlib.md5(canonical.encode(), usedforsecurity=False).hexdigest()


def searchable_offerings():
    """The offerings search shows: published ones, from any vendor."""
    return Offering.objects.filter(status=Offering.Status.PUBLISHED)


def searchable_demands():
    """The demands search shows: published, and visible beyond coordinators."""
    return Demand.objects.filter(
        status=Demand.Status.PUBLISHED,
        visibility__in=[Demand.Visibility.PUBLIC, Demand.Visibility.ANONYMOUS],
    )


_OFFERING_FIELDS = [
    "id",
    "name",
    "model_number",
    "description",
    "kind_id",
    "kind__name_zh",
    "kind__name_en",
    "function_id",
    "function__name_zh",
    "function__name_en",
    "sectors",
    "scenarios",
    "technologies",
    "regions",
    "nationwide",
    "certifications",
    "price_min",
    "price_max",
    "annual_capacity",
    "updated_at",
    "organization_id",
    "organization__name",
    "organization__verification_status",
]
_DEMAND_FIELDS = [
    "id",
    "title",
    "description",
    "sector_id",
    "scenario_id",
    "scenario__name_zh",
    "scenario__name_en",
    "functions",
    "technologies",
    "kinds_needed",
    "nationwide",
    "regions",
    "certifications",
    "unit_budget",
    "volume",
    "visibility",
    "updated_at",
    "organization_id",
    "organization__name",
    "organization__verification_status",
]


def _names(*names: str | None) -> str:
    return " ".join(name for name in names if name)


def reference_names() -> dict[str, tuple[str, str]]:
    """Scenario and function code -> (zh, en) names, read once per batch of documents (≈ 140
    rows; the two code sets do not overlap: scenario codes hold a dot)."""
    rows = [
        *Scenario.objects.values_list("code", "name_zh", "name_en"),
        *Function.objects.values_list("code", "name_zh", "name_en"),
    ]
    return {code: (zh, en) for code, zh, en in rows}


def _offering_source(row: dict, names: dict[str, tuple[str, str]]) -> dict:
    return {
        "id": row["id"],
        "title": row["name"],
        "model_number": row["model_number"],
        "summary": row["description"][:SUMMARY_LENGTH],
        "description": row["description"],
        "organization_id": row["organization_id"],
        "organization_name": row["organization__name"],
        "verified": row["organization__verification_status"] == "verified",
        "kinds": [row["kind_id"]],
        "functions": [row["function_id"]] if row["function_id"] else [],
        # What the product does, in both languages: searching 水表 or "water meter" finds a
        # water meter whose own text only says 远传表. Hashed with the source, so a renamed
        # function makes the document stale for search_reconcile.
        "function_names": _names(
            row["function__name_zh"],
            row["function__name_en"],
            row["kind__name_zh"],
            row["kind__name_en"],
        ),
        "sectors": list(row["sectors"]),
        "scenarios": list(row["scenarios"]),
        # The scenarios the vendor declares, in both languages: searchable (智慧停车 and
        # "smart parking" find a parking sensor), weighed as a passing mention — unless it
        # declares so many that they say nothing (ticking every box earns nothing).
        "scenario_names": _names(*(name for code in row["scenarios"] for name in names[code]))
        if len(row["scenarios"]) <= SEARCHABLE_SCENARIOS
        else "",
        "technologies": list(row["technologies"]),
        "regions": list(row["regions"]),
        "region_provinces": _provinces(row["regions"]),
        "nationwide": row["nationwide"],
        "certifications": list(row["certifications"]),
        "price": row["price_min"],
        "price_max": row["price_max"],
        "capacity": row["annual_capacity"],
        "updated_at": row["updated_at"],
    }


def _demand_source(row: dict, names: dict[str, tuple[str, str]]) -> dict:
    anonymous = row["visibility"] == Demand.Visibility.ANONYMOUS
    return {
        "id": row["id"],
        "title": row["title"],
        "summary": row["description"][:SUMMARY_LENGTH],
        "description": row["description"],
        # Anonymous demands never carry their enterprise: not in results, not in the index.
        "organization_id": None if anonymous else row["organization_id"],
        "organization_name": "" if anonymous else row["organization__name"],
        "verified": row["organization__verification_status"] == "verified",
        "kinds": list(row["kinds_needed"]),
        "functions": list(row["functions"]),
        "sectors": [row["sector_id"]],
        "scenarios": [row["scenario_id"]] if row["scenario_id"] else [],
        "scenario_names": _names(row["scenario__name_zh"], row["scenario__name_en"]),
        # What the demand needs, in both languages (a vendor searching "water meter" finds the
        # demands needing one); the services every deployment needs are pre-filled on every
        # demand and would say nothing.
        "function_names": _names(
            *(
                name
                for code in row["functions"]
                if code not in EVERY_SCENARIO
                for name in names.get(code, ())
            )
        ),
        "technologies": list(row["technologies"]),
        "regions": list(row["regions"]),
        "region_provinces": _provinces(row["regions"]),
        # Deployed nationwide: no province codes, found by every region filter.
        "nationwide": row["nationwide"],
        "certifications": list(row["certifications"]),
        "price": row["unit_budget"],
        "capacity": row["volume"],
        "volume_band": volume_band(row["volume"]),
        "updated_at": row["updated_at"],
    }


def with_tokens(source: dict) -> dict:
    """The full index document: `source` minus the long description, plus tokens and hash.

    Token fields: title (name and model number), vendor, body (description), function (the
    offering's function and kind names, a demand's needed functions' names, zh and en) and
    scenario (the scenarios' names, zh and en)."""
    document = {k: v for k, v in source.items() if k != "description"}
    document["source_hash"] = source_hash(source)
    document["title_tokens"] = token_string(source["title"], source.get("model_number", ""))
    document["vendor_tokens"] = token_string(source["organization_name"])
    document["body_tokens"] = token_string(source["description"])
    document["function_tokens"] = token_string(source.get("function_names", ""))
    document["scenario_tokens"] = token_string(source.get("scenario_names", ""))
    return document


def source_rows(
    entity: str, *, ids: Iterable[int] | None = None, batch_size: int = 2000
) -> Iterator[list[dict]]:
    """Batches of source dicts of the searchable listings of `entity` (all, or among `ids`)."""
    if entity == OFFERING:
        queryset, fields, build = searchable_offerings(), _OFFERING_FIELDS, _offering_source
    elif entity == DEMAND:
        queryset, fields, build = searchable_demands(), _DEMAND_FIELDS, _demand_source
    else:
        raise ValueError(f"unknown search entity {entity!r}")
    if ids is not None:
        queryset = queryset.filter(id__in=list(ids))
    last_id = 0
    while True:
        rows = list(queryset.filter(id__gt=last_id).order_by("id").values(*fields)[:batch_size])
        if not rows:
            return
        names = reference_names()
        yield [build(row, names) for row in rows]
        last_id = rows[-1]["id"]
