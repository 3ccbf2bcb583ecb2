"""Shared form plumbing: reference-data choices and business errors shown on forms."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db.models import Model

from apps.catalog.models import (
    Certification,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.core.exceptions import BusinessError


def reference_choices(model: type[Model], **filters: object) -> Callable[[], list[tuple[str, str]]]:
    """Choices of a reference table, named in the active language when the form renders."""

    def choices() -> list[tuple[str, str]]:
        return [(row.pk, row.name) for row in model.objects.filter(**filters)]

    return choices


sector_choices = reference_choices(Sector)
technology_choices = reference_choices(Technology)
certification_choices = reference_choices(Certification)
protocol_choices = reference_choices(Protocol)
kind_choices = reference_choices(SupplyKind)
province_choices = reference_choices(Region, level=Region.Level.PROVINCE)


def scenario_choices_for(sector_code: str | None) -> list[tuple[str, str]]:
    if not sector_code:
        return []
    return [(row.pk, row.name) for row in Scenario.objects.filter(sector_id=sector_code)]


def city_choices_for(province_code: str | None) -> list[tuple[str, str]]:
    if not province_code:
        return []
    return [(row.pk, row.name) for row in Region.objects.filter(parent_id=province_code)]


def form_add_business_error(form: forms.Form, error: BusinessError) -> None:
    """Show a service's BusinessError on `form`: per-field messages where the field exists."""
    placed = False
    for field, messages in error.fields.items():
        name = field if field in form.fields else field.replace(".", "_")
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class CheckboxGrid(forms.CheckboxSelectMultiple):
    """Checkboxes laid out in a responsive grid (long lists such as provinces)."""

    template_name = "frontend/widgets/checkbox_grid.html"
