"""`text_bigrams(text)`: the lower-cased character pairs of a text, for GIN indexes that answer
substring searches of two-character words (see apps.core.lookups)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION text_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}'::text[])
  FROM generate_series(1, char_length(t) - 1) AS i
$$
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_extensions")]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS text_bigrams(text)")]
