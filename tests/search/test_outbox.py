"""The outbox keeps the index following the database: enqueue with the change, drain, repair."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import COORDINATOR_GROUP
from apps.catalog.models import Offering
from apps.catalog.services import offering_archive, offering_create, offering_review
from apps.search import services
from apps.search.backends import get_backend
from apps.search.backends.base import SearchQuery, SearchUnavailable
from apps.search.documents import DEMAND, OFFERING
from apps.search.models import OfferingIndexEntry, OutboxEvent
from apps.search.services import (
    outbox_drain,
    outbox_enqueue,
    outbox_enqueue_organization,
    search_reconcile,
    search_reindex,
)
from tests import factories

pytestmark = pytest.mark.django_db


def found(text: str = "", entity: str = OFFERING) -> list[int]:
    return [hit.id for hit in get_backend().search(SearchQuery(entity=entity, text=text)).hits]


@pytest.fixture
def reference(db):
    # Transactional tests flush migration data (with --reuse-db, for later sessions too).
    Group.objects.get_or_create(name=COORDINATOR_GROUP)
    factories.kind("module")
    factories.sector("municipal")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")


def test_a_listing_change_is_searchable_after_the_drain_through_the_real_services(
    reference, vendor_org, vendor_user, coordinator_user
):
    # given: a vendor creates an offering and a coordinator publishes it
    offering = offering_create(
        actor=vendor_user,
        organization=vendor_org,
        kind=factories.kind("module"),
        name="NB-IoT 智能水表模组",
        sectors=["municipal"],
        technologies=["nb_iot"],
        nationwide=True,
        price_min=10,
        price_max=20,
        annual_capacity=1000,
    )
    offering.status = Offering.Status.PENDING_REVIEW
    offering.save()
    offering_review(actor=coordinator_user, offering=offering, approve=True)
    assert OutboxEvent.objects.filter(entity="offering", entity_id=offering.pk).count() == 2
    assert found("水表") == []
    # when
    drained = outbox_drain()
    # then
    assert drained == 2
    assert found("水表") == [offering.pk]
    assert not OutboxEvent.objects.exists()
    # and archiving takes it out again
    offering_archive(actor=vendor_user, offering=offering)
    outbox_drain()
    assert found("水表") == []


def test_a_rolled_back_change_leaves_no_event():
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(entity="offering", entity_id=1)
        raise RuntimeError("the listing change failed")
    # then
    assert not OutboxEvent.objects.exists()


def test_one_drain_is_started_per_transaction_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    # given
    sent = []
    monkeypatch.setattr("apps.search.tasks.drain_outbox.apply_async", lambda **kw: sent.append(kw))
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for pk in range(1, 6):
            outbox_enqueue(entity="offering", entity_id=pk)
    # then
    assert len(callbacks) == 1
    assert len(sent) == 1


def test_a_broker_outage_does_not_fail_the_listing_change(
    django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(**kwargs):
        raise ConnectionError("redis is away")

    monkeypatch.setattr("apps.search.tasks.drain_outbox.apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(entity="offering", entity_id=1)
    assert OutboxEvent.objects.count() == 1


def test_a_failing_index_keeps_the_events_and_backs_off(monkeypatch):
    # given
    item = factories.OfferingFactory(name="水表")
    outbox_enqueue(entity="offering", entity_id=item.pk)
    backend = get_backend()

    def broken(entity, documents):
        raise ConnectionError("index unavailable")

    monkeypatch.setattr(backend, "upsert", broken)
    # when
    assert outbox_drain() == 0
    # then
    event = OutboxEvent.objects.get()
    assert event.attempts == 1
    assert "index unavailable" in event.last_error
    assert event.available_at > timezone.now() + timedelta(seconds=1)
    # A second failure doubles the wait.
    OutboxEvent.objects.update(available_at=timezone.now())
    outbox_drain()
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.available_at > timezone.now() + timedelta(seconds=3)
    # Not due yet: nothing is retried.
    monkeypatch.undo()
    assert outbox_drain() == 0
    # Due: it goes through.
    OutboxEvent.objects.update(available_at=timezone.now())
    assert outbox_drain() == 1
    assert found("水表") == [item.pk]


def test_duplicate_events_of_one_listing_index_it_once_at_its_latest_state():
    # given
    item = factories.OfferingFactory(name="旧名称")
    outbox_enqueue(entity="offering", entity_id=item.pk)
    Offering.objects.filter(pk=item.pk).update(name="智能水表", updated_at=timezone.now())
    outbox_enqueue(entity="offering", entity_id=item.pk)
    # when
    outbox_drain()
    # then
    assert found("水表") == [item.pk]
    assert found("旧名称") == []


def test_an_organisation_change_reindexes_its_listings():
    # given
    org = factories.OrganizationFactory(name="旧厂商名")
    item = factories.OfferingFactory(organization=org, name="模组")
    search_reindex()
    # when
    org.name = "移远通信"
    org.save()
    outbox_enqueue_organization(organization_id=org.pk)
    outbox_drain()
    # then
    assert found("移远") == [item.pk]


def test_reconcile_reports_and_repairs_every_kind_of_difference():
    # given
    missing = factories.OfferingFactory(name="漏掉的")
    stale = factories.OfferingFactory(name="过期的")
    extra = factories.OfferingFactory(name="多余的")
    demand = factories.DemandFactory(title="水表需求")
    search_reindex()
    OfferingIndexEntry.objects.filter(pk=missing.pk).delete()
    Offering.objects.filter(pk=stale.pk).update(name="改过名字的水表")
    Offering.objects.filter(pk=extra.pk).update(status="archived")
    # when
    report = {d.entity: d for d in search_reconcile()}
    # then
    assert report[OFFERING].missing == [missing.pk]
    assert report[OFFERING].stale == [stale.pk]
    assert report[OFFERING].extra == [extra.pk]
    assert report[DEMAND].total == 0
    # when
    search_reconcile(repair=True)
    # then
    assert all(d.total == 0 for d in search_reconcile())
    assert found("水表") == [stale.pk]
    assert found("水表", DEMAND) == [demand.pk]


def test_management_commands_reindex_and_reconcile():
    # given
    factories.OfferingFactory(name="水表")
    factories.DemandFactory()
    out = StringIO()
    # when
    call_command("search_reindex", stdout=out)
    call_command("search_reconcile", stdout=out)
    # then
    text = out.getvalue()
    assert "offering: 1 documents indexed" in text
    assert "demand: 1 documents indexed" in text
    assert "offering: 0 differences" in text
    # and drift makes reconcile fail until repaired
    OfferingIndexEntry.objects.all().delete()
    with pytest.raises(SystemExit):
        call_command("search_reconcile", stdout=StringIO())
    out = StringIO()
    call_command("search_reconcile", "--repair", stdout=out)
    assert "offering: 1 differences (missing 1" in out.getvalue()
    assert "after repair: 0 differences" in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_locked_by_another_drain_is_skipped_not_waited_for():
    # given: two committed events, the first locked by another worker's open transaction
    first = factories.OfferingFactory(name="水表一")
    second = factories.OfferingFactory(name="水表二")
    outbox_enqueue(entity="offering", entity_id=first.pk)
    outbox_enqueue(entity="offering", entity_id=second.pk)
    locked_id = OutboxEvent.objects.get(entity_id=first.pk).pk
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        other.execute("SELECT id FROM search_outboxevent WHERE id = %s FOR UPDATE", [locked_id])
        # when
        drained = outbox_drain()
        # then
        assert drained == 1
        assert found("水表") == [second.pk]
        assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [locked_id]
    finally:
        other.rollback()
        other.close()
    assert outbox_drain() == 1
    assert sorted(found("水表")) == sorted([first.pk, second.pk])


def test_drain_batches_are_bounded(monkeypatch):
    # given
    items = factories.OfferingFactory.create_batch(5, name="水表")
    for item in items:
        outbox_enqueue(entity="offering", entity_id=item.pk)
    # when
    done = services.outbox_drain(batch_size=2, max_batches=2)
    # then
    assert done == 4
    assert OutboxEvent.objects.count() == 1


def test_a_demand_without_a_budget_is_searchable_after_the_drain(
    reference, enterprise_org, enterprise_user, coordinator_user
):
    # given: an enterprise posts a demand without a unit budget, a coordinator publishes it
    from apps.demands.services import demand_create, demand_review, demand_submit

    demand = demand_create(
        actor=enterprise_user,
        organization=enterprise_org,
        title="冷库温湿度监测终端采购",
        description="冷链仓储，无预算上限",
        sector=factories.sector("municipal"),
        kinds_needed=["module"],
        regions=["130000"],
        volume=5_000,
    )
    assert demand.unit_budget is None
    demand_submit(actor=enterprise_user, demand=demand)
    demand_review(actor=coordinator_user, demand=demand, approve=True)
    # when
    outbox_drain()
    # then
    assert found("冷库", DEMAND) == [demand.pk]
    assert not OutboxEvent.objects.exists()


def poisoned_offering(**values) -> Offering:
    """An offering that genuinely cannot be indexed: 70 certification codes overflow the
    ranking table's 63-bit facet mask, and the PostgreSQL backend refuses it loudly."""
    return factories.OfferingFactory(certifications=[f"cert_{i}" for i in range(70)], **values)


def test_a_poisoned_listing_never_holds_back_the_others_and_is_set_aside_after_n_tries(
    caplog, admin_client
):
    # given: one listing that cannot be indexed among good ones, in one batch
    first = factories.OfferingFactory(name="水表模组一")
    poisoned = poisoned_offering(name="水表模组（坏）")
    others = factories.OfferingFactory.create_batch(3, name="水表模组")
    for item in (first, poisoned, *others):
        outbox_enqueue(entity="offering", entity_id=item.pk)
    # when
    assert outbox_drain() == 4
    # then: the good ones are searchable, the poisoned one waits with backoff
    assert sorted(found("水表")) == sorted([first.pk, *(o.pk for o in others)])
    event = OutboxEvent.objects.get()
    assert event.entity_id == poisoned.pk
    assert event.attempts == 1
    assert "more than 63 values" in event.last_error
    assert event.failed_at is None
    assert event.available_at > timezone.now()
    # when: it keeps failing until its last try
    for _ in range(services.OUTBOX_MAX_ATTEMPTS - 1):
        OutboxEvent.objects.update(available_at=timezone.now())
        outbox_drain()
    # then: it is set aside, visible to an operator
    event.refresh_from_db()
    assert event.attempts == services.OUTBOX_MAX_ATTEMPTS
    assert event.failed_at is not None
    assert f"offering#{poisoned.pk}) failed 10 times" in caplog.text
    page = admin_client.get("/admin/search/outboxevent/?state=failed").content.decode()
    assert f">{poisoned.pk}<" in page
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("search_reconcile", "--entity", "offering", stdout=out)
    assert "1 failed outbox events" in out.getvalue()
    assert f"failed: offering#{poisoned.pk} after 10 tries" in out.getvalue()
    # and no drain touches it any more, while new changes still flow
    OutboxEvent.objects.update(available_at=timezone.now())
    later = factories.OfferingFactory(name="水表模组（新）")
    outbox_enqueue(entity="offering", entity_id=later.pk)
    assert outbox_drain() == 1
    event.refresh_from_db()
    assert event.attempts == services.OUTBOX_MAX_ATTEMPTS
    assert later.pk in found("水表")


def test_repair_retries_failed_events_once_the_listing_is_fixed():
    # given: a failed event whose listing was then fixed
    poisoned = poisoned_offering(name="水表模组")
    OutboxEvent.objects.create(
        entity="offering", entity_id=poisoned.pk, attempts=10, failed_at=timezone.now()
    )
    out = StringIO()
    # when: repaired while still broken
    with pytest.raises(SystemExit):
        call_command("search_reconcile", "--repair", "--entity", "offering", stdout=out)
    # then: reported, still failed, nothing raised
    assert f"still failing: offering#{poisoned.pk}: RuntimeError" in out.getvalue()
    assert OutboxEvent.objects.get().failed_at is not None
    # when: fixed and repaired again
    Offering.objects.filter(pk=poisoned.pk).update(certifications=["ccc"])
    out = StringIO()
    call_command("search_reconcile", "--repair", "--entity", "offering", stdout=out)
    # then
    assert "after repair: 0 differences, 0 failed outbox events" in out.getvalue()
    assert found("水表") == [poisoned.pk]
    assert not OutboxEvent.objects.exists()


def test_the_admin_action_gives_failed_events_a_fresh_set_of_tries(admin_client):
    # given
    item = factories.OfferingFactory(name="水表")
    event = OutboxEvent.objects.create(
        entity="offering", entity_id=item.pk, attempts=10, failed_at=timezone.now()
    )
    # when
    admin_client.post(
        "/admin/search/outboxevent/",
        {"action": "retry_selected", "_selected_action": [event.pk]},
    )
    # then
    event.refresh_from_db()
    assert (event.attempts, event.failed_at) == (0, None)
    assert outbox_drain() == 1
    assert found("水表") == [item.pk]


def test_an_engine_outage_postpones_the_batch_and_never_marks_it_failed(monkeypatch):
    # given: the search engine away (the outer edge: its client raising as it would)
    items = factories.OfferingFactory.create_batch(3, name="水表")
    for item in items:
        outbox_enqueue(entity="offering", entity_id=item.pk)
    backend = get_backend()
    calls = []

    def away(entity, documents):
        calls.append(len(documents))
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(backend, "upsert", away)
    # when: it stays away for more tries than a poisoned listing gets
    for _ in range(services.OUTBOX_MAX_ATTEMPTS + 2):
        OutboxEvent.objects.update(available_at=timezone.now())
        assert outbox_drain() == 0
    # then: one call per try (no splitting), backoff, nothing set aside
    assert calls == [3] * (services.OUTBOX_MAX_ATTEMPTS + 2)
    assert not OutboxEvent.objects.filter(failed_at__isnull=False).exists()
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {12}
    # when: it is back
    monkeypatch.undo()
    OutboxEvent.objects.update(available_at=timezone.now())
    # then
    assert outbox_drain() == 3
    assert sorted(found("水表")) == sorted(i.pk for i in items)
