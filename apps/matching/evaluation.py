"""Match quality against the labelled relevance set (eval/relevance/market.json).

The set is loaded through the services (organisations verified by a coordinator, listings
created, submitted and approved, archived where the set says so), the real engine ranks both
directions, and the rankings are scored against the graded labels: NDCG@5, precision@5, the
grade-0 and the infeasible items in the top 5. A list the labels say should be empty (nothing
relevant exists) scores 1 when it is empty and 0 when it pads.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from apps.accounts.credit_code import check_character
from apps.accounts.models import COORDINATOR_GROUP, Organization, User
from apps.accounts.services import organization_verify
from apps.catalog.models import Offering, Scenario, Sector, SupplyKind
from apps.catalog.services import (
    OFFERING_FIELDS,
    offering_archive,
    offering_create,
    offering_review,
    offering_submit,
)
from apps.demands.services import DEMAND_FIELDS, demand_create, demand_review, demand_submit

from . import loader
from .engine import analyse_demand, match_offering

RELEVANCE_SET = Path(settings.BASE_DIR) / "eval" / "relevance" / "market.json"
TOP = 5
# The engine's list length: what the platform stores and shows per needed kind.
LIMIT = 20


def relevance_set_read(path: Path = RELEVANCE_SET) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class LoadedMarket:
    """Database ids of the set's keys."""

    offerings: dict[str, int] = field(default_factory=dict)
    demands: dict[str, int] = field(default_factory=dict)


def _credit_code(n: int) -> str:
    body = f"91110000MA{n:07d}"
    return body + check_character(body)


def relevance_market_load(data: Mapping[str, Any], *, coordinator: Any) -> LoadedMarket:
    """Create the set's organisations, offerings and demands through the services, as their
    users and a coordinator would (register, verify, create, submit, approve, archive)."""
    organizations = {}
    for n, org in enumerate(data["organizations"], start=1):
        organization = Organization.objects.create(
            name=org["name"],
            credit_code=_credit_code(n),
            role=org["roles"],
            province_id=org["province"],
        )
        if org["verified"]:
            organization = organization_verify(
                actor=coordinator, organization=organization, approve=True
            )
        organizations[org["key"]] = organization
    kinds = {kind.code: kind for kind in SupplyKind.objects.all()}
    loaded = LoadedMarket()
    for item in data["offerings"]:
        values = {name: item[name] for name in OFFERING_FIELDS if name in item}
        values["kind"] = kinds[values["kind"]]
        values["price_min"] = Decimal(str(values["price_min"]))
        values["price_max"] = Decimal(str(values["price_max"]))
        offering = offering_create(
            actor=coordinator, organization=organizations[item["vendor"]], **values
        )
        offering = offering_submit(actor=coordinator, offering=offering)
        offering = offering_review(actor=coordinator, offering=offering, approve=True)
        if item.get("status") == Offering.Status.ARCHIVED:
            offering_archive(actor=coordinator, offering=offering)
        loaded.offerings[item["key"]] = offering.pk
    sectors = {sector.code: sector for sector in Sector.objects.all()}
    scenarios = {scenario.code: scenario for scenario in Scenario.objects.all()}
    for item in data["demands"]:
        values = {name: item[name] for name in DEMAND_FIELDS if name in item}
        values["sector"] = sectors[item["sector"]]
        values["scenario"] = scenarios.get(item.get("scenario") or "")
        values["nationwide"] = not item["regions"]
        values["deployment"] = item.get("deployment") or ""
        values["budget_unit"] = item.get("budget_unit") or "device"
        for name in ("unit_budget", "battery_life_years"):
            if values.get(name) is not None:
                values[name] = Decimal(str(values[name]))
        demand = demand_create(
            actor=coordinator, organization=organizations[item["organization"]], **values
        )
        demand = demand_submit(actor=coordinator, demand=demand)
        demand = demand_review(actor=coordinator, demand=demand, approve=True)
        loaded.demands[item["key"]] = demand.pk
    return loaded


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg(shown: list[int], relevant: list[int], k: int = TOP) -> float:
    """NDCG@k of the grades shown against the best order of every relevant grade; a list with
    nothing relevant to show scores 1 when empty and 0 when it shows anything."""
    ideal = dcg(sorted((g for g in relevant if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 1.0 if not shown else 0.0
    return dcg(shown[:k]) / ideal


@dataclass
class RankedList:
    """One ranked list the platform shows: a demand's offerings of one kind, or an
    offering's demands."""

    direction: str
    subject: str
    kind: str
    shown: list[str]
    grades: list[int]
    ndcg: float
    precision: float
    irrelevant: int
    infeasible: int


@dataclass
class RelevanceReport:
    lists: list[RankedList]
    misfit_demands: int = 0
    misfit_suggested_first: int = 0
    seconds: float = 0.0

    def summary(self, direction: str) -> dict[str, float | int]:
        lists = [r for r in self.lists if r.direction == direction]
        n = max(len(lists), 1)
        return {
            "lists": len(lists),
            "ndcg@5": round(sum(r.ndcg for r in lists) / n, 4),
            "precision@5": round(sum(r.precision for r in lists) / n, 4),
            "grade0_in_top5": sum(r.irrelevant for r in lists),
            "infeasible_in_top5": sum(r.infeasible for r in lists),
        }


def _scored(
    direction: str,
    subject: str,
    kind: str,
    shown: list[str],
    grades: Mapping[str, int],
    candidates: list[str],
    infeasible: set[str],
) -> RankedList:
    top = shown[:TOP]
    top_grades = [grades.get(key, 0) for key in top]
    return RankedList(
        direction=direction,
        subject=subject,
        kind=kind,
        shown=top,
        grades=top_grades,
        ndcg=round(ndcg(top_grades, [grades.get(key, 0) for key in candidates]), 4),
        precision=round(sum(g > 0 for g in top_grades) / TOP, 4),
        irrelevant=sum(g == 0 for g in top_grades),
        infeasible=sum(key in infeasible for key in top),
    )


def relevance_evaluate(data: Mapping[str, Any], market: LoadedMarket) -> RelevanceReport:
    """Rank both directions with the engine over the loaded market and score them."""
    started = time.perf_counter()
    state = loader.build_state()
    now = time.time()
    weights = loader.weights()
    offering_key = {pk: key for key, pk in market.offerings.items()}
    demand_key = {pk: key for key, pk in market.demands.items()}
    kind_of = {item["key"]: item["kind"] for item in data["offerings"]}
    labels: dict[str, dict[str, int]] = data["labels"]
    infeasible = {key: set(keys) for key, keys in data.get("infeasible", {}).items()}
    report = RelevanceReport(lists=[])
    for item in data["demands"]:
        key = item["key"]
        position = state.demands.position[market.demands[key]]
        compiled = state.demands.compiled[position]
        analysis = analyse_demand(state.offerings, compiled, now=now, weights=weights, limit=LIMIT)
        grades = labels.get(key, {})
        for kind in item["kinds_needed"]:
            shown = [offering_key[r.offering_id] for r in analysis.matches.by_kind.get(kind, [])]
            of_kind = [k for k in grades if kind_of.get(k) == kind]
            report.lists.append(
                _scored("demand", key, kind, shown, grades, of_kind, infeasible.get(key, set()))
            )
        if compiled.requested_misfit and item.get("technology_flexible", True):
            report.misfit_demands += 1
            first = analysis.results[0] if analysis.results else None
            facts = first.details["technology"]["facts"] if first else {}
            report.misfit_suggested_first += bool(facts.get("instead_of"))
    by_offering: dict[str, dict[str, int]] = {}
    for demand, grades in labels.items():
        for offering, grade in grades.items():
            by_offering.setdefault(offering, {})[demand] = grade
    never = {
        offering: {d for d, keys in infeasible.items() if offering in keys}
        for offering in market.offerings
    }
    for key, pk in market.offerings.items():
        if pk not in state.offerings.position:
            continue  # archived or unverified: not listed, so it has no list to judge
        results, _fits = match_offering(
            state.offerings, state.demands, pk, now=now, weights=weights, limit=LIMIT
        )
        shown = [demand_key[r.demand_id] for r in results if r.demand_id in demand_key]
        grades = by_offering.get(key, {})
        report.lists.append(
            _scored("offering", key, kind_of[key], shown, grades, list(grades), never[key])
        )
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def evaluation_coordinator(username: str) -> User:
    """The coordinator who reviews and publishes an evaluation market's listings."""
    coordinator = User.objects.create_user(username=username)
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATOR_GROUP)[0])
    return coordinator


def relevance_set_score(data: Mapping[str, Any]) -> RelevanceReport:
    """Load the set's market through the services, rank both directions and score them;
    everything written is rolled back."""
    with transaction.atomic():
        market = relevance_market_load(data, coordinator=evaluation_coordinator("relevance-eval"))
        report = relevance_evaluate(data, market)
        transaction.set_rollback(True)
    return report
