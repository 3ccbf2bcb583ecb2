"""Typical-case representations and inputs; indicator output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.selectors import is_coordinator, principal_org_ids

from ..indicators import BROADBAND_TARGET, BROADBAND_TECHNOLOGIES
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
        return case.match.offering_ids

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


# --- monitoring indicators -------------------------------------------------------------------


class _ShareField(serializers.FloatField):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, min_value=0, max_value=1, **kwargs)


class BroadbandOutSerializer(serializers.Serializer):
    target = serializers.SerializerMethodField(help_text="The 2027 goal: 0.95")
    technologies = serializers.SerializerMethodField(help_text="What counts as 4G/5G")
    connections = serializers.IntegerField(
        read_only=True, help_text="Demanded connections with a counted technology"
    )
    broadband = serializers.IntegerField(read_only=True, help_text="Of which on 4G/5G")
    share = _ShareField(help_text="broadband ÷ connections; null without connections")
    without_technology = serializers.IntegerField(
        read_only=True, help_text="Connections of demands no technology can serve"
    )
    by_technology = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    def get_target(self, _obj) -> float:
        return BROADBAND_TARGET

    def get_technologies(self, _obj) -> list[str]:
        return list(BROADBAND_TECHNOLOGIES)


class MonthBroadbandOutSerializer(serializers.Serializer):
    month = serializers.CharField(read_only=True, help_text="YYYY-MM, Asia/Shanghai")
    demands = serializers.IntegerField(read_only=True)
    connections = serializers.IntegerField(read_only=True)
    broadband = serializers.IntegerField(read_only=True)
    share = _ShareField()


class SectorMixOutSerializer(serializers.Serializer):
    sector = serializers.CharField(read_only=True)
    connections = serializers.IntegerField(read_only=True)
    by_technology = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Counted technology (or 'none') → connections",
    )


class ProvinceCoverageOutSerializer(serializers.Serializer):
    province = serializers.CharField(
        read_only=True, help_text="GB/T 2260 province code, or 'nationwide'"
    )
    demands = serializers.IntegerField(read_only=True, help_text="Open demands deployed there")
    demands_with_supply = serializers.IntegerField(read_only=True)
    coverage = _ShareField(help_text="demands_with_supply ÷ demands")
    connections = serializers.FloatField(read_only=True)
    vendors = serializers.IntegerField(read_only=True)
    offerings = serializers.IntegerField(read_only=True)


class IntroductionsOutSerializer(serializers.Serializer):
    month = serializers.CharField(read_only=True, help_text="YYYY-MM; empty for all time")
    introduced = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    accepted = serializers.IntegerField(read_only=True)
    acceptance_rate = _ShareField(help_text="accepted ÷ answered")
    closed = serializers.IntegerField(read_only=True)
    won = serializers.IntegerField(read_only=True)
    won_rate = _ShareField(help_text="won ÷ closed (won + lost)")
    median_days = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Median days from a demand's publication to its first introduction",
    )


class IndicatorsOutSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(read_only=True)
    months = serializers.ListField(child=serializers.CharField(), read_only=True)
    broadband = BroadbandOutSerializer(read_only=True)
    broadband_trend = MonthBroadbandOutSerializer(many=True, read_only=True)
    technologies = serializers.ListField(child=serializers.CharField(), read_only=True)
    sector_mix = SectorMixOutSerializer(many=True, read_only=True)
    provinces = ProvinceCoverageOutSerializer(many=True, read_only=True)
    introductions = IntroductionsOutSerializer(read_only=True)
    introduction_trend = IntroductionsOutSerializer(many=True, read_only=True)
