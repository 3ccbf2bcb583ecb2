"""Benchmark of the mismatch aggregation: the radar (engine/radar.py: each open demand's
feasible supply through the engine, capacity shared among the demands it can serve, cells and
roll-ups) against the previous cell sum (kept below as the anchor: every offering's capacity
split evenly over every sector × technology × province it could serve, no feasibility), in
one run on one loaded market; then the whole beat task (services.mismatch_aggregate, with its
writes) once cold and once warm.

    manage.py seed_demo --offerings 100000 --demands 10000 --seed 2026 --no-hooks
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iotmatch_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/radar_aggregate.py [--repeat 3]

Prints JSON lines: the market, then per phase the best and median seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from apps.matching import loader, services  # noqa: E402
from apps.matching.engine import demand_supplies, radar_cells  # noqa: E402
from apps.matching.engine.index import DemandIndex, OfferingIndex  # noqa: E402


# --- the previous implementation (the anchor) ------------------------------------------------
def _unpack(masks: np.ndarray, bits: int) -> np.ndarray:
    """(m, words) uint64 → (m, bits) float32 0/1 (bit i of word w is column 64 w + i)."""
    as_bytes = np.ascontiguousarray(masks).view(np.uint8).reshape(len(masks), -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :bits].astype(np.float32)


# The kinds whose capacity the previous aggregation counted.
VOLUME_KINDS = ("module", "terminal", "solution")
# Rows per chunk of the cell aggregation: 200k rows × 60 sector-technology pairs of float32
# ≈ 48 MB of scratch.
CELL_CHUNK = 200_000


def aggregate_cells(
    offerings: OfferingIndex, demands: DemandIndex, *, volume_kinds: tuple[str, ...]
) -> int:
    """Yearly demanded volume vs feasible capacity per sector × technology × province.

    An offering's capacity is shared, so it is split evenly over the cells it serves (an
    unspecified sector counts as every sector, nationwide as every province); a demand's
    yearly need is split over its regions and counted under its preferred technology.
    """
    ref = offerings.ref
    ns, nt, np_ = len(ref.sector_vocab), len(ref.tech_vocab), len(ref.province_vocab)
    capacity = np.zeros((ns, nt, np_))
    kind_ok = np.isin(
        offerings.col("kind"),
        [ref.kind_vocab.position[k] for k in volume_kinds if k in ref.kind_vocab.position],
    )
    live = offerings.col("eligible") & kind_ok
    rows = np.flatnonzero(live)
    for start in range(0, len(rows), CELL_CHUNK):
        chunk = rows[start : start + CELL_CHUNK]
        sectors = _unpack(offerings.col("sector")[chunk], ns)
        sectors[sectors.sum(axis=1) == 0] = 1.0
        techs = _unpack(offerings.col("tech")[chunk], nt)
        provinces = _unpack(
            offerings.col("prov_full")[chunk] | offerings.col("prov_city")[chunk], np_
        )
        provinces[offerings.col("nationwide")[chunk]] = 1.0
        spread = sectors.sum(axis=1) * techs.sum(axis=1) * provinces.sum(axis=1)
        share = np.divide(
            offerings.col("capacity")[chunk], spread, out=np.zeros(len(chunk)), where=spread > 0
        ).astype(np.float32)
        pairs = (share[:, None, None] * sectors[:, :, None] * techs[:, None, :]).reshape(
            len(chunk), ns * nt
        )
        capacity += (pairs.T @ provinces).reshape(ns, nt, np_)

    demanded = np.zeros((ns, nt, np_))
    counted = np.zeros((ns, nt, np_), dtype=np.int64)
    sector_pos = ref.sector_vocab.position
    for position in np.flatnonzero(demands.col("active")).tolist():
        c = demands.compiled[position]
        s = sector_pos.get(c.spec.sector)
        if s is None or c.cell_tech < 0:
            continue
        provinces = [p for p, _ in c.regions if p >= 0] or list(range(np_))
        share = c.need / len(provinces)
        for p in provinces:
            demanded[s, c.cell_tech, p] += share
        for p in set(provinces):
            counted[s, c.cell_tech, p] += 1

    return int(((capacity > 0) | (demanded > 0)).sum())


def timed(repeat: int, call) -> dict:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return {"best_s": round(min(runs), 3), "median_s": round(statistics.median(runs), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    state = loader.market(fresh=True)
    load = time.perf_counter() - start
    offerings, demands = state.offerings, state.demands
    print(
        json.dumps(
            {
                "offerings_live": offerings.live,
                "open_demands": int(demands.col("active").sum()),
                "market_load_s": round(load, 1),
            }
        )
    )

    def cold() -> None:
        # The candidate sets matching caches per process, dropped: the first run after a
        # market reload builds them itself.
        with offerings._candidate_lock:
            offerings._candidate_sets.clear()
            offerings._candidate_bytes = 0
        radar_cells(demand_supplies(offerings, demands))

    def warm() -> None:
        radar_cells(demand_supplies(offerings, demands))

    def anchor() -> None:
        aggregate_cells(offerings, demands, volume_kinds=VOLUME_KINDS)

    for phase, call in (
        ("before: aggregate_cells (anchor)", anchor),
        ("now: demand_supplies + radar_cells, candidate sets cold", cold),
        ("now: demand_supplies + radar_cells, candidate sets warm", warm),
        ("now: services.mismatch_aggregate (with writes)", services.mismatch_aggregate),
    ):
        print(json.dumps({"phase": phase, **timed(args.repeat, call)}))


if __name__ == "__main__":
    main()
