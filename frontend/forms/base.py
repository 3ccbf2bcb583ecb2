"""Shared form plumbing: reference-data choices and business errors shown on forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext as _

from apps.catalog.models import (
    Certification,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.catalog.reference.positioning import POSITIONING_METHODS
from apps.core.exceptions import BusinessError
from apps.core.i18n import reads_english


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
region_choices = reference_choices(Region)


def positioning_choices() -> list[tuple[str, str]]:
    """The positioning methods, named in the active language."""
    english = reads_english()
    return [(code, en if english else zh) for code, zh, en in POSITIONING_METHODS]


def scenario_choices_for(sector_code: str | None) -> list[tuple[str, str]]:
    if not sector_code:
        return []
    return [(row.pk, row.name) for row in Scenario.objects.filter(sector_id=sector_code)]


def city_choices_for(province_code: str | None) -> list[tuple[str, str]]:
    if not province_code:
        return []
    return [(row.pk, row.name) for row in Region.objects.filter(parent_id=province_code)]


def form_field_for(form: forms.Form, field: str) -> str | None:
    """The form field that shows a service's error on `field` (`attributes.x` on `attr_x`),
    or None when no field can hold it."""
    for name in (field, field.replace(".", "_"), f"attr_{field.split('.', 1)[-1]}"):
        if name in form.fields:
            return name
    return None


def form_add_business_error(form: forms.Form, error: BusinessError) -> None:
    """Show a service's BusinessError on `form`: per-field messages where the field exists
    (`attributes.x` on `attr_x`), the message itself when no field can hold it."""
    placed = False
    for field, messages in error.fields.items():
        target = form_field_for(form, field)
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


# "规模（连接数/台数）" → "规模": messages name a field without its unit.
_UNIT_SUFFIX = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")


def _short_label(label: Any) -> str:
    return _UNIT_SUFFIX.sub("", str(label)) or str(label)


def _domain_messages(field: forms.Field) -> dict[str, str]:
    """Messages in the field's own words ("规模至少为 1。") instead of Django's generic ones
    ("确保该值大于或等于1。"); Django fills in %(limit_value)s and the like."""
    label = _short_label(field.label)
    keep = {
        "limit_value": "%(limit_value)s",
        "show_value": "%(show_value)s",
        "max": "%(max)s",
    }
    named = {"label": label, **keep}
    messages = {
        "required": (
            _("请选择%(label)s。")
            if isinstance(field, forms.ChoiceField)
            else _("请填写%(label)s。")
        )
        % named,
        "min_value": (
            _("%(label)s至少为 %(limit_value)s。")
            if isinstance(field, forms.IntegerField)
            else _("%(label)s不能小于 %(limit_value)s。")
        )
        % named,
        "max_value": _("%(label)s不能超过 %(limit_value)s。") % named,
        "max_length": _("%(label)s最多 %(limit_value)s 字，现在有 %(show_value)s 字，请删减。")
        % named,
        "max_decimal_places": _("%(label)s最多保留 %(max)s 位小数。") % named,
        "max_digits": _("%(label)s的数值过大。") % named,
    }
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
        messages["invalid"] = _("%(label)s请填写整数。") % named
    elif isinstance(field, forms.DecimalField):
        messages["invalid"] = _("%(label)s请填写数字。") % named
    elif isinstance(field, forms.DateField):
        messages["invalid"] = _("%(label)s请按“年-月-日”填写日期。") % named
    return messages


FIELD_TEMPLATE = "frontend/forms/field.html"


class ListingFormMixin:
    """The offering and demand forms as people can fill them.

    Fields a listing needs before review are marked (`needed_fields`) but not enforced here:
    a draft may be saved without them, and the service says what submitting still needs.
    Messages speak the field's words; text over a limit is refused with a message and a
    counter instead of being cut by the browser; the service's own checks run on the
    values that passed the field checks, so every error shows at once.
    """

    needed_fields: Iterable[str] = ()
    # Fields a draft cannot be saved without (it would be a listing nobody can find again).
    draft_fields: Iterable[str] = ()

    def setup_fields(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            field.template_name = FIELD_TEMPLATE
            field.needed = (
                name in self.needed_fields
                or name in self.draft_fields
                or getattr(field, "needed", False)
            )
            if name in self.needed_fields and name not in self.draft_fields:
                field.required = False
            if field.needed:
                field.widget.attrs["aria-required"] = "true"
            max_length = getattr(field, "max_length", None)
            if max_length:
                # The browser's maxlength cuts pasted text silently; count instead.
                field.widget.attrs.pop("maxlength", None)
                field.widget.attrs["data-maxlength"] = str(max_length)
            field.error_messages = {**field.error_messages, **_domain_messages(field)}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Place a service's problems (by field) on the fields that have no error yet."""
        form: Any = self
        for field, messages in errors.items():
            name = form_field_for(form, field)
            if name is None:
                for message in messages:
                    form.add_error(None, message)
                continue
            if name in form.errors:
                continue
            for message in messages:
                form.add_error(name, message)

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, "label: message") for every error, in the order of the page."""
        form: Any = self
        items = [("", str(message)) for message in form.non_field_errors()]
        for bound in form:
            for message in bound.errors:
                # A checkbox group's label points nowhere: link its first box.
                anchor = (
                    bound.field.widget.attrs.get("data-anchor")
                    or bound.id_for_label
                    or (f"{bound.auto_id}_0" if bound.auto_id else "")
                )
                items.append(
                    (
                        anchor,
                        _("%(label)s：%(message)s") % {"label": bound.label, "message": message},
                    )
                )
        return items


def business_error_text(error: BusinessError) -> str:
    """A service's error as one message: what went wrong, then each field's problem."""
    details = [str(message) for messages in error.fields.values() for message in messages]
    if not details:
        return str(error.message)
    return _("%(message)s %(details)s") % {"message": error.message, "details": " ".join(details)}


class RegionPicker(forms.CheckboxSelectMultiple):
    """Provinces, each with its cities folded under it, and a search box that filters both
    (by Chinese or English name or code). Works without scripts as a plain checkbox list."""

    template_name = "frontend/widgets/region_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = {str(code) for code in (value or [])}
        provinces: dict[str, dict[str, Any]] = {}
        cities: list[tuple[str | None, dict[str, Any]]] = []
        for region in Region.objects.order_by("sort_order", "code"):
            entry = {
                "code": region.code,
                "name": region.name,
                "search": f"{region.name_zh} {region.name_en} {region.code}".lower(),
                "selected": region.code in chosen,
            }
            if region.level == Region.Level.PROVINCE:
                provinces[region.code] = {**entry, "cities": [], "open": False}
            else:
                cities.append((region.parent_id, entry))
        for parent, entry in cities:
            province = provinces.get(parent or "")
            if province is not None:
                province["cities"].append(entry)
                province["open"] = province["open"] or entry["selected"]
        context["provinces"] = list(provinces.values())
        names = [p["name"] for p in provinces.values() if p["selected"]]
        names += [c["name"] for _, c in cities if c["selected"]]
        context["chosen"] = names
        return context
