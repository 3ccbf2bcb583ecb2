"""Benchmark the PostgreSQL search backend: faceted search p95 at 100k and 1M offerings against
a naive `icontains` baseline, and outbox lag p95 with a running Celery worker.

The data is the demo market: `manage.py seed_demo --offerings N --demands N/50 --seed S` into a
throw-away database (`iotmatch_bench_search`) on the embedded PostgreSQL (127.0.0.1:54329 unless
BENCH_PG_URL says otherwise), indexed with `manage.py search_reindex` (both timed). The database
is dropped at the end unless --keep is given. Run from the project root:

    .venv/bin/python bench/search_pg.py                     # 100k then 1M, lag at 1M
    .venv/bin/python bench/search_pg.py --sizes 100000 --runs 20
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:54329")
DB_NAME = os.environ.get("BENCH_DB_NAME", "iotmatch_bench_search")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:63799/3")
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["REDIS_URL"] = REDIS_URL
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import psycopg  # noqa: E402

# The faceted searches measured (each: page 1 + total + all facets), and the baseline's twin:
# Chinese and English words, rare to very common in the demo catalogue, with and without
# filters, every sort; the last one is the search page opened without typing anything.
SEARCHES = [
    {"text": "水表", "sectors": ("municipal",)},
    {"text": "冷链 温湿度", "technologies": ("cat1",)},
    {"text": "NB-IoT 模组", "regions": ("130000",)},
    {
        "text": "",
        "sectors": ("smart_grid",),
        "technologies": ("nb_iot",),
        "regions": ("320500",),
        "sort": "price",
    },
    {
        "text": "网关",
        "verified": True,
        "price_min": Decimal(100),
        "price_max": Decimal(1000),
        "sort": "-price",
    },
    {"text": "EC800W"},
    {"text": "追踪", "kinds": ("terminal",), "certifications": ("ccc",)},
    {"text": "智能", "sectors": ("municipal",), "sort": "capacity"},
    {"text": "平台"},
    {"text": "Cat.1 DTU"},
    {"text": "RedCap 模组", "sort": "price"},
    {"text": "LwM2M 平台", "regions": ("440000",)},
    # Added with the forgiving search (2026-12-02): a wrong character and pinyin (corrected
    # towards the vocabulary: up to two searches), a place name read as its region, a word no
    # listing holds (most-words fallback: three searches), two values of one facet (multi-select:
    # one more statement per chosen group).
    {"text": "水标"},
    {"text": "shuibiao"},
    {"text": "智能水表 河北"},
    {"text": "NB-IoT 水表 蓝牙"},
    {"text": "NB-IoT", "kinds": ("module", "terminal")},
    {"text": ""},
]
MATCH_ALL = {"text": ""}


def admin() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def create_database() -> None:
    with admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(
            f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )


def drop_database() -> None:
    with admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def seed(size: int, seed: int) -> dict:
    """`seed_demo` `size` offerings (and size / 50 demands), then `search_reindex`; seconds."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command(
        "seed_demo",
        offerings=size,
        demands=size // 50,
        seed=seed,
        flush=True,
        no_hooks=True,
        stdout=io.StringIO(),
    )
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    call_command("search_reindex", stdout=io.StringIO())
    reindexed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('search_offeringranking'),"
            " pg_total_relation_size('search_offeringindexentry')"
            " FROM search_offeringranking"
        )
        indexed, ranking_bytes, entry_bytes = cursor.fetchone()
    return {
        "seed_s": round(seeded, 1),
        "reindex_s": round(reindexed, 1),
        "indexed_offerings": indexed,
        "ranking_table_mb": round(ranking_bytes / 2**20),
        "entry_table_mb": round(entry_bytes / 2**20),
    }


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(fn, runs: int) -> list[float]:
    fn()  # warm the caches once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def naive(params: dict):
    """The baseline: icontains over the catalogue with the same filters, page 1 and a count."""
    from django.db.models import Q

    from apps.catalog.models import Offering

    qs = Offering.objects.filter(status="published").select_related("organization")
    text = params.get("text", "")
    for word in text.split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(model_number__icontains=word)
            | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )
    for field, key in (
        ("sectors", "sectors"),
        ("technologies", "technologies"),
        ("certifications", "certifications"),
    ):
        if params.get(key):
            qs = qs.filter(**{f"{field}__overlap": list(params[key])})
    if params.get("kinds"):
        qs = qs.filter(kind_id__in=params["kinds"])
    if params.get("regions"):
        codes = list(params["regions"])
        expanded = sorted({*codes, *(c[:2] + "0000" for c in codes)})
        qs = qs.filter(Q(nationwide=True) | Q(regions__overlap=expanded))
    if params.get("verified") is not None:
        qs = qs.filter(organization__verification_status="verified")
    if params.get("price_min") is not None:
        qs = qs.filter(price_min__gte=params["price_min"])
    if params.get("price_max") is not None:
        qs = qs.filter(price_min__lte=params["price_max"])
    order = {"price": "price_min", "-price": "-price_min", "capacity": "-annual_capacity"}
    qs = qs.order_by(order.get(params.get("sort"), "-updated_at"), "-id")

    def run():
        list(qs[:20])
        qs.count()

    return run


def search_run(params: dict):
    """One search as the API and the page make it: through the selector, which reads the
    query (synonyms, places, corrections, most words) before the backend runs it."""
    from apps.search.backends.base import SearchQuery
    from apps.search.selectors import search_listings

    query = SearchQuery(**params)

    def run():
        return search_listings(query=query)

    return run


def bench_size(size: int, runs: int, baseline_runs: int) -> dict:
    from django.db import connection

    connection.close()
    figures = {"size": size, "searches": [], "baseline": []}
    all_times, all_baseline = [], []
    for params in SEARCHES:
        times = measure(search_run(params), runs)
        result = search_run(params)()
        base = measure(naive(params), baseline_runs)
        all_times += times
        all_baseline += base
        label = json.dumps(
            {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()},
            ensure_ascii=False,
        )
        figures["searches"].append(
            {
                "query": label,
                "matches": result.total,
                "matches_exact": result.total_exact,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "baseline_p50_ms": round(statistics.median(base), 1),
                "baseline_p95_ms": round(percentile(base, 95), 1),
            }
        )
        print(
            f"  {label}: {result.total}{'' if result.total_exact else '+'} matches, "
            f"p95 {percentile(times, 95):.1f} ms "
            f"(naive {percentile(base, 95):.1f} ms)",
            flush=True,
        )
    figures["p95_ms"] = round(percentile(all_times, 95), 1)
    figures["p50_ms"] = round(statistics.median(all_times), 1)
    figures["baseline_p95_ms"] = round(percentile(all_baseline, 95), 1)
    figures["baseline_p50_ms"] = round(statistics.median(all_baseline), 1)
    everything = measure(search_run(MATCH_ALL), max(5, runs // 3))
    figures["match_all_p95_ms"] = round(percentile(everything, 95), 1)
    return figures


def start_worker(log: Path) -> subprocess.Popen:
    env = {**os.environ, "LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [
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
            "bench-search@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("worker did not start:\n" + log.read_text())
        time.sleep(0.1)
    return process


def bench_lag(samples: int) -> dict:
    """Commit a rename through the outbox and poll until a search finds it."""
    from django.db import connection, transaction

    from apps.catalog.models import Offering
    from apps.search.backends import get_backend
    from apps.search.backends.base import SearchQuery
    from apps.search.services import outbox_enqueue
    from config.celery import app

    connection.close()
    app.control.purge()
    log = Path("/tmp/bench-search-worker.log")
    worker = start_worker(log)
    backend = get_backend()
    lags = []
    try:
        ids = list(
            Offering.objects.filter(status=Offering.Status.PUBLISHED)
            .order_by("?")
            .values_list("id", flat=True)[:samples]
        )
        for i, pk in enumerate(ids):
            probe = f"lagprobe{i}x{random.randint(0, 10**9)}"
            started = time.perf_counter()
            with transaction.atomic():
                Offering.objects.filter(pk=pk).update(
                    name=f"智能水表 {probe}", updated_at=datetime.now(UTC)
                )
                outbox_enqueue(entity="offering", entity_id=pk)
            while not backend.search(SearchQuery(text=probe, page_size=1)).hits:
                if time.perf_counter() - started > 30:
                    raise RuntimeError("change not searchable after 30 s")
                time.sleep(0.005)
            lags.append((time.perf_counter() - started) * 1000)
            time.sleep(random.uniform(0.05, 0.3))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)
    return {
        "samples": len(lags),
        "p50_ms": round(statistics.median(lags), 1),
        "p95_ms": round(percentile(lags, 95), 1),
        "max_ms": round(max(lags), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per search")
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--lag-samples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    create_database()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_reference", stdout=io.StringIO())
    report = {"server": SERVER, "database": DB_NAME, "sizes": [], "load_average": []}
    try:
        with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as conn:
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("shared_buffers", "work_mem", "jit", "server_version")
            }
        report["postgres"] = settings
        for size in sizes:
            loaded = seed(size, args.seed)
            print(f"{size} offerings: {loaded}", flush=True)
            report["load_average"].append(os.getloadavg())
            figures = bench_size(size, args.runs, args.baseline_runs)
            figures.update(loaded)
            print(
                f"{size}: faceted search p95 {figures['p95_ms']} ms, naive icontains p95 "
                f"{figures['baseline_p95_ms']} ms, match-all {figures['match_all_p95_ms']} ms",
                flush=True,
            )
            report["sizes"].append(figures)
        if args.lag_samples:
            report["load_average"].append(os.getloadavg())
            report["outbox_lag"] = bench_lag(args.lag_samples)
            report["outbox_lag"]["offerings"] = sizes[-1]
            print(f"outbox lag: {report['outbox_lag']}", flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
