"""Score the engine against the labelled relevance set (see apps.matching.evaluation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.matching.engine import ENGINE_VERSION
from apps.matching.evaluation import RELEVANCE_SET, relevance_set_read, relevance_set_score


class Command(BaseCommand):
    help = (
        "Load the labelled relevance set into this (empty) database through the services, "
        "rank both directions with the engine and print NDCG@5, precision@5, grade-0 and "
        "infeasible items in the top 5. Everything it writes is rolled back."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", default=str(RELEVANCE_SET))
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--lists", action="store_true", help="print every ranked top 5")

    def handle(self, *args: Any, **options: Any) -> None:
        if Offering.objects.exists() or Demand.objects.exists():
            raise CommandError(
                "relevance_eval needs a database without listings: the set's market must be "
                "the whole market (`make eval` uses its own database)."
            )
        data = relevance_set_read(Path(options["path"]))
        report = relevance_set_score(data)
        summaries = {d: report.summary(d) for d in ("demand", "offering")}
        if options["json"]:
            for direction, figures in summaries.items():
                self.stdout.write(json.dumps({"direction": direction, **figures}))
        else:
            self.stdout.write(
                f"engine {ENGINE_VERSION}: {len(data['offerings'])} offerings, "
                f"{len(data['demands'])} demands, ranked in {report.seconds} s"
            )
            for direction, figures in summaries.items():
                label = "demand → offerings" if direction == "demand" else "offering → demands"
                self.stdout.write(
                    f"{label:20} lists {figures['lists']:4}  NDCG@5 {figures['ndcg@5']:.3f}  "
                    f"P@5 {figures['precision@5']:.3f}  grade-0 in top 5 "
                    f"{figures['grade0_in_top5']:3}  infeasible in top 5 "
                    f"{figures['infeasible_in_top5']}"
                )
            self.stdout.write(
                f"unfit requested technology: {report.misfit_suggested_first} of "
                f"{report.misfit_demands} demands show the advised technology first"
            )
        if options["lists"]:
            for ranked in sorted(report.lists, key=lambda r: (r.direction, r.ndcg, r.subject)):
                shown = ", ".join(
                    f"{k}:{g}" for k, g in zip(ranked.shown, ranked.grades, strict=True)
                )
                self.stdout.write(
                    f"{ranked.direction:8} {ranked.subject:28} {ranked.kind:12} "
                    f"ndcg {ranked.ndcg:.2f}  [{shown}]"
                )
