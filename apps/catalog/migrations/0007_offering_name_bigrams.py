"""Offering names searchable by substring through an index (coordinators' match queue)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_offering_draft_may_be_incomplete"), ("core", "0002_text_bigrams")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX offering_name_bigrams ON catalog_offering "
            "USING gin (text_bigrams((name)::text))",
            "DROP INDEX IF EXISTS offering_name_bigrams",
        )
    ]
