"""`manage.py search_eval`: score search against the labelled search set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Offering
from apps.demands.models import Demand
from apps.search.backends import get_backend
from apps.search.evaluation import SEARCH_SET, search_set_read, search_set_score


class Command(BaseCommand):
    help = (
        "Load the relevance set's market into this (empty) database through the services, "
        "index it, run every query of the labelled search set and print NDCG@10 and the "
        "zero-result rate, overall and per kind of query. Everything it writes is rolled back."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", default=str(SEARCH_SET))
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--lists", action="store_true", help="print every query's top 10")

    def handle(self, *args: Any, **options: Any) -> None:
        if Offering.objects.exists() or Demand.objects.exists():
            raise CommandError(
                "search_eval needs a database without listings: the set's market must be the "
                "whole market."
            )
        data = search_set_read(Path(options["path"]))
        report = search_set_score(data)
        summaries = {"all": report.summary(), **{k: report.summary(k) for k in report.kinds()}}
        if options["json"]:
            for kind, figures in summaries.items():
                self.stdout.write(json.dumps({"kind": kind, **figures}, ensure_ascii=False))
        else:
            self.stdout.write(
                f"backend {get_backend().name}: {len(data['queries'])} queries in "
                f"{report.seconds} s"
            )
            for kind, figures in summaries.items():
                self.stdout.write(
                    f"{kind:10} queries {figures['queries']:3}  NDCG@10 {figures['ndcg@10']:.3f}"
                    f"  zero results {figures['zero_result_rate']:.1%}"
                )
        if options["lists"]:
            for r in sorted(report.results, key=lambda r: (r.ndcg, r.text)):
                shown = ", ".join(f"{k}:{g}" for k, g in zip(r.shown, r.grades, strict=True))
                self.stdout.write(
                    f"{r.entity:8} {r.kind:9} {r.text:24} ndcg {r.ndcg:.2f} total {r.total:3}"
                    f"{'  did you mean ' + r.suggestion if r.suggestion else ''}  [{shown}]"
                )
