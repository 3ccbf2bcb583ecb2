"""The matching outbox: a listing change and its matching request commit together; a drain
turns the requests into stored matches, one failing listing holding back no other."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.demands import services as demand_services
from apps.demands.models import Demand
from apps.matching import services
from apps.matching.models import Match, MatchingOutboxEvent
from tests import factories

from .test_services import module, reference, water_meters  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def pending(entity: str = "demand") -> list[int]:
    return sorted(
        MatchingOutboxEvent.objects.filter(entity=entity, failed_at__isnull=True).values_list(
            "entity_id", flat=True
        )
    )


def test_publishing_a_demand_writes_its_matching_request_in_the_same_transaction(
    vendor_org, enterprise_org, django_capture_on_commit_callbacks
):
    # given a module and a demand awaiting review
    module(vendor_org)
    demand = water_meters(enterprise_org, status=Demand.Status.PENDING_REVIEW)
    coordinator = factories.coordinator()
    # when a coordinator's approval rolls back, nothing is left to match
    with pytest.raises(RuntimeError), transaction.atomic():
        demand_services.demand_review(actor=coordinator, demand=demand, approve=True)
        raise RuntimeError("the request failed after the approval")
    assert pending() == []
    # when it commits, the request is there (whatever becomes of the broker message queued
    # after commit), and a drain stores the demand's matches and empties the outbox
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demand_services.demand_review(actor=coordinator, demand=demand, approve=True)
    assert pending() == [demand.id]
    assert len(callbacks) >= 1  # the drain is queued once the transaction commits
    done, more = services.matching_outbox_drain()
    assert (done, more) == (1, False)
    assert Match.objects.filter(demand=demand).count() == 1
    assert MatchingOutboxEvent.objects.count() == 0


def test_a_burst_of_changes_to_one_listing_is_matched_once_per_drain(vendor_org, enterprise_org):
    offering = module(vendor_org)
    demand = water_meters(enterprise_org)
    for _ in range(3):
        services.matching_schedule(entity="demand", entity_id=demand.id)
    services.matching_schedule(entity="offering", entity_id=offering.id)
    done, _more = services.matching_outbox_drain()
    assert done == 4 and MatchingOutboxEvent.objects.count() == 0
    assert Match.objects.filter(demand=demand, offering=offering).count() == 1
    with pytest.raises(ValueError):
        services.matching_schedule(entity="vendor", entity_id=1)


def test_a_listing_that_fails_to_match_holds_back_no_other(vendor_org, enterprise_org, monkeypatch):
    # given three published demands, the second of which the engine cannot match
    module(vendor_org)
    first, broken, last = (water_meters(enterprise_org) for _ in range(3))
    for demand in (first, broken, last):
        services.matching_schedule(entity="demand", entity_id=demand.id)
    match = services.demand_match

    def failing_for_one(*, demand_id: int) -> int:
        if demand_id == broken.id:
            raise ValueError("the engine could not read this demand")
        return match(demand_id=demand_id)

    monkeypatch.setattr(services, "demand_match", failing_for_one)
    # when the outbox is drained
    done, _more = services.matching_outbox_drain()
    # then the others are matched, and the failing one waits to be retried with backoff
    assert done == 2
    assert Match.objects.filter(demand__in=[first, last]).count() == 2
    event = MatchingOutboxEvent.objects.get()
    assert (event.entity_id, event.attempts, event.failed_at) == (broken.id, 1, None)
    assert "could not read this demand" in event.last_error
    assert event.available_at > event.created_at
    # and after its last allowed attempt it is marked failed and left alone
    for _ in range(services.OUTBOX_MAX_ATTEMPTS - 1):
        MatchingOutboxEvent.objects.update(available_at=event.created_at)
        services.matching_outbox_drain()
    event.refresh_from_db()
    assert event.attempts == services.OUTBOX_MAX_ATTEMPTS and event.failed_at is not None
    assert pending() == []
    # until an operator retries it once the cause is fixed
    monkeypatch.setattr(services, "demand_match", match)
    assert services.matching_outbox_retry(event_ids=[event.pk]) == 1
    assert services.matching_outbox_drain() == (1, False)
    assert Match.objects.filter(demand=broken).count() == 1


def test_a_drain_stops_when_its_time_is_up_and_says_work_is_left(vendor_org, enterprise_org):
    module(vendor_org)
    demands = [water_meters(enterprise_org) for _ in range(3)]
    for demand in demands:
        services.matching_schedule(entity="demand", entity_id=demand.id)
    assert services.matching_outbox_drain(batch_size=1, budget_seconds=0) == (0, True)
    assert services.matching_outbox_drain(batch_size=1) == (3, False)
