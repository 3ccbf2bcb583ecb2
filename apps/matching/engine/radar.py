"""The mismatch radar's measures, defined once: per demand, then per sector × technology ×
province cell and its roll-ups.

Definitions (the dashboard, the API and the export all read these, through stored snapshots):

- **demanded connections** of a cell: the volumes of the open demands in it. A demand counts
  under its sector and the technology it is counted under (`CompiledDemand.cell_tech`: the
  preferred technology; `NO_TECHNOLOGY` when none meets its profile), and its volume is split
  evenly over the provinces it deploys in (cities count for their province). A nationwide
  demand (no regions) is a province of its own, `NATIONWIDE`, not spread over 34 provinces.
- **feasible supply** of a demand: for each kind it needs, the offerings the matching engine
  may offer it (`matcher.feasible_rows`, the engine's own feasibility: kind, function,
  technology, region, certifications, price class, listed and verified).
- **attributed capacity**: an offering's yearly capacity is shared among the demands it is
  feasible for, in proportion to their yearly need; so capacity reaches only the cells it can
  actually serve, and no unit of it is counted twice. A demand's capacity is that of the kind
  it needs with the least (the bottleneck of its chain).
- **connections with feasible supply** (covered) of a demand: its volume × min(1, attributed
  capacity / yearly need); 0 when some needed kind has no feasible offering.
- **unmet connections**: demanded − covered. **Demands without feasible supply**: demands some
  needed kind of which has no feasible offering at all (exactly those matching flags
  no_supply, no_regional_supply, tech_unsupported or cert_gap). **Coverage ratio**: covered ÷
  demanded.

Feasibility is per kind: a multi-kind demand whose kinds each have feasible offerings that do
not combine into a compatible bundle counts as supplied here; its incomplete_chain flag shows
in the drill-down.

Capacity no demand can use (an offering no open demand fits) is in no cell: that is the
offering's own `no_demand` flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .index import DemandIndex, OfferingIndex
from .matcher import feasible_rows

NATIONWIDE = "nationwide"  # the province of a demand deployed nationwide
NO_TECHNOLOGY = "none"  # the technology of a demand no technology can serve
ALL = ""  # a roll-up over every sector, technology or province
# Below this many connections an unmet figure rounds to 0 on every page: no shortage.
UNMET_TOLERANCE = 0.5
# Attributed capacity at least this many times the yearly need is idle (a supply_surplus
# flag); from SPARE_RATIO on it is spare.
SURPLUS_RATIO = 10.0
SPARE_RATIO = 2.0
# Coverage below this is a severe shortfall (and a high-severity supply_shortage flag).
SEVERE_COVERAGE = 0.5

# The diverging balance scale, shortfall to surplus, centred on balance (0).
BALANCE = {
    "shortfall_severe": -2,
    "shortfall": -1,
    "balanced": 0,
    "spare": 1,
    "idle": 2,
}


@dataclass(frozen=True)
class DemandSupply:
    """One open demand's share of the radar."""

    demand_id: int
    sector: str
    technology: str
    provinces: tuple[str, ...]
    volume: float  # connections (or units)
    need: float  # units a year (annual_need)
    capacity: float  # yearly capacity attributed to it, of its bottleneck kind
    feasible: bool  # every kind it needs has at least one feasible offering

    @property
    def covered_share(self) -> float:
        """Share of its volume with feasible supply."""
        if not self.feasible or self.need <= 0:
            return 0.0
        return min(1.0, self.capacity / self.need)


def demand_supplies(offerings: OfferingIndex, demands: DemandIndex) -> list[DemandSupply]:
    """Every open demand with its feasible supply and attributed capacity (see the module)."""
    ref = offerings.ref
    capacity = offerings.col("capacity")
    claims = np.zeros(len(capacity))
    feasible: list[tuple] = []
    active = demands.col("active")
    for position in np.flatnonzero(active).tolist():
        c = demands.compiled[position]
        if c is None or not c.spec.open:
            continue
        by_kind = [feasible_rows(offerings, c, kind)[0] for kind in c.kinds]
        for rows in by_kind:
            claims[rows] += c.need
        feasible.append((c, by_kind))
    share = np.divide(capacity, claims, out=np.zeros(len(claims)), where=claims > 0)
    out = []
    for c, by_kind in feasible:
        provinces = sorted({ref.province_vocab.codes[p] for p, _ in c.regions if p >= 0})
        out.append(
            DemandSupply(
                demand_id=c.spec.id,
                sector=c.spec.sector,
                technology=(
                    ref.tech_vocab.codes[c.cell_tech] if c.cell_tech >= 0 else NO_TECHNOLOGY
                ),
                provinces=tuple(provinces) or (NATIONWIDE,),
                volume=float(c.spec.volume),
                need=c.need,
                capacity=min((c.need * float(share[rows].sum()) for rows in by_kind), default=0.0),
                feasible=bool(by_kind) and all(len(rows) for rows in by_kind),
            )
        )
    return out


@dataclass(frozen=True)
class RadarCell:
    """The figures of one cell; `ALL` in a coordinate makes it a roll-up over that axis."""

    sector: str
    technology: str
    province: str
    demanded: float
    covered: float
    need: float
    capacity: float
    demands: int
    unserved: int  # demands without any feasible supply

    @property
    def unmet(self) -> float:
        return max(0.0, self.demanded - self.covered)

    @property
    def coverage(self) -> float | None:
        """covered ÷ demanded (None for a cell without demand)."""
        return self.covered / self.demanded if self.demanded > 0 else None

    @property
    def balance(self) -> str:
        """Where the cell sits on the diverging scale (a key of BALANCE)."""
        if self.unmet >= UNMET_TOLERANCE:
            coverage = self.coverage or 0.0
            return "shortfall_severe" if coverage < SEVERE_COVERAGE else "shortfall"
        if self.need > 0 and self.capacity >= SURPLUS_RATIO * self.need:
            return "idle"
        if self.need > 0 and self.capacity >= SPARE_RATIO * self.need:
            return "spare"
        return "balanced"


def radar_cells(supplies: Iterable[DemandSupply]) -> list[RadarCell]:
    """Cells sector × technology × province, with the roll-ups sector × technology (every
    province), province (every sector and technology) and the whole market.

    A roll-up counts each demand once, with its whole volume (a province only its share).
    """
    sums: dict[tuple[str, str, str], list[float]] = {}

    def add(key: tuple[str, str, str], d: DemandSupply, part: float) -> None:
        entry = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0, 0, 0])
        entry[0] += d.volume * part
        entry[1] += d.volume * d.covered_share * part
        entry[2] += d.need * part
        entry[3] += d.capacity * part
        entry[4] += 1
        entry[5] += 0 if d.feasible else 1

    for d in supplies:
        part = 1.0 / len(d.provinces)
        for province in d.provinces:
            add((d.sector, d.technology, province), d, part)
            add((ALL, ALL, province), d, part)
        add((d.sector, d.technology, ALL), d, 1.0)
        add((ALL, ALL, ALL), d, 1.0)
    return [
        RadarCell(s, t, p, demanded, covered, need, capacity, int(demands), int(unserved))
        for (s, t, p), (demanded, covered, need, capacity, demands, unserved) in sorted(
            sums.items()
        )
    ]
