"""Organisation serializers; contacts are shown to members and coordinators only."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.catalog.models import Region

from ..credit_code import validate_credit_code
from ..models import Organization
from ..selectors import organization_can_see_contacts

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "credit_code")


def _private(field_class=serializers.CharField) -> serializers.Field:
    # Declared nullable so the schema says what callers receive (see to_representation).
    return field_class(
        allow_null=True,
        help_text="null unless the caller is a member of the organisation or a coordinator",
    )


class OrganizationOutSerializer(serializers.ModelSerializer):
    credit_code = _private()
    contact_name = _private()
    contact_phone = _private()
    contact_email = _private(serializers.EmailField)
    verification_note = _private()
    province = serializers.CharField(source="province_id")
    city = serializers.CharField(source="city_id", allow_null=True)
    role_display = serializers.CharField(source="get_role_display")
    verification_status_display = serializers.CharField(source="get_verification_status_display")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "credit_code",
            "role",
            "role_display",
            "province",
            "city",
            "verification_status",
            "verification_status_display",
            "verification_note",
            "verified_at",
            "description",
            "website",
            "contact_name",
            "contact_phone",
            "contact_email",
            "created_at",
        ]

    def to_representation(self, organization: Organization) -> dict:
        data = super().to_representation(organization)
        request = self.context.get("request")
        if not organization_can_see_contacts(getattr(request, "user", None), organization):
            for field in (*CONTACT_FIELDS, "verification_note"):
                data[field] = None
        return data


class OrganizationInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(
        max_length=18, min_length=1, validators=[validate_credit_code]
    )
    role = serializers.ChoiceField(choices=Organization.Role.choices)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.PROVINCE)
    )
    city = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.CITY), required=False, allow_null=True
    )
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.RegexField(
        r"^[0-9+\-() ]{5,30}$", max_length=30, required=False, allow_blank=True
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        city, province = attrs.get("city"), attrs.get("province")
        if city is not None and province is not None and city.parent_id != province.pk:
            raise serializers.ValidationError({"city": [_("所选城市不属于该省份。")]})
        return attrs


class OrganizationUpdateSerializer(OrganizationInSerializer):
    name = serializers.CharField(max_length=200, required=False)
    credit_code = None
    role = None
    province = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.PROVINCE), required=False
    )


class VerifyInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
