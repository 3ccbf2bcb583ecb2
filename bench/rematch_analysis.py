"""The analysis part of a full rematch in one process: demands in the run's planned order through
`analyse_demand` without explanations, as a rematch slice does, with CPU per round, time per
engine step and a digest of every result, so two trees can be compared in one sitting.

    DATABASE_URL=postgres://…/iotmatch_rematch .venv/bin/python bench/rematch_analysis.py \\
        [--start 0] [--count 2000] [--rounds 3] [--profile 25]
    (cd ../other-tree && DATABASE_URL=… python /path/to/bench/rematch_analysis.py)
    … bench/rematch_analysis.py --versus ../base-tree --rounds 8     # two engines, one market

Run it from the tree whose engine you measure (it imports `apps` from the current directory).
`--versus TREE` loads that tree's engine package beside this one and alternates rounds between
them on the same loaded market (engines whose index layout is the same only): the steadiest
A/B on a shared machine, since both see the same moments of load.
The market is loaded once (not timed); each round starts without cached candidate sets, as a
forked rematch process does. The step timings wrap the engine's functions (text relevance,
candidate sets, bundles) and cost a little themselves: compare rounds to rounds. The digest
covers each kind's ranked offerings with their scores and sub-scores, bundles and flags: equal
digests mean equal rankings. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import importlib.util
import json
import os
import pstats
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from apps.demands.models import Demand  # noqa: E402
from apps.matching import engine, loader, services  # noqa: E402
from apps.matching.engine import matcher  # noqa: E402

STEPS = (
    (matcher, "relevance_for_demand"),
    (matcher, "feasible_candidates"),
    (matcher, "evaluate_kind"),
    (engine, "solution_bundles"),
    (engine, "demand_flags"),
)


def emit(name: str, **figures) -> None:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)


def timed(spent: dict, calls: dict, name: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started
            calls[name] += 1

    return wrapper


def engine_from(tree: str):
    """Another tree's apps/matching/engine, imported as its own package beside this one."""
    path = os.path.join(os.path.abspath(tree), "apps", "matching", "engine", "__init__.py")
    spec = importlib.util.spec_from_file_location(
        "versus_engine", path, submodule_search_locations=[os.path.dirname(path)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["versus_engine"] = module
    spec.loader.exec_module(module)
    # The market's demands were compiled by this tree's classes: let the other engine see them
    # as its own (its matcher only checks the class to skip compiling).
    module.matcher.CompiledDemand = engine.CompiledDemand
    return module


def planned_demands(state, start: int, count: int) -> list:
    """Compiled open demands in the order a new run's plan matches them."""
    groups = sorted(
        (services._candidate_group(state, demand_id), demand_id)
        for demand_id in Demand.objects.order_by("id").values_list("id", flat=True).iterator()
    )
    chosen = [demand_id for group, demand_id in groups if group][start : start + count]
    return [state.demands.compiled[state.demands.position[d]] for d in chosen]


def digest(state, analyses: list) -> str:
    ids = state.offerings.col("id")
    h = hashlib.sha256()
    for a in analyses:
        for kind, evaluation in a.matches.evaluations.items():
            for i in evaluation.ranked(services.MATCHES_PER_DEMAND, ids):
                subs = sorted(evaluation.sub_scores(int(i)).items())
                h.update(
                    repr(
                        (kind, int(ids[evaluation.positions[i]]), evaluation.scores[i], subs)
                    ).encode()
                )
        for b in a.bundles:
            h.update(repr((b.offering_ids, b.score, b.technology, b.protocol)).encode())
        for f in a.flags:
            h.update(repr((f.code, f.severity, sorted(f.figures.items()))).encode())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", type=int, default=0, help="first planned open demand")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clock", type=float, default=1796000000.0, help="the run's time.time()")
    parser.add_argument("--profile", type=int, default=0, help="cProfile one more round: top N")
    parser.add_argument("--versus", help="another tree whose engine takes every other round")
    args = parser.parse_args()
    engines = {"this": engine}
    if args.versus:
        engines["versus"] = engine_from(args.versus)
    state = loader.market()
    weights = loader.weights()
    demands = planned_demands(state, args.start, args.count)
    emit("demands", count=len(demands), kinds=sum(len(c.kinds) for c in demands))

    def analyse(name: str = "this") -> list:
        state.offerings.forget_candidate_sets()
        return [
            engines[name].analyse_demand(
                state.offerings,
                c,
                now=args.clock,
                weights=weights,
                limit=services.MATCHES_PER_DEMAND,
                bundle_limit=services.BUNDLES_PER_DEMAND,
                explain_results=False,
            )
            for c in demands
        ]

    best: dict[str, float] = {}
    for round_ in range(1, args.rounds + 1):
        for name in engines:
            started = time.process_time()
            analyses = analyse(name)
            cpu = time.process_time() - started
            best[name] = min(best.get(name, cpu), cpu)
            emit(
                "analysis",
                engine=name,
                round=round_,
                cpu_s=round(cpu, 3),
                ms_per_demand=round(1000 * cpu / len(demands), 3),
                digest=digest(state, analyses),
            )
    emit("best", **{name: round(1000 * cpu / len(demands), 3) for name, cpu in best.items()})
    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    originals = [(module, name, getattr(module, name)) for module, name in STEPS]
    for module, name, function in originals:
        setattr(module, name, timed(spent, calls, name, function))
    try:
        analyses = analyse()
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
    emit(
        "steps",
        **{
            name: {
                "calls": calls[name],
                "s": round(spent[name], 3),
                "us_per_call": round(1e6 * spent[name] / max(calls[name], 1), 1),
            }
            for _, name in STEPS
        },
        bundles_kept=sum(len(a.bundles) for a in analyses),
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(analyse)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
