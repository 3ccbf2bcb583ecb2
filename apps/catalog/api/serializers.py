"""Offering and reference-data serializers: small input and output shapes."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api.fields import code_list, money

from ..fields import OFFERING_FIELD_LIST, ListingField
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


def _in_field(spec: ListingField) -> serializers.Field:
    """The API input field of one listing field."""
    if spec.code == "kind":
        return serializers.PrimaryKeyRelatedField(queryset=SupplyKind.objects.all())
    if spec.type == "list":
        return code_list(
            max_items=spec.max_items or 50,
            max_length=6 if spec.reference == "regions" else 40,
            required=spec.required,
        )
    if spec.type == "number":
        return money(required=spec.required)
    if spec.type == "integer":
        return serializers.IntegerField(
            min_value=spec.min_value, max_value=spec.max_value, required=spec.required
        )
    if spec.type == "boolean":
        return serializers.BooleanField(required=False)
    extra = {}
    if spec.code == "function":
        extra["help_text"] = (
            "What the product does, a function of its kind (reference/functions); "
            "omitted: the platform's guess, marked unconfirmed."
        )
    return serializers.CharField(
        max_length=spec.max_length,
        required=spec.required,
        allow_blank=not spec.required,
        **extra,
    )


# Built from the one field list the web form and the import template also use.
OfferingInSerializer = type(
    "OfferingInSerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "__doc__": "An offering as a client sends it (create, or partial update).",
        "organization": serializers.IntegerField(required=False, write_only=True),
        **{spec.code: _in_field(spec) for spec in OFFERING_FIELD_LIST},
        "attributes": serializers.DictField(required=False),
    },
)


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
