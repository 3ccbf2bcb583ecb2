"""Loading the market index from PostgreSQL: the token cache that spares jieba on reloads."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.matching import loader
from apps.matching.models import DemandTokens, OfferingTokens
from tests import factories

from .test_services import module, reference, water_meters  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


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


def test_deleted_offerings_and_expired_demands_leave_the_index_without_a_reload():
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    kept, deleted = module(vendor), module(vendor)
    lasting, expiring = water_meters(enterprise), water_meters(enterprise)
    state = loader.market()
    loaded_at = state.loaded_at
    assert {kept.id, deleted.id} <= set(state.offerings.position)
    # given a row deleted outright and a demand past its expiry: no changed row to read
    Offering.objects.filter(pk=deleted.pk).delete()
    Demand.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(days=1))
    # when the market is reconciled
    assert loader.reconcile_state(state) == (1, 1)
    # then both left the index, the rest stayed, and nothing was reloaded
    assert set(state.offerings.position) == {kept.id}
    assert set(state.demands.position) == {lasting.id}
    assert loader.market().loaded_at == loaded_at
    assert loader.reconcile_state(state) == (0, 0)


def test_loading_pauses_the_garbage_collector_and_restores_it_even_when_loading_fails(
    monkeypatch,
):
    vendor = factories.OrganizationFactory(name="移远通信")
    module(vendor)
    seen = []
    built = loader.OfferingIndex.build

    def build(*args, **kwargs):
        seen.append(gc.isenabled())
        return built(*args, **kwargs)

    monkeypatch.setattr(loader.OfferingIndex, "build", build)
    # given the collector on: loading runs with it off, and turns it back on
    assert gc.isenabled()
    state = loader.build_state()
    assert seen == [False] and gc.isenabled() and state.offerings.live == 1
    # and a load that fails part-way turns it back on as well
    monkeypatch.setattr(loader, "scenario_certifications", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        loader.build_state()
    assert gc.isenabled()
    # a caller that had paused it itself finds it still paused
    gc.disable()
    try:
        monkeypatch.undo()
        loader.build_state()
        assert not gc.isenabled()
    finally:
        gc.enable()
