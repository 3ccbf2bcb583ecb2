"""Benchmark of the pure matching core on synthetic data (no database).

    .venv/bin/python bench/matching_engine.py [--offerings 1000000] [--demands 100000]
        [--queries 200] [--workers 2] [--skip-full] [--no-functions]

Listings declare one of six functions of their kind (the first general-purpose for chips,
modules, IoT cards and platforms) and demands the functions of their scenario, drawn from a
stream of their own so the rest of the market is the one earlier engines were measured on;
`--no-functions` leaves them out (every demand states none: the engine's widest case).

Prints figures as JSON lines and a summary; docs/benchmarks.md ("Matching") records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.matching.engine import (
    DemandIndex,
    DemandSpec,
    FunctionSpec,
    OfferingIndex,
    OfferingRecord,
    ReferenceData,
    RequirementProfile,
    TechnologySpec,
    VendorRecord,
    analyse_demand,
    match_demand,
    match_offering,
)
from apps.matching.engine.naive import naive_match_demand

NOW = 1_790_000_000.0
TECHS = (
    TechnologySpec(
        "nb_iot", "NB-IoT", "NB-IoT", 100, 1000, 2, 2, 10, False, False, False, 10, 20, 1
    ),
    TechnologySpec("cat1", "Cat.1", "Cat.1", 5000, 75, 3, 1, 0.5, True, False, True, 20, 40, 2),
    TechnologySpec("cat4", "Cat.4", "Cat.4", 50000, 40, 3, 1, 0, True, True, True, 60, 120, 3),
    TechnologySpec(
        "redcap", "RedCap", "RedCap", 100000, 15, 3, 1, 0.5, True, True, True, 80, 200, 4
    ),
    TechnologySpec("nr_embb", "eMBB", "eMBB", 1000000, 10, 3, 1, 0, True, True, True, 300, 800, 5),
    TechnologySpec(
        "nr_urllc", "URLLC", "URLLC", 100000, 1, 3, 1, 0, False, False, True, 500, 1000, 6
    ),
)
KINDS = ("chip", "module", "terminal", "connectivity", "platform", "solution", "service")
KIND_SHARE = (0.04, 0.16, 0.40, 0.05, 0.05, 0.20, 0.10)
SECTORS = tuple(f"sector_{i}" for i in range(10))
SCENARIOS = tuple(f"scenario_{i}" for i in range(40))
CERTS = tuple(f"cert_{i}" for i in range(17))
PROTOCOLS = ("mqtt", "coap", "lwm2m", "http")
PROVINCES = tuple(
    f"{p}0000"
    for p in (
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    )
)
WORDS = [f"词{i}" for i in range(3000)]
GENERAL_KINDS = ("chip", "module", "connectivity", "platform")
FUNCTIONS = tuple(
    FunctionSpec(f"{kind}_f{j}", kind, general=j == 0 and kind in GENERAL_KINDS)
    for kind in KINDS
    for j in range(6)
)
WITH_FUNCTIONS = True


def reference() -> ReferenceData:
    return ReferenceData(
        technologies=TECHS,
        kinds=KINDS,
        sectors=SECTORS,
        scenarios=SCENARIOS,
        certifications=CERTS,
        protocols=PROTOCOLS,
        provinces=PROVINCES,
        kind_chain={k: i for i, k in enumerate(KINDS)},
        functions=FUNCTIONS if WITH_FUNCTIONS else (),
    )


def scenario_functions(scenario: int) -> tuple[str, ...]:
    """What a scenario needs: one specific function of every kind."""
    return tuple(f"{kind}_f{1 + scenario % 5}" for kind in KINDS) if WITH_FUNCTIONS else ()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _distinct(pool, columns, counts):
    """Per row, the first `count` distinct pool items of its random column values."""
    out = []
    for row, count in zip(columns.tolist(), counts.tolist(), strict=True):
        out.append(tuple(pool[j] for j in dict.fromkeys(row[:count])))
    return out


def synthetic_offerings(n: int, vendors: int, seed: int = 1):
    """A believable catalogue: kinds, technologies and words skewed, a quarter nationwide."""
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, len(WORDS) + 1)
    kinds = rng.choice(len(KINDS), size=n, p=KIND_SHARE)
    nationwide = rng.random(n) < 0.25
    tech_p = np.array([0.3, 0.35, 0.12, 0.12, 0.08, 0.03])
    techs = _distinct(
        [t.code for t in TECHS], rng.choice(6, size=(n, 2), p=tech_p), rng.integers(1, 3, n)
    )
    regions = _distinct(PROVINCES, rng.integers(0, 34, (n, 4)), rng.integers(1, 5, n))
    sectors = _distinct(SECTORS, rng.integers(0, 10, (n, 2)), rng.integers(1, 3, n))
    scenarios = _distinct(SCENARIOS, rng.integers(0, 40, (n, 2)), np.full(n, 2))
    certs = _distinct(CERTS, rng.integers(0, 17, (n, 4)), rng.integers(0, 5, n))
    protocols = _distinct(PROTOCOLS, rng.integers(0, 4, (n, 2)), rng.integers(1, 3, n))
    words = _distinct(
        WORDS, rng.choice(len(WORDS), size=(n, 12), p=zipf / zipf.sum()), np.full(n, 12)
    )
    prices = rng.lognormal(3.5, 1.0, n).tolist()
    vendor_ids = rng.integers(1, vendors + 1, n).tolist()
    min_orders = rng.choice([1, 100, 1000, 10000], n).tolist()
    capacity = rng.lognormal(11, 1.5, n).astype(np.int64).tolist()
    updated = (NOW - rng.integers(0, 600, n) * 86400.0).tolist()
    functions = np.random.default_rng(seed + 100).integers(0, 6, n).tolist()
    out = []
    for i in range(n):
        kind = KINDS[kinds[i]]
        out.append(
            OfferingRecord(
                id=i + 1,
                vendor_id=vendor_ids[i],
                kind=kind,
                function=f"{kind}_f{functions[i]}" if WITH_FUNCTIONS else None,
                sectors=sectors[i],
                scenarios=scenarios[i],
                technologies=() if kind in ("platform", "service") else techs[i],
                nationwide=bool(nationwide[i]),
                regions=() if nationwide[i] else regions[i],
                certifications=certs[i],
                protocols=protocols[i],
                price_min=prices[i],
                price_max=prices[i] * 1.3,
                min_order=min_orders[i],
                annual_capacity=capacity[i],
                updated_at=updated[i],
                tokens=words[i],
            )
        )
    return out


def synthetic_demands(n: int, seed: int = 2, first_id: int = 1):
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, len(WORDS) + 1)
    zipf /= zipf.sum()
    profiles = [
        RequirementProfile(
            uplink_kbps=1, power_source="battery", battery_life_years=8, coverage_depth=2
        ),
        RequirementProfile(uplink_kbps=50, mobility=3, needs_positioning=True),
        RequirementProfile(uplink_kbps=4000, max_latency_ms=100, needs_video=True),
        RequirementProfile(uplink_kbps=20000, max_latency_ms=20, mobility=2),
        RequirementProfile(uplink_kbps=10, mobility=1),
    ]
    kind_sets = [
        ("terminal",),
        ("module",),
        ("solution",),
        ("terminal", "platform"),
        ("module", "terminal", "platform"),
    ]
    out = []
    for i in range(n):
        kind_set = kind_sets[rng.choice(5, p=[0.4, 0.2, 0.2, 0.15, 0.05])]
        sector = SECTORS[rng.integers(10)]
        scenario = int(rng.integers(40))
        out.append(
            DemandSpec(
                id=first_id + i,
                organization_id=int(rng.integers(1, 5000)),
                sector=sector,
                scenario=SCENARIOS[scenario],
                functions=scenario_functions(scenario),
                technologies=(TECHS[rng.integers(4)].code,) if rng.random() < 0.3 else (),
                profile=profiles[rng.integers(len(profiles))],
                kinds_needed=kind_set,
                regions=tuple(
                    PROVINCES[j] for j in rng.choice(34, size=rng.integers(1, 3), replace=False)
                ),
                volume=int(rng.lognormal(9, 2)) + 1,
                unit_budget=float(rng.lognormal(3.5, 1.0)) if rng.random() < 0.7 else None,
                rollout_months=int(rng.choice([6, 12, 24])),
                certifications=(CERTS[rng.integers(17)],) if rng.random() < 0.2 else (),
                tokens=tuple(
                    WORDS[j] for j in dict.fromkeys(rng.choice(len(WORDS), 8, p=zipf).tolist())
                ),
            )
        )
    return out


def percentiles(samples_ms, prefix=""):
    a = np.asarray(samples_ms)
    return {
        f"{prefix}p50_ms": round(float(np.percentile(a, 50)), 2),
        f"{prefix}p95_ms": round(float(np.percentile(a, 95)), 2),
        f"{prefix}max_ms": round(float(a.max()), 2),
    }


def timed(call):
    """(wall ms, CPU ms of this thread, result). Other sessions share this machine's 2 cores;
    thread CPU time is what the wall time would be on an idle machine."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = call()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def emit(name, **figures):
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)
    return figures


def full_rematch(index, demands, workers: int):
    """Every demand against the whole index, split across forked workers (copy-on-write)."""
    chunks = np.array_split(np.arange(len(demands)), workers)
    started = time.perf_counter()
    pids = []
    read_fds = []
    for chunk in chunks:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            stored = 0
            for j in chunk.tolist():
                analysis = analyse_demand(index, demands[j], now=NOW, limit=20)
                stored += len(analysis.results) + len(analysis.bundles) + len(analysis.flags)
            os.write(w, str(stored).encode())
            os._exit(0)
        os.close(w)
        pids.append(pid)
        read_fds.append(r)
    stored = 0
    for pid, r in zip(pids, read_fds, strict=True):
        stored += int(os.read(r, 64) or b"0")
        os.waitpid(pid, 0)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, stored, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offerings", type=int, default=1_000_000)
    parser.add_argument("--demands", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--no-functions", action="store_true")
    args = parser.parse_args()
    global WITH_FUNCTIONS
    WITH_FUNCTIONS = not args.no_functions
    ref = reference()
    vendor_count = max(10, args.offerings // 50)
    vendors = [
        VendorRecord(i, verified=i % 10 != 0, typical_cases=i % 7, response_rate=(i % 5) / 4)
        for i in range(1, vendor_count + 1)
    ]

    t = time.perf_counter()
    offerings = synthetic_offerings(args.offerings, vendor_count)
    emit("generate_offerings", seconds=round(time.perf_counter() - t, 1), rows=len(offerings))
    t = time.perf_counter()
    index = OfferingIndex.build(ref, offerings, vendors)
    emit(
        "build_offering_index",
        seconds=round(time.perf_counter() - t, 1),
        rows=index.live,
        peak_rss_mib=round(rss_mib()),
    )

    queries = synthetic_demands(args.queries, seed=7, first_id=10_000_000)
    for q in queries[:5]:
        match_demand(index, q, now=NOW)  # warm-up
    timings, cpu, analysis_timings, analysis_cpu, sizes = [], [], [], [], []
    for q in queries:
        # A new demand finds no candidate set of an earlier one (the worst case; demands
        # sharing kind, technologies and regions in a quiet market would reuse theirs).
        index.forget_candidate_sets()
        wall, used, matches = timed(lambda q=q: match_demand(index, q, now=NOW, limit=20))
        timings.append(wall)
        cpu.append(used)
        sizes.append(sum(len(e.positions) for e in matches.evaluations.values()))
        index.forget_candidate_sets()
        wall, used, _ = timed(lambda q=q: analyse_demand(index, q, now=NOW, limit=20))
        analysis_timings.append(wall)
        analysis_cpu.append(used)
    emit(
        "one_demand_vs_offerings",
        offerings=index.live,
        queries=len(queries),
        median_feasible=int(np.median(sizes)),
        **percentiles(timings),
        **percentiles(cpu, "cpu_"),
        load=os.getloadavg()[0],
    )
    emit(
        "one_demand_analysis_with_bundles_and_flags",
        **percentiles(analysis_timings),
        **percentiles(analysis_cpu, "cpu_"),
    )

    t = time.perf_counter()
    demand_specs = synthetic_demands(args.demands)
    demand_index = DemandIndex.build(ref, demand_specs, index.tokens)
    emit("build_demand_index", seconds=round(time.perf_counter() - t, 1), rows=demand_index.live)
    rng = np.random.default_rng(3)
    probe = rng.choice(np.array(list(index.position)), size=args.queries, replace=False)
    for oid in probe[:5]:
        match_offering(index, demand_index, int(oid), now=NOW)
    timings, cpu, fits = [], [], []
    for oid in probe.tolist():
        wall, used, (_, count) = timed(
            lambda oid=oid: match_offering(index, demand_index, int(oid), now=NOW, limit=20)
        )
        timings.append(wall)
        cpu.append(used)
        fits.append(count)
    emit(
        "one_offering_vs_demands",
        demands=demand_index.live,
        queries=len(probe),
        median_fitting=int(np.median(fits)),
        **percentiles(timings),
        **percentiles(cpu, "cpu_"),
        load=os.getloadavg()[0],
    )

    # Baseline: the pair-by-pair Python loop on a sample of the catalogue, scaled to the index.
    sample = offerings[: args.baseline_sample]
    vendor_map = {v.id: v for v in vendors}
    naive_ms = []
    for q in queries[:5]:
        t = time.perf_counter()
        naive_match_demand(ref, sample, vendor_map, q, now=NOW)
        naive_ms.append((time.perf_counter() - t) * 1000 * len(offerings) / len(sample))
    one_demand_p50 = float(np.percentile(np.asarray(analysis_timings), 50))
    emit(
        "baseline_naive_per_pair_loop",
        sample=len(sample),
        extrapolated_ms_per_demand=round(float(np.median(naive_ms)), 1),
        ratio_vs_vectorised_p50=round(float(np.median(naive_ms)) / one_demand_p50, 1),
    )

    if not args.skip_full:
        wall, stored, child_rss, cpu_seconds = full_rematch(index, demand_specs, args.workers)
        emit(
            "full_rematch",
            demands=len(demand_specs),
            offerings=index.live,
            workers=args.workers,
            wall_seconds=round(wall, 1),
            cpu_seconds=round(cpu_seconds, 1),
            wall_if_cores_were_free_s=round(cpu_seconds / args.workers, 1),
            cpu_ms_per_demand=round(cpu_seconds * 1000 / len(demand_specs), 2),
            load=os.getloadavg()[0],
            rows_produced=stored,
            parent_peak_rss_mib=round(rss_mib()),
            worker_peak_rss_mib=round(child_rss),
        )


if __name__ == "__main__":
    main()
