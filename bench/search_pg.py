"""Benchmark the PostgreSQL search backend: faceted search p95 at 100k and 1M offerings against
a naive `icontains` baseline, and outbox lag p95 with a running Celery worker.

Rows are generated directly with COPY into a throw-away database (`iotmatch_bench_search`) on
the embedded PostgreSQL (127.0.0.1:54329 unless BENCH_PG_URL says otherwise), which is dropped
at the end unless --keep is given. Run from the project root:

    .venv/bin/python bench/search_pg.py                     # 100k then 1M, lag at 1M
    .venv/bin/python bench/search_pg.py --sizes 100000 --runs 20

Text: names and descriptions are sentences over a vocabulary of domain words joined by spaces,
so the stored tokens are the concatenation of each word's jieba tokens (what jieba produces for
the whole sentence), which keeps the load at COPY speed instead of 1M jieba calls.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:54329")
DB_NAME = "iotmatch_bench_search"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:63799/3")
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["REDIS_URL"] = REDIS_URL
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import psycopg  # noqa: E402

SECTORS = [
    "industrial_manufacturing",
    "transport_logistics",
    "smart_grid",
    "smart_agriculture",
    "municipal",
    "environmental_protection",
    "emergency_management",
    "connected_vehicles",
    "healthcare",
    "smart_home",
]
TECHNOLOGIES = ["nb_iot", "cat1", "cat4", "redcap", "nr_embb", "nr_urllc"]
KINDS = ["chip", "module", "terminal", "platform", "connectivity", "solution", "service"]
CERTIFICATIONS = [
    "ccc",
    "srrc",
    "cta",
    "cmcc",
    "ctcc",
    "cucc",
    "cbn",
    "ce",
    "fcc",
    "gcf",
    "ptcrb",
    "explosion_proof",
    "ip67",
    "ip68",
    "medical_device",
]
PROVINCES = [
    f"{p}0000"
    for p in [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
]
PRODUCT_WORDS = [
    "智能水表",
    "远程抄表",
    "智能电表",
    "燃气表",
    "集中器",
    "NB-IoT",
    "Cat.1",
    "RedCap",
    "5G",
    "模组",
    "通信模组",
    "追踪器",
    "定位终端",
    "冷链",
    "温湿度",
    "记录仪",
    "资产",
    "网关",
    "工业网关",
    "DTU",
    "摄像头",
    "烟感",
    "可燃气体",
    "探测器",
    "门锁",
    "井盖",
    "路灯",
    "单灯控制器",
    "停车",
    "地磁",
    "土壤墒情",
    "温室",
    "牲畜",
    "耳标",
    "T-Box",
    "V2X",
    "共享单车",
    "智能锁",
    "手环",
    "血压计",
    "监护",
    "预测性维护",
    "振动传感器",
    "AGV",
    "平台",
    "物联网卡",
    "边缘计算",
    "电池",
    "低功耗",
    "水质",
    "空气质量",
    "监测站",
    "应急",
    "广播",
    "对讲",
    "管网",
    "压力计",
    "液位计",
]
SENTENCE_WORDS = [
    *PRODUCT_WORDS,
    *[
        "支持",
        "远程",
        "升级",
        "高可靠",
        "工业级",
        "宽温",
        "长续航",
        "十年",
        "电池寿命",
        "深度覆盖",
        "实时",
        "上报",
        "数据采集",
        "云平台",
        "对接",
        "协议",
        "MQTT",
        "CoAP",
        "LwM2M",
        "部署",
        "运维",
        "服务",
        "方案",
        "集成",
        "安全",
        "加密",
        "定位",
        "北斗",
        "GNSS",
        "多模",
        "全网通",
        "低成本",
        "小尺寸",
        "LCC",
        "封装",
        "适用于",
        "城市",
        "农村",
        "工厂",
        "园区",
        "仓储",
        "物流",
    ],
]
VENDOR_WORDS = [
    "移远",
    "广和通",
    "美格",
    "有方",
    "中移物联",
    "移柯",
    "华为",
    "中兴",
    "新大陆",
    "利尔达",
    "汉威",
    "宁波水表",
    "三川智慧",
    "威胜",
    "海兴",
    "拓邦",
    "涂鸦",
    "东软",
]
VENDOR_SUFFIX = ["科技", "通信", "智能", "电子", "信息", "物联网"]

# The faceted searches measured (each: page 1 + total + all facets), and the baseline's twin.
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
    {"text": "EC800M"},
    {"text": "追踪器", "kinds": ("terminal",), "certifications": ("ccc",)},
    {"text": "智能", "sectors": ("municipal",), "sort": "capacity"},
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


def word_tokens() -> dict[str, str]:
    from apps.search.text import token_string

    words = set(PRODUCT_WORDS + SENTENCE_WORDS + VENDOR_WORDS + VENDOR_SUFFIX)
    return {word: token_string(word) for word in words}


class Generator:
    """Deterministic synthetic offerings with their index rows."""

    def __init__(self, seed: int = 2026) -> None:
        self.random = random.Random(seed)
        self.tokens = word_tokens()
        self.now = datetime.now(UTC)

    def sentence(self, words: list[str], low: int, high: int) -> tuple[str, str]:
        chosen = self.random.choices(words, k=self.random.randint(low, high))
        return " ".join(chosen), " ".join(self.tokens[w] for w in chosen)

    def model_number(self) -> str:
        r = self.random
        return f"{r.choice('ECBMFN')}{r.choice('CGMB')}{r.randint(100, 999)}{r.choice('NMAY')}-CN"

    def organizations(self, count: int) -> list[tuple[int, str, bool]]:
        orgs = []
        for i in range(1, count + 1):
            name = self.random.choice(VENDOR_WORDS) + self.random.choice(VENDOR_SUFFIX) + f"{i}号"
            orgs.append((i, name, self.random.random() < 0.7))
        return orgs

    def offering(self, pk: int, org: tuple[int, str, bool]) -> tuple[dict, dict]:
        r = self.random
        name, name_tokens = self.sentence(PRODUCT_WORDS, 2, 4)
        model = self.model_number()
        from apps.search.text import token_string

        description, body_tokens = self.sentence(SENTENCE_WORDS, 8, 24)
        nationwide = r.random() < 0.3
        regions = (
            []
            if nationwide
            else sorted(
                {
                    (p if r.random() < 0.5 else p[:2] + f"{r.randint(1, 12):02d}00")
                    for p in r.sample(PROVINCES, r.randint(1, 3))
                }
            )
        )
        price_min = Decimal(round(10 ** r.uniform(0.7, 4.7), 2)).quantize(Decimal("0.01"))
        row = {
            "id": pk,
            "name": name,
            "model_number": model,
            "description": description,
            "kind": r.choice(KINDS),
            "sectors": sorted(set(r.sample(SECTORS, r.randint(1, 2)))),
            "technologies": sorted(set(r.sample(TECHNOLOGIES, r.randint(1, 2)))),
            "regions": regions,
            "nationwide": nationwide,
            "certifications": sorted(r.sample(CERTIFICATIONS, r.randint(0, 3))),
            "price_min": price_min,
            "price_max": price_min * 2,
            "capacity": r.randint(1, 5000) * 1000,
            "updated_at": self.now - timedelta(seconds=r.randint(0, 86400 * 365)),
            "org": org,
        }
        index = {
            "title_tokens": f"{name_tokens} {token_string(model)}",
            "vendor_tokens": " ".join(self.tokens.get(w, w) for w in [org[1]]),
            "body_tokens": body_tokens,
        }
        return row, index


def pg_array(values: list[str]) -> str:
    return "{" + ",".join(values) + "}"


def load(
    conn: psycopg.Connection, generator: Generator, start: int, count: int, orgs: list
) -> None:
    """COPY `count` offerings (ids from `start`) into the catalogue and the search index."""
    from apps.search.documents import province_of, source_hash
    from apps.search.text import token_string

    vendor_tokens = {org[0]: token_string(org[1]) for org in orgs}
    with conn.cursor() as cur:
        offering_copy = cur.copy(
            "COPY catalog_offering (id, organization_id, kind_id, name, model_number, "
            "description, sectors, scenarios, technologies, nationwide, regions, certifications, "
            "protocols, price_min, price_max, min_order, annual_capacity, lead_time_days, "
            "attributes, status, review_note, created_at, updated_at, published_at) FROM STDIN"
        )
        rows_offering, rows_index = [], []
        for pk in range(start, start + count):
            org = orgs[pk % len(orgs)]
            row, tokens = generator.offering(pk, org)
            rows_offering.append(
                (
                    pk,
                    org[0],
                    row["kind"],
                    row["name"],
                    row["model_number"],
                    row["description"],
                    pg_array(row["sectors"]),
                    "{}",
                    pg_array(row["technologies"]),
                    row["nationwide"],
                    pg_array(row["regions"]),
                    pg_array(row["certifications"]),
                    "{}",
                    row["price_min"],
                    row["price_max"],
                    1,
                    row["capacity"],
                    30,
                    "{}",
                    "published",
                    "",
                    row["updated_at"],
                    row["updated_at"],
                    row["updated_at"],
                )
            )
            source = {
                "id": pk,
                "title": row["name"],
                "model_number": row["model_number"],
                "summary": row["description"][:300],
                "description": row["description"],
                "organization_id": org[0],
                "organization_name": org[1],
                "verified": org[2],
                "kinds": [row["kind"]],
                "sectors": row["sectors"],
                "technologies": row["technologies"],
                "regions": row["regions"],
                "region_provinces": sorted({province_of(c) for c in row["regions"]}),
                "nationwide": row["nationwide"],
                "certifications": row["certifications"],
                "price": row["price_min"],
                "price_max": row["price_max"],
                "capacity": row["capacity"],
                "updated_at": row["updated_at"],
            }
            rows_index.append(
                (
                    pk,
                    row["name"],
                    row["description"][:300],
                    org[0],
                    org[1],
                    org[2],
                    pg_array(row["sectors"]),
                    pg_array(row["technologies"]),
                    pg_array([row["kind"]]),
                    pg_array(row["certifications"]),
                    pg_array(row["regions"]),
                    pg_array(source["region_provinces"]),
                    row["nationwide"],
                    row["price_min"],
                    row["capacity"],
                    tokens["title_tokens"],
                    vendor_tokens[org[0]],
                    tokens["body_tokens"],
                    row["updated_at"],
                    source_hash(source),
                    row["updated_at"],
                    row["model_number"],
                    row["price_max"],
                )
            )
        with offering_copy as copy:
            for values in rows_offering:
                copy.write_row(values)
        with cur.copy(
            "COPY search_offeringindexentry (id, title, summary, organization_id, "
            "organization_name, verified, sectors, technologies, kinds, certifications, regions, "
            "region_provinces, nationwide, price, capacity, title_tokens, vendor_tokens, "
            "body_tokens, updated_at, source_hash, indexed_at, model_number, price_max) "
            "FROM STDIN"
        ) as copy:
            for values in rows_index:
                copy.write_row(values)
    conn.commit()


def without_indexes(conn: psycopg.Connection, tables: list[str]):
    """Drop the secondary indexes of `tables`; returns their DDL to recreate them."""
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT LIKE '%%_pkey'",
        [tables],
    ).fetchall()
    for name, _ddl in rows:
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()
    return [ddl for _name, ddl in rows]


def reference(conn: psycopg.Connection, orgs: list) -> None:
    with conn.cursor() as cur:
        for code in KINDS:
            cur.execute(
                "INSERT INTO catalog_supplykind (code, name_zh, name_en, sort_order, "
                "chain_position, attribute_spec) VALUES (%s, %s, %s, 0, 0, '{}')",
                [code, code, code],
            )
        cur.execute(
            "INSERT INTO catalog_region (code, name_zh, name_en, sort_order, level, parent_id) "
            "VALUES ('130000', '河北省', 'Hebei', 0, 'province', NULL)"
        )
        with cur.copy(
            "COPY accounts_organization (id, name, credit_code, role, province_id, "
            "verification_status, verification_note, description, website, contact_name, "
            "contact_phone, contact_email, created_at, updated_at) FROM STDIN"
        ) as copy:
            now = datetime.now(UTC)
            for pk, name, verified in orgs:
                copy.write_row(
                    (
                        pk,
                        name,
                        f"91130100MA{pk:08d}",
                        "vendor",
                        "130000",
                        "verified" if verified else "pending",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        now,
                        now,
                    )
                )
    conn.commit()


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
    from apps.search.backends import get_backend
    from apps.search.backends.base import SearchQuery

    backend = get_backend()
    query = SearchQuery(**params)

    def run():
        return backend.search(query)

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
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "baseline_p50_ms": round(statistics.median(base), 1),
                "baseline_p95_ms": round(percentile(base, 95), 1),
            }
        )
        print(
            f"  {label}: {result.total} matches, p95 {percentile(times, 95):.1f} ms "
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
        ids = list(Offering.objects.order_by("?").values_list("id", flat=True)[:samples])
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
    parser.add_argument("--orgs", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    create_database()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    generator = Generator()
    orgs = generator.organizations(args.orgs)
    report = {"server": SERVER, "database": DB_NAME, "sizes": [], "load_average": []}
    try:
        with psycopg.connect(f"{SERVER}/{DB_NAME}") as conn:
            reference(conn, orgs)
            loaded = 0
            for size in sizes:
                started = time.perf_counter()
                ddl = without_indexes(conn, ["catalog_offering", "search_offeringindexentry"])
                chunk = 100_000
                while loaded < size:
                    count = min(chunk, size - loaded)
                    load(conn, generator, loaded + 1, count, orgs)
                    loaded += count
                conn.execute("SET maintenance_work_mem = '1GB'")
                for statement in ddl:
                    conn.execute(statement)
                conn.execute("ANALYZE")
                conn.commit()
                conn.execute(
                    "SELECT setval(pg_get_serial_sequence('catalog_offering', 'id'), %s)",
                    [loaded],
                )
                conn.commit()
                print(
                    f"{size} offerings loaded in {time.perf_counter() - started:.0f} s", flush=True
                )
                report["load_average"].append(os.getloadavg())
                figures = bench_size(size, args.runs, args.baseline_runs)
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
