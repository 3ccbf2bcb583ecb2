"""PostgreSQL COPY helpers for bulk demo rows: text-format values, index rebuilds, sequences."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def text(value: str) -> str:
    """A string escaped for COPY's text format."""
    return value.translate(_ESCAPES)


def array(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal; demo codes never need quoting, other strings get quoted."""
    items = []
    for value in values:
        if value and all(ch.isalnum() or ch in "._-" for ch in value):
            items.append(value)
        else:
            items.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return text("{" + ",".join(items) + "}")


def code_array(codes: Iterable[str]) -> str:
    """A text[] literal of reference codes, which never need quoting ([a-z0-9_.] only)."""
    return "{" + ",".join(codes) + "}"


def value_text(value: Any) -> str:
    """Any Python value the demo stores, in COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return array([str(item) for item in value])
    if isinstance(value, dict):
        return text(json.dumps(value, ensure_ascii=False))
    return text(str(value))


def copy_rows(model: type[models.Model], columns: list[str], lines: Iterable[str]) -> int:
    """COPY tab-separated `lines` (values for `columns`, no newline) into the model's table.

    Columns the caller does not give keep their database default, are NULL when nullable, or
    get the model field's Python default; a required field without any of these fails loudly,
    so a new model field cannot be silently skipped by the demo.
    """
    extra_columns, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns:
            continue
        if field.db_default is not models.NOT_PROVIDED or field.null:
            continue
        if field.has_default():
            extra_columns.append(field.column)
            extra_values.append(value_text(field.get_default()))
            continue
        raise RuntimeError(f"seed_demo cannot fill {model._meta.label}.{field.name}")
    suffix = "".join("\t" + value for value in extra_values) + "\n"
    column_list = ", ".join(f'"{name}"' for name in [*columns, *extra_columns])
    count = 0
    batch: list[str] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        sql = f'COPY "{model._meta.db_table}" ({column_list}) FROM STDIN'
        with raw.copy(sql) as copy:
            for line in lines:
                batch.append(line + suffix)
                if len(batch) == 5000:
                    copy.write("".join(batch).encode())
                    count += len(batch)
                    batch.clear()
            if batch:
                copy.write("".join(batch).encode())
                count += len(batch)
    return count


def secondary_indexes(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname
            """,
            [model._meta.db_table],
        )
        return list(cursor.fetchall())


def foreign_keys(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, definition) of the table's own foreign-key constraints."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [model._meta.db_table],
        )
        return list(cursor.fetchall())


def drop_foreign_keys(model: type[models.Model], keys: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, _definition in keys:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP CONSTRAINT "{name}"')


def add_foreign_keys(model: type[models.Model], keys: list[tuple[str, str]]) -> None:
    """Re-create foreign keys: each is validated by one join instead of a trigger per row."""
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(
                f'ALTER TABLE "{model._meta.db_table}" ADD CONSTRAINT "{name}" {definition}'
            )


def drop_indexes(indexes: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')


def create_indexes(indexes: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def sequence_reset(model: type[models.Model]) -> None:
    """Point the table's id sequence past its largest id so later ORM inserts work."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX("id"), 1), '
            f'MAX("id") IS NOT NULL) FROM "{table}"',
            [table, "id"],
        )
