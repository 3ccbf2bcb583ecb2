"""`field__substring`: what a coordinator's search box finds, through the bigram index."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.catalog.models import Offering
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def names(reference_data):
    vendor = factories.OrganizationFactory()
    for name in (
        "NB-IoT 智能水表 LXSY",
        "超声波水表",
        "智能燃气表",
        "BC260Y-CN 模组",
        "100% 覆盖网关",
    ):
        factories.OfferingFactory(organization=vendor, name=name)


@pytest.fixture
def reference_data():
    from apps.catalog.reference.loader import reference_load

    reference_load()


def found(text: str) -> set[str]:
    return set(Offering.objects.filter(name__substring=text).values_list("name", flat=True))


def test_two_character_words_one_character_and_latin_in_any_case(names):
    assert found("水表") == {"NB-IoT 智能水表 LXSY", "超声波水表"}
    assert found("表") == {"NB-IoT 智能水表 LXSY", "超声波水表", "智能燃气表"}
    assert found("bc260y") == {"BC260Y-CN 模组"}
    assert found("智能水表") == {"NB-IoT 智能水表 LXSY"}
    assert found("水气") == set()


def test_like_wildcards_are_plain_characters(names):
    assert found("100%") == {"100% 覆盖网关"}
    assert found("%") == {"100% 覆盖网关"}
    assert found("_") == set()


def test_the_bigram_index_answers_a_two_character_word(names):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Offering.objects.filter(name__substring="水表").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "offering_name_bigrams" in plan
