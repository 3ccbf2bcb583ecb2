"""Cold full rematch at a fixed clock, then every stored match and flag written to a file, so two
trees (an optimisation and its base) can be shown to store the same rows byte for byte.

    DATABASE_URL=postgres://…/iotmatch_rematch .venv/bin/python bench/full_rematch_rows.py OUT
    (cd ../base-tree && DATABASE_URL=… python /path/to/bench/full_rematch_rows.py OUT.base)
    cmp OUT OUT.base

Throw-away databases only: it empties the matches, flags and runs first. The clock of the run
(freshness) is pinned with --clock; everything else is what `services.full_rematch` stores
(computed_at and the database ids are left out). Run it from the tree whose code you compare
(the script imports `apps` from the current directory).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402

from apps.matching import loader, services  # noqa: E402

MATCH_COLUMNS = (
    "demand_id, pair_key, offering_id, bundle_offering_ids, vendor_ids, kind, score, "
    "breakdown::text, unmet::text, explanation_zh, explanation_en, bundle_technology, "
    "bundle_protocol, engine_version, fingerprint, status, origin"
)
FLAG_COLUMNS = (
    "subject_type, subject_key, code, severity, figures::text, message_zh, message_en, "
    "demand_id, resolved_at IS NULL"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--clock", type=float, default=1796000000.0, help="the run's time.time()")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM matching_matchrunslice")
        cursor.execute("DELETE FROM matching_matchrun")
        cursor.execute("TRUNCATE matching_match, matching_mismatchflag CASCADE")
    # The run reads its one clock from services.time.time(); the lease loop keeps the real ones.
    services.time = types.SimpleNamespace(
        time=lambda: args.clock, monotonic=time.monotonic, sleep=time.sleep
    )
    loader.market()
    started = time.perf_counter()
    services.full_rematch(owner="rows", workers=args.workers)
    print(f"full rematch {time.perf_counter() - started:.1f} s")
    written = 0
    with connection.cursor() as cursor, open(args.out, "w") as out:
        for sql in (
            f"SELECT {MATCH_COLUMNS} FROM matching_match ORDER BY demand_id, pair_key",
            f"SELECT {FLAG_COLUMNS} FROM matching_mismatchflag ORDER BY subject_key, code",
        ):
            cursor.execute(sql)
            for row in cursor:
                out.write(repr(row) + "\n")
                written += 1
    print(f"{written} rows written to {args.out}")


if __name__ == "__main__":
    main()
