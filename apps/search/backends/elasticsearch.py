"""Elasticsearch backend through `elasticsearch.dsl`: the same jieba tokens, BM25, aggregations.

Each entity lives in a concrete index (`<prefix>-offerings-<stamp>`) behind an alias
(`<prefix>-offerings`); a rebuild fills a new concrete index and swaps the alias in one atomic
call, so searches never see a half-built index. Writes use external versions (the listing's
`updated_at` in microseconds), so a stale event never overwrites a newer document.
User text reaches Elasticsearch only as jieba tokens inside `match` queries, which have no
query syntax (never `query_string`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    A,
    Boolean,
    Date,
    Document,
    Index,
    Keyword,
    Long,
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
    FACET_SIZE,
    FACETS,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResult,
    decode_cursor,
    encode_cursor,
    highlights_for,
    region_buckets,
    sorted_buckets,
)

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
# Boosts mirroring the tsvector weights A (title), B (vendor), C (description).
TEXT_FIELDS = ["title_tokens^3", "vendor_tokens^2", "body_tokens"]
SCALED_PRICE = 100
# Missing prices sort last in both directions, as in PostgreSQL.
_SORTS = {
    "relevance": [{"_score": {"order": "desc"}}, {"id": {"order": "desc"}}],
    "price": [{"price": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}],
    "-price": [{"price": {"order": "desc", "missing": "_last"}}, {"id": {"order": "desc"}}],
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
    certifications = Keyword(multi=True)
    regions = Keyword(multi=True)
    region_provinces = Keyword(multi=True)
    nationwide = Boolean()
    price = ScaledFloat(scaling_factor=SCALED_PRICE)
    capacity = Long()
    title_tokens = Text(analyzer=jieba_tokens)
    vendor_tokens = Text(analyzer=jieba_tokens)
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


def build_search(query: SearchQuery) -> Search:
    """The Elasticsearch search for `query`: text, filters, sort, page and aggregations."""
    search = Search(index=alias_name(query.entity)).extra(track_total_hits=True)
    tokens = query.tokens
    if tokens:
        # cross_fields + and: every query word somewhere in title, vendor or description,
        # as the PostgreSQL backend's plainto_tsquery over one tsvector.
        should = [
            Q(
                "multi_match",
                query=" ".join(tokens),
                fields=TEXT_FIELDS,
                type="cross_fields",
                operator="and",
            )
        ]
        fields = ["title", "model_number"] if query.entity == OFFERING else ["title"]
        for term in typo_terms(query.text):
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
    for field, values in (
        ("kinds", query.kinds),
        ("sectors", query.sectors),
        ("technologies", query.technologies),
        ("certifications", query.certifications),
    ):
        if values:
            search = search.filter("terms", **{field: list(values)})
    if query.regions:
        region_should = [Q("term", nationwide=True)]
        if query.province_filters:
            region_should.append(Q("terms", region_provinces=query.province_filters))
        if query.city_filters:
            region_should.append(Q("terms", regions=query.city_filters))
        search = search.filter(Q("bool", should=region_should, minimum_should_match=1))
    if query.volume_bands and query.entity == DEMAND:
        search = search.filter("terms", volume_band=list(query.volume_bands))
    price_range = {}
    if query.price_min is not None:
        price_range["gte"] = float(query.price_min)
    if query.price_max is not None:
        price_range["lte"] = float(query.price_max)
    if price_range:
        search = search.filter("range", price=price_range)
    if query.verified is not None:
        search = search.filter("term", verified=query.verified)

    sort = query.effective_sort
    search = search.sort(*_SORTS[sort]).source(excludes=["*_tokens", "source_hash"])
    search = search.extra(size=query.page_size + 1)
    if query.cursor:
        search = search.extra(search_after=decode_cursor(query.cursor, sort, 2))

    for name, field in (
        ("kind", "kinds"),
        ("sector", "sectors"),
        ("technology", "technologies"),
        ("certification", "certifications"),
    ):
        search.aggs.bucket(name, A("terms", field=field, size=FACET_SIZE))
    search.aggs.bucket("region", A("filter", bool={"must_not": [{"term": {"nationwide": True}}]}))
    search.aggs["region"].bucket("provinces", A("terms", field="region_provinces", size=FACET_SIZE))
    search.aggs.bucket("nationwide", A("filter", term={"nationwide": True}))
    search.aggs.bucket("verified", A("terms", field="verified", size=2))
    if query.entity == OFFERING:
        ranges = [
            {"key": code, "from": low, **({"to": high} if high is not None else {})}
            for code, low, high in PRICE_BANDS
        ]
        search.aggs.bucket("price", A("range", field="price", ranges=ranges))
    else:
        search.aggs.bucket("volume", A("terms", field="volume_band", size=len(VOLUME_BANDS)))
    return search


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str | None = None) -> None:
        self.client = Elasticsearch(url or settings.ELASTICSEARCH_URL)

    def ensure_index(self, entity: str) -> None:
        """Create the entity's first concrete index and alias if there is none yet."""
        alias = alias_name(entity)
        if not self.client.indices.exists_alias(name=alias):
            name = f"{alias}-{time.time_ns() // 1000}"
            index_definition(entity, name).create(using=self.client)
            self.client.indices.put_alias(index=name, name=alias)

    def search(self, query: SearchQuery) -> SearchResult:
        if query.has_text and not query.tokens:
            return SearchResult(hits=[], total=0, facets={k: [] for k in FACETS[query.entity]})
        self.ensure_index(query.entity)
        body = build_search(query).using(self.client).execute().to_dict()
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
        aggs = body["aggregations"]
        facets = {}
        for name in FACETS[query.entity]:
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

    def _bulk(self, actions: Iterable[dict]) -> None:
        _ok, errors = helpers.bulk(self.client, actions, raise_on_error=False, stats_only=False)
        real = [e for e in errors if next(iter(e.values())).get("status") not in (404, 409)]
        if real:
            raise RuntimeError(f"Elasticsearch bulk errors: {real[:3]}")

    def upsert(self, entity: str, documents: list[dict]) -> None:
        if documents:
            self.ensure_index(entity)
            self._bulk(self._actions(alias_name(entity), entity, documents))

    def delete(self, entity: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self.ensure_index(entity)
            alias = alias_name(entity)
            self._bulk({"_op_type": "delete", "_index": alias, "_id": str(i)} for i in ids)

    def versions(self, entity: str) -> Iterator[tuple[int, str]]:
        self.ensure_index(entity)
        search = Search(using=self.client, index=alias_name(entity)).source(["source_hash"])
        for hit in search.scan():
            yield int(hit.meta.id), hit.source_hash

    def rebuild(self, entity: str, batches: Iterable[list[dict]]) -> int:
        alias = alias_name(entity)
        name = f"{alias}-{time.time_ns() // 1000}"
        index_definition(entity, name).create(using=self.client)
        count = 0
        for batch in batches:
            self._bulk(self._actions(name, entity, batch))
            count += len(batch)
        self.client.indices.refresh(index=name)
        old = (
            list(self.client.indices.get_alias(name=alias).keys())
            if self.client.indices.exists_alias(name=alias)
            else []
        )
        actions = [{"remove": {"index": index, "alias": alias}} for index in old]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index)
        return count

    def clear(self, entity: str) -> None:
        alias = alias_name(entity)
        try:
            indices = list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            indices = []
        for index in indices:
            self.client.indices.delete(index=index)

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
        "certifications",
        "regions",
        "region_provinces",
    ):
        document[name] = list(document.get(name) or [])
    if entity == OFFERING:
        document.setdefault("price_max", None)
    return document
