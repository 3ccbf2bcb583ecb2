"""PostgreSQL backend specifics: broad searches capped, typo matching for unknown words only,
the facet numbering, and the table-swap rebuild."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.search.backends import postgres
from apps.search.backends.base import SearchQuery
from apps.search.documents import OFFERING
from apps.search.services import search_reconcile, search_reindex
from tests.search.test_backend_contract import facet, ids, offering


@pytest.fixture
def backend(settings, db):
    settings.SEARCH_BACKEND = "postgres"
    return postgres.PostgresBackend()


def test_a_search_within_the_cap_is_exact(backend, monkeypatch):
    # given
    monkeypatch.setattr(postgres, "MATCH_CAP", 5)
    for i in range(5):
        offering(name=f"智能水表 {i}", sectors=["municipal"])
    search_reindex()
    # when
    result = backend.search(SearchQuery(text="水表"))
    # then
    assert (result.total, result.total_exact) == (5, True)
    assert facet(result, "sector") == {"municipal": 5}


def test_a_broad_search_says_its_counts_are_lower_bounds(backend, monkeypatch):
    # given seven matches and a cap of three
    monkeypatch.setattr(postgres, "MATCH_CAP", 3)
    for i in range(7):
        offering(name=f"智能水表 {i}", sectors=["municipal"])
    search_reindex()
    # when
    result = backend.search(SearchQuery(text="水表", page_size=2))
    # then
    assert (result.total, result.total_exact) == (3, False)
    assert facet(result, "sector") == {"municipal": 3}
    assert len(result.hits) == 2 and result.next_cursor


def test_a_capped_search_sorted_by_price_pages_through_every_match_in_order(backend, monkeypatch):
    # given
    monkeypatch.setattr(postgres, "MATCH_CAP", 3)
    made = [
        offering(name=f"智能水表 {i}", price_min=Decimal(100 - i), price_max=Decimal(200))
        for i in range(7)
    ]
    search_reindex()
    # when
    seen, cursor = [], None
    while True:
        result = backend.search(SearchQuery(text="水表", sort="price", page_size=2, cursor=cursor))
        seen += ids(result)
        cursor = result.next_cursor
        if not cursor:
            break
    # then: the cheapest first, none missed although only three were counted
    assert seen == [o.id for o in reversed(made)]


def test_a_capped_relevance_search_still_ranks_title_matches_first(backend, monkeypatch):
    # given many listings mentioning the word only in the description, created first
    monkeypatch.setattr(postgres, "MATCH_CAP", 3)
    for i in range(6):
        offering(name=f"通用网关 {i}", description="可对接水表")
    titled = offering(name="超声波水表", description="计量")
    search_reindex()
    # when
    result = backend.search(SearchQuery(text="水表", page_size=3))
    # then
    assert result.total_exact is False
    assert ids(result)[0] == titled.id


def test_a_word_the_catalogue_holds_is_not_matched_as_a_typo(backend):
    # given
    exact = offering(name="RedCap 模组", model_number="RG255C-CN")
    offering(name="RedCapp 网关", model_number="X1")
    search_reindex()
    # then: 'redcap' exists, so the near-miss 'RedCapp' is not added; an unknown word still
    # finds both within a typo (not a plural: 'redcaps' would count as 'redcap' anyway)
    assert ids(backend.search(SearchQuery(text="RedCap"))) == [exact.id]
    assert len(backend.search(SearchQuery(text="RedCapz")).hits) == 2


def test_facet_values_keep_their_numbers_across_rebuilds(backend):
    # given
    offering(name="水表 A", sectors=["municipal"], certifications=["ccc"])
    search_reindex()
    with connection.cursor() as cursor:
        cursor.execute("SELECT facet, code, id, bit FROM search_facetterm ORDER BY id")
        before = cursor.fetchall()
    # when
    offering(name="水表 B", sectors=["smart_grid"])
    search_reindex()
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT facet, code, id, bit FROM search_facetterm ORDER BY id")
        after = cursor.fetchall()
    assert after[: len(before)] == before
    assert facet(backend.search(SearchQuery(text="水表")), "sector") == {
        "municipal": 1,
        "smart_grid": 1,
    }


def test_rebuild_swaps_in_tables_with_the_same_indexes(backend):
    # given
    offering(name="水表 A")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [[postgres.TABLES[OFFERING], postgres.RANKING_TABLES[OFFERING]]],
        )
        before = cursor.fetchall()
    # when
    search_reindex()
    # then
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [[postgres.TABLES[OFFERING], postgres.RANKING_TABLES[OFFERING]]],
        )
        assert cursor.fetchall() == before
    assert len(before) >= 8
    assert [d.total for d in search_reconcile()] == [0, 0]
