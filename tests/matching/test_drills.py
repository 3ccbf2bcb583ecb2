"""Matching drills with a real Celery worker, beat, Redis and PostgreSQL, bounded in time:
a worker killed -9 mid full rematch, and Redis flushed while demands are being published.

Beat runs matching's sweeps every second here (tests/matching/worker_settings.py; 30 s and
60 s in production) and the broker keeps its production visibility timeout of an hour, so
nothing below is recovered by the broker redelivering a message. Each drill prints its figures
(`pytest -s`); docs/reliability.md keeps them.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from apps.catalog.models import Offering
from apps.demands import services as demand_services
from apps.demands.models import Demand
from apps.matching import loader, services
from apps.matching.models import Match, MatchingOutboxEvent, MatchRun
from config.celery import app
from tests import factories

from .test_services import module, water_meters
from .test_worker import kill_hard, start_beat, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    """The tests' Redis database, emptied before and after (no message of another run)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def processes():
    """Celery processes a drill starts; all killed at the end, whatever happened."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            kill_hard(process)
    connection.close()


def waiting_on_a_lock() -> bool:
    """Whether another session of the test database waits on a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_rematch_is_resumed_by_beat_and_loses_and_doubles_nothing(
    broker, processes, tmp_path
):
    # given a market of 120 open demands, one module serving them all, a worker and beat
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    module(vendor)
    demands = [water_meters(enterprise, unit_budget=Decimal("25")) for _ in range(120)]
    loader.build_state()  # fills the token cache, so the worker's load writes no demand row
    worker = start_worker()
    processes += [worker, start_beat(tmp_path)]
    # when a full rematch starts and the worker is killed -9 part-way: the last chunk of each
    # slice (two slices of 60, chunks of 10) is row-locked here, so storing it waits and the
    # kill lands mid-run however fast the rest goes
    with transaction.atomic():
        held = [d.id for d in demands[50:60] + demands[110:]]
        list(Demand.objects.select_for_update().filter(id__in=held))
        request = app.send_task("matching.full_rematch")
        progress = wait_for(
            lambda: (
                MatchRun.objects.filter(demands_done__gt=0)
                .values_list("demands_done", flat=True)
                .first()
            ),
            timeout=120,
        )
        kill_hard(worker)
        killed_at = time.monotonic()
        killed = MatchRun.objects.get()
    assert 0 < progress <= killed.demands_done < len(demands)
    # and a fresh worker starts; the killed one's task stays unacknowledged in Redis for the
    # hour of its visibility timeout: beat's resume, not the broker, must carry the run on
    processes.append(start_worker())
    run = wait_for(
        lambda: MatchRun.objects.filter(status=MatchRun.Status.DONE).first(),
        timeout=180,
        step=0.2,
    )
    resumed_after = time.monotonic() - killed_at
    # then every demand has exactly its one match, and the run resumed rather than restarted
    assert run.pk == killed.pk and run.demands_done == len(demands)
    assert run.lease_owner != killed.lease_owner and request.id not in run.lease_owner
    per_demand = dict(
        Demand.objects.filter(id__in=[d.id for d in demands])
        .values_list("id")
        .annotate(n=Count("matches"))
    )
    assert set(per_demand.values()) == {1}
    assert Match.objects.count() == len(demands)
    # and when the broker hands the killed task out again (after its hour), it starts no run
    assert services.full_rematch(owner="redelivered", requested_by=request.id) is None
    assert MatchRun.objects.count() == 1
    print(
        f"\nkill -9 mid-rematch: {killed.demands_done}/{len(demands)} demands done at the kill,"
        f" run finished {resumed_after:.1f} s after it (lease 3 s, resume sweep 1 s);"
        f" lost 0, duplicated 0"
    )


def test_every_demand_published_while_redis_is_flushed_is_matched_after_the_sweep(
    broker, processes, tmp_path
):
    # given a module, 40 demands awaiting review, a worker and beat
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    offering = module(vendor)
    demands = [water_meters(enterprise, status=Demand.Status.PENDING_REVIEW) for _ in range(40)]
    coordinator = factories.coordinator()
    worker = start_worker()
    processes += [worker, start_beat(tmp_path)]
    # and the worker kept busy: storing a match waits on this row lock (held by a second
    # connection), so the drains queued by the publications pile up in Redis
    locked, release = threading.Event(), threading.Event()

    def hold_the_offering() -> None:
        try:
            with transaction.atomic():
                list(Offering.objects.select_for_update().filter(pk=offering.pk))
                locked.set()
                release.wait(timeout=120)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_offering)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        # when the coordinator publishes them and Redis is flushed half-way and at the end
        queued_and_flushed = 0
        for n, demand in enumerate(demands, start=1):
            demand_services.demand_review(actor=coordinator, demand=demand, approve=True)
            if n in (20, 40):
                queued_and_flushed += sum(
                    b"matching.drain_outbox" in message
                    for message in broker.lrange("celery", 0, -1)
                )
                broker.flushdb()
        wait_for(waiting_on_a_lock, timeout=60)  # the worker's drain, busy
        # and the busy worker is killed -9: no queued drain survives, the busy one dies
        kill_hard(worker)
    finally:
        release.set()
        holder.join(timeout=30)
    unmatched = Demand.objects.filter(matches__isnull=True).count()
    processes.append(start_worker())
    restarted_at = time.monotonic()
    # then beat's sweep drains the outbox: every published demand is matched, once
    wait_for(
        lambda: not Demand.objects.filter(matches__isnull=True).exists(), timeout=120, step=0.2
    )
    matched_after = time.monotonic() - restarted_at
    per_demand = dict(
        Demand.objects.filter(id__in=[d.id for d in demands])
        .values_list("id")
        .annotate(n=Count("matches"))
    )
    assert set(per_demand.values()) == {1} and len(per_demand) == len(demands)
    wait_for(lambda: not MatchingOutboxEvent.objects.exists(), timeout=30)
    print(
        f"\nRedis flushed twice while publishing {len(demands)} demands to a busy worker, then"
        f" the worker killed -9: {queued_and_flushed} queued matching drains flushed, {unmatched}"
        f" demands unmatched; all {len(demands)} matched {matched_after:.1f} s after a worker"
        f" restart (sweep 1 s), each once"
    )
