"""Benchmark of publish → matches visible through the API, with a real Celery worker.

    createdb iotmatch_rematch; DATABASE_URL=postgres://…/iotmatch_rematch manage.py migrate
    manage.py load_reference
    manage.py seed_demo --offerings 1000000 --demands 100000 --seed 2026 --no-hooks
    DATABASE_URL=postgres://postgres@127.0.0.1:54329/iotmatch_rematch \\
    REDIS_URL=redis://127.0.0.1:63799/9 DJANGO_DEBUG=1 \\
        .venv/bin/python bench/publish_visible.py [--probes 30] [--timeout 30] [--seed 2026]

Starts a real worker (`celery -A config worker -c 1 --without-gossip --without-mingle`, the
project's settings) on REDIS_URL, whose queue it purges first (use a Redis database nothing
else uses), and times its start until it has preloaded the matching index and is ready; the
worker's RSS and PSS (main process and pool child) are read then and after the probes.

Then, per probe, the seed's demo users do what the product does through the REST API (DRF's
APIClient in this process, session-authenticated; the whole middleware and view stack runs):
`enterprise` creates a demand (`POST /api/v1/demands`) and submits it (`…/submit`); once the
worker has handled the tasks those two queued (a review comes later in practice), `coordinator`
approves it (`…/approve`), which publishes it, writes it to the matching outbox and, after
commit, enqueues `matching.drain_outbox`. The clock starts when that commit's first after-commit
task is sent to the broker and stops when `GET /api/v1/demands/{id}/matches`, polled as
`enterprise` every 20 ms, returns at least one result; no result within --timeout is a failure
(and counts as infinitely slow in the percentiles). The demands are drawn with a fixed seed from
the reference data seed_demo uses: a scenario (so its sector and typical requirement profile),
the cheapest technology the profile allows or none, one province, and a common need (terminals,
modules, solutions…), so each has matches in the seed_demo market. The API throttle is lifted in
this process (API_THROTTLE_RATE) since 50 polls a second would exceed it.

Prints JSON lines: the market, the worker's start and memory, one line per probe (with the
worker's own view from its log: commit → task received, the run time of the tasks the same
commit queued ahead of matching — the search outbox drain — and of the matching task), and the
summary (p50/p95/max; target p95 ≤ 2 s). --worker-log FILE keeps the worker's log. The
demands it created are deleted at the end (matches, flags, audit rows and search entries with
them), and the worker is stopped (its process group) whatever happens.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# 50 polls a second per user would hit the per-principal throttle (600/min by default).
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")

import django

django.setup()

from celery.signals import before_task_publish  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.catalog.models import Offering  # noqa: E402
from apps.coordination.models import AuditEvent  # noqa: E402
from apps.core.demo import generator, market  # noqa: E402
from apps.demands.models import Demand  # noqa: E402
from apps.matching import loader  # noqa: E402
from apps.matching.models import Match, MatchingOutboxEvent  # noqa: E402
from apps.search.models import OutboxEvent  # noqa: E402
from apps.search.services import search_sync  # noqa: E402
from config.celery import app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"
TITLE_MARK = "[bench:publish_visible]"
POLL_SECONDS = 0.02
TARGET_P95_S = 2.0
# Needs common enough that every province has candidates in the seed_demo market.
NEEDS = (
    (("terminal",), 30),
    (("terminal", "platform"), 15),
    (("terminal", "connectivity"), 10),
    (("module",), 15),
    (("module", "platform"), 10),
    (("solution",), 20),
)
TASK_LINE = re.compile(r"Task ([\w.]+)\[([0-9a-f-]{36})\] (received|succeeded in ([0-9.e-]+)s)?")
DISCARDED_LINE = re.compile(r"Discarding revoked task: ([\w.]+)\[([0-9a-f-]{36})\]")


def emit(name: str, **figures: Any) -> dict:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)
    return figures


# --- the worker -----------------------------------------------------------------------------


class WorkerLog:
    """Reads the worker's log as it comes: readiness, and when each task was received and done."""

    def __init__(self, stream: Any, copy: Path | None = None) -> None:
        self.copy = copy.open("w") if copy else None
        self.lock = threading.Lock()
        self.tail: collections.deque[str] = collections.deque(maxlen=200)
        self.preloaded_at: float | None = None
        self.preload_line = ""
        self.ready_at: float | None = None
        self.received: dict[str, float] = {}
        self.done: dict[str, tuple[float, float | None]] = {}  # id → (when, run time or None)
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: Any) -> None:
        for raw in stream:
            now = time.perf_counter()
            line = raw.decode(errors="replace").rstrip()
            if self.copy:
                print(f"{now:.3f} {line}", file=self.copy, flush=True)
            with self.lock:
                self.tail.append(line)
                if "matching index preloaded" in line or "could not preload" in line:
                    self.preloaded_at, self.preload_line = now, line
                elif self.ready_at is None and line.endswith(" ready."):
                    self.ready_at = now
                elif found := TASK_LINE.search(line):
                    task_id, what, runtime = found.group(2), found.group(3), found.group(4)
                    if what == "received":
                        self.received[task_id] = now
                    else:  # succeeded, retry, raised, failed, rejected…: the worker let go
                        self.done[task_id] = (now, float(runtime) if runtime else None)
                elif found := DISCARDED_LINE.search(line):
                    self.done[found.group(2)] = (now, None)

    def last_lines(self, count: int = 40) -> str:
        with self.lock:
            return "\n".join(list(self.tail)[-count:])


def start_worker(log_copy: Path | None = None) -> tuple[subprocess.Popen, WorkerLog]:
    env = {**os.environ, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    env.pop("API_THROTTLE_RATE", None)
    worker = subprocess.Popen(
        [
            str(CELERY if CELERY.exists() else Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            "bench-publish-visible@%h",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: stopped as one
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return worker, WorkerLog(worker.stdout, log_copy)


def stop_worker(worker: subprocess.Popen) -> None:
    """Warm shutdown of the worker's process group; killed after 20 s."""
    if worker.poll() is not None:
        return
    try:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_ready(worker: subprocess.Popen, log: WorkerLog, started: float, timeout: float) -> dict:
    """Wait for the index preload and the worker's "ready."; seconds since the start."""
    deadline = started + timeout
    while log.ready_at is None or log.preloaded_at is None:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.returncode}):\n{log.last_lines()}")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the worker was not ready after {timeout} s:\n{log.last_lines()}")
        time.sleep(0.05)
    if "could not preload" in log.preload_line:
        raise RuntimeError(f"the worker could not preload the index:\n{log.last_lines()}")
    counts = re.search(r"(\d+) offerings, (\d+) open demands", log.preload_line)
    return {
        "preloaded_s": round(log.preloaded_at - started, 2),
        "ready_s": round(log.ready_at - started, 2),
        "index_offerings": int(counts.group(1)) if counts else None,
        "index_open_demands": int(counts.group(2)) if counts else None,
    }


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def _kib(pid: int, path: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_memory(worker: subprocess.Popen) -> dict:
    """RSS and PSS (MiB) of the worker's main process and pool children; PSS summed counts the
    pages they share (the index, copy-on-write) once."""
    pids = [worker.pid, *_children(worker.pid)]
    rss = [_kib(pid, "status", "VmRSS:") for pid in pids]
    pss = [_kib(pid, "smaps_rollup", "Pss:") for pid in pids]
    return {
        "main_rss_mib": rss[0] // 1024,
        "main_pss_mib": pss[0] // 1024,
        "children_rss_mib": [kib // 1024 for kib in rss[1:]],
        "children_pss_mib": [kib // 1024 for kib in pss[1:]],
        "total_pss_mib": sum(pss) // 1024,
    }


# --- the probes -----------------------------------------------------------------------------


class Published:
    """Tasks this process sends to the broker: (when, task id, task name, args), in order."""

    def __init__(self) -> None:
        self.tasks: list[tuple[float, str, str, tuple]] = []
        before_task_publish.connect(self._record, weak=False)

    def _record(self, sender: str | None = None, headers: dict | None = None, **kwargs: Any):
        body = kwargs.get("body")
        args = tuple(body[0]) if isinstance(body, tuple | list) and body else ()
        self.tasks.append((time.perf_counter(), (headers or {}).get("id", ""), sender, args))


def demand_payloads(count: int, seed: int) -> list[dict]:
    """`count` demand bodies for `POST /api/v1/demands`, drawn with `seed` from the reference
    data as seed_demo draws its demands: scenario and its typical profile, technology, one
    province, a common need."""
    ref = generator.reference_snapshot()
    rnd = random.Random(f"{seed}:publish_visible")
    provinces = [p for p in ref.provinces if p not in market.NO_CREDIT_CODE_PROVINCES]
    needs, weights = zip(*NEEDS, strict=True)
    payloads = []
    for index in range(count):
        scenario = rnd.choice(ref.scenarios)
        noun, measure, _type, (p_lo, p_hi), (v_lo, v_hi), _protocols = market.SCENARIO_HINTS[
            scenario["code"]
        ]
        profile = dict(scenario["profile"])
        options = generator.feasible_technologies(profile, ref.technologies)
        technologies = [options[0]] if options and rnd.random() < 0.6 else []
        kinds = rnd.choices(needs, weights=weights)[0]
        province = rnd.choice(provinces)
        volume = max(1, int(math.exp(rnd.uniform(math.log(v_lo), math.log(v_hi)))))
        budget = (
            Decimal(f"{rnd.uniform(p_lo, p_hi):.2f}")
            if kinds[0] in ("terminal", "solution")
            else None
        )
        payloads.append(
            {
                "title": f"{TITLE_MARK} {ref.names[province]} {volume} {measure}{noun} #{index}",
                "description": f"基准测试：{scenario['name']}，部署于{ref.names[province]}。",
                "sector": scenario["sector"],
                "scenario": scenario["code"],
                "technologies": technologies,
                **{k: v for k, v in profile.items() if v is not None},
                "kinds_needed": list(kinds),
                "regions": [province],
                "volume": volume,
                "unit_budget": str(budget) if budget is not None else None,
                "rollout_months": rnd.choice((6, 12, 12, 24)),
            }
        )
    return payloads


def _ok(response: Any, expected: int, what: str) -> dict:
    if response.status_code != expected:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.content[:500]!r}")
    return response.json()


def wait_handled(log: WorkerLog, task_ids: list[str], timeout: float) -> bool:
    """Wait until the worker has finished (or dropped) every one of `task_ids`."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with log.lock:
            if all(task_id in log.done for task_id in task_ids):
                return True
        time.sleep(0.01)
    return False


def probe(
    index: int,
    payload: dict,
    enterprise: APIClient,
    coordinator: APIClient,
    published: Published,
    log: WorkerLog,
    timeout: float,
) -> dict:
    """Create, submit and approve one demand; poll its matches until one shows."""
    demand = _ok(enterprise.post("/api/v1/demands", payload, format="json"), 201, "create")
    demand_id = demand["id"]
    _ok(enterprise.post(f"/api/v1/demands/{demand_id}/submit"), 200, "submit")
    settled = wait_handled(log, [task_id for _t, task_id, _n, _a in published.tasks], 60)
    mark = len(published.tasks)
    approved = _ok(
        coordinator.post(f"/api/v1/demands/{demand_id}/approve", {"note": ""}, format="json"),
        200,
        "approve",
    )
    if approved["status"] != Demand.Status.PUBLISHED:
        raise RuntimeError(f"approve left demand {demand_id} {approved['status']}")
    sent = published.tasks[mark:]
    # The drain of the matching outbox that the approval's commit queued (one per commit).
    match_task = next((t for t in sent if t[2] == "matching.drain_outbox"), None)
    if match_task is None:
        raise RuntimeError(f"publishing demand {demand_id} did not enqueue matching")
    started = sent[0][0]  # the commit's first after-commit callback sent its task
    deadline, polls, visible, results = started + timeout, 0, None, 0
    next_poll = started
    while True:
        response = enterprise.get(f"/api/v1/demands/{demand_id}/matches")
        polls += 1
        now = time.perf_counter()
        if response.status_code == 200 and (found := response.json()["results"]):
            visible, results = now, len(found)
            break
        if response.status_code not in (200, 429):
            raise RuntimeError(f"matches: HTTP {response.status_code} {response.content[:500]!r}")
        if now > deadline:
            break
        next_poll += POLL_SECONDS
        time.sleep(max(0.0, next_poll - time.perf_counter()))
    ahead = sent[: sent.index(match_task)]  # sent by the same commit, queued before it
    wait_handled(log, [match_task[1], *(t[1] for t in ahead)], 5)
    with log.lock:
        received = log.received.get(match_task[1])
        done, runtime = log.done.get(match_task[1], (None, None))
        ahead_done = [log.done.get(t[1], (None, None)) for t in ahead]
    return {
        "probe": index,
        "demand_id": demand_id,
        "sector": payload["sector"],
        "scenario": payload["scenario"],
        "technologies": payload["technologies"],
        "kinds": payload["kinds_needed"],
        "region": payload["regions"][0],
        "visible_s": round(visible - started, 3) if visible is not None else None,
        "results_first_page": results,
        "polls": polls,
        "queue_settled_before_approve": settled,
        "commit_to_received_s": round(received - started, 3) if received else None,
        "ahead_in_queue": [t[2] for t in ahead],
        "ahead_run_s": round(sum(r for _w, r in ahead_done if r is not None), 3),
        "task_run_s": round(runtime, 3) if runtime is not None else None,
        "task_done_to_visible_s": (
            round(visible - done, 3) if visible is not None and done is not None else None
        ),
    }


def percentile(samples: list[float | None], p: float) -> float | None:
    """Nearest-rank percentile; None (a failure) counts as slower than anything."""
    ordered = sorted(samples, key=lambda s: math.inf if s is None else s)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else None


def cleanup() -> dict:
    """Delete this benchmark's demands (this run's, and any an interrupted run left)."""
    ids = list(Demand.objects.filter(title__startswith=TITLE_MARK).values_list("id", flat=True))
    if not ids:
        return {"demands": 0, "matches": 0}
    matches = Match.objects.filter(demand_id__in=ids).count()
    Demand.objects.filter(id__in=ids).delete()  # matches and flags cascade
    AuditEvent.objects.filter(subject_type="demand", subject_id__in=[str(i) for i in ids]).delete()
    OutboxEvent.objects.filter(entity="demand", entity_id__in=ids).delete()
    MatchingOutboxEvent.objects.filter(entity="demand", entity_id__in=ids).delete()
    search_sync(entity="demand", ids=ids)  # gone from the database: out of the index
    return {"demands": len(ids), "matches": matches}


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise SystemExit(f"no user {username!r}: run manage.py seed_demo first")
    return user


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per probe")
    parser.add_argument("--ready-timeout", type=float, default=900.0, help="worker start, s")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--worker-log", type=Path, help="copy the worker's log here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupted)
    if not getattr(settings, "MATCHING_PRELOAD_INDEX", True):
        raise SystemExit("MATCHING_PRELOAD_INDEX is off: the worker would not preload the index")

    enterprise, coordinator = APIClient(), APIClient()
    enterprise.force_login(_user("enterprise"))
    if not _user("coordinator").is_coordinator:
        raise SystemExit("the user 'coordinator' is not a coordinator: run manage.py seed_demo")
    coordinator.force_login(_user("coordinator"))
    leftovers = cleanup()
    payloads = demand_payloads(args.probes, args.seed)
    emit(
        "market",
        offerings_published=Offering.objects.filter(status=Offering.Status.PUBLISHED).count(),
        demands_open=Demand.objects.filter(status__in=loader.OPEN_DEMAND_STATUSES).count(),
        leftovers_removed=leftovers["demands"],
        cpus=os.cpu_count(),
        load_avg=os.getloadavg()[0],
    )
    app.control.purge()  # a stale task would run before the probes'
    connections.close_all()  # the worker starts while this process holds no connection
    published = Published()
    started = time.perf_counter()
    worker, log = start_worker(args.worker_log)
    results: list[dict] = []
    ready: dict = {}
    try:
        ready = wait_ready(worker, log, started, args.ready_timeout)
        emit("worker_ready", **ready, **worker_memory(worker))
        for index, payload in enumerate(payloads):
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{log.last_lines()}")
            results.append(
                emit(
                    "probe",
                    **probe(index, payload, enterprise, coordinator, published, log, args.timeout),
                )
            )
        emit("worker_after_probes", **worker_memory(worker))
    finally:
        stop_worker(worker)
        removed = cleanup()
        app.control.purge()
        enterprise.logout()
        coordinator.logout()
        if results:
            seconds = [r["visible_s"] for r in results]
            runs = [r["task_run_s"] for r in results if r["task_run_s"] is not None]
            queued = [r["commit_to_received_s"] for r in results if r["commit_to_received_s"]]
            p95 = percentile(seconds, 95)
            emit(
                "publish_to_visible",
                probes=len(results),
                complete=len(results) == len(payloads),
                failures=sum(s is None for s in seconds),
                p50_s=percentile(seconds, 50),
                p95_s=p95,
                max_s=percentile(seconds, 100),
                first_s=seconds[0],
                target_p95_s=TARGET_P95_S,
                met=p95 is not None and p95 <= TARGET_P95_S,
                commit_to_received_p50_s=percentile(queued, 50),
                ahead_run_p50_s=percentile([r["ahead_run_s"] for r in results], 50),
                task_run_p50_s=percentile(runs, 50),
                task_run_p95_s=percentile(runs, 95),
                worker_ready_s=ready.get("ready_s"),
                cleaned_demands=removed["demands"],
                cleaned_matches=removed["matches"],
                load_avg=os.getloadavg()[0],
            )


if __name__ == "__main__":
    main()
