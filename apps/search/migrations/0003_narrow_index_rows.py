"""Keep index rows narrow: tokens and summaries live out of line (TOAST), the tsvector inline.

A search reads every matching row's facet arrays and tsvector; with the token texts and the
summary inline a row was ≈1.3 kB and each match cost a page read of its own.
"""

from django.db import migrations

TABLES = ["search_offeringindexentry", "search_demandindexentry"]
OUT_OF_LINE = ["title_tokens", "vendor_tokens", "body_tokens", "summary"]


def _sql(table: str) -> str:
    columns = ", ".join(f"ALTER COLUMN {c} SET STORAGE EXTERNAL" for c in OUT_OF_LINE)
    return (
        f"ALTER TABLE {table} SET (toast_tuple_target = 128); "
        f"ALTER TABLE {table} {columns}, ALTER COLUMN search_vector SET STORAGE MAIN;"
    )


def _reverse(table: str) -> str:
    columns = ", ".join(f"ALTER COLUMN {c} SET STORAGE EXTENDED" for c in [*OUT_OF_LINE, "search_vector"])
    return f"ALTER TABLE {table} RESET (toast_tuple_target); ALTER TABLE {table} {columns};"


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index_tables")]

    operations = [migrations.RunSQL(_sql(t), _reverse(t)) for t in TABLES]
