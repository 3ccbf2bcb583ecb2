"""Demand (wizard) and offering forms; `service_values()` gives the services' keyword arguments."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.attributes import attribute_label, choice_name
from apps.catalog.fields import OFFERING_FIELD_LIST, OFFERING_FIELD_SPECS, ListingField
from apps.catalog.models import Function, Scenario, Sector, SupplyKind
from apps.catalog.services import DRAFT_STATUSES as OFFERING_DRAFT_STATUSES
from apps.catalog.services import offering_errors
from apps.demands.models import (
    BATTERY_LIFE_DECIMALS,
    BATTERY_LIFE_MAX_YEARS,
    CoverageDepth,
    Demand,
    Mobility,
    PowerSource,
)
from apps.demands.services import DRAFT_STATUSES as DEMAND_DRAFT_STATUSES
from apps.demands.services import NEEDED_FIELDS as DEMAND_NEEDED_FIELDS
from apps.demands.services import demand_errors

from .base import (
    ListingFormMixin,
    RegionPicker,
    certification_choices,
    kind_choices,
    positioning_choices,
    protocol_choices,
    region_choices,
    scenario_choices_for,
    sector_choices,
    technology_choices,
)

PROFILE_FIELDS = (
    "uplink_kbps",
    "max_latency_ms",
    "mobility",
    "power_source",
    "battery_life_years",
    "coverage_depth",
    "needs_voice",
    "needs_video",
    "needs_positioning",
)


class RequirementProfileForm(forms.Form):
    """What the devices must do (wizard step 2); also posted alone for live technology advice."""

    uplink_kbps = forms.IntegerField(
        label=_("上行速率需求 (kbps)"),
        required=False,
        min_value=0,
        help_text=_("每台设备的峰值上行速率；不确定可留空。"),
    )
    max_latency_ms = forms.IntegerField(label=_("最大可接受时延 (ms)"), required=False, min_value=0)
    mobility = forms.TypedChoiceField(
        label=_("移动性"), choices=Mobility.choices, coerce=int, initial=Mobility.FIXED
    )
    power_source = forms.ChoiceField(
        label=_("供电方式"), choices=PowerSource.choices, initial=PowerSource.MAINS
    )
    battery_life_years = forms.DecimalField(
        label=_("电池寿命要求（年）"),
        required=False,
        min_value=0,
        max_value=BATTERY_LIFE_MAX_YEARS,
        decimal_places=BATTERY_LIFE_DECIMALS,
    )
    coverage_depth = forms.TypedChoiceField(
        label=_("覆盖深度"), choices=CoverageDepth.choices, coerce=int, initial=0
    )
    needs_voice = forms.BooleanField(label=_("需要语音"), required=False)
    needs_video = forms.BooleanField(label=_("需要视频"), required=False)
    needs_positioning = forms.BooleanField(label=_("需要定位"), required=False)
    positioning_method = forms.ChoiceField(
        label=_("定位方式"),
        required=False,
        choices=lambda: [("", _("不限")), *positioning_choices()],
        help_text=_("需要定位时要求的定位方式，向模组与终端提出；不填则不限。"),
    )


class DemandForm(ListingFormMixin, RequirementProfileForm):
    """The whole demand, shown as the wizard's four steps.

    `complete` asks the service's checks for a demand going to review (submit, or a demand
    already waiting or published) rather than a draft; `listing` is the demand being edited.
    """

    needed_fields = (*DEMAND_NEEDED_FIELDS, "regions")
    draft_fields = ("title",)

    title = forms.CharField(label=_("需求标题"), max_length=200)
    description = forms.CharField(
        label=_("需求描述"), widget=forms.Textarea, required=False, max_length=10000
    )
    sector = forms.ChoiceField(label=_("行业"), choices=sector_choices, required=False)
    scenario = forms.ChoiceField(label=_("应用场景"), required=False)
    technologies = forms.MultipleChoiceField(
        label=_("指定网络技术"),
        choices=technology_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("留空则由平台根据需求画像推荐。"),
    )
    technology_flexible = forms.BooleanField(
        label=_("指定技术不满足需求画像时，也推荐采用合适技术的供给"),
        required=False,
        initial=True,
    )
    deployment = forms.ChoiceField(
        label=_("平台部署要求"),
        required=False,
        choices=[("", _("不限")), *Demand._meta.get_field("deployment").choices],
    )
    functions = forms.MultipleChoiceField(
        label=_("所需产品功能"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按所选场景预填；只推荐具备这些功能的终端、方案与服务。"),
    )
    kinds_needed = forms.MultipleChoiceField(
        label=_("所需供给类型"), choices=kind_choices, widget=forms.CheckboxSelectMultiple
    )
    nationwide = forms.BooleanField(label=_("全国部署"), required=False)
    regions = forms.MultipleChoiceField(
        label=_("部署区域"), choices=region_choices, required=False, widget=RegionPicker
    )
    volume = forms.IntegerField(label=_("规模（连接数/台数）"), min_value=1, max_value=10**10)
    unit_budget = forms.DecimalField(
        label=_("单位预算（元）"), required=False, min_value=0, decimal_places=2
    )
    budget_unit = forms.ChoiceField(
        label=_("预算单位"),
        choices=Demand._meta.get_field("budget_unit").choices,
        initial="device",
        required=False,
    )
    start_date = forms.DateField(
        label=_("计划启动日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rollout_months = forms.IntegerField(
        label=_("部署周期（月）"), min_value=1, max_value=120, initial=12, required=False
    )
    certifications = forms.MultipleChoiceField(
        label=_("必需认证"),
        choices=certification_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    protocols = forms.MultipleChoiceField(
        label=_("必需协议"),
        choices=protocol_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("专用终端、平台与方案必须支持；通用模组与设备管理平台不受此限。"),
    )
    visibility = forms.ChoiceField(
        label=_("可见性"), choices=Demand.Visibility.choices, initial=Demand.Visibility.PUBLIC
    )

    def __init__(
        self, *args: Any, listing: Demand | None = None, complete: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing
        self.complete = complete or (
            listing is not None and listing.status not in DEMAND_DRAFT_STATUSES
        )
        self.fields["sector"].choices = [("", "—"), *sector_choices()]
        sector = self.data.get("sector") if self.is_bound else self.initial.get("sector")
        self.fields["scenario"].choices = [("", "—"), *scenario_choices_for(sector)]
        scenario = self.data.get("scenario") if self.is_bound else self.initial.get("scenario")
        chosen = self.data.getlist("functions") if self.is_bound else self.initial.get("functions")
        self.fields["functions"].choices = function_choices_for(scenario, chosen or [])
        # Without a scenario every function is a choice (91 of them): folded until the
        # scenario pre-fills its own, or someone unfolds them.
        self.functions_folded = not scenario and not chosen
        self.fields["start_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["regions"].widget.attrs["data-anchor"] = "id_regions_search"
        self.setup_fields()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        previous = self.listing.start_date if self.listing is not None else None
        self.add_service_errors(
            demand_errors(self.service_values(), complete=self.complete, previous_start=previous)
        )
        return cleaned

    @classmethod
    def initial_from(cls, demand: Demand) -> dict[str, Any]:
        initial = {name: getattr(demand, name) for name in cls.base_fields if hasattr(demand, name)}
        initial["sector"] = demand.sector_id
        initial["scenario"] = demand.scenario_id or ""
        return initial

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for demand_create / demand_update (of the fields that passed
        their checks, while the form is being cleaned)."""
        values = dict(self.cleaned_data)
        sector = values.get("sector")
        values["sector"] = Sector.objects.filter(pk=sector).first() if sector else None
        scenario = values.get("scenario")
        values["scenario"] = Scenario.objects.filter(pk=scenario).first() if scenario else None
        values["budget_unit"] = values.get("budget_unit") or "device"
        if values.get("rollout_months") is None:
            values["rollout_months"] = 12
        return values


def function_choices_for(scenario_code: str | None, chosen: list[str]) -> list[tuple[str, str]]:
    """The functions a demand can tick: its scenario's and those already chosen (every
    function without a scenario), each named with its kind ("终端：智能水表")."""
    scenario = Scenario.objects.filter(pk=scenario_code).first() if scenario_code else None
    functions = Function.objects.select_related("kind")
    if scenario is not None:
        functions = functions.filter(code__in=[*scenario.functions, *chosen])
    return [
        (f.code, _("%(kind)s：%(function)s") % {"kind": f.kind.name, "function": f.name})
        for f in functions.order_by("kind__chain_position", "sort_order")
    ]


def profile_initial_for(scenario: Scenario | None) -> dict[str, Any]:
    """The wizard's profile step pre-filled from a scenario's typical profile and the
    functions it needs."""
    profile = dict(scenario.typical_profile) if scenario else {}
    initial = {name: profile.get(name) for name in PROFILE_FIELDS if profile.get(name) is not None}
    if scenario is not None:
        initial["scenario"] = scenario.pk
        initial["functions"] = list(scenario.functions)
        initial["kinds_needed"] = scenario_kinds(scenario)
    return initial


# The kind a scenario's demand most often buys, ticked for it: the devices of its terminal
# functions (a water-meter demand buys meters; the platform and solution stay a choice).
PREFILLED_KIND = "terminal"


def scenario_kinds(scenario: Scenario) -> list[str]:
    """The supply kinds a new demand of `scenario` needs unless its author says otherwise."""
    functions = Function.objects.filter(code__in=scenario.functions, kind_id=PREFILLED_KIND)
    return [PREFILLED_KIND] if functions.exists() else []


_REFERENCE_CHOICES = {
    "kinds": kind_choices,
    "sectors": sector_choices,
    "technologies": technology_choices,
    "certifications": certification_choices,
    "protocols": protocol_choices,
    "regions": region_choices,
}


def listing_form_field(spec: ListingField) -> forms.Field:
    """The web form's field for one listing field (`apps.catalog.fields`): its label, help,
    limits; required only for what a draft needs (see ListingFormMixin)."""
    common: dict[str, Any] = {"label": spec.label, "required": spec.required}
    if spec.help:
        common["help_text"] = spec.help
    choices = _REFERENCE_CHOICES.get(spec.reference, [])
    if spec.type == "list":
        widget = RegionPicker if spec.reference == "regions" else forms.CheckboxSelectMultiple
        return forms.MultipleChoiceField(choices=choices, widget=widget, **common)
    if spec.reference:
        return forms.ChoiceField(choices=choices, **common)
    if spec.type == "number":
        return forms.DecimalField(
            min_value=spec.min_value, max_value=spec.max_value, decimal_places=2, **common
        )
    if spec.type == "integer":
        return forms.IntegerField(
            min_value=spec.min_value, max_value=spec.max_value, initial=spec.default, **common
        )
    if spec.type == "boolean":
        return forms.BooleanField(**{**common, "required": False})
    widget = forms.Textarea if spec.type == "text" else None
    return forms.CharField(max_length=spec.max_length, widget=widget, **common)


# The offering's fields, built from the one list the API serializer and the import use.
_OfferingFields = type(forms.Form)(
    "_OfferingFields",
    (forms.Form,),
    {
        "__module__": __name__,
        **{spec.code: listing_form_field(spec) for spec in OFFERING_FIELD_LIST},
    },
)


class OfferingForm(ListingFormMixin, _OfferingFields):
    """An offering with its kind-specific attributes as extra `attr_<name>` fields.

    `complete` asks the service's checks for a listing going to review (submit, or one
    already waiting or published) rather than a draft.
    """

    # The web form asks the vendor what the product does (the API and the import may leave
    # it to the platform's guess, marked unconfirmed).
    needed_fields = (*(spec.code for spec in OFFERING_FIELD_LIST if spec.required), "function")
    draft_fields = ("kind", "name")

    def __init__(
        self, *args: Any, listing: Any = None, complete: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing
        self.complete = complete or (
            listing is not None and listing.status not in OFFERING_DRAFT_STATUSES
        )
        kind_code = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        self.kind = SupplyKind.objects.filter(pk=kind_code).first() if kind_code else None
        self.fields["scenarios"].choices = [
            (s.code, _("%(sector)s：%(scenario)s") % {"sector": s.sector.name, "scenario": s.name})
            for s in Scenario.objects.select_related("sector").order_by(
                "sector__sort_order", "sort_order"
            )
        ]
        self.fields["function"].choices = [
            ("", "—"),
            *(
                (f.code, f.name)
                for f in Function.objects.filter(kind=self.kind).order_by("sort_order")
            ),
        ]
        for name, field in attribute_fields(self.kind).items():
            self.fields[f"attr_{name}"] = field
        self.attribute_names = [f"attr_{name}" for name in attribute_fields(self.kind)]
        self.fields["regions"].widget.attrs["data-anchor"] = "id_regions_search"
        self.setup_fields()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        values = self.service_values()
        if self.complete and self.kind is not None and not values["function"]:
            self.add_error("function", self.fields["function"].error_messages["required"])
        self.add_service_errors(offering_errors(values, complete=self.complete))
        return cleaned

    @property
    def function_choosable(self) -> bool:
        """Functions belong to a kind: the choice appears once the kind is chosen."""
        return self.kind is not None

    @property
    def attribute_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_names]

    @classmethod
    def initial_from(cls, offering: Any) -> dict[str, Any]:
        initial = {
            name: getattr(offering, name) for name in cls.base_fields if hasattr(offering, name)
        }
        initial["kind"] = offering.kind_id
        initial["function"] = offering.function_id or ""
        spec = offering.kind.attribute_spec or {}
        for name, value in (offering.attributes or {}).items():
            listed = isinstance(value, list) and not (spec.get(name) or {}).get("choices")
            initial[f"attr_{name}"] = ", ".join(value) if listed else value
        return initial

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for offering_create / offering_update (of the fields that passed
        their checks, while the form is being cleaned)."""
        values = {k: v for k, v in self.cleaned_data.items() if not k.startswith("attr_")}
        for name, value in list(values.items()):
            default = OFFERING_FIELD_SPECS[name].default
            if value is None and default is not None:
                values[name] = default
        values["kind"] = self.kind
        values["function"] = values.get("function") or None
        attributes: dict[str, Any] = {}
        spec = self.kind.attribute_spec if self.kind else {}
        for name, rule in spec.items():
            value = self.cleaned_data.get(f"attr_{name}")
            if rule.get("type") == "list" and not isinstance(value, list):
                value = [
                    item.strip() for item in re.split(r"[,，、;；]", value or "") if item.strip()
                ]
            if rule.get("type") == "boolean":
                value = bool(value)
            if isinstance(value, Decimal):
                value = float(value)
            if value not in (None, "", []):
                attributes[name] = value
        values["attributes"] = attributes
        return values


def attribute_fields(kind: SupplyKind | None) -> dict[str, forms.Field]:
    """Form fields for a supply kind's attribute spec, labelled in the active language."""
    if kind is None:
        return {}
    fields: dict[str, forms.Field] = {}
    for name, rule in kind.attribute_spec.items():
        label = attribute_label(rule, name)
        required = bool(rule.get("required"))
        type_name = rule.get("type", "string")
        if rule.get("choices") and type_name == "string":
            field: forms.Field = forms.ChoiceField(
                label=label,
                required=required,
                choices=[("", "—"), *((c, choice_name(rule, c)) for c in rule["choices"])],
            )
        elif type_name == "integer":
            field = forms.IntegerField(
                label=label, required=required, min_value=rule.get("min"), max_value=rule.get("max")
            )
        elif type_name == "number":
            field = forms.DecimalField(
                label=label, required=required, min_value=rule.get("min"), max_value=rule.get("max")
            )
        elif type_name == "boolean":
            field = forms.BooleanField(label=label, required=False)
        elif type_name == "list" and rule.get("choices"):
            field = forms.MultipleChoiceField(
                label=label,
                required=required,
                choices=[(c, choice_name(rule, c)) for c in rule["choices"]],
                widget=forms.CheckboxSelectMultiple,
            )
        elif type_name == "list":
            field = forms.CharField(
                label=label, required=required, help_text=_("多个值用逗号分隔。")
            )
        else:
            field = forms.CharField(label=label, required=required, max_length=200)
        # A draft may leave a required attribute empty: marked, and asked for on submit.
        field.required = False
        field.needed = required
        fields[name] = field
    return fields


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("供给文件（.xlsx 或 .csv）"),
        help_text=_("请使用平台模板；表头中括号内的代码用于识别列。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅预检（不写入，先查看每一行的检查结果）"), required=False, initial=True
    )
