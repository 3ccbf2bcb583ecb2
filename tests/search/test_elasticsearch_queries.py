"""The Elasticsearch backend's queries and mappings, checked without a server (to_dict())."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.search.backends.base import SearchQuery, decode_cursor, encode_cursor
from apps.search.backends.elasticsearch import (
    TEXT_FIELDS,
    ElasticsearchBackend,
    build_search,
    index_definition,
    version_of,
)
from apps.search.documents import DEMAND, OFFERING


@pytest.fixture(autouse=True)
def prefix(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "iotmatch"


def test_text_becomes_jieba_tokens_in_match_queries_never_query_string():
    # when
    body = build_search(SearchQuery(text='冷链 温湿度 "OR" (EC800M) *', page_size=5)).to_dict()
    # then
    assert body["query"] == {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": "冷链 温湿 湿度 温湿度 or ec800m",
                        "fields": TEXT_FIELDS,
                        "type": "cross_fields",
                        "operator": "and",
                    }
                },
                {"match": {"title": {"query": "ec800m", "minimum_should_match": "60%"}}},
                {"match": {"model_number": {"query": "ec800m", "minimum_should_match": "60%"}}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert "query_string" not in str(body)
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": {"order": "desc"}}]
    assert body["size"] == 6
    assert body["track_total_hits"] is True


def test_chinese_text_has_no_trigram_clause():
    body = build_search(SearchQuery(text="冷链 温湿度")).to_dict()
    assert len(body["query"]["bool"]["should"]) == 1


def test_filters_regions_price_and_cursor():
    # given
    cursor = encode_cursor("price", [12.5, 7])
    query = SearchQuery(
        technologies=("cat1", "nb_iot"),
        kinds=("module",),
        regions=("320500", "110000"),
        price_min=Decimal("10"),
        price_max=Decimal("99.5"),
        verified=True,
        sort="price",
        cursor=cursor,
    )
    # when
    body = build_search(query).to_dict()
    # then
    assert body["query"] == {
        "bool": {
            "filter": [
                {"terms": {"kinds": ["module"]}},
                {"terms": {"technologies": ["cat1", "nb_iot"]}},
                {
                    "bool": {
                        "should": [
                            {"term": {"nationwide": True}},
                            {"terms": {"region_provinces": ["110000"]}},
                            {"terms": {"regions": ["320000", "320500"]}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                {"range": {"price": {"gte": 10.0, "lte": 99.5}}},
                {"term": {"verified": True}},
            ]
        }
    }
    assert body["sort"] == [
        {"price": {"order": "asc", "missing": "_last"}},
        {"id": {"order": "asc"}},
    ]
    assert body["search_after"] == [12.5, 7]


def test_offering_aggregations_are_the_facets():
    aggs = build_search(SearchQuery()).to_dict()["aggs"]
    assert set(aggs) == {
        "kind",
        "sector",
        "technology",
        "certification",
        "region",
        "nationwide",
        "verified",
        "price",
    }
    assert aggs["technology"] == {"terms": {"field": "technologies", "size": 50}}
    assert aggs["region"] == {
        "filter": {"bool": {"must_not": [{"term": {"nationwide": True}}]}},
        "aggs": {"provinces": {"terms": {"field": "region_provinces", "size": 50}}},
    }
    assert aggs["price"]["range"]["ranges"][0] == {"key": "lt_20", "from": 0, "to": 20}
    assert aggs["price"]["range"]["ranges"][-1] == {"key": "gte_1000", "from": 1000}


def test_demand_search_uses_its_alias_volume_bands_and_no_model_number():
    body = build_search(
        SearchQuery(entity=DEMAND, text="水表", volume_bands=("gte_1m",), sort="capacity")
    ).to_dict()
    assert "model_number" not in str(body["query"])
    assert {"terms": {"volume_band": ["gte_1m"]}} in body["query"]["bool"]["filter"]
    assert body["aggs"]["volume"] == {"terms": {"field": "volume_band", "size": 5}}
    assert "price" not in body["aggs"]
    assert body["sort"][0] == {"capacity": {"order": "desc"}}
    assert build_search(SearchQuery(entity=DEMAND))._index == ["iotmatch-demands"]


def test_no_text_sorts_by_recency():
    body = build_search(SearchQuery(entity=OFFERING)).to_dict()
    assert "query" not in body or "should" not in str(body["query"])
    assert body["sort"][0] == {"updated_at": {"order": "desc"}}


def test_mapping_uses_whitespace_analyzer_over_jieba_tokens():
    # when
    definition = index_definition(OFFERING, "iotmatch-offerings-1").to_dict()
    # then
    analysis = definition["settings"]["analysis"]
    assert analysis["analyzer"]["jieba_tokens"] == {
        "type": "custom",
        "tokenizer": "whitespace",
        "filter": ["lowercase"],
    }
    assert analysis["tokenizer"]["trigram"]["type"] == "ngram"
    properties = definition["mappings"]["properties"]
    for name in ("title_tokens", "vendor_tokens", "body_tokens"):
        assert properties[name] == {"type": "text", "analyzer": "jieba_tokens"}
    for name in (
        "kinds",
        "sectors",
        "technologies",
        "regions",
        "region_provinces",
        "certifications",
    ):
        assert properties[name] == {"type": "keyword"}
    assert properties["title"] == {"type": "text", "analyzer": "trigrams"}
    assert properties["model_number"] == {"type": "text", "analyzer": "trigrams"}
    assert properties["price"] == {"type": "scaled_float", "scaling_factor": 100}
    assert properties["updated_at"] == {"type": "date"}
    demand = index_definition(DEMAND, "d").to_dict()["mappings"]["properties"]
    assert "model_number" not in demand and demand["volume_band"] == {"type": "keyword"}


def test_external_version_is_updated_at_in_microseconds_and_grows():
    earlier = datetime(2026, 11, 25, 12, 0, 0, 1, tzinfo=UTC)
    later = datetime(2026, 11, 25, 12, 0, 0, 2, tzinfo=UTC)
    assert version_of(later) - version_of(earlier) == 1
    assert version_of(earlier) == 1_795_608_000_000_001


class _Indices:
    def exists_alias(self, name):
        return True


class _Answer:
    def __init__(self, body):
        self.body = body


class _StubClient:
    """Answers one search with a canned Elasticsearch response and records the request."""

    def __init__(self, response):
        self.response = response
        self.indices = _Indices()
        self.requests = []

    def search(self, index, body, **params):
        self.requests.append((index, body))
        return _Answer(self.response)


def _hit(pk, score, sort, **source):
    base = {
        "id": pk,
        "title": f"水表 {pk}",
        "summary": "",
        "organization_id": 7,
        "organization_name": "移远",
        "verified": True,
        "sectors": ["municipal"],
        "technologies": ["nb_iot"],
        "kinds": ["module"],
        "certifications": [],
        "regions": [],
        "region_provinces": [],
        "nationwide": True,
        "price": 12.5,
        "capacity": 1000,
        "updated_at": "2026-11-25T12:00:00.000001+00:00",
        "model_number": "",
        "price_max": 20.0,
    }
    return {"_id": str(pk), "_score": score, "_source": {**base, **source}, "sort": sort}


def test_a_response_becomes_the_same_result_shape_as_postgres():
    # given
    response = {
        "hits": {
            "total": {"value": 3, "relation": "eq"},
            "hits": [_hit(3, 2.5, [2.5, 3]), _hit(2, 1.5, [1.5, 2]), _hit(1, 0.5, [0.5, 1])],
        },
        "aggregations": {
            "kind": {"buckets": [{"key": "module", "doc_count": 3}]},
            "sector": {"buckets": [{"key": "municipal", "doc_count": 3}]},
            "technology": {"buckets": [{"key": "nb_iot", "doc_count": 3}]},
            "certification": {"buckets": []},
            "region": {
                "doc_count": 1,
                "provinces": {"buckets": [{"key": "130000", "doc_count": 1}]},
            },
            "nationwide": {"doc_count": 2},
            "verified": {"buckets": [{"key": 1, "key_as_string": "true", "doc_count": 3}]},
            "price": {
                "buckets": [
                    {"key": "lt_20", "from": 0, "to": 20, "doc_count": 3},
                    {"key": "20_50", "from": 20, "to": 50, "doc_count": 0},
                ]
            },
        },
    }
    backend = ElasticsearchBackend.__new__(ElasticsearchBackend)
    backend.client = _StubClient(response)
    # when
    result = backend.search(SearchQuery(text="水表", page_size=2))
    # then
    assert [hit.id for hit in result.hits] == [3, 2]
    assert result.hits[0].score == 2.5
    assert result.hits[0].highlights == {"title": "<em>水表</em> 3"}
    assert result.hits[0].document["price"] == Decimal("12.50")
    assert result.hits[0].document["updated_at"] == datetime(2026, 11, 25, 12, 0, 0, 1, tzinfo=UTC)
    assert result.total == 3
    assert decode_cursor(result.next_cursor, "relevance", 2) == [1.5, 2]
    assert {b.key: b.count for b in result.facets["region"]} == {"nationwide": 2, "130000": 3}
    assert {b.key: b.count for b in result.facets["price"]} == {"lt_20": 3}
    assert {b.key: b.count for b in result.facets["verified"]} == {"true": 3}
    ((index, body),) = backend.client.requests
    assert index == ["iotmatch-offerings"]
    assert body["size"] == 3


def test_bulk_actions_carry_the_external_version():
    backend = ElasticsearchBackend.__new__(ElasticsearchBackend)
    updated = datetime(2026, 11, 25, 12, 0, 0, 1, tzinfo=UTC)
    document = {
        "id": 5,
        "title": "水表",
        "title_tokens": "水表",
        "price": Decimal("12.50"),
        "updated_at": updated,
        "source_hash": "abc",
    }
    (action,) = backend._actions("iotmatch-offerings", OFFERING, [document])
    assert action["_id"] == "5"
    assert action["version"] == version_of(updated)
    assert action["version_type"] == "external_gte"
    assert action["_source"]["price"] == 12.5
    assert action["_source"]["title_tokens"] == "水表"
    assert action["_source"]["updated_at"] == "2026-11-25T12:00:00.000001+00:00"
