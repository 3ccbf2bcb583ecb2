"""Offerings resubmitted before review notes followed the status still carry the rejection
note of the version before; an offering waiting for review has had no review yet."""

from django.db import migrations


def stale_notes_clear(apps, schema_editor):
    Offering = apps.get_model("catalog", "Offering")
    Offering.objects.filter(status="pending_review").exclude(review_note="").update(review_note="")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_region_county_level"),
    ]

    operations = [migrations.RunPython(stale_notes_clear, migrations.RunPython.noop)]
