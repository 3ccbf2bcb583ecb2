"""Demand (wizard) and offering forms; `service_values()` gives the services' keyword arguments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Function, Region, Scenario, Sector, SupplyKind
from apps.demands.models import CoverageDepth, Demand, Mobility, PowerSource

from .base import (
    CheckboxGrid,
    certification_choices,
    kind_choices,
    protocol_choices,
    province_choices,
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
        max_value=30,
        decimal_places=1,
    )
    coverage_depth = forms.TypedChoiceField(
        label=_("覆盖深度"), choices=CoverageDepth.choices, coerce=int, initial=0
    )
    needs_voice = forms.BooleanField(label=_("需要语音"), required=False)
    needs_video = forms.BooleanField(label=_("需要视频"), required=False)
    needs_positioning = forms.BooleanField(label=_("需要定位"), required=False)


class DemandForm(RequirementProfileForm):
    """The whole demand, shown as the wizard's four steps."""

    title = forms.CharField(label=_("需求标题"), max_length=200)
    description = forms.CharField(
        label=_("需求描述"), widget=forms.Textarea, required=False, max_length=10000
    )
    sector = forms.ChoiceField(label=_("行业"), choices=sector_choices)
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
        label=_("部署区域"), choices=province_choices, required=False, widget=CheckboxGrid
    )
    volume = forms.IntegerField(label=_("规模（连接数/台数）"), min_value=1)
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
        label=_("部署周期（月）"), min_value=1, max_value=120, initial=12
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sector = self.data.get("sector") if self.is_bound else self.initial.get("sector")
        self.fields["scenario"].choices = [("", "—"), *scenario_choices_for(sector)]
        scenario = self.data.get("scenario") if self.is_bound else self.initial.get("scenario")
        chosen = self.data.getlist("functions") if self.is_bound else self.initial.get("functions")
        self.fields["functions"].choices = function_choices_for(scenario, chosen or [])
        keep_city_regions(self)

    @classmethod
    def initial_from(cls, demand: Demand) -> dict[str, Any]:
        initial = {name: getattr(demand, name) for name in cls.base_fields if hasattr(demand, name)}
        initial["sector"] = demand.sector_id
        initial["scenario"] = demand.scenario_id or ""
        return initial

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for demand_create / demand_update."""
        values = dict(self.cleaned_data)
        values["sector"] = Sector.objects.get(pk=values["sector"])
        values["scenario"] = (
            Scenario.objects.filter(pk=values["scenario"]).first() if values["scenario"] else None
        )
        values["budget_unit"] = values.get("budget_unit") or "device"
        if values["power_source"] != PowerSource.BATTERY and values["battery_life_years"] is None:
            values["battery_life_years"] = None
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


def keep_city_regions(form: forms.Form) -> None:
    """The region checkboxes list provinces; a listing that names cities (API, import) keeps
    them as extra choices, so editing it in the browser does not drop them."""
    codes = form.data.getlist("regions") if form.is_bound else form.initial.get("regions") or []
    cities = [code for code in codes if not str(code).endswith("0000")]
    if cities:
        extra = [(r.pk, r.name) for r in Region.objects.filter(pk__in=cities)]
        form.fields["regions"].choices = [*province_choices(), *extra]


def profile_initial_for(scenario: Scenario | None) -> dict[str, Any]:
    """The wizard's profile step pre-filled from a scenario's typical profile and the
    functions it needs."""
    profile = dict(scenario.typical_profile) if scenario else {}
    initial = {name: profile.get(name) for name in PROFILE_FIELDS if profile.get(name) is not None}
    if scenario is not None:
        initial["scenario"] = scenario.pk
        initial["functions"] = list(scenario.functions)
    return initial


class OfferingForm(forms.Form):
    """An offering with its kind-specific attributes as extra `attr_<name>` fields."""

    kind = forms.ChoiceField(label=_("供给类型"), choices=kind_choices)
    function = forms.ChoiceField(
        label=_("产品功能"),
        help_text=_("产品是做什么的：决定它会被推荐给哪些场景的需求。"),
    )
    name = forms.CharField(label=_("名称"), max_length=200)
    model_number = forms.CharField(label=_("型号"), max_length=100, required=False)
    description = forms.CharField(
        label=_("描述"), widget=forms.Textarea, required=False, max_length=10000
    )
    sectors = forms.MultipleChoiceField(
        label=_("适用行业"), choices=sector_choices, widget=forms.CheckboxSelectMultiple
    )
    scenarios = forms.MultipleChoiceField(
        label=_("服务场景"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只勾选有实际案例或专门设计的场景：勾选过多不会提高推荐排名。"),
    )
    technologies = forms.MultipleChoiceField(
        label=_("网络技术"),
        choices=technology_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nationwide = forms.BooleanField(label=_("全国服务"), required=False)
    regions = forms.MultipleChoiceField(
        label=_("服务区域"), choices=province_choices, required=False, widget=CheckboxGrid
    )
    certifications = forms.MultipleChoiceField(
        label=_("已获认证"),
        choices=certification_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    protocols = forms.MultipleChoiceField(
        label=_("支持协议"),
        choices=protocol_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    price_min = forms.DecimalField(label=_("单价下限（元）"), min_value=0, decimal_places=2)
    price_max = forms.DecimalField(label=_("单价上限（元）"), min_value=0, decimal_places=2)
    min_order = forms.IntegerField(label=_("最小起订量"), min_value=1, initial=1)
    annual_capacity = forms.IntegerField(label=_("年产能/服务能力"), min_value=0)
    lead_time_days = forms.IntegerField(label=_("交付周期（天）"), min_value=0, initial=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_code = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        self.kind = SupplyKind.objects.filter(pk=kind_code).first() if kind_code else None
        keep_city_regions(self)
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
        for name, value in (offering.attributes or {}).items():
            initial[f"attr_{name}"] = ", ".join(value) if isinstance(value, list) else value
        return initial

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for offering_create / offering_update."""
        values = {k: v for k, v in self.cleaned_data.items() if not k.startswith("attr_")}
        values["kind"] = self.kind
        values["function"] = values.get("function") or None
        attributes: dict[str, Any] = {}
        spec = self.kind.attribute_spec if self.kind else {}
        for name, rule in spec.items():
            value = self.cleaned_data.get(f"attr_{name}")
            if rule.get("type") == "list":
                value = [item.strip() for item in (value or "").split(",") if item.strip()]
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
    english = (get_language() or "").startswith("en")
    fields: dict[str, forms.Field] = {}
    for name, rule in kind.attribute_spec.items():
        label = rule.get("label_en" if english else "label_zh") or name
        required = bool(rule.get("required"))
        type_name = rule.get("type", "string")
        if rule.get("choices") and type_name == "string":
            field: forms.Field = forms.ChoiceField(
                label=label,
                required=required,
                choices=[("", "—"), *((c, c) for c in rule["choices"])],
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
        elif type_name == "list":
            field = forms.CharField(
                label=label,
                required=required,
                help_text=_("多个值用英文逗号分隔。")
                + (f" ({', '.join(rule['choices'])})" if rule.get("choices") else ""),
            )
        else:
            field = forms.CharField(label=label, required=required, max_length=200)
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
