"""The one search interface: a query, a result, and what every backend must do."""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from apps.catalog.reference.regions import is_province, region_ancestors
from apps.core.exceptions import BusinessError

from ..documents import DEMAND, ENTITIES, OFFERING
from ..text import highlight
from ..understanding import TermGroup, term_groups

SORTS = ("relevance", "price", "-price", "capacity", "recent")
MAX_PAGE_SIZE = 100
# Facet keys each entity answers with, in the order the API lists them.
FACETS = {
    OFFERING: (
        "kind",
        "function",
        "scenario",
        "sector",
        "technology",
        "region",
        "certification",
        "price",
        "verified",
    ),
    DEMAND: (
        "kind",
        "function",
        "scenario",
        "sector",
        "technology",
        "region",
        "certification",
        "volume",
        "verified",
    ),
}
# Facets with many possible values list at most this many buckets (there are 34 provinces).
FACET_SIZE = 50
NATIONWIDE = "nationwide"
# Facet -> the SearchQuery field holding the values chosen in it.
FACET_FILTERS = {
    "kind": "kinds",
    "function": "functions",
    "scenario": "scenarios",
    "sector": "sectors",
    "technology": "technologies",
    "region": "regions",
    "certification": "certifications",
    "volume": "volume_bands",
}


@dataclass(frozen=True)
class SearchQuery:
    """What a user asks: free text, facet filters (OR within one facet, AND across), order, page.

    `functions` are function codes: an offering's function, or one of those a demand needs.
    `regions` holds 6-digit GB/T 2260 codes: a province finds listings anywhere in it, a city
    listings in it or its whole province, a county listings in it, its city or its province;
    nationwide listings match all. `search_listings` adds each city's counties, so that through
    it a city finds the listings in its counties too.
    `price_min`/`price_max` bound the offering's starting price (a demand's unit budget).
    """

    entity: str = OFFERING
    text: str = ""
    kinds: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    volume_bands: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    verified: bool | None = None
    sort: str = "relevance"
    cursor: str | None = None
    page_size: int = 20
    # What the text means (apps.search.understanding); None: its words and their synonyms.
    groups: tuple[TermGroup, ...] | None = None
    # A relaxed search: listings matching at least this many groups (None: all of them).
    minimum_match: int | None = None

    def __post_init__(self) -> None:
        if self.entity not in ENTITIES:
            raise ValueError(f"unknown search entity {self.entity!r}")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError("page_size out of range")
        low, high = self.price_min, self.price_max
        if low is not None and high is not None and low > high:
            # Nothing can match: say so instead of answering an empty page.
            raise BusinessError(
                "price_range_invalid",
                _("价格上限不能低于价格下限。"),
                fields={"price_max": [_("价格上限不能低于价格下限。")]},
            )

    @property
    def term_groups(self) -> tuple[TermGroup, ...]:
        return self.groups if self.groups is not None else term_groups(self.text)

    @property
    def tokens(self) -> list[str]:
        """Every token the query may match (each group's alternatives), for highlighting."""
        return list(dict.fromkeys(t for group in self.term_groups for t in group.tokens))

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    def without(self, facet: str) -> SearchQuery:
        """This query without its filter on `facet` (a facet's counts in a multi-select UI:
        what choosing another value of the same group would add)."""
        field = FACET_FILTERS[facet]
        return replace(self, **{field: ()}, cursor=None)

    @property
    def chosen_facets(self) -> list[str]:
        """Facets this query filters on by chosen values (price and verified are ranges)."""
        return [facet for facet, field in FACET_FILTERS.items() if getattr(self, field)]

    @property
    def effective_sort(self) -> str:
        """Relevance without text has nothing to rank by: newest first instead."""
        return "recent" if self.sort == "relevance" and not self.tokens else self.sort


@dataclass
class SearchHit:
    id: int
    score: float | None
    document: dict
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class FacetBucket:
    key: str
    count: int


@dataclass
class SearchResult:
    """One page of hits. With `total_exact` False the search was capped (a very broad query):
    `total` and the facet counts are then lower bounds over the first matches found."""

    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetBucket]]
    next_cursor: str | None = None
    total_exact: bool = True
    # The query as understood when some of its words are in no listing (pinyin, initials,
    # typos): the hits are this query's. None when the words were found as typed.
    did_you_mean: str | None = None
    # Other readings of an ambiguous query (initials: sb → 设备, 水表, 手表), not searched.
    other_readings: list[str] = field(default_factory=list)
    # True when no listing holds every word and the hits hold most of them.
    relaxed: bool = False


class SearchUnavailable(Exception):
    """The search engine cannot take requests right now (down, timing out, overloaded):
    nothing is wrong with the documents, so the outbox retries them all later and never
    marks one failed for it. Backends raise it for transport errors and overload replies."""


def invalid_cursor() -> BusinessError:
    return BusinessError("invalid_cursor", _("翻页游标无效或已过期，请从第一页重新搜索。"))


def encode_cursor(sort: str, key: list) -> str:
    """An opaque cursor for the page after the hit whose sort key is `key`."""

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    raw = json.dumps({"s": sort, "k": [plain(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, size: int) -> list:
    """The sort key in `cursor`; BusinessError('invalid_cursor') if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key = payload["k"]
        valid = (
            payload["s"] == sort
            and isinstance(key, list)
            and len(key) == size
            and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in key)
            and isinstance(key[-1], int)
        )
    except (ValueError, TypeError, KeyError, UnicodeError):
        valid = False
    if not valid:
        raise invalid_cursor()
    return key


def highlights_for(document: dict, tokens: list[str]) -> dict[str, str]:
    """Highlighted title, model number and summary of a hit (only fields that match).

    Computed from the raw text for every backend alike: the engines only see the
    space-separated jieba tokens, which is not what a user reads.
    """
    found = {}
    for name in ("title", "model_number", "summary"):
        marked = highlight(document.get(name) or "", tokens)
        if marked:
            found[name] = marked
    return found


def sorted_buckets(counts: dict[str, int], limit: int = FACET_SIZE) -> list[FacetBucket]:
    """Buckets by count (high first), then key, as every backend lists them."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetBucket(key=key, count=count) for key, count in ordered[:limit] if count > 0]


def region_scope(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """What a region filter of `codes` looks for: (the provinces whose listings anywhere in
    them it finds, the region codes whose own listings it finds). A city or county finds
    listings serving it or a division containing it (apps.catalog.reference.regions).
    Nationwide listings are in every region besides. (`search_listings` adds a city's counties
    to the codes, so that a city finds the listings in its counties too.)"""
    codes = list(codes)
    provinces = [code for code in codes if is_province(code)]
    served = {
        ancestor for code in codes if not is_province(code) for ancestor in region_ancestors(code)
    }
    return provinces, sorted(served)


def region_buckets(province_counts: dict[str, int], nationwide: int) -> list[FacetBucket]:
    """Region facet: each province counts what filtering by it finds (nationwide included),
    and a 'nationwide' bucket counts the nationwide listings themselves."""
    counts = {code: count + nationwide for code, count in province_counts.items()}
    buckets = sorted_buckets(counts)
    if nationwide:
        buckets.insert(0, FacetBucket(key=NATIONWIDE, count=nationwide))
    return buckets


class SearchBackend(ABC):
    """A search engine holding one index per entity (offering, demand).

    Documents come from `apps.search.documents`; `updated_at` is their version: a write never
    replaces a document with an older version (a stale event cannot overwrite a newer one).
    """

    name: str

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Hits of one page, facet counts and total over all matches, and the next cursor."""

    @abstractmethod
    def upsert(self, entity: str, documents: list[dict]) -> None:
        """Store `documents` unless the index holds a newer version of one."""

    @abstractmethod
    def delete(self, entity: str, ids: Iterable[int]) -> None:
        """Remove the documents with these ids (missing ones are fine)."""

    @abstractmethod
    def versions(self, entity: str) -> Iterator[tuple[int, str]]:
        """(id, source_hash) of every document in the index, for reconciliation."""

    @abstractmethod
    def rebuild(self, entity: str, batches: Iterable[list[dict]]) -> int:
        """Replace the index with exactly `batches`' documents, searches answering meanwhile;
        the number indexed."""

    @abstractmethod
    def clear(self, entity: str) -> None:
        """Empty the index (tests and operators)."""

    def refresh(self, entity: str) -> None:  # noqa: B027 - most engines are read-your-writes
        """Make writes visible to searches now (engines with near-real-time refresh)."""

    def wait_until_ready(self, timeout: float) -> None:  # noqa: B027 - PostgreSQL is ready
        """Wait up to `timeout` seconds for the engine to take writes (a separate service
        may still be starting); SearchUnavailable if it does not."""
