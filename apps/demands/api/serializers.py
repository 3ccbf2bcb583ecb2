"""Demand serializers: the input shape and an output that hides anonymous posters."""

from __future__ import annotations

from rest_framework import serializers

from apps.catalog.models import Scenario, Sector
from apps.catalog.reference.positioning import POSITIONING_CODES
from apps.core.api.fields import code_list, money

from ..models import (
    BATTERY_LIFE_DECIMALS,
    BATTERY_LIFE_DIGITS,
    BATTERY_LIFE_MAX_YEARS,
    CoverageDepth,
    Demand,
    Mobility,
    PowerSource,
)
from ..selectors import demand_reveals_organization


def battery_life_field() -> serializers.DecimalField:
    """Battery life in years, as the Demand model stores it (optional, null allowed)."""
    return serializers.DecimalField(
        max_digits=BATTERY_LIFE_DIGITS,
        decimal_places=BATTERY_LIFE_DECIMALS,
        min_value=0,
        max_value=BATTERY_LIFE_MAX_YEARS,
        required=False,
        allow_null=True,
    )


class DemandOutSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    sector = serializers.CharField(source="sector_id")
    scenario = serializers.CharField(source="scenario_id", allow_null=True)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Demand
        fields = [
            "id",
            "organization",
            "title",
            "description",
            "sector",
            "scenario",
            "functions",
            "technologies",
            "technology_flexible",
            "deployment",
            "uplink_kbps",
            "max_latency_ms",
            "mobility",
            "power_source",
            "battery_life_years",
            "coverage_depth",
            "needs_voice",
            "needs_video",
            "needs_positioning",
            "positioning_method",
            "kinds_needed",
            "nationwide",
            "regions",
            "volume",
            "unit_budget",
            "budget_unit",
            "start_date",
            "rollout_months",
            "certifications",
            "protocols",
            "visibility",
            "status",
            "status_display",
            "review_note",
            "created_at",
            "updated_at",
            "published_at",
            "expires_at",
        ]

    def get_organization(self, demand: Demand) -> dict | None:
        """The poster's id and name, or null when the demand is anonymous to this caller."""
        request = self.context.get("request")
        if not demand_reveals_organization(getattr(request, "user", None), demand):
            return None
        return {
            "id": demand.organization_id,
            "name": demand.organization.name,
            "verified": demand.organization.is_verified,
        }


class DemandInSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, write_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    sector = serializers.PrimaryKeyRelatedField(queryset=Sector.objects.all())
    scenario = serializers.PrimaryKeyRelatedField(
        queryset=Scenario.objects.all(), required=False, allow_null=True
    )
    functions = code_list(
        max_items=40,
        required=False,
        help_text="Functions needed (any kind); omitted: the scenario's.",
    )
    technologies = code_list(max_items=6, required=False)
    technology_flexible = serializers.BooleanField(
        required=False,
        help_text="When every requested technology is unfit, also recommend the advised one.",
    )
    deployment = serializers.ChoiceField(
        choices=Demand._meta.get_field("deployment").choices,
        required=False,
        allow_blank=True,
        help_text="Platform deployment required: public_cloud or private (hybrid fits both).",
    )
    uplink_kbps = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    max_latency_ms = serializers.IntegerField(
        min_value=0, max_value=86_400_000, required=False, allow_null=True
    )
    mobility = serializers.ChoiceField(choices=Mobility.choices, required=False)
    power_source = serializers.ChoiceField(choices=PowerSource.choices, required=False)
    battery_life_years = battery_life_field()
    coverage_depth = serializers.ChoiceField(choices=CoverageDepth.choices, required=False)
    needs_voice = serializers.BooleanField(required=False)
    needs_video = serializers.BooleanField(required=False)
    needs_positioning = serializers.BooleanField(required=False)
    positioning_method = serializers.ChoiceField(
        choices=POSITIONING_CODES,
        required=False,
        allow_blank=True,
        help_text="With needs_positioning: the method modules and terminals must support "
        "(gnss, cellular, wifi, ble, uwb); blank for any.",
    )
    kinds_needed = code_list(max_items=7)
    nationwide = serializers.BooleanField(required=False)
    regions = code_list(max_items=400, max_length=6, required=False)
    volume = serializers.IntegerField(min_value=1, max_value=10**10)
    unit_budget = money(required=False, allow_null=True)
    budget_unit = serializers.ChoiceField(
        choices=Demand._meta.get_field("budget_unit").choices,
        required=False,
        help_text="What the budget is per: device, card_year, device_year or project; it is "
        "compared only with offerings priced in that unit.",
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    rollout_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    certifications = code_list(max_items=30, required=False)
    protocols = code_list(
        max_items=20,
        required=False,
        help_text="Protocols specialised terminals, platforms and solutions must speak.",
    )
    visibility = serializers.ChoiceField(choices=Demand.Visibility.choices, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
