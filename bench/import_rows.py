"""Benchmark of a catalogue import's row checks: a dry run of N good rows, and of N rows each
wrong in several ways (which the importer now checks twice to report every error at once).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iotmatch_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/import_rows.py [--rows 2000] [--repeat 3]

Needs migrated tables with the reference data (`manage.py migrate && manage.py
load_reference`); creates one vendor organisation and user, and writes no offering (dry runs
roll back). Run it from another checkout's directory (`cd ../other && python
../this/bench/import_rows.py`) to time that checkout's importer on the same rows as an anchor.
Prints one JSON line per file: rows, errors reported, best and median seconds, rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from apps.accounts.models import Organization, User  # noqa: E402
from apps.imports.services import import_offerings  # noqa: E402
from tests import factories  # noqa: E402
from tests.imports.sheets import fill_template, good_row  # noqa: E402


def vendor() -> tuple[Organization, User]:
    user = User.objects.filter(username="bench-import").first()
    if user is not None:
        return user.memberships.get().organization, user
    organization = factories.OrganizationFactory(name="基准测试厂商")
    return organization, factories.member(organization, "bench-import")


def time_import(content: bytes, organization, user, repeat: int) -> tuple[list[float], int]:
    timings, errors = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        report = import_offerings(
            actor=user, organization=organization, filename="bench.xlsx", content=content,
            dry_run=True,
        )  # fmt: skip
        timings.append(time.perf_counter() - started)
        errors = len(report.errors)
    return timings, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["good", "bad"], help="time one of the two files")
    args = parser.parse_args()
    organization, user = vendor()
    files = {
        "good": [good_row(name=f"模组 {n}") for n in range(args.rows)],
        # an unknown sector, an upside-down price range, a capacity that is not a number and
        # an attribute choice that does not exist
        "bad": [
            good_row(
                name=f"坏行 {n}",
                sectors="municipal, mining",
                price_min=30,
                price_max=20,
                annual_capacity="很多",
                **{"attributes.form_factor": "DIP"},
            )
            for n in range(args.rows)
        ],
    }
    for label, rows in files.items():
        if args.only and label != args.only:
            continue
        content = fill_template(rows)
        timings, errors = time_import(content, organization, user, args.repeat)
        print(
            json.dumps(
                {
                    "checkout": Path.cwd().name,
                    "file": label,
                    "rows": args.rows,
                    "errors": errors,
                    "best_s": round(min(timings), 2),
                    "median_s": round(statistics.median(timings), 2),
                    "rows_per_s": round(args.rows / min(timings)),
                }
            )
        )


if __name__ == "__main__":
    main()
