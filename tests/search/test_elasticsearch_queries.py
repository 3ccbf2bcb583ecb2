"""The Elasticsearch backend's queries and mappings, checked without a server (to_dict())."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.search.backends.base import (
    SearchQuery,
    SearchUnavailable,
    decode_cursor,
    encode_cursor,
)
from apps.search.backends.elasticsearch import (
    TEXT_FIELDS,
    TOKEN_FIELDS,
    ElasticsearchBackend,
    build_search,
    bulk_failure,
    index_definition,
    version_of,
    word_probe,
)
from apps.search.documents import DEMAND, OFFERING


@pytest.fixture(autouse=True)
def prefix(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "iotmatch"


def test_text_becomes_jieba_tokens_in_match_queries_never_query_string():
    # when: EC800M is a word no listing holds (the backend asks first; see below)
    query = SearchQuery(text='冷链 温湿度 "OR" (EC800M) *', page_size=5)
    body = build_search(query, typos=["ec800m"]).to_dict()
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


def test_a_word_some_listing_holds_gets_no_trigram_clause():
    # given: EC800N is a model number in the catalogue (the backend found it), BC260Z is not
    query = SearchQuery(text="EC800N BC260Z")
    # when
    should = build_search(query, typos=["bc260z"]).to_dict()["query"]["bool"]["should"]
    # then
    assert "ec800n" not in str(should[1:])
    assert [clause["match"] for clause in should[1:]] == [
        {"title": {"query": "bc260z", "minimum_should_match": "60%"}},
        {"model_number": {"query": "bc260z", "minimum_should_match": "60%"}},
    ]


def test_the_word_probe_asks_whether_any_listing_holds_the_word_and_stops_at_one():
    assert word_probe(OFFERING, "ec800n").to_dict() == {
        "query": {"multi_match": {"query": "ec800n", "fields": TOKEN_FIELDS}},
        "size": 0,
        "terminate_after": 1,
        "track_total_hits": 1,
    }
    assert word_probe(DEMAND, "ec800n")._index == ["iotmatch-demands"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", {"price": {"order": "asc", "missing": 1e13}}),
        ("-price", {"price": {"order": "desc", "missing": -1}}),
    ],
)
def test_missing_prices_sort_last_through_finite_values_a_cursor_can_carry(sort, expected):
    # Infinity (what `_last` puts in the sort values) does not survive a JSON cursor.
    body = build_search(SearchQuery(entity=DEMAND, sort=sort)).to_dict()
    assert body["sort"][0] == expected


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
    # then: ranges filter the query; chosen facet values filter the hits after the
    # aggregations (multi-select facets: each facet counts under the other facets' choices)
    assert body["query"] == {
        "bool": {
            "filter": [
                {"range": {"price": {"gte": 10.0, "lte": 99.5}}},
                {"term": {"verified": True}},
            ]
        }
    }
    region = {
        "bool": {
            "should": [
                {"term": {"nationwide": True}},
                {"terms": {"region_provinces": ["110000"]}},
                {"terms": {"regions": ["320000", "320500"]}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert body["post_filter"] == {
        "bool": {
            "filter": [
                {"terms": {"kinds": ["module"]}},
                {"terms": {"technologies": ["cat1", "nb_iot"]}},
                region,
            ]
        }
    }
    assert body["aggs"]["kind__chosen"]["filter"] == {
        "bool": {"filter": [{"terms": {"technologies": ["cat1", "nb_iot"]}}, region]}
    }
    assert body["aggs"]["kind__chosen"]["aggs"] == {
        "kind": {"terms": {"field": "kinds", "size": 50}}
    }
    assert set(body["aggs"]["region__chosen"]["aggs"]) == {"region", "nationwide"}
    assert body["aggs"]["sector__chosen"]["filter"]["bool"]["filter"][0] == {
        "terms": {"kinds": ["module"]}
    }
    assert body["sort"] == [
        {"price": {"order": "asc", "missing": 1e13}},
        {"id": {"order": "asc"}},
    ]
    assert body["search_after"] == [12.5, 7]


def test_offering_aggregations_are_the_facets():
    aggs = build_search(SearchQuery()).to_dict()["aggs"]
    assert set(aggs) == {
        "kind",
        "function",
        "scenario",
        "sector",
        "technology",
        "certification",
        "region",
        "nationwide",
        "verified",
        "price",
    }
    assert aggs["technology"] == {"terms": {"field": "technologies", "size": 50}}
    assert aggs["function"] == {"terms": {"field": "functions", "size": 50}}
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
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"volume_band": ["gte_1m"]}}]}}
    assert body["aggs"]["kind__chosen"]["filter"] == {
        "bool": {"filter": [{"terms": {"volume_band": ["gte_1m"]}}]}
    }
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
    for name in ("title_tokens", "vendor_tokens", "function_tokens", "body_tokens"):
        assert properties[name] == {"type": "text", "analyzer": "jieba_tokens"}
    for name in (
        "kinds",
        "functions",
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
    def __init__(self, alias_exists=True, create_error=None):
        self.alias_exists = alias_exists
        self.create_error = create_error
        self.created = []
        self.put_aliases = []
        self.put_mappings = []

    def exists_alias(self, name):
        return self.alias_exists

    def create(self, index, body, **params):
        self.created.append((index, body))
        if self.create_error is not None:
            raise self.create_error

    def put_alias(self, index, name):
        self.put_aliases.append((index, name))

    def put_mapping(self, index, properties):
        self.put_mappings.append((index, properties))


class _Answer(dict):
    def __init__(self, body):
        super().__init__(body)
        self.body = body
        self.meta = None


class _StubClient:
    """The outer edge: answers with canned Elasticsearch responses, records the requests.

    `words` are the words listings hold: a word probe (msearch) finds exactly those."""

    def __init__(self, response=None, words=(), indices=None):
        self.response = response
        self.words = set(words)
        self.indices = indices or _Indices()
        self.requests = []
        self.probes = []

    def search(self, index, body, **params):
        self.requests.append((index, body))
        return _Answer(self.response)

    def msearch(self, index, body, **params):
        bodies = body[1::2]
        words = [b["query"]["multi_match"]["query"] for b in bodies]
        self.probes += words
        return _Answer(
            {
                "responses": [
                    {
                        "hits": {
                            "total": {"value": int(w in self.words), "relation": "eq"},
                            "hits": [],
                        }
                    }
                    for w in words
                ]
            }
        )


def _stub_backend(client) -> ElasticsearchBackend:
    backend = ElasticsearchBackend.__new__(ElasticsearchBackend)
    backend.client = backend.reads = client
    backend.mapped = set()
    return backend


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
            "function": {"buckets": [{"key": "module_lpwa", "doc_count": 3}]},
            "scenario": {"buckets": [{"key": "municipal.water_meter", "doc_count": 3}]},
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
    backend = _stub_backend(_StubClient(response))
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
    assert {b.key: b.count for b in result.facets["function"]} == {"module_lpwa": 3}
    assert list(result.facets) == [
        "kind",
        "function",
        "scenario",
        "sector",
        "technology",
        "region",
        "certification",
        "price",
        "verified",
    ]
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


def _empty_response():
    return {
        "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
        "aggregations": {
            "kind": {"buckets": []},
            "function": {"buckets": []},
            "scenario": {"buckets": []},
            "sector": {"buckets": []},
            "technology": {"buckets": []},
            "certification": {"buckets": []},
            "region": {"doc_count": 0, "provinces": {"buckets": []}},
            "nationwide": {"doc_count": 0},
            "verified": {"buckets": []},
            "price": {"buckets": []},
        },
    }


def test_trigram_clauses_only_for_words_no_listing_holds_as_postgres_does():
    # given: the catalogue holds the word ec800n, not ec800m
    client = _StubClient(_empty_response(), words={"ec800n"})
    backend = _stub_backend(client)
    # when
    backend.search(SearchQuery(text="EC800N EC800M 模组"))
    # then: both were probed in one round trip, only the unknown one matches by trigrams
    assert client.probes == ["ec800n", "ec800m"]
    ((_index, body),) = client.requests
    trigram = [c["match"] for c in body["query"]["bool"]["should"] if "match" in c]
    assert trigram == [
        {"title": {"query": "ec800m", "minimum_should_match": "60%"}},
        {"model_number": {"query": "ec800m", "minimum_should_match": "60%"}},
    ]


def test_chinese_only_text_needs_no_probe():
    client = _StubClient(_empty_response())
    _stub_backend(client).search(SearchQuery(text="水表"))
    assert client.probes == []


def _api_error(cls, status, error_type):
    from elastic_transport import ApiResponseMeta, HttpHeaders

    meta = ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=None
    )
    return cls(message=error_type, meta=meta, body={"error": {"type": error_type}})


def test_the_first_index_is_created_with_its_alias_in_one_call_under_a_fixed_name():
    # given: a fresh cluster
    indices = _Indices(alias_exists=False)
    backend = _stub_backend(_StubClient(indices=indices))
    # when
    backend.ensure_index(OFFERING)
    # then: one call creates the index and its alias; a racing process would collide on it
    ((name, body),) = indices.created
    assert name == "iotmatch-offerings-initial"
    assert body["aliases"] == {"iotmatch-offerings": {}}
    assert body["mappings"] == index_definition(OFFERING, name).to_dict()["mappings"]
    assert indices.put_aliases == []


def test_losing_the_creation_race_is_fine():
    # given: another process created the index (with the alias) between our check and create
    from elasticsearch import BadRequestError

    class Racing(_Indices):
        def exists_alias(self, name):
            return bool(self.created)

    indices = Racing(
        create_error=_api_error(BadRequestError, 400, "resource_already_exists_exception")
    )
    backend = _stub_backend(_StubClient(indices=indices))
    # when
    backend.ensure_index(OFFERING)
    # then: no error, and the alias is not put on a second index
    assert indices.put_aliases == []


def test_other_creation_errors_are_raised():
    from elasticsearch import BadRequestError

    indices = _Indices(
        alias_exists=False,
        create_error=_api_error(BadRequestError, 400, "illegal_argument_exception"),
    )
    with pytest.raises(BadRequestError):
        _stub_backend(_StubClient(indices=indices)).ensure_index(OFFERING)


def test_bulk_item_errors_tell_an_overloaded_engine_from_a_bad_document():
    gone = {"delete": {"_id": "1", "status": 404}}
    newer = {"index": {"_id": "2", "status": 409}}
    refused = {"index": {"_id": "3", "status": 429, "error": {"type": "es_rejected_execution"}}}
    bad = {"index": {"_id": "4", "status": 400, "error": {"type": "document_parsing_exception"}}}
    assert bulk_failure([gone, newer]) is None
    assert isinstance(bulk_failure([newer, refused]), SearchUnavailable)
    assert type(bulk_failure([gone, bad])) is RuntimeError
    assert isinstance(bulk_failure([bad, refused]), SearchUnavailable)


@pytest.fixture
def closed_port():
    """A local port nothing listens on: connecting is refused at once."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_client_waits_retries_and_searches_fail_fast(closed_port):
    backend = ElasticsearchBackend(f"http://127.0.0.1:{closed_port}")
    assert backend.client._request_timeout == 120
    assert backend.client._max_retries == 3
    assert backend.client._retry_on_timeout is True
    assert backend.reads._request_timeout == 10
    assert backend.reads._retry_on_timeout is False


def test_an_unreachable_engine_is_unavailable_not_a_bad_document(closed_port):
    backend = ElasticsearchBackend(f"http://127.0.0.1:{closed_port}")
    document = {"id": 1, "updated_at": datetime(2026, 11, 25, tzinfo=UTC)}
    with pytest.raises(SearchUnavailable):
        backend.upsert(OFFERING, [document])
    with pytest.raises(SearchUnavailable):
        backend.delete(OFFERING, [1])
    with pytest.raises(SearchUnavailable, match="not ready after 0 s"):
        backend.wait_until_ready(0)


@pytest.mark.django_db
def test_the_outbox_waits_for_an_unreachable_engine_and_never_marks_it_failed(
    settings, closed_port
):
    # given: Elasticsearch configured but down
    from django.utils import timezone

    from apps.search import services
    from apps.search.models import OutboxEvent
    from tests import factories

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"
    item = factories.OfferingFactory(name="水表")
    services.outbox_enqueue(entity="offering", entity_id=item.pk)
    # when: it stays down for more tries than a bad document gets
    for _ in range(services.OUTBOX_MAX_ATTEMPTS + 1):
        OutboxEvent.objects.update(available_at=timezone.now())
        assert services.outbox_drain() == 0
    # then
    event = OutboxEvent.objects.get()
    assert event.attempts == services.OUTBOX_MAX_ATTEMPTS + 1
    assert event.failed_at is None
    assert event.last_error.startswith("SearchUnavailable")


def test_function_names_are_searched_like_the_vendor_and_functions_filter_and_aggregate():
    # given
    query = SearchQuery(text="水表", functions=("water_meter", "gas_meter"), kinds=("terminal",))
    # when
    body = build_search(query).to_dict()
    # then: the boosts follow PostgreSQL's labels (A name, B function and kind, C vendor and
    # scenarios, D description)
    assert TEXT_FIELDS == [
        "title_tokens^4",
        "function_tokens^3",
        "vendor_tokens",
        "scenario_tokens",
        "body_tokens^0.5",
    ]
    assert "function_tokens" in TOKEN_FIELDS
    assert body["post_filter"]["bool"]["filter"] == [
        {"terms": {"kinds": ["terminal"]}},
        {"terms": {"functions": ["water_meter", "gas_meter"]}},
    ]
    assert body["aggs"]["function__chosen"]["aggs"]["function"] == {
        "terms": {"field": "functions", "size": 50}
    }


def test_a_nationwide_demand_matches_every_region_filter():
    body = build_search(SearchQuery(entity=DEMAND, regions=("440000",))).to_dict()
    (region,) = body["post_filter"]["bool"]["filter"]
    assert region["bool"]["should"][0] == {"term": {"nationwide": True}}
    assert build_search(SearchQuery(entity=DEMAND)).to_dict()["aggs"]["nationwide"] == {
        "filter": {"term": {"nationwide": True}}
    }


def test_documents_carry_their_functions_and_function_words():
    backend = ElasticsearchBackend.__new__(ElasticsearchBackend)
    document = {
        "id": 5,
        "title": "远传表",
        "functions": ["water_meter"],
        "function_names": "智能水表 Smart water meter",
        "function_tokens": "智能 水表 智能水表 smart water meter",
        "updated_at": datetime(2026, 11, 25, tzinfo=UTC),
    }
    (action,) = backend._actions("iotmatch-offerings", OFFERING, [document])
    assert action["_source"]["functions"] == ["water_meter"]
    assert action["_source"]["function_tokens"] == "智能 水表 智能水表 smart water meter"
    # Only mapped fields are sent: nothing is left to dynamic mapping.
    assert "function_names" not in action["_source"]


def test_an_index_of_an_earlier_release_gets_the_new_fields_once_per_process():
    # given: the alias exists (an index made before the function fields were mapped)
    indices = _Indices(alias_exists=True)
    backend = _stub_backend(_StubClient(_empty_response(), indices=indices))
    # when: this process searches and searches again
    backend.search(SearchQuery())
    backend.search(SearchQuery())
    # then: the code's mapping was put on the live index once, before the first search
    ((index, properties),) = indices.put_mappings
    assert index == "iotmatch-offerings"
    assert properties["functions"] == {"type": "keyword"}
    assert properties["function_tokens"] == {"type": "text", "analyzer": "jieba_tokens"}
    assert indices.created == []


def test_a_mapping_that_cannot_be_extended_in_place_is_logged_not_raised(caplog):
    from elasticsearch import BadRequestError

    class Conflicting(_Indices):
        def put_mapping(self, index, properties):
            super().put_mapping(index, properties)
            raise _api_error(BadRequestError, 400, "illegal_argument_exception")

    indices = Conflicting(alias_exists=True)
    backend = _stub_backend(_StubClient(indices=indices))
    # when
    backend.ensure_index(OFFERING)
    backend.ensure_index(OFFERING)
    # then: searches keep answering from the old index; the operator is told to rebuild
    assert len(indices.put_mappings) == 1
    assert "run search_reindex" in caplog.text


def test_groups_become_one_should_per_word_and_a_place_its_region():
    # given: 电表 with its synonym, 河北 a place
    from apps.search.understanding import term_groups

    groups = term_groups("电表 河北", {"河北": ("130000",)})
    # when
    strict = build_search(SearchQuery(text="电表 河北", groups=groups)).to_dict()
    relaxed = build_search(SearchQuery(text="电表 河北", groups=groups, minimum_match=1)).to_dict()
    # then
    (text,) = strict["query"]["bool"]["should"]
    meter, place = text["bool"]["must"]
    assert [c["multi_match"]["query"] for c in meter["bool"]["should"]] == ["电表", "电能表"]
    assert place["bool"]["should"][0]["multi_match"]["query"] == "河北"
    assert place["bool"]["should"][1] == {
        "bool": {
            "should": [
                {"term": {"nationwide": True}},
                {"terms": {"region_provinces": ["130000"]}},
            ],
            "minimum_should_match": 1,
        }
    }
    (loose,) = relaxed["query"]["bool"]["should"]
    assert loose["bool"]["minimum_should_match"] == 1
    assert len(loose["bool"]["should"]) == 2
