"""Search quality against the labelled search set (eval/search/queries.json).

The set's queries are what people type into the search box — plain words, typos, pinyin and
initials, English, synonyms and slang — each with graded results (3 exactly what was asked,
2 good, 1 acceptable; unlisted 0) over the relevance set's market (eval/relevance/market.json),
which is loaded through the services and indexed with the configured backend. The figures:
NDCG@10 and the zero-result rate, overall and per kind of query.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.matching.evaluation import (
    LoadedMarket,
    evaluation_coordinator,
    ndcg,
    relevance_market_load,
    relevance_set_read,
)

from .backends import get_backend
from .backends.base import SearchQuery
from .documents import DEMAND, OFFERING
from .selectors import search_listings
from .services import search_sync

SEARCH_SET = Path(settings.BASE_DIR) / "eval" / "search" / "queries.json"
TOP = 10


def search_set_read(path: Path = SEARCH_SET) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def search_index_market(market: LoadedMarket) -> None:
    """Index the loaded market's listings now (the outbox would do it after commit)."""
    search_sync(entity=OFFERING, ids=market.offerings.values())
    search_sync(entity=DEMAND, ids=market.demands.values())


@dataclass
class QueryResult:
    text: str
    entity: str
    kind: str
    shown: list[str]
    grades: list[int]
    total: int
    ndcg: float
    suggestion: str | None


@dataclass
class SearchReport:
    results: list[QueryResult]
    seconds: float

    def summary(self, kind: str | None = None) -> dict[str, float | int]:
        results = [r for r in self.results if kind is None or r.kind == kind]
        n = max(len(results), 1)
        return {
            "queries": len(results),
            "ndcg@10": round(sum(r.ndcg for r in results) / n, 4),
            "zero_result_rate": round(sum(r.total == 0 for r in results) / n, 4),
        }

    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.results})


def search_evaluate(data: Mapping[str, Any], market: LoadedMarket) -> SearchReport:
    """Run every query of the set through the search selector and score its first page."""
    started = time.perf_counter()
    keys = {
        OFFERING: {pk: key for key, pk in market.offerings.items()},
        DEMAND: {pk: key for key, pk in market.demands.items()},
    }
    results = []
    for item in data["queries"]:
        entity = item.get("entity", OFFERING)
        found = search_listings(query=SearchQuery(entity=entity, text=item["q"], page_size=TOP))
        shown = [keys[entity].get(hit.id, f"#{hit.id}") for hit in found.hits]
        grades = [item["grades"].get(key, 0) for key in shown]
        results.append(
            QueryResult(
                text=item["q"],
                entity=entity,
                kind=item["kind"],
                shown=shown,
                grades=grades,
                total=found.total,
                ndcg=round(ndcg(grades, list(item["grades"].values()), k=TOP), 4),
                suggestion=found.did_you_mean,
            )
        )
    return SearchReport(results=results, seconds=round(time.perf_counter() - started, 2))


def search_set_score(data: Mapping[str, Any]) -> SearchReport:
    """Load the relevance set's market through the services, index it with the configured
    backend and score every query of `data` on it; everything written is rolled back."""
    with transaction.atomic():
        market = relevance_market_load(
            relevance_set_read(), coordinator=evaluation_coordinator("search-eval")
        )
        search_index_market(market)
        get_backend().refresh(OFFERING)
        get_backend().refresh(DEMAND)
        report = search_evaluate(data, market)
        transaction.set_rollback(True)
    return report
