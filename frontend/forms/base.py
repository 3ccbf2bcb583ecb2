"""Shared form plumbing: reference-data choices and business errors shown on forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from django import forms
from django.db.models import Count, Model
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from frontend.names import region_full_name


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


def region_choices() -> list[tuple[str, str]]:
    """Every region (counties included: ~3,300) as (code, name), read as plain rows; model
    instances cost ~15 ms more a form."""
    name = "name_en" if reads_english() else "name_zh"
    return list(Region.objects.values_list("code", name))


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
    cities = Region.objects.filter(parent_id=province_code, level=Region.Level.CITY)
    return [(row.pk, row.name) for row in cities]


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


def _folded_summary(cities: int, counties: int) -> str:
    """What a folded region holds: 11 个城市, 16 个区县, or both (Hainan)."""
    if cities and counties:
        n = cities + counties
        return ngettext("%(n)s 个城市和区县", "%(n)s 个城市和区县", n) % {"n": n}
    if cities:
        return ngettext("%(n)s 个城市", "%(n)s 个城市", cities) % {"n": cities}
    return ngettext("%(n)s 个区县", "%(n)s 个区县", counties) % {"n": counties}


class RegionPicker(forms.CheckboxSelectMultiple):
    """Provinces, their cities and counties folded beneath them, and a search box that filters
    them all (by Chinese or English name or code).

    Provinces and cities are in the page; the ~2,950 counties come from `region-counties`
    when a city is unfolded or something is typed (in the page they weighed ~700 kB and took
    ~120 ms to render), except those of a region holding a chosen county. Without scripts it
    is a plain checkbox tree of provinces, cities and the counties already chosen.
    """

    template_name = "frontend/widgets/region_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        # The plain widget's context: CheckboxSelectMultiple's would build an option for each
        # of the ~3,300 choices (≈ 0.45 s) that this template never reads.
        context = forms.Widget.get_context(self, name, value, attrs)
        chosen = {str(code) for code in (value or [])}
        english = reads_english()
        nodes: dict[str, dict[str, Any]] = {}
        provinces: list[dict[str, Any]] = []
        regions = Region.objects.order_by("sort_order", "code")
        county_rows = regions.filter(level=Region.Level.COUNTY)
        above_counties = regions.exclude(level=Region.Level.COUNTY).values_list(
            "code", "name_zh", "name_en", "level", "parent_id"
        )
        # Parents before children: a code sorts after the codes containing it.
        for code, zh, en, level, parent_code in above_counties:
            node = self._node(code, zh, en, None, chosen, english)
            nodes[code] = node
            if parent_code in nodes:
                nodes[parent_code]["cities"].append(node)
            elif level == Region.Level.PROVINCE:
                provinces.append(node)
        counts = county_rows.order_by().values_list("parent_id").annotate(n=Count("code"))
        for parent_code, n in counts:
            if parent_code in nodes:
                nodes[parent_code]["county_count"] = n
        # A chosen county is in the page, with its siblings, its region unfolded.
        holding = county_rows.filter(code__in=chosen).values_list("parent_id", flat=True)
        shown = county_rows.filter(parent_id__in=list(holding))
        for code, zh, en, parent_code in shown.values_list(
            "code", "name_zh", "name_en", "parent_id"
        ):
            parent = nodes.get(parent_code)
            if parent is not None:
                above = (parent["zh"], parent["en"])
                parent["counties"].append(self._node(code, zh, en, above, chosen, english))
                parent["open"] = True
        summaries: dict[tuple[int, int], str] = {}
        for node in nodes.values():
            node["open"] = node["open"] or any(city["open"] for city in node["cities"])
            folded = (len(node["cities"]), node["county_count"])
            if any(folded) and folded not in summaries:
                summaries[folded] = _folded_summary(*folded)
            node["summary"] = summaries.get(folded, "")
        names = [node["full_name"] for node in nodes.values() if node["selected"]]
        for node in nodes.values():
            names += [county["full_name"] for county in node["counties"] if county["selected"]]
        box = {"name": context["widget"]["name"], "id": context["widget"]["attrs"].get("id")}
        for node in nodes.values():
            for entry in (node, *node["counties"]):
                entry["option"] = self._option(entry, box)
        context["provinces"] = provinces
        context["chosen"] = names
        return context

    @staticmethod
    def _node(
        code: str,
        zh: str,
        en: str,
        above: tuple[str, str] | None,
        chosen: set[str],
        english: bool,
    ) -> dict[str, Any]:
        level = Region.Level.COUNTY if above else ""
        return {
            "code": code,
            "zh": zh,
            "en": en,
            "parent": above,
            "name": en if english else zh,
            "full_name": region_full_name(zh, en, level, above, english=english),
            "search": f"{zh} {en} {code}".lower(),
            "selected": code in chosen,
            "cities": [],
            "counties": [],
            "county_count": 0,
            "open": False,
        }

    @staticmethod
    def _option(entry: dict[str, Any], box: dict[str, Any]) -> str:
        # The standard library's escape: format_html cost ~25 µs an option, a third of the
        # picker's time with every city in the page.
        checked = " checked" if entry["selected"] else ""
        return mark_safe(
            f'<label class="check"><input type="checkbox" name="{escape(box["name"])}"'
            f' id="{escape(box["id"])}_{escape(entry["code"])}" value="{escape(entry["code"])}"'
            f'{checked} data-region-name="{escape(entry["full_name"])}">'
            f" {escape(entry['name'])}</label>"
        )
