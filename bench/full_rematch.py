"""Benchmark of the full rematch as the beat task runs it, end to end, on seed_demo data.

    createdb iotmatch_rematch; DATABASE_URL=postgres://…/iotmatch_rematch manage.py migrate
    manage.py load_reference; manage.py seed_demo --offerings 1000000 --demands 100000 --no-hooks
    DATABASE_URL=postgres://postgres@127.0.0.1:54329/iotmatch_rematch \\
        .venv/bin/python bench/full_rematch.py [--workers 2] [--baseline-sample 300]
        [--cold-only] [--slices-per-worker 8] [--order planned|id]

Times loading the market index from PostgreSQL once, then `services.full_rematch` (forked
processes taking the plan's slices in turn: score, explain and store; the index refreshed, not
reloaded) three times: cold (no stored matches), warm (nothing changed since) and after 1 % of
the offerings changed price, with totals that add the load; and, as the baseline in the same
run, the per-demand path the incremental task uses (explain every result, store demand by
demand) on a sample, scaled. `--slices-per-worker 1 --order id` reproduces earlier shapes of
the run (one fixed slice per process; demands in id order) for an A/B on the same day. Memory
is the peak of the summed PSS of this process and its children (shared pages counted once),
sampled every second. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.db.models.functions import Now  # noqa: E402

from apps.catalog.models import Offering  # noqa: E402
from apps.demands.models import Demand  # noqa: E402
from apps.matching import loader, services  # noqa: E402
from apps.matching.engine import analyse_demand  # noqa: E402
from apps.matching.models import Match, MatchRun, MismatchFlag  # noqa: E402


def emit(name: str, **figures) -> dict:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)
    return figures


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


class PeakMemory:
    """Peak summed PSS (MiB) of this process tree while the block runs."""

    def __enter__(self) -> PeakMemory:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = sum(_pss_kib(pid) for pid in _tree(os.getpid()))
            self.peak = max(self.peak, total)
            self._stop.wait(1.0)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> int:
        return self.peak // 1024


def load() -> dict:
    """Build the market index in this process, as a worker's first matching task does."""
    loader.forget_market()
    wall = time.perf_counter()
    with PeakMemory() as memory:
        state = loader.market()
    return emit(
        "load_market_index",
        wall_s=round(time.perf_counter() - wall, 1),
        peak_pss_mib=memory.mib,
        offerings=state.offerings.live,
        open_demands=state.demands.live,
    )


def rematch(name: str, workers: int) -> dict:
    """One full rematch on the market this process holds (refreshed, not reloaded)."""
    before = Match.objects.count()
    wall, cpu = time.perf_counter(), os.times()
    with PeakMemory() as memory:
        run = services.full_rematch(owner=f"bench:{name}", workers=workers)
    used = os.times()
    seconds = time.perf_counter() - wall
    written = Match.objects.filter(computed_at__gte=run.started_at).count()
    return emit(
        name,
        wall_s=round(seconds, 1),
        cpu_s=round(
            (used.user - cpu.user)
            + (used.system - cpu.system)
            + (used.children_user - cpu.children_user)
            + (used.children_system - cpu.children_system),
            1,
        ),
        peak_pss_mib=memory.mib,
        demands=run.demands_done,
        matches_before=before,
        matches_after=Match.objects.count(),
        rows_written=written,
        open_flags=MismatchFlag.objects.filter(resolved_at__isnull=True).count(),
    )


def baseline(sample: int, open_demands: int) -> dict:
    """The incremental path per demand: analyse with explanations, store demand by demand."""
    state = loader.market()
    typical = loader.scenario_certifications()
    weights = loader.weights()
    rows = list(
        Demand.objects.filter(status__in=loader.OPEN_DEMAND_STATUSES)
        .order_by("?")
        .values_list(*loader.DEMAND_COLUMNS)[:sample]
    )
    Match.objects.filter(demand_id__in=[r[0] for r in rows]).delete()
    started = time.perf_counter()
    for row in rows:
        spec = loader.demand_spec(row, typical, django.utils.timezone.now())
        analysis = analyse_demand(
            state.offerings,
            spec,
            now=time.time(),
            weights=weights,
            limit=services.MATCHES_PER_DEMAND,
            bundle_limit=services.BUNDLES_PER_DEMAND,
        )
        services.demand_results_store(demand_id=spec.id, analysis=analysis)
    per_demand = (time.perf_counter() - started) / len(rows)
    return emit(
        "baseline_per_demand_path",
        sample=len(rows),
        ms_per_demand=round(per_demand * 1000, 2),
        scaled_one_process_s=round(per_demand * open_demands, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cold-only", action="store_true", help="stop after the cold run")
    parser.add_argument(
        "--slices-per-worker",
        type=int,
        default=services.SLICES_PER_WORKER,
        help="slices a new plan holds per process (1: one fixed share each)",
    )
    parser.add_argument(
        "--order",
        choices=["planned", "id"],
        default="planned",
        help="planned: demands asking for the same candidates side by side; id: id order",
    )
    args = parser.parse_args()
    services.SLICES_PER_WORKER = args.slices_per_worker
    if args.order == "id":
        planned = services._candidate_group
        # Every open demand weighs one kind and sorts by id alone (the plan sorts on the group).
        services._candidate_group = lambda state, demand_id: (
            ("open",) if planned(state, demand_id) else ()
        )
    open_demands = Demand.objects.filter(status__in=loader.OPEN_DEMAND_STATUSES).count()
    emit(
        "market",
        offerings_published=Offering.objects.filter(status=Offering.Status.PUBLISHED).count(),
        demands=Demand.objects.count(),
        demands_open=open_demands,
        workers=args.workers,
        slices_per_worker=args.slices_per_worker,
        order=args.order,
        cpus=os.cpu_count(),
        load_avg=os.getloadavg()[0],
    )
    MatchRun.objects.all().delete()
    if not args.skip_cold:
        with connection.cursor() as cursor:
            # Django's delete() would load 1.6M matches (and run out of memory); this is a
            # throw-away database, so cascading to typical cases is fine.
            cursor.execute("TRUNCATE matching_match, matching_mismatchflag CASCADE")
            cursor.execute("VACUUM ANALYZE matching_match")
    loaded = load()
    if not args.skip_cold:
        cold = rematch("full_rematch_cold", args.workers)
        emit("cold_total_with_load", wall_s=round(loaded["wall_s"] + cold["wall_s"], 1))
        if args.cold_only:
            emit("done", load_avg=os.getloadavg()[0])
            return
    warm = rematch("full_rematch_warm_unchanged", args.workers)
    emit("warm_total_with_load", wall_s=round(loaded["wall_s"] + warm["wall_s"], 1))
    # 1 % of the published offerings change price (the vendors' daily churn, say).
    changed = Offering.objects.filter(status=Offering.Status.PUBLISHED, id__regex=r"00$")
    emit(
        "changed_offerings",
        count=changed.update(price_min=F("price_min") * 0.9, updated_at=Now()),
    )
    rematch("full_rematch_after_1pct_price_change", args.workers)
    if args.baseline_sample:
        baseline(args.baseline_sample, open_demands)
    emit("done", load_avg=os.getloadavg()[0])


if __name__ == "__main__":
    main()
