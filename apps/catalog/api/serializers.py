"""Offering and reference-data serializers: small input and output shapes."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api.fields import code_list, money

from ..models import (
    Certification,
    Function,
    Offering,
    Protocol,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    verified = serializers.BooleanField(source="is_verified")


class OfferingOutSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    kind = serializers.CharField(source="kind_id")
    function = serializers.CharField(source="function_id", allow_null=True)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Offering
        fields = [
            "id",
            "organization",
            "kind",
            "function",
            "function_confirmed",
            "name",
            "model_number",
            "description",
            "sectors",
            "scenarios",
            "technologies",
            "nationwide",
            "regions",
            "certifications",
            "protocols",
            "price_min",
            "price_max",
            "min_order",
            "annual_capacity",
            "lead_time_days",
            "attributes",
            "status",
            "status_display",
            "review_note",
            "created_at",
            "updated_at",
            "published_at",
        ]


class OfferingInSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, write_only=True)
    kind = serializers.PrimaryKeyRelatedField(queryset=SupplyKind.objects.all())
    function = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="What the product does, a function of its kind (reference/functions); "
        "omitted: the platform's guess, marked unconfirmed.",
    )
    name = serializers.CharField(max_length=200)
    model_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    sectors = code_list(max_items=10)
    scenarios = code_list(max_items=30, required=False)
    technologies = code_list(max_items=10, required=False)
    nationwide = serializers.BooleanField(required=False)
    regions = code_list(max_items=400, max_length=6, required=False)
    certifications = code_list(max_items=30, required=False)
    protocols = code_list(max_items=20, required=False)
    price_min = money()
    price_max = money()
    min_order = serializers.IntegerField(min_value=1, max_value=10**9, required=False)
    annual_capacity = serializers.IntegerField(min_value=0, max_value=10**12)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    attributes = serializers.DictField(required=False)


class ReviewInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class SectorSerializer(ReferenceSerializer):
    direction = serializers.CharField()


class ScenarioSerializer(ReferenceSerializer):
    sector = serializers.CharField(source="sector_id")
    typical_profile = serializers.JSONField()
    required_certifications = serializers.ListField(child=serializers.CharField())
    functions = serializers.ListField(child=serializers.CharField())


class FunctionSerializer(ReferenceSerializer):
    kind = serializers.CharField(source="kind_id")
    general = serializers.BooleanField()


class TechnologySerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Technology
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "max_uplink_kbps",
            "typical_latency_ms",
            "max_mobility",
            "max_coverage_depth",
            "max_battery_years",
            "supports_voice",
            "supports_video",
            "supports_positioning",
            "module_price_min",
            "module_price_max",
            "cost_rank",
            "description_zh",
            "description_en",
        ]


class CertificationSerializer(ReferenceSerializer):
    category = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())


class KindSerializer(ReferenceSerializer):
    chain_position = serializers.IntegerField()
    attribute_spec = serializers.JSONField()


class RegionSerializer(ReferenceSerializer):
    level = serializers.CharField()
    parent = serializers.CharField(source="parent_id", allow_null=True)


REFERENCE_SERIALIZERS = {
    Sector: SectorSerializer,
    Scenario: ScenarioSerializer,
    Technology: TechnologySerializer,
    Certification: CertificationSerializer,
    Protocol: ReferenceSerializer,
    SupplyKind: KindSerializer,
    Function: FunctionSerializer,
    Region: RegionSerializer,
}
