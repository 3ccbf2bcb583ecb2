"""Benchmark of the coordinators' work queues at market scale: each queue page as the demo
user `coordinator` sees it, through the whole middleware and view stack (Django's test
client), against an anchor page served the same way in the same run.

    manage.py seed_demo --offerings 100000 --demands 10000 --seed 2026 --no-hooks
    manage.py matching_rebuild            # the match queue needs stored suggestions
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iotmatch_qbench \\
        .venv/bin/python bench/coordinator_queues.py [--requests 60] [--only today]

The anchor is the sign-in page (a template render with no queries beyond the session): the
machine's speed varies 25–40 % between runs, so compare each page's p95 with the anchor's.
Prints JSON lines: the market, then per page p50/p95/max in ms, the number of SQL queries
of one request and p95 ÷ anchor p95. The issue's target is p95 ≤ 150 ms at 100k offerings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Served as in production: DEBUG off (no query log, cached templates), plain HTTP.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789"
)

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.catalog.models import Offering  # noqa: E402
from apps.demands.models import Demand  # noqa: E402
from apps.matching.models import Match  # noqa: E402

PAGES = [
    ("anchor: sign-in page", "/accounts/login/", False),
    ("today", "/coordinator/", True),
    ("offerings, oldest first", "/coordinator/offerings/", True),
    ("offerings, newest first", "/coordinator/offerings/?sort=newest", True),
    ("offerings, page 3", "/coordinator/offerings/?page=3", True),
    ("offerings, search", "/coordinator/offerings/?q=水表", True),
    (
        "offerings, sector + technology + province",
        "/coordinator/offerings/?sector=municipal&technology=nb_iot&province=130000",
        True,
    ),
    ("offerings, scenario", "/coordinator/offerings/?scenario=municipal.water_meter", True),
    ("demands, oldest first", "/coordinator/demands/", True),
    ("demands, search", "/coordinator/demands/?q=水表", True),
    ("demands, largest first", "/coordinator/demands/?sort=volume", True),
    ("organisations", "/coordinator/organizations/", True),
    ("vendor interest", "/coordinator/interest/", True),
    ("matches, suggested by score", "/coordinator/matches/", True),
    ("matches, page 20", "/coordinator/matches/?page=20", True),
    ("matches, newest", "/coordinator/matches/?sort=newest", True),
    ("matches, search", "/coordinator/matches/?q=水表", True),
    ("matches, introduced", "/coordinator/matches/?status=introduced", True),
]


def emit(name: str, **figures) -> None:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _recorder(queries: list[str]):
    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="requests per page")
    parser.add_argument(
        "--only", default="", help="pages whose name contains this (and the anchor)"
    )
    args = parser.parse_args()

    emit(
        "market",
        offerings=Offering.objects.count(),
        offerings_waiting=Offering.objects.filter(status=Offering.Status.PENDING_REVIEW).count(),
        demands=Demand.objects.count(),
        demands_waiting=Demand.objects.filter(status=Demand.Status.PENDING_REVIEW).count(),
        matches_suggested=Match.objects.filter(status=Match.Status.SUGGESTED).count(),
    )
    signed_in = Client()
    signed_in.force_login(User.objects.get(username="coordinator"))
    anonymous = Client()
    anchor_p95 = None
    for name, url, coordinator in PAGES:
        if args.only and not (name.startswith("anchor") or args.only in name):
            continue
        client = signed_in if coordinator else anonymous
        queries: list[str] = []
        with connection.execute_wrapper(_recorder(queries)):
            status = client.get(url).status_code  # warm-up, and the page's query count
        assert status == 200, (url, status)
        latencies = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(url)
            latencies.append(time.perf_counter() - start)
        p95 = percentile(latencies, 0.95) * 1000
        anchor_p95 = anchor_p95 or p95
        emit(
            name,
            url=url,
            p50_ms=round(percentile(latencies, 0.5) * 1000, 1),
            p95_ms=round(p95, 1),
            max_ms=round(max(latencies) * 1000, 1),
            queries=len(queries),
            p95_vs_anchor=round(p95 / anchor_p95, 1),
        )


if __name__ == "__main__":
    main()
