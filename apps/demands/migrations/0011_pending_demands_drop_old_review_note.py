"""Demands resubmitted before review notes followed the status still carry the rejection note
of the version before; a demand waiting for review has had no review yet."""

from django.db import migrations


def stale_notes_clear(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    Demand.objects.filter(status="pending_review").exclude(review_note="").update(review_note="")


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0010_battery_life_to_the_quarter"),
    ]

    operations = [migrations.RunPython(stale_notes_clear, migrations.RunPython.noop)]
