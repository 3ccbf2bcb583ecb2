"""Typical-case representations and inputs; indicator output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.selectors import is_coordinator, principal_org_ids

from ..models import CASE_CRITERIA, TypicalCase

_CONSENT_SCHEMA = {
    "type": "array",
    "nullable": True,
    "description": "Each party's answer; only for the case's parties and coordinators.",
    "items": {
        "type": "object",
        "properties": {
            "organization": {"type": "integer"},
            "side": {"type": "string", "enum": ["enterprise", "vendor"]},
            "decision": {"type": "string", "enum": ["pending", "granted", "declined"]},
        },
    },
}
_ASSESSMENT_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "Criterion code → rating (strong, adequate, weak) and note; only for the "
    "case's parties and coordinators.",
    "additionalProperties": {
        "type": "object",
        "properties": {"rating": {"type": "string"}, "note": {"type": "string"}},
    },
}


class CaseOutSerializer(serializers.ModelSerializer):
    offerings = serializers.SerializerMethodField()
    vendors = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = TypicalCase
        fields = [
            "id",
            "status",
            "title",
            "title_en",
            "summary",
            "summary_en",
            "results",
            "results_en",
            "sector",
            "technologies",
            "volume",
            "offerings",
            "vendors",
            "consents",
            "assessment",
            "rejection_reason",
            "created_at",
            "published_at",
        ]
        read_only_fields = fields

    def _insider(self, case: TypicalCase) -> bool:
        user = self.context["request"].user
        if is_coordinator(user):
            return True
        mine = principal_org_ids(user)
        return any(c.organization_id in mine for c in case.consents.all())

    def get_offerings(self, case: TypicalCase) -> list[int]:
        match = case.match
        return [match.offering_id] if match.offering_id else list(match.bundle_offering_ids)

    def get_vendors(self, case: TypicalCase) -> list[int]:
        return list(case.match.vendor_ids)

    @extend_schema_field(_CONSENT_SCHEMA)
    def get_consents(self, case: TypicalCase) -> list[dict] | None:
        if not self._insider(case):
            return None
        return [
            {"organization": c.organization_id, "side": c.side, "decision": c.decision}
            for c in case.consents.all()
        ]

    @extend_schema_field(_ASSESSMENT_SCHEMA)
    def get_assessment(self, case: TypicalCase) -> dict | None:
        return case.assessment if self._insider(case) else None


class NominateInSerializer(serializers.Serializer):
    match = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    summary = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class ConsentInSerializer(serializers.Serializer):
    grant = serializers.BooleanField()
    organization = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The party organisation you answer for, when you belong to several.",
    )


class _RatingSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=TypicalCase.Rating.choices, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class EditInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=4000)
    results = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    title_en = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    summary_en = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )
    results_en = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )
    assessment = serializers.DictField(
        child=_RatingSerializer(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Criteria: " + ", ".join(code for code, _n, _q in CASE_CRITERIA),
    )


class RejectInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
