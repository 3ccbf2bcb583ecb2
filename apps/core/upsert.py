"""Bulk upserts through PostgreSQL COPY, for writes too large for Django's bulk INSERT."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction


def copy_upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    conflict: Sequence[str],
    update: Sequence[str],
    constants: Mapping[str, Any] | None = None,
    references: Mapping[str, str] | None = None,
) -> None:
    """Insert `rows` (values for `columns`) into `table`, or on a `conflict` with an existing
    row set its `update` columns; COPY into a temporary table, then one INSERT … ON CONFLICT.

    `constants` are inserted as given into every new row (an `update` column may be one).
    Rows whose `references` (column → table with an `id`) point at no row are skipped: the
    referenced row was deleted meanwhile. Django's bulk INSERT spent about 1 ms per row
    building SQL for 5,000 match rows (measured on seed_demo data); COPY takes milliseconds.
    """
    constants = dict(constants or {})
    stage = f"{table}_stage"
    staged = ", ".join(columns)
    joins = "".join(
        f" JOIN {target} r{i} ON r{i}.id = s.{column}"
        for i, (column, target) in enumerate((references or {}).items())
    )
    inserted = ", ".join([*columns, *constants])
    selected = ", ".join([*(f"s.{c}" for c in columns), *(["%s"] * len(constants))])
    updated = ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {staged} FROM {table} WITH NO DATA"
        )
        # Emptied at commit; an enclosing transaction (tests) may still hold earlier rows.
        cursor.execute(f"TRUNCATE {stage}")
        with cursor.cursor.copy(f"COPY {stage} ({staged}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({inserted}) SELECT {selected} FROM {stage} s{joins} "
            f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updated}",
            list(constants.values()),
        )
