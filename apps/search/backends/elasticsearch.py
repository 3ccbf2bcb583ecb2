"""Elasticsearch backend through `elasticsearch.dsl`: the same jieba tokens, BM25, aggregations.

Each entity lives in a concrete index (`<prefix>-offerings-<stamp>`) behind an alias
(`<prefix>-offerings`). The first index is created with its alias in the same call under a
fixed name (`…-initial`), so processes racing on a fresh cluster all end up with one index; a
rebuild fills a new concrete index and swaps the alias in one atomic call, so searches never
see a half-built index, and deletes its index if it fails (a killed rebuild's index is deleted
by the next one). Writes use external versions (the listing's `updated_at` in microseconds),
so a stale event never overwrites a newer document, and target the alias with
`require_alias`, so a write can never auto-create a stray index under the alias's name.
User text reaches Elasticsearch only as jieba tokens inside `match` queries, which have no
query syntax (never `query_string`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from elasticsearch import (
    ApiError,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch.dsl import (
    A,
    Boolean,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    MultiSearch,
    Q,
    ScaledFloat,
    Search,
    Text,
    analyzer,
    tokenizer,
)

from ..documents import DEMAND, OFFERING, PRICE_BANDS, VOLUME_BANDS
from ..text import typo_terms
from .base import (
    FACET_FILTERS,
    FACET_SIZE,
    FACETS,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    decode_cursor,
    encode_cursor,
    highlights_for,
    region_buckets,
    region_scope,
    sorted_buckets,
)

logger = logging.getLogger(__name__)

# Requests that answer a user: a search still waiting after 10 s has lost its reader, and
# retrying a timed-out search only adds load to a struggling cluster.
SEARCH_TIMEOUT = 10
# Writes and administration: a bulk of 500 documents takes well under a second on a healthy
# node, but a merge, a GC pause or a cluster-state update can stall one for tens of seconds;
# the client's 10 s default made one slow bulk abort a whole reindex.
WRITE_TIMEOUT = 120
# Retries of a request that timed out, failed to connect or got 429/502/503/504 (each write is
# idempotent: external versions). Bulk items rejected with 429 are retried by the bulk helper
# too, after 2, 4, 8 s.
MAX_RETRIES = 3
BULK_CHUNK_SIZE = 500
# Replies that mean "the engine is away or overloaded", not "this document is wrong".
UNAVAILABLE_STATUSES = frozenset({408, 429, 502, 503, 504})
# The first concrete index of an entity: a fixed name, so concurrent creators collide on it.
INITIAL_SUFFIX = "initial"

# The tokens are already segmented by jieba in Python, exactly as the PostgreSQL backend
# stores them: splitting on whitespace keeps both backends matching the same words.
jieba_tokens = analyzer("jieba_tokens", tokenizer="whitespace", filter=["lowercase"])
# Character trigrams for typo-tolerant names and model numbers (pg_trgm's counterpart).
trigrams = analyzer(
    "trigrams",
    tokenizer=tokenizer(
        "trigram", "ngram", min_gram=3, max_gram=3, token_chars=["letter", "digit"]
    ),
    filter=["lowercase"],
)
# Share of a query's trigrams a name or model number must contain to count as a typo match.
TRIGRAM_MINIMUM_SHOULD_MATCH = "60%"
# Boosts mirroring the tsvector labels: A the name, B the function and kind names, C the vendor
# and the scenarios, D the description (a passing mention).
TEXT_FIELDS = [
    "title_tokens^4",
    "function_tokens^3",
    "vendor_tokens",
    "scenario_tokens",
    "body_tokens^0.5",
]
SCALED_PRICE = 100
# Missing prices sort last in both directions, as in PostgreSQL, and through the same finite
# sentinels: `_last` would put ±Infinity into the sort values, which a JSON cursor cannot
# carry back as `search_after`.
PRICE_MISSING_ASC = 1e13
PRICE_MISSING_DESC = -1
_SORTS = {
    "relevance": [{"_score": {"order": "desc"}}, {"id": {"order": "desc"}}],
    "price": [
        {"price": {"order": "asc", "missing": PRICE_MISSING_ASC}},
        {"id": {"order": "asc"}},
    ],
    "-price": [
        {"price": {"order": "desc", "missing": PRICE_MISSING_DESC}},
        {"id": {"order": "desc"}},
    ],
    "capacity": [{"capacity": {"order": "desc"}}, {"id": {"order": "desc"}}],
    "recent": [{"updated_at": {"order": "desc"}}, {"id": {"order": "desc"}}],
}


class ListingDocument(Document):
    """Fields offerings and demands share (see apps.search.documents)."""

    id = Long()
    title = Text(analyzer=trigrams)
    summary = Keyword(index=False)
    organization_id = Long()
    organization_name = Keyword()
    verified = Boolean()
    sectors = Keyword(multi=True)
    technologies = Keyword(multi=True)
    kinds = Keyword(multi=True)
    functions = Keyword(multi=True)
    scenarios = Keyword(multi=True)
    certifications = Keyword(multi=True)
    regions = Keyword(multi=True)
    region_provinces = Keyword(multi=True)
    nationwide = Boolean()
    price = ScaledFloat(scaling_factor=SCALED_PRICE)
    capacity = Long()
    title_tokens = Text(analyzer=jieba_tokens)
    vendor_tokens = Text(analyzer=jieba_tokens)
    function_tokens = Text(analyzer=jieba_tokens)
    scenario_tokens = Text(analyzer=jieba_tokens)
    body_tokens = Text(analyzer=jieba_tokens)
    updated_at = Date()
    source_hash = Keyword(index=False)


class OfferingDocument(ListingDocument):
    model_number = Text(analyzer=trigrams)
    price_max = ScaledFloat(scaling_factor=SCALED_PRICE)


class DemandDocument(ListingDocument):
    volume_band = Keyword()


DOCUMENTS = {OFFERING: OfferingDocument, DEMAND: DemandDocument}


def alias_name(entity: str) -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{entity}s"


def index_definition(entity: str, name: str) -> Index:
    """The index (settings, analyzers, mapping) an entity's documents live in."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(DOCUMENTS[entity])
    return index


TOKEN_FIELDS = [
    "title_tokens",
    "vendor_tokens",
    "function_tokens",
    "scenario_tokens",
    "body_tokens",
]
# Facet -> the keyword field its values filter and count.
_FACET_FIELDS = {
    "kind": "kinds",
    "function": "functions",
    "scenario": "scenarios",
    "sector": "sectors",
    "technology": "technologies",
    "certification": "certifications",
}


def initial_index_name(entity: str) -> str:
    return f"{alias_name(entity)}-{INITIAL_SUFFIX}"


def word_probe(entity: str, word: str) -> Search:
    """Whether any listing holds `word` as a word (size 0, stops at the first): the PostgreSQL
    backend's `search_vector @@ plainto_tsquery(word)` test for typo terms."""
    return (
        Search(index=alias_name(entity))
        .query(Q("multi_match", query=word, fields=TOKEN_FIELDS))
        .extra(size=0, terminate_after=1, track_total_hits=1)
    )


def build_search(query: SearchQuery, *, typos: Iterable[str] = ()) -> Search:
    """The Elasticsearch search for `query`: text, filters, sort, page and aggregations.

    `typos` are the query's typo terms that no listing holds as a word (see `word_probe`):
    only those also match names and model numbers by trigrams, as in the PostgreSQL backend.
    """
    search = Search(index=alias_name(query.entity)).extra(track_total_hits=True)
    groups = query.term_groups
    if groups:
        should = [_text_query(query)]
        fields = ["title", "model_number"] if query.entity == OFFERING else ["title"]
        for term in typos:
            for field in fields:
                should.append(
                    Q(
                        "match",
                        **{
                            field: {
                                "query": term,
                                "minimum_should_match": TRIGRAM_MINIMUM_SHOULD_MATCH,
                            }
                        },
                    )
                )
        search = search.query(Q("bool", should=should, minimum_should_match=1))
    # Multi-select facets: the chosen values filter the hits after the aggregations
    # (post_filter), and each facet counts under the other facets' choices only.
    chosen = _facet_filters(query)
    if chosen:
        # One bool of filters: the DSL would merge successive post_filters' bools, folding
        # a region's `should` into the others.
        search = search.post_filter(Q("bool", filter=list(chosen.values())))
    if query.price_min is not None or query.price_max is not None:
        price_range = {}
        if query.price_min is not None:
            price_range["gte"] = float(query.price_min)
        if query.price_max is not None:
            price_range["lte"] = float(query.price_max)
        search = search.filter("range", price=price_range)
    if query.verified is not None:
        search = search.filter("term", verified=query.verified)

    sort = query.effective_sort
    search = search.sort(*_SORTS[sort]).source(excludes=["*_tokens", "source_hash"])
    search = search.extra(size=query.page_size + 1)
    if query.cursor:
        search = search.extra(search_after=decode_cursor(query.cursor, sort, 2))

    for name in FACETS[query.entity]:
        aggs = _facet_aggs(query.entity, name)
        others = [f for facet, f in chosen.items() if facet != name]
        if others:
            wrapper = A("filter", bool={"filter": [f.to_dict() for f in others]})
            for sub, agg in aggs.items():
                wrapper.bucket(sub, agg)
            search.aggs.bucket(f"{name}{_CHOSEN}", wrapper)
        else:
            for sub, agg in aggs.items():
                search.aggs.bucket(sub, agg)
    return search


# Suffix of a facet's aggregation wrapped in the other chosen facets' filter.
_CHOSEN = "__chosen"


def _text_query(query: SearchQuery) -> Q:
    """Every group (one of its alternatives somewhere in the listing's text, or for a place
    name the listings serving it) — or, relaxed, `minimum_match` of them."""
    groups = query.term_groups
    simple = all(len(g.alternatives) == 1 and not g.regions for g in groups)
    if simple and query.minimum_match is None:
        # cross_fields + and: every query word somewhere in title, vendor or description,
        # as the PostgreSQL backend's tsquery over one tsvector.
        return _words_query([t for g in groups for t in g.alternatives[0]])
    clauses = []
    for group in groups:
        options = [_words_query(list(alternative)) for alternative in group.alternatives]
        if group.regions:
            options.append(_region_filter(group.regions))
        clauses.append(options[0] if len(options) == 1 else Q("bool", should=options))
    if query.minimum_match is None:
        return Q("bool", must=clauses)
    return Q("bool", should=clauses, minimum_should_match=query.minimum_match)


def _words_query(tokens: list[str]) -> Q:
    return Q(
        "multi_match",
        query=" ".join(tokens),
        fields=TEXT_FIELDS,
        type="cross_fields",
        operator="and",
    )


def _region_filter(regions: Iterable[str]) -> Q:
    """Listings in any of `regions` (see base.region_scope), nationwide ones included."""
    provinces, cities = region_scope(regions)
    should = [Q("term", nationwide=True)]
    if provinces:
        should.append(Q("terms", region_provinces=provinces))
    if cities:
        should.append(Q("terms", regions=cities))
    return Q("bool", should=should, minimum_should_match=1)


def _facet_filters(query: SearchQuery) -> dict[str, Q]:
    """The filter of each facet the query has chosen values in."""
    filters = {}
    for facet, field in _FACET_FIELDS.items():
        values = getattr(query, FACET_FILTERS[facet])
        if values:
            filters[facet] = Q("terms", **{field: list(values)})
    if query.regions:
        filters["region"] = _region_filter(query.regions)
    if query.volume_bands and query.entity == DEMAND:
        filters["volume"] = Q("terms", volume_band=list(query.volume_bands))
    return filters


def _facet_aggs(entity: str, name: str) -> dict:
    """The aggregations counting facet `name` (region: provinces and nationwide)."""
    if name in _FACET_FIELDS:
        return {name: A("terms", field=_FACET_FIELDS[name], size=FACET_SIZE)}
    if name == "region":
        region = A("filter", bool={"must_not": [{"term": {"nationwide": True}}]})
        region.bucket("provinces", A("terms", field="region_provinces", size=FACET_SIZE))
        return {"region": region, "nationwide": A("filter", term={"nationwide": True})}
    if name == "verified":
        return {"verified": A("terms", field="verified", size=2)}
    if name == "price":
        ranges = [
            {"key": code, "from": low, **({"to": high} if high is not None else {})}
            for code, low, high in PRICE_BANDS
        ]
        return {"price": A("range", field="price", ranges=ranges)}
    return {"volume": A("terms", field="volume_band", size=len(VOLUME_BANDS))}


def bulk_failure(errors: list[dict]) -> Exception | None:
    """What a bulk's item errors amount to: nothing for 404 (deleting what is gone) and 409 (a
    newer version is already there), SearchUnavailable if items were still refused for
    overload after the helper's retries, otherwise RuntimeError (the documents are wrong)."""
    statuses = [next(iter(e.values())).get("status") for e in errors]
    real = [e for e, status in zip(errors, statuses, strict=True) if status not in (404, 409)]
    if any(status in UNAVAILABLE_STATUSES for status in statuses):
        return SearchUnavailable(f"Elasticsearch refused bulk items: {real[:3]}")
    if real:
        return RuntimeError(f"Elasticsearch bulk errors: {real[:3]}")
    return None


@contextmanager
def _unavailable_as_such() -> Iterator[None]:
    """Turn "the engine is away or overloaded" into SearchUnavailable (the outbox then waits
    instead of blaming the documents); any other error passes through unchanged."""
    try:
        yield
    except TransportError as exc:  # connection refused or reset, timeout after retries
        raise SearchUnavailable(str(exc)) from exc
    except ApiError as exc:
        if exc.meta.status in UNAVAILABLE_STATUSES:
            raise SearchUnavailable(str(exc)) from exc
        raise


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str | None = None) -> None:
        self.client = Elasticsearch(
            url or settings.ELASTICSEARCH_URL,
            request_timeout=WRITE_TIMEOUT,
            max_retries=MAX_RETRIES,
            retry_on_timeout=True,
            retry_on_status=(429, 502, 503, 504),
        )
        self.reads = self.client.options(request_timeout=SEARCH_TIMEOUT, retry_on_timeout=False)
        # Aliases whose index mapping this process has brought up to the code's.
        self.mapped: set[str] = set()

    # --- indices ------------------------------------------------------------------------

    def ensure_index(self, entity: str) -> None:
        """Create the entity's first index, with its alias in the same call, unless the alias
        exists. Under a fixed name: of several processes racing on a fresh cluster one
        creates it and the others get resource_already_exists, so the alias never spans two
        indices (which would refuse every write)."""
        alias = alias_name(entity)
        if self.client.indices.exists_alias(name=alias):
            self._extend_mapping(entity, alias)
            return
        name = initial_index_name(entity)
        definition = index_definition(entity, name)
        definition.aliases(**{alias: {}})
        if self._create(definition):
            return
        # Someone else's index with that name: theirs came with the alias, unless an operator
        # removed it since; then put it back on that same index.
        if not self.client.indices.exists_alias(name=alias):
            self.client.indices.put_alias(index=name, name=alias)

    def _extend_mapping(self, entity: str, alias: str) -> None:
        """Add the fields the code maps and the live index lacks (an index made by an earlier
        release), once per process and alias, before this process writes or searches.

        Adding fields is what Elasticsearch allows in place; the documents get their values
        when re-synced (`search_reindex`, or `search_reconcile --repair`: their source hash
        changed). Without it, a write would map a new field dynamically as `text`, which
        cannot be aggregated, and every search would fail until a reindex.
        """
        if alias in self.mapped:
            return
        properties = DOCUMENTS[entity]._doc_type.mapping.to_dict()["properties"]
        try:
            self.client.indices.put_mapping(index=alias, properties=properties)
        except BadRequestError as exc:
            # A changed field type cannot be applied in place: a rebuild makes a new index.
            logger.error(
                "the index behind %s cannot take this release's mapping (%s); run search_reindex",
                alias,
                exc,
            )
        self.mapped.add(alias)

    def _create(self, definition: Index) -> bool:
        """Create the index; False if it already exists (a racing process, or a retry of our
        own request that timed out after the cluster had created it)."""
        try:
            definition.create(using=self.client)
        except BadRequestError as exc:
            if exc.error == "resource_already_exists_exception":
                return False
            raise
        return True

    def wait_until_ready(self, timeout: float) -> None:
        """Wait until the cluster is at least yellow (a started container answers long before
        its shards can take writes); SearchUnavailable after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                health = self.client.options(
                    request_timeout=15, max_retries=0, ignore_status=408
                ).cluster.health(wait_for_status="yellow", timeout="10s")
                if health.get("status") in ("yellow", "green") and not health.get("timed_out"):
                    return
                last = f"cluster status {health.get('status')}"
            except (TransportError, ApiError) as exc:
                last = str(exc)
            if time.monotonic() >= deadline:
                raise SearchUnavailable(f"Elasticsearch not ready after {timeout:.0f} s: {last}")
            time.sleep(2)

    def _alias_indices(self, alias: str) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    def _entity_indices(self, entity: str) -> dict[str, set[str]]:
        """Every concrete index of the entity (behind the alias or not) with its aliases."""
        found = self.client.indices.get(index=f"{alias_name(entity)}-*", features="aliases")
        return {name: set(body.get("aliases") or {}) for name, body in found.items()}

    def _delete_orphans(self, entity: str) -> list[str]:
        """Delete the entity's indices that are not behind its alias: what a failed or killed
        rebuild left. Only safe while holding the entity's rebuild lock."""
        alias = alias_name(entity)
        indices = self._entity_indices(entity)
        orphans = [name for name, aliases in indices.items() if alias not in aliases]
        for name in orphans:
            logger.warning("deleting %s, left behind by an earlier rebuild", name)
            self.client.indices.delete(index=name, ignore_unavailable=True)
        return orphans

    # --- searching ----------------------------------------------------------------------

    def _typos(self, query: SearchQuery) -> list[str]:
        """The query's typo terms that no listing holds as a word (one round trip)."""
        candidates = typo_terms(query.text)
        if not candidates:
            return []
        probes = MultiSearch(index=alias_name(query.entity))
        for word in candidates:
            probes = probes.add(word_probe(query.entity, word))
        responses = probes.using(self.reads).execute()
        return [
            word
            for word, response in zip(candidates, responses, strict=True)
            if response.hits.total.value == 0
        ]

    def search(self, query: SearchQuery) -> SearchResult:
        if query.has_text and not query.term_groups:
            return SearchResult(hits=[], total=0, facets={k: [] for k in FACETS[query.entity]})
        self.ensure_index(query.entity)
        search = build_search(query, typos=self._typos(query))
        body = search.using(self.reads).execute().to_dict()
        raw_hits = body["hits"]["hits"]
        next_cursor = None
        if len(raw_hits) > query.page_size:
            raw_hits = raw_hits[: query.page_size]
            next_cursor = encode_cursor(query.effective_sort, list(raw_hits[-1]["sort"]))
        tokens = query.tokens
        hits = []
        for raw in raw_hits:
            document = _document(raw["_source"], query.entity)
            hits.append(
                SearchHit(
                    id=document["id"],
                    score=raw["_score"] if query.effective_sort == "relevance" else None,
                    document=document,
                    highlights=highlights_for(document, tokens),
                )
            )
        facets = {}
        for name in FACETS[query.entity]:
            aggs = body["aggregations"]
            aggs = aggs.get(f"{name}{_CHOSEN}", aggs)
            if name == "region":
                provinces = {
                    b["key"]: b["doc_count"] for b in aggs["region"]["provinces"]["buckets"]
                }
                facets[name] = region_buckets(provinces, aggs["nationwide"]["doc_count"])
            elif name == "verified":
                facets[name] = sorted_buckets(
                    {b["key_as_string"]: b["doc_count"] for b in aggs[name]["buckets"]}
                )
            else:
                facets[name] = sorted_buckets(
                    {str(b["key"]): b["doc_count"] for b in aggs[name]["buckets"]}
                )
        total = body["hits"]["total"]["value"]
        return SearchResult(hits=hits, total=total, facets=facets, next_cursor=next_cursor)

    # --- writing ------------------------------------------------------------------------

    def _actions(self, index: str, entity: str, documents: list[dict]) -> Iterator[dict]:
        for document in documents:
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": str(document["id"]),
                "version": version_of(document["updated_at"]),
                # external_gte: an equal version re-indexes (the vendor may have been renamed).
                "version_type": "external_gte",
                "_source": _source(document, entity),
            }

    def _bulk(self, actions: Iterable[dict], **params) -> None:
        """Send `actions` in chunks, retrying items refused with 429; raise what
        `bulk_failure` makes of the item errors."""
        _ok, errors = helpers.bulk(
            self.client,
            actions,
            chunk_size=BULK_CHUNK_SIZE,
            max_retries=MAX_RETRIES,
            initial_backoff=2,
            max_backoff=30,
            raise_on_error=False,
            stats_only=False,
            **params,
        )
        failure = bulk_failure(errors)
        if failure is not None:
            raise failure

    def upsert(self, entity: str, documents: list[dict]) -> None:
        if documents:
            with _unavailable_as_such():
                self.ensure_index(entity)
                self._bulk(self._actions(alias_name(entity), entity, documents), require_alias=True)

    def delete(self, entity: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with _unavailable_as_such():
                self.ensure_index(entity)
                alias = alias_name(entity)
                self._bulk(
                    ({"_op_type": "delete", "_index": alias, "_id": str(i)} for i in ids),
                    require_alias=True,
                )

    def versions(self, entity: str) -> Iterator[tuple[int, str]]:
        self.ensure_index(entity)
        search = Search(using=self.client, index=alias_name(entity)).source(["source_hash"])
        for hit in search.scan():
            yield int(hit.meta.id), hit.source_hash

    def rebuild(self, entity: str, batches: Iterable[list[dict]]) -> int:
        """Fill a new index, then swap the alias onto it in one call and delete the old one.

        The caller holds the entity's rebuild lock (services.search_reindex), so any index of
        the entity not behind the alias is a leftover of a failed or killed rebuild: deleted
        first. If this rebuild fails, its own index is deleted (unless the swap got through).
        """
        alias = alias_name(entity)
        self.ensure_index(entity)
        self._delete_orphans(entity)
        name = f"{alias}-{time.time_ns() // 1000}"
        self._create(index_definition(entity, name))
        try:
            count = 0
            for batch in batches:
                self._bulk(self._actions(name, entity, batch))
                count += len(batch)
            self.client.indices.refresh(index=name)
            old = [index for index in self._alias_indices(alias) if index != name]
            actions = [{"remove": {"index": index, "alias": alias}} for index in old]
            actions.append({"add": {"index": name, "alias": alias}})
            self.client.indices.update_aliases(actions=actions)
        except BaseException:
            self._abandon(name, alias)
            raise
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        return count

    def _abandon(self, name: str, alias: str) -> None:
        try:
            if name in self._alias_indices(alias):
                return  # the swap got through before the error: the new index is live
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except Exception:
            logger.warning(
                "could not delete %s after a failed rebuild; the next rebuild will", name
            )

    def clear(self, entity: str) -> None:
        for index in self._entity_indices(entity):
            self.client.indices.delete(index=index, ignore_unavailable=True)

    def refresh(self, entity: str) -> None:
        self.ensure_index(entity)
        self.client.indices.refresh(index=alias_name(entity))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_of(updated_at: datetime) -> int:
    """The external version of a document: its listing's updated_at in microseconds."""
    return (updated_at - _EPOCH) // timedelta(microseconds=1)


def _source(document: dict, entity: str) -> dict:
    fields = DOCUMENTS[entity]._doc_type.mapping.properties.to_dict()["properties"]
    source = {}
    for name in fields:
        value = document.get(name)
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        source[name] = value
    return source


def _document(source: dict, entity: str) -> dict:
    """A hit's source in the same Python types the PostgreSQL backend returns."""
    document = dict(source)
    for name in ("price", "price_max"):
        if document.get(name) is not None:
            document[name] = Decimal(str(document[name])).quantize(Decimal("0.01"))
    if document.get("updated_at"):
        document["updated_at"] = datetime.fromisoformat(document["updated_at"])
    for name in (
        "sectors",
        "technologies",
        "kinds",
        "functions",
        "scenarios",
        "certifications",
        "regions",
        "region_provinces",
    ):
        document[name] = list(document.get(name) or [])
    if entity == OFFERING:
        document.setdefault("price_max", None)
    return document
