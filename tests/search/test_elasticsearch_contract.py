"""Elasticsearch against a live server: what only a real cluster can show (mapping as stored,
analyzers, races between processes, a rebuild killed mid-way). Skipped unless
ELASTICSEARCH_URL is set; see docs/search.md."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest

from apps.search.backends.base import SearchQuery
from apps.search.backends.elasticsearch import (
    ElasticsearchBackend,
    alias_name,
    index_definition,
    initial_index_name,
)
from apps.search.documents import ENTITIES, OFFERING, source_rows, with_tokens
from apps.search.services import search_reindex, search_sync
from apps.search.text import token_string
from tests.search.conftest import ES_SKIP_REASON, ES_URL
from tests.search.test_backend_contract import facet, ids, index, leftovers, offering, search
from tests.search.test_functions import function

pytestmark = [pytest.mark.elasticsearch, pytest.mark.skipif(not ES_URL, reason=ES_SKIP_REASON)]


@pytest.fixture
def es(settings, db):
    """The Elasticsearch backend on throw-away indices (a fresh prefix: a fresh cluster)."""
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = ES_URL
    settings.ELASTICSEARCH_INDEX_PREFIX = f"iotmatch-test-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(ES_URL)
    yield backend
    # By name: a cluster refuses wildcard deletes (action.destructive_requires_name).
    for entity in ENTITIES:
        backend.clear(entity)


class TestMappingAndAnalyzers:
    def test_the_stored_mapping_is_the_one_the_code_defines(self, es):
        # when
        es.ensure_index(OFFERING)
        stored = es.client.indices.get_mapping(index=alias_name(OFFERING)).body
        # then
        ((_name, body),) = stored.items()
        expected = index_definition(OFFERING, "x").to_dict()["mappings"]["properties"]
        assert body["mappings"]["properties"] == expected

    def test_token_fields_split_the_jieba_tokens_only_on_spaces(self, es):
        # given
        es.ensure_index(OFFERING)
        text = token_string("NB-IoT 智能水表远程抄表")
        # when
        analyzed = es.client.indices.analyze(
            index=alias_name(OFFERING), analyzer="jieba_tokens", text=text
        )
        # then: exactly the tokens PostgreSQL's to_tsvector('simple', …) gets
        assert [t["token"] for t in analyzed["tokens"]] == text.split()

    def test_names_and_model_numbers_are_character_trigrams(self, es):
        es.ensure_index(OFFERING)
        analyzed = es.client.indices.analyze(
            index=alias_name(OFFERING), field="model_number", text="EC800N-CN"
        )
        assert [t["token"] for t in analyzed["tokens"]] == ["ec8", "c80", "800", "00n"]


class TestConcurrentIndexCreation:
    @pytest.mark.parametrize("round_", range(5))
    def test_processes_racing_on_a_fresh_cluster_leave_one_index_behind_the_alias(self, es, round_):
        # given: eight workers, each with its own client, starting together
        workers = 8
        barrier = threading.Barrier(workers)
        errors = []

        def create():
            try:
                backend = ElasticsearchBackend(ES_URL)
                barrier.wait()
                backend.ensure_index(OFFERING)
            except Exception as exc:  # collected: an error in a thread must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=create) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # then
        assert errors == []
        behind = es.client.indices.get_alias(name=alias_name(OFFERING))
        assert len(behind) == 1
        assert leftovers(es, OFFERING) == []
        # and writes through the alias are accepted
        item = offering(name="水表")
        search_sync(entity=OFFERING, ids=[item.id])
        es.refresh(OFFERING)
        assert ids(search(es, text="水表")) == [item.id]


_KILLED_REBUILD = """
import os, sys, time
from datetime import UTC, datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from apps.search.backends.elasticsearch import ElasticsearchBackend

def batches():
    yield [{"id": 990001, "title": "半途", "title_tokens": "半途", "updated_at": datetime.now(UTC)}]
    print("filled", flush=True)
    time.sleep(600)

ElasticsearchBackend(os.environ["ELASTICSEARCH_URL"]).rebuild("offering", batches())
"""


class TestKilledRebuild:
    def test_searches_survive_it_and_the_next_rebuild_removes_what_it_left(self, es, settings):
        # given: an index in use
        item = offering(name="水表")
        index(es)
        # when: a rebuild is killed (SIGKILL: no cleanup can run) after filling part of its index
        env = {
            **os.environ,
            "ELASTICSEARCH_URL": ES_URL,
            "ELASTICSEARCH_INDEX_PREFIX": settings.ELASTICSEARCH_INDEX_PREFIX,
        }
        process = subprocess.Popen(
            [sys.executable, "-c", _KILLED_REBUILD], env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout.readline().strip() == "filled"
        finally:
            process.kill()
            process.wait()
        # then: searches still answer from the old index; the half-built one is left over
        assert ids(search(es, text="水表")) == [item.id]
        assert search(es, text="半途").total == 0
        assert len(leftovers(es, OFFERING)) == 1
        # when: the next rebuild
        search_reindex(entities=[OFFERING])
        # then: the leftover is gone and the alias is on exactly one index
        assert leftovers(es, OFFERING) == []
        assert len(es.client.indices.get_alias(name=alias_name(OFFERING))) == 1
        assert ids(search(es, text="水表")) == [item.id]


class TestConcurrentStaleWrites:
    def test_racing_writers_leave_the_newest_version_whatever_the_order(self, es):
        # given: twenty versions of one listing
        item = offering(name="水表")
        index(es)
        (source,) = next(source_rows(OFFERING, ids=[item.id]))
        versions = [
            with_tokens(
                {**source, "title": f"型号 v{n}", "updated_at": source["updated_at"] + timedelta(n)}
            )
            for n in range(20)
        ]
        random.Random(14).shuffle(versions)
        barrier = threading.Barrier(len(versions))
        errors = []

        def write(document):
            try:
                backend = ElasticsearchBackend(ES_URL)
                barrier.wait()
                backend.upsert(OFFERING, [document])
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(v,)) for v in versions]
        # when
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        es.refresh(OFFERING)
        # then
        assert errors == []
        (hit,) = search(es, text="型号").hits
        assert hit.document["title"] == "型号 v19"


class TestMappingOfAnEarlierRelease:
    def test_an_index_made_before_functions_takes_them_and_answers_for_them(self, es):
        # given: the offerings index as the release before functions made it
        body = index_definition(OFFERING, initial_index_name(OFFERING)).to_dict()
        for name in ("functions", "function_tokens"):
            del body["mappings"]["properties"][name]
        es.client.indices.create(
            index=initial_index_name(OFFERING),
            settings=body["settings"],
            mappings=body["mappings"],
            aliases={alias_name(OFFERING): {}},
        )
        meter = offering(name="NB-IoT 远传表", kind="terminal", function=function("water_meter"))
        documents = [with_tokens(row) for row in next(source_rows(OFFERING, ids=[meter.id]))]
        # when: a process of this release writes the listing (the outbox's path)
        current = ElasticsearchBackend(ES_URL)
        current.upsert(OFFERING, documents)
        current.refresh(OFFERING)
        # then: the new fields are mapped as the code maps them (not dynamically as text) …
        stored = current.client.indices.get_mapping(index=alias_name(OFFERING)).body
        ((_name, mapping),) = stored.items()
        expected = index_definition(OFFERING, "x").to_dict()["mappings"]["properties"]
        assert mapping["mappings"]["properties"] == expected
        # … and the function facet, filter and words work on the old index
        result = current.search(SearchQuery(functions=("water_meter",)))
        assert ids(result) == [meter.id]
        assert facet(result, "function") == {"water_meter": 1}
        assert ids(current.search(SearchQuery(text="水表"))) == [meter.id]
        assert ids(current.search(SearchQuery(text="water meter"))) == [meter.id]
