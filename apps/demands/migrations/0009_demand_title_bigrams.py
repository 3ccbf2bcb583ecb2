"""Demand titles searchable by substring through an index (coordinators' match queue)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("demands", "0008_demand_draft_may_be_incomplete"), ("core", "0002_text_bigrams")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX demand_title_bigrams ON demands_demand "
            "USING gin (text_bigrams((title)::text))",
            "DROP INDEX IF EXISTS demand_title_bigrams",
        )
    ]
