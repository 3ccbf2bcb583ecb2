"""Existing listings get their best-guess function (apart from 0002: Django creates the new
column's index and foreign key at the end of a migration, and rows updated before that leave
pending trigger events that CREATE INDEX refuses)."""

from django.db import migrations

from apps.catalog.reference.functions import FUNCTIONS, guess_function

# Listings read per round trip; one UPDATE per guessed function per batch (a bulk_update of
# CASE expressions took over 22 minutes for a million listings).
BATCH = 20_000


def carry_listings_over(apps, schema_editor):
    """Give every existing listing its best-guess function, marked for the vendor to confirm.

    The function rows come from the shipped reference data (a fresh database has no listings
    and gets them from `load_reference`)."""
    Offering = apps.get_model("catalog", "Offering")
    Function = apps.get_model("catalog", "Function")
    SupplyKind = apps.get_model("catalog", "SupplyKind")
    if not Offering.objects.exists():
        return
    kinds = set(SupplyKind.objects.values_list("code", flat=True))
    Function.objects.bulk_create(
        [
            Function(code=code, kind_id=kind, name_zh=zh, name_en=en, general=general, sort_order=i)
            for i, (code, kind, zh, en, general) in enumerate(FUNCTIONS)
            if kind in kinds
        ],
        ignore_conflicts=True,
    )
    known = set(Function.objects.values_list("code", flat=True))
    columns = (
        "id",
        "kind_id",
        "technologies",
        "scenarios",
        "name",
        "model_number",
        "description",
        "attributes__device_type",
    )
    last = 0
    while True:
        rows = list(
            Offering.objects.filter(id__gt=last, function__isnull=True)
            .order_by("id")
            .values_list(*columns)[:BATCH]
        )
        if not rows:
            break
        guessed: dict[str | None, list[int]] = {}
        for pk, kind, techs, scenarios, name, model, description, device_type in rows:
            code = guess_function(
                kind,
                technologies=list(techs),
                scenarios=list(scenarios),
                name=f"{name} {model}",
                description=description,
                attributes={"device_type": device_type} if device_type else {},
            )
            guessed.setdefault(code if code in known else None, []).append(pk)
        for code, ids in guessed.items():
            Offering.objects.filter(pk__in=ids).update(function_id=code, function_confirmed=False)
        last = rows[-1][0]
    # The function replaces the terminal's old device type.
    schema_editor.execute(
        "UPDATE catalog_offering SET attributes = attributes - 'device_type' "
        "WHERE attributes ? 'device_type'"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_functions"),
    ]

    operations = [
        migrations.RunPython(carry_listings_over, migrations.RunPython.noop),
    ]
