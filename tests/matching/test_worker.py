"""A real Celery worker and Redis: kill -9 mid full rematch, restart; nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from apps.demands.models import Demand
from apps.matching import loader, services
from apps.matching.models import Match, MatchRun
from config.celery import app
from tests import factories

from .test_services import module, water_meters

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"


def worker_env() -> dict[str, str]:
    """A separate process's environment: the test database, the worker settings."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.matching.worker_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "1",
    }


def start_worker() -> subprocess.Popen:
    env = worker_env()
    return subprocess.Popen(
        [
            str(CELERY if CELERY.exists() else Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_hard(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s")


def test_killing_the_worker_mid_rematch_loses_and_duplicates_nothing():
    # given a market of 120 open demands, one module serving them all
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    app.control.purge()  # leftovers of an earlier run must not race this one
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    module(vendor)
    demands = [water_meters(enterprise, unit_budget=Decimal("25")) for _ in range(120)]
    loader.build_state()  # fills the token cache, so the worker's load writes no demand row
    worker = start_worker()
    try:
        # when a full rematch starts and the worker is killed -9 part-way: the last chunk of
        # each slice (two slices of 60, chunks of 10) is row-locked here, so storing it waits
        # and the kill lands mid-run however fast the rest goes
        with transaction.atomic():
            held = [d.id for d in demands[50:60] + demands[110:]]
            list(Demand.objects.select_for_update().filter(id__in=held))
            app.send_task("matching.full_rematch")
            progress = wait_for(
                lambda: (
                    MatchRun.objects.filter(demands_done__gt=0)
                    .values_list("demands_done", flat=True)
                    .first()
                ),
                timeout=120,
            )
            kill_hard(worker)
            done_at_kill = MatchRun.objects.get().demands_done
        assert 0 < progress <= done_at_kill < len(demands)
        # and a fresh worker starts: the unacknowledged task is redelivered and resumes
        worker = start_worker()
        run = wait_for(
            lambda: MatchRun.objects.filter(status=MatchRun.Status.DONE).first(),
            timeout=180,
            step=0.5,
        )
    finally:
        if worker.poll() is None:
            kill_hard(worker)
    # then every demand has exactly its one match, and the run resumed rather than restarted
    assert run.demands_done == len(demands)
    per_demand = dict(
        Demand.objects.filter(id__in=[d.id for d in demands])
        .values_list("id")
        .annotate(n=Count("matches"))
    )
    assert set(per_demand.values()) == {1}
    assert Match.objects.count() == len(demands)
    assert MatchRun.objects.count() == 1
    connection.close()


def test_a_published_demand_shows_matches_through_the_api_after_the_worker_runs(client_for):
    # given a running worker and a verified module vendor
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    app.control.purge()  # leftovers of an earlier run must not race this one
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    offering = module(vendor)
    client = client_for(factories.member(enterprise, "buyer"))
    worker = start_worker()
    latencies = []
    try:
        for _ in range(5):
            # when a demand is published and its matching scheduled in the same transaction
            with transaction.atomic():
                demand = water_meters(enterprise)
                services.matching_schedule(entity="demand", entity_id=demand.id)
            started = time.monotonic()
            # then the API lists the module within seconds
            wait_for(
                lambda demand=demand: (
                    client.get(f"/api/v1/demands/{demand.id}/matches").json().get("results")
                ),
                timeout=60,
            )
            latencies.append(time.monotonic() - started)
    finally:
        kill_hard(worker)
    results = client.get(f"/api/v1/demands/{demand.id}/matches").json()["results"]
    assert [r["offering"]["id"] for r in results] == [offering.id]
    print(f"publish → visible latencies (s): {[round(x, 2) for x in latencies]}")


# Runs in a fresh process, as the beat task does in a worker: forking from the test runner
# would hand the children whatever connections earlier tests' threads left open.
# Each slice writes "pid slice-number" to the log file it is given as argv[1], and takes at
# least 0.2 s, so the second process is running before the first could take every slice.
FORKED_REMATCH = """
import os, sys, time
import django
django.setup()
from apps.matching import services
services.SLICE_MIN_DEMANDS = 2
rematch = services._slice_rematch
def logged(run_id, part, *args, **kwargs):
    with open(sys.argv[1], "a") as log:
        log.write(f"{os.getpid()} {part.number}\\n")
    time.sleep(0.2)
    return rematch(run_id, part, *args, **kwargs)
services._slice_rematch = logged
run = services.full_rematch(owner="forked", chunk=1, workers=2)
print(os.getpid(), run.pk if run else "unfinished")
"""


def test_forked_rematch_processes_take_slices_in_turn_until_none_is_left(tmp_path):
    # given ten open demands and a plan cut into slices of at least two demands
    call_command("load_reference", verbosity=0)
    vendor = factories.OrganizationFactory(name="移远通信")
    enterprise = factories.OrganizationFactory(name="杭州水务", role="enterprise")
    module(vendor)
    demands = sorted(water_meters(enterprise).id for _ in range(10))
    # when a worker process runs a full rematch with two forked processes
    log = tmp_path / "slices.log"
    process = subprocess.run(
        [sys.executable, "-c", FORKED_REMATCH, str(log)],
        cwd=ROOT,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    parent, finished = process.stdout.split()[-2:]
    assert finished != "unfinished", process.stderr
    # then two forked processes (neither the caller) took the five slices between them, each
    # slice once, and every demand has its one match
    taken = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(number) for _, number in taken) == [0, 1, 2, 3, 4]
    assert len({pid for pid, _ in taken}) == 2 and parent not in {pid for pid, _ in taken}
    run = MatchRun.objects.get(pk=int(finished))
    assert run.status == MatchRun.Status.DONE and run.demands_done == 10
    slices = list(run.slices.order_by("number").values_list("demand_ids", "cursor", "done"))
    assert len(slices) == 5
    assert all(done and cursor == len(ids) == 2 for ids, cursor, done in slices)
    assert sorted(i for ids, _, _ in slices for i in ids) == demands
    assert sorted(Match.objects.values_list("demand_id", flat=True)) == demands
    connection.close()
