"""Loading the market index from PostgreSQL: the token cache that spares jieba on reloads."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.catalog.models import Offering
from apps.matching import loader
from apps.matching.models import DemandTokens, OfferingTokens
from tests import factories

from .test_services import module, water_meters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference(db):
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    yield
    loader.forget_market()


def _tokens(state, offering_id: int) -> set[str]:
    return set(
        state.offerings.tokens.words(
            state.offerings.row_tokens(state.offerings.position[offering_id])
        )
    )


def test_a_reload_reads_cached_tokens_and_resegments_changed_texts():
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    offering = module(vendor)
    demand = water_meters(enterprise)
    # given a first load, which segments every text and caches the tokens
    first = loader.build_state()
    assert "水表" in _tokens(first, offering.id)
    cached = OfferingTokens.objects.get(offering=offering)
    assert "水表" in cached.tokens.split()
    assert "抄表" in DemandTokens.objects.get(demand=demand).tokens.split()
    # when the cache holds other tokens for the same text, a reload takes them as they are
    OfferingTokens.objects.filter(pk=offering.pk).update(tokens="缓存词 水表")
    assert _tokens(loader.build_state(), offering.id) == {"缓存词", "水表"}
    # and when the text changes (even without a new updated_at), it is segmented again
    Offering.objects.filter(pk=offering.pk).update(description="冷链 温湿度 监测")
    again = _tokens(loader.build_state(), offering.id)
    assert {"冷链", "温湿度"} <= again and "缓存词" not in again
    assert "冷链" in OfferingTokens.objects.get(offering=offering).tokens.split()
