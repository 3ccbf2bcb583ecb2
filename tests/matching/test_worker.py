"""A real Celery worker and Redis: publish → matches visible, forked full rematch processes.

The drills (kill -9 mid-rematch, a Redis flush while publishing) are in test_drills.py and use
the helpers here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

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


def celery(*args: str) -> subprocess.Popen:
    """`celery -A config <args>` in its own process group, with the worker settings."""
    return subprocess.Popen(
        [
            str(CELERY if CELERY.exists() else Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            *args,
        ],
        cwd=ROOT,
        env=worker_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_worker() -> subprocess.Popen:
    return celery("worker", "-c", "1", "--without-gossip", "--without-mingle", "--loglevel=WARNING")


def start_beat(folder: Path) -> subprocess.Popen:
    """Beat with the worker settings' schedule: matching's sweeps only, every second."""
    return celery("beat", "--schedule", str(folder / "beat-schedule"), "--loglevel=WARNING")


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
