"""Benchmark of matching against PostgreSQL: loading the index from the database, and the
one-SQL-query-per-demand baseline, on synthetic listings written with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/iotmatch_bench \\
        .venv/bin/python bench/matching_db.py [--offerings 1000000] [--queries 20]

The database must be migrated with reference data loaded (`manage.py migrate`,
`manage.py load_reference`); the script replaces its offerings, demands and vendors.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402

from apps.accounts.credit_code import ALPHABET, check_character  # noqa: E402
from apps.accounts.models import Organization  # noqa: E402
from apps.catalog.models import (  # noqa: E402
    Certification,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.matching import loader  # noqa: E402
from apps.matching.engine import match_demand  # noqa: E402

NOW = time.time()


def emit(name, **figures):
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)


def credit_code(n: int) -> str:
    body = f"91110000MB{n:07d}"
    body = "".join(c if c in ALPHABET else "0" for c in body)[:17]
    return body + check_character(body)


def pg_array(values) -> str:
    return "{" + ",".join(values) + "}"


def seed(n: int, vendors: int) -> None:
    rng = np.random.default_rng(5)
    kinds = list(SupplyKind.objects.values_list("code", flat=True))
    techs = list(Technology.objects.order_by("cost_rank").values_list("code", flat=True))
    sectors = list(Sector.objects.values_list("code", flat=True))
    scenarios = list(Scenario.objects.values_list("code", flat=True))
    certs = list(Certification.objects.values_list("code", flat=True))
    protocols = list(Protocol.objects.values_list("code", flat=True))
    provinces = list(Region.objects.filter(level="province").values_list("code", flat=True))
    province = Region.objects.get(code=provinces[0])
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE matching_match, matching_mismatchflag, catalog_offering, "
            "demands_demand CASCADE"
        )
    Organization.objects.filter(name__startswith="bench-").delete()
    Organization.objects.bulk_create(
        Organization(
            name=f"bench-{i}",
            credit_code=credit_code(i),
            role="vendor",
            province=province,
            verification_status="verified" if i % 10 else "pending",
        )
        for i in range(vendors)
    )
    org_ids = list(
        Organization.objects.filter(name__startswith="bench-").values_list("id", flat=True)
    )
    words = [
        "水表",
        "抄表",
        "定位",
        "追踪",
        "模组",
        "网关",
        "视频",
        "低功耗",
        "冷链",
        "电表",
        "烟感",
        "门锁",
        "车载",
        "巡检",
        "监测",
        "工业",
        "农业",
        "智慧",
        "平台",
        "终端",
    ]
    buffer = io.StringIO()
    tech_p = np.array([0.3, 0.35, 0.12, 0.12, 0.08, 0.03])
    for i in range(n):
        kind = kinds[rng.integers(len(kinds))]
        nationwide = rng.random() < 0.25
        row_techs = (
            []
            if kind in ("platform", "service")
            else sorted({techs[j] for j in rng.choice(6, size=rng.integers(1, 3), p=tech_p)})
        )
        regions = (
            []
            if nationwide
            else sorted({provinces[j] for j in rng.integers(0, len(provinces), rng.integers(1, 5))})
        )
        price = float(rng.lognormal(3.5, 1.0))
        name = "".join(words[j] for j in rng.integers(0, len(words), 3))
        buffer.write(
            "\t".join(
                [
                    str(org_ids[rng.integers(len(org_ids))]),
                    kind,
                    f"{name} {i}",
                    "",
                    name,
                    pg_array({sectors[j] for j in rng.integers(0, len(sectors), 2)}),
                    pg_array({scenarios[j] for j in rng.integers(0, len(scenarios), 2)}),
                    pg_array(row_techs),
                    "t" if nationwide else "f",
                    pg_array(regions),
                    pg_array({certs[j] for j in rng.integers(0, len(certs), rng.integers(0, 4))}),
                    pg_array({protocols[j] for j in rng.integers(0, len(protocols), 2)}),
                    f"{price:.2f}",
                    f"{price * 1.3:.2f}",
                    str(int(rng.choice([1, 100, 1000]))),
                    str(int(rng.lognormal(11, 1.5))),
                    "30",
                    "{}",
                    "published",
                    "",
                    "now()",
                    "now()",
                ]
            )
            + "\n"
        )
    buffer.seek(0)
    columns = (
        "organization_id, kind_id, name, model_number, description, sectors, scenarios, "
        "technologies, nationwide, regions, certifications, protocols, price_min, price_max, "
        "min_order, annual_capacity, lead_time_days, attributes, status, review_note, "
        "created_at, updated_at"
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY catalog_offering ({columns}) FROM STDIN") as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_offering")


SQL = """
SELECT o.id,
  (20 * CASE WHEN o.technologies && %(preferred)s THEN 1.0
             WHEN o.technologies = '{}' THEN 0.85 ELSE 0.7 END
 + 15 * CASE WHEN %(sector)s = ANY(o.sectors) THEN 1.0 ELSE 0 END
 + 10 * CASE WHEN o.nationwide THEN 1.0 ELSE 0.5 END
 + 10 * LEAST(1.0, o.annual_capacity / %(need)s)
 + 15 * CASE WHEN (o.price_min + o.price_max) / 2 <= %(budget)s THEN 0.8 ELSE 0.3 END
 + 9 * 0.7 + 5 * 1.0) / 92 * 100 AS score
FROM catalog_offering o JOIN accounts_organization g ON g.id = o.organization_id
WHERE o.status = 'published' AND g.verification_status = 'verified'
  AND o.kind_id = %(kind)s
  AND (o.technologies && %(allowed)s OR o.technologies = '{}')
  AND (o.nationwide OR o.regions && %(regions)s)
  AND o.certifications @> %(certs)s
ORDER BY score DESC, o.id LIMIT 20
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offerings", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()
    if not args.skip_seed:
        t = time.perf_counter()
        seed(args.offerings, max(10, args.offerings // 50))
        emit("seed_copy", rows=args.offerings, seconds=round(time.perf_counter() - t, 1))
    t = time.perf_counter()
    state = loader.build_state()
    emit(
        "load_index_from_db",
        rows=state.offerings.live,
        seconds=round(time.perf_counter() - t, 1),
        peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    )
    t = time.perf_counter()
    loader.refresh_state(state)
    emit("incremental_refresh_nothing_changed", ms=round((time.perf_counter() - t) * 1000, 1))

    rng = np.random.default_rng(9)
    provinces = list(Region.objects.filter(level="province").values_list("code", flat=True))
    sectors = list(Sector.objects.values_list("code", flat=True))
    sql_ms, engine_ms = [], []
    for _ in range(args.queries):
        spec = loader.profile_spec(
            {
                "sector_id": sectors[rng.integers(len(sectors))],
                "kinds_needed": ["terminal"],
                "regions": [provinces[rng.integers(len(provinces))]],
                "volume": 100_000,
                "unit_budget": 40,
                "uplink_kbps": 50,
                "mobility": 3,
            }
        )
        t = time.perf_counter()
        matches = match_demand(state.offerings, spec, now=NOW, weights=loader.weights())
        engine_ms.append((time.perf_counter() - t) * 1000)
        c = matches.demand
        params = {
            "preferred": c.advice.feasible[:1] and [c.advice.recommended],
            "allowed": list(c.advice.feasible),
            "sector": spec.sector,
            "need": c.need,
            "budget": 40,
            "kind": "terminal",
            "regions": list(spec.regions),
            "certs": [],
        }
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(SQL, params)
            cursor.fetchall()
        sql_ms.append((time.perf_counter() - t) * 1000)
    emit(
        "one_demand_engine_vs_sql",
        queries=args.queries,
        engine_p50_ms=round(float(np.median(engine_ms)), 1),
        engine_p95_ms=round(float(np.percentile(engine_ms, 95)), 1),
        sql_p50_ms=round(float(np.median(sql_ms)), 1),
        sql_p95_ms=round(float(np.percentile(sql_ms, 95)), 1),
        ratio_sql_over_engine_p50=round(float(np.median(sql_ms) / np.median(engine_ms)), 1),
        load=os.getloadavg()[0],
    )


if __name__ == "__main__":
    main()
