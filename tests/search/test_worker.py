"""A real Celery worker drains the outbox; a worker crash between commit and indexing loses
nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from apps.accounts.models import COORDINATOR_GROUP
from apps.catalog.models import Offering
from apps.catalog.services import offering_review, offering_update
from apps.search.backends import get_backend
from apps.search.backends.base import SearchQuery
from apps.search.models import OutboxEvent
from apps.search.services import search_reconcile
from config.celery import app
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(settings.BASE_DIR)
READY_TIMEOUT = 60
CATCH_UP_TIMEOUT = 30


class Worker:
    """`celery worker` in a subprocess against the pytest database and this test's Redis db."""

    def __init__(self, tmp_path: Path, *, beat: bool) -> None:
        db = connection.settings_dict
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DJANGO_DEBUG": "1",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"search-test-{os.getpid()}@%h",
        ]
        if beat:
            command += ["-B", "-s", str(tmp_path / "beat-schedule")]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while "ready." not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "worker did not start:\n" + self.log.read_text()
            time.sleep(0.1)

    def crash(self) -> None:
        """SIGKILL: no warm shutdown, no chance to finish anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(*, beat: bool = False) -> Worker:
        worker = Worker(tmp_path, beat=beat)
        started.append(worker)
        return worker

    app.control.purge()
    yield start
    for worker in started:
        worker.stop()
    app.control.purge()


def found(text: str) -> list[int]:
    return [hit.id for hit in get_backend().search(SearchQuery(text=text)).hits]


def wait_until_found(text: str, expected: list[int]) -> float:
    started = time.monotonic()
    while found(text) != expected:
        assert time.monotonic() - started < CATCH_UP_TIMEOUT, "index did not catch up"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def reference(db):
    # Transactional tests flush migration data (with --reuse-db, for later sessions too).
    Group.objects.get_or_create(name=COORDINATOR_GROUP)
    factories.kind("module")
    factories.sector("municipal")
    factories.technology("nb_iot")
    factories.region("130000", "河北省")


def pending_offering(name: str) -> Offering:
    return factories.OfferingFactory(name=name, status=Offering.Status.PENDING_REVIEW)


def test_a_running_worker_makes_a_published_change_searchable_in_seconds(
    workers, reference, coordinator_user
):
    # given
    workers()
    offering = pending_offering("智能水表远程抄表方案")
    # when: a coordinator publishes it (commit → outbox row → kick)
    offering_review(actor=coordinator_user, offering=offering, approve=True)
    # then
    lag = wait_until_found("水表", [offering.pk])
    assert lag < CATCH_UP_TIMEOUT
    assert not OutboxEvent.objects.exists()


def test_a_worker_crash_between_commit_and_indexing_loses_nothing(
    workers, reference, coordinator_user, vendor_user
):
    # given: a worker that dies before the change is committed
    workers().crash()
    offerings = [pending_offering(f"冷链追踪器 {i}") for i in range(20)]
    for offering in offerings:
        offering_review(actor=coordinator_user, offering=offering, approve=True)
    renamed = offerings[0]
    renamed.organization.memberships.create(user=vendor_user)
    offering_update(
        actor=vendor_user, offering=Offering.objects.get(pk=renamed.pk), name="智能水表"
    )
    # ... and the kicks it would have received are gone as well
    app.control.purge()
    assert found("冷链") == []
    assert OutboxEvent.objects.count() == 21
    # when: a worker comes back (with the beat schedule that re-runs the drain)
    workers(beat=True)
    # then
    wait_until_found("水表", [renamed.pk])
    wait_until_found("冷链", sorted((o.pk for o in offerings[1:]), reverse=True))
    assert not OutboxEvent.objects.exists()
    assert [d.total for d in search_reconcile()] == [0, 0]
