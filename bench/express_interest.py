"""Benchmark of a vendor's "express interest" in a web process: the pair scored from its two
rows (now) against the whole market index loaded in the request (before), in one run.

    manage.py seed_demo --offerings 100000 --demands 10000 --seed 2026 --no-hooks
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iotmatch_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/express_interest.py [--requests 200] [--old-calls 3]

First a separate process builds the market index once, as the worker does (which also fills
the listings' token caches the pair scoring reads), and lists the open demands each of the demo
vendor's published offerings fits, with the worker's score. Then, in this process, which plays
a web worker: `--requests` POSTs of `/api/v1/demands/{id}/interest` as the demo user `vendor`
(DRF's APIClient, the whole middleware and view stack) for pairs drawn from those, each inside
a transaction rolled back afterwards (the market is left as it was); then `--old-calls` calls
of the previous implementation (kept below: refresh or load the process's market index, then
match the offering against every open demand). Prints JSON lines: the market, latency
p50/p95/max, the process's RSS before and after each phase, and how far the pair's score is
from the worker's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# A few hundred POSTs a minute would exceed the per-principal throttle.
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.catalog.models import Offering  # noqa: E402
from apps.demands.models import Demand  # noqa: E402
from apps.matching import loader  # noqa: E402
from apps.matching.engine import match_offering  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def emit(name: str, **figures) -> None:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def old_interest_score(demand: Demand, offering: Offering):
    """The implementation this benchmark replaced (services.interest_express before issue 14):
    the process's market index, refreshed or loaded, then the offering against every demand."""
    state = loader.market()
    state.offerings.upsert(
        loader._offering_record(
            Offering.objects.filter(id=offering.id).values_list(*loader.OFFERING_COLUMNS).get()
        )
    )
    spec = loader.demand_spec(
        Demand.objects.filter(id=demand.id).values_list(*loader.DEMAND_COLUMNS).get(),
        loader.scenario_certifications(),
        timezone.now(),
    )
    state.demands.upsert(spec)
    results, _fits = match_offering(
        state.offerings,
        state.demands,
        offering.id,
        now=time.time(),
        weights=loader.weights(),
        limit=100_000,
    )
    return next((r for r in results if r.demand_id == demand.id), None)


# Runs in a separate process, as the worker does: builds the market index (filling the token
# caches), then prints, per offering id given, the open demands it fits with the worker's score.
WORKER = """
import json, sys, time
import django
django.setup()
from apps.matching import loader
from apps.matching.engine import match_offering
state = loader.build_state()
fits = {}
for offering_id in json.loads(sys.argv[1]):
    results, _ = match_offering(
        state.offerings, state.demands, offering_id, now=time.time(), weights=loader.weights(),
        limit=100_000,
    )
    fits[offering_id] = [(r.demand_id, r.score) for r in results]
print(json.dumps(fits))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--old-calls", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    emit(
        "market",
        offerings=Offering.objects.filter(status=Offering.Status.PUBLISHED).count(),
        open_demands=Demand.objects.filter(status__in=loader.OPEN_DEMAND_STATUSES).count(),
    )
    user = User.objects.get(username="vendor")
    offering_ids = list(
        Offering.objects.filter(
            organization_id__in=user.organization_ids, status=Offering.Status.PUBLISHED
        ).values_list("id", flat=True)
    )
    started = time.perf_counter()
    worker = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(offering_ids)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    fits = json.loads(worker.stdout.strip().splitlines()[-1])
    worker_scores = {
        (demand_id, int(offering_id)): score
        for offering_id, found in fits.items()
        for demand_id, score in found
    }
    emit(
        "worker_market_load",
        seconds=round(time.perf_counter() - started, 1),
        vendor_offerings=len(offering_ids),
        fitting_pairs=len(worker_scores),
    )
    # The pairs a vendor would press the button for: demands its offerings fit, that it sees.
    hidden = set(
        Demand.objects.filter(visibility=Demand.Visibility.COORDINATORS).values_list(
            "id", flat=True
        )
    )
    visible = sorted(pair for pair in worker_scores if pair[0] not in hidden)
    rng = random.Random(args.seed)
    chosen = [rng.choice(visible) for _ in range(args.requests)]
    client = APIClient()
    client.force_login(user)

    # an anchor: the process's first request (any request) imports and warms the URL, view
    # and serializer stack; one GET of a demand pays that before the figures below
    client.get(f"/api/v1/demands/{chosen[0][0]}")
    emit("anchor_first_get", rss_mib=rss_mib())

    # now: the API, pair scoring
    rss_before = rss_mib()
    latencies, outcomes, differences = [], {}, []
    for demand_id, offering_id in chosen:
        with transaction.atomic():
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/demands/{demand_id}/interest",
                {"offering": offering_id, "note": "bench"},
                format="json",
            )
            latencies.append(time.perf_counter() - started)
            transaction.set_rollback(True)
        if len(latencies) == 1:
            rss_warm = rss_mib()
        code = str(response.status_code)
        if response.status_code >= 400:
            code += ":" + response.json()["error"]["code"]
        else:
            score = response.json()["score"]
            differences.append(abs(score - worker_scores[demand_id, offering_id]))
        outcomes[code] = outcomes.get(code, 0) + 1
    emit(
        "now_api_interest",
        requests=len(latencies),
        outcomes=outcomes,
        first_ms=round(latencies[0] * 1000, 1),
        p50_ms=round(percentile(latencies[1:], 0.5) * 1000, 1),
        p95_ms=round(percentile(latencies[1:], 0.95) * 1000, 1),
        max_ms=round(max(latencies[1:]) * 1000, 1),
        rss_before_mib=rss_before,
        rss_after_first_mib=rss_warm,
        rss_after_mib=rss_mib(),
        market_loaded=loader._state is not None,
        # text relevance's idf comes from the pair, not the catalogue (see interest_evaluate)
        score_vs_worker_max=round(max(differences, default=0.0), 2),
        score_vs_worker_mean=round(sum(differences) / max(len(differences), 1), 2),
    )

    # before: the same pairs' scores through the whole market index in this process
    rss_before = rss_mib()
    timings = []
    for demand_id, offering_id in chosen[: args.old_calls]:
        demand, offering = Demand.objects.get(pk=demand_id), Offering.objects.get(pk=offering_id)
        started = time.perf_counter()
        old_interest_score(demand, offering)
        timings.append(time.perf_counter() - started)
    emit(
        "before_market_in_request",
        calls=len(timings),
        first_ms=round(timings[0] * 1000, 1),
        later_ms=[round(t * 1000, 1) for t in timings[1:]],
        rss_before_mib=rss_before,
        rss_after_mib=rss_mib(),
    )


if __name__ == "__main__":
    main()
