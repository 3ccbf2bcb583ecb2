"""One demand against the synthetic market, two engines measured in interleaved rounds.

    git worktree add --detach ../wt-base <commit>
    .venv/bin/python bench/engine_ab.py ../wt-base [--head .] [--offerings 1000000] [--rounds 20]

Each tree gets a process of its own that builds its market with that tree's
`bench/matching_engine.py` generator (same seeds) and then waits. The rounds take turns,
base then head, head then base, …, each timing `match_demand` and `analyse_demand` for the
same 200 probe demands (no shared candidate set, as in matching_engine.py). This machine's
speed drifts 25–40 % over minutes, so runs of a whole bench one after the other can differ
by more than the engines do; rounds of a second each, alternating, cannot. Prints each
round and the medians over rounds of p50 and p95 (ms of wall time) as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PROBES = ("match_demand", "analyse_demand")


def child(tree: Path, offerings: int, queries: int) -> None:
    """Build `tree`'s market, then time one round per line read from stdin."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import matching_engine as market

    from apps.matching.engine import OfferingIndex, VendorRecord, analyse_demand, match_demand

    started = time.perf_counter()
    vendor_count = max(10, offerings // 50)
    vendors = [
        VendorRecord(i, verified=i % 10 != 0, typical_cases=i % 7, response_rate=(i % 5) / 4)
        for i in range(1, vendor_count + 1)
    ]
    index = OfferingIndex.build(
        market.reference(), market.synthetic_offerings(offerings, vendor_count), vendors
    )
    demands = market.synthetic_demands(queries, seed=7, first_id=10_000_000)
    for demand in demands[:5]:
        match_demand(index, demand, now=market.NOW)  # warm-up
    print(json.dumps({"built_s": round(time.perf_counter() - started, 1)}), flush=True)
    probes = {"match_demand": match_demand, "analyse_demand": analyse_demand}
    for _ in sys.stdin:
        figures = {}
        for name, probe in probes.items():
            samples = []
            for demand in demands:
                index.forget_candidate_sets()
                t = time.perf_counter()
                probe(index, demand, now=market.NOW, limit=20)
                samples.append((time.perf_counter() - t) * 1000)
            figures[name] = [
                round(float(np.percentile(samples, 50)), 2),
                round(float(np.percentile(samples, 95)), 2),
            ]
        print(json.dumps(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path, help="the other engine's work tree")
    parser.add_argument("--head", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--offerings", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child.resolve(), args.offerings, args.queries)
        return
    trees = {"base": args.base.resolve(), "head": args.head.resolve()}
    workers = {
        label: subprocess.Popen(
            [
                *(sys.executable, __file__, str(tree), "--child", str(tree)),
                *("--offerings", str(args.offerings), "--queries", str(args.queries)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tree,
        )
        for label, tree in trees.items()
    }
    for label, worker in workers.items():
        print(json.dumps({label: str(trees[label]), **json.loads(worker.stdout.readline())}))
    rounds: dict[str, list[dict]] = {label: [] for label in workers}
    for n in range(args.rounds):
        order = list(workers) if n % 2 == 0 else list(reversed(workers))
        for label in order:
            workers[label].stdin.write("go\n")
            workers[label].stdin.flush()
            figures = json.loads(workers[label].stdout.readline())
            rounds[label].append(figures)
            print(json.dumps({"round": n, "engine": label, **figures, "load": os.getloadavg()[0]}))
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()
    for label, figures in rounds.items():
        summary = {
            f"{probe}_{which}_ms": round(float(np.median([f[probe][i] for f in figures])), 2)
            for probe in PROBES
            for i, which in enumerate(("p50", "p95"))
        }
        print(json.dumps({"engine": label, "rounds": len(figures), "median_of_rounds": summary}))


if __name__ == "__main__":
    main()
