"""Match, advice and mismatch representations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.core.i18n import reads_english
from apps.demands.api.serializers import battery_life_field
from apps.demands.models import (
    CoverageDepth,
    Mobility,
    PowerSource,
)
from apps.demands.selectors import demand_reveals_organization

from ..engine.radar import BALANCE
from ..models import Match, MismatchFlag, RecommendationFeedback
from ..selectors import MatchExplanation, match_explanation, recommendation_feedback_map


class MatchOutSerializer(serializers.ModelSerializer):
    demand = serializers.SerializerMethodField()
    offering = serializers.SerializerMethodField()
    breakdown = serializers.SerializerMethodField()
    unmet = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    explanation_zh = serializers.SerializerMethodField()
    explanation_en = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "demand",
            "offering",
            "bundle_offering_ids",
            "kind",
            "score",
            "breakdown",
            "unmet",
            "explanation",
            "explanation_zh",
            "explanation_en",
            "bundle_technology",
            "bundle_protocol",
            "engine_version",
            "computed_at",
            "status",
            "origin",
            "enterprise_response",
            "vendor_response",
            "note",
            "feedback",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "organization": {"type": "string", "nullable": True},
            },
        }
    )
    def get_demand(self, match: Match) -> dict:
        principal = self.context["request"].user
        demand = match.demand
        reveal = demand_reveals_organization(principal, demand)
        return {
            "id": demand.id,
            "title": demand.title,
            "organization": demand.organization.name if reveal else None,
        }

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "vendor": {"type": "string"},
            },
        }
    )
    def get_offering(self, match: Match) -> dict | None:
        if match.offering is None:
            return None
        return {
            "id": match.offering_id,
            "name": match.offering.name,
            "vendor": match.offering.organization.name,
        }

    def _explained(self, match: Match) -> MatchExplanation:
        # Rendered once per match and response, though five fields read it.
        explained = getattr(match, "_explained", None)
        if explained is None:
            explained = match._explained = match_explanation(match)
        return explained

    @extend_schema_field(
        {
            "type": "object",
            "description": "Per criterion (function, technology, sector, region, capacity, "
            "price, certification, text, credibility, freshness): sub-score (0–1; a requested "
            "technology that cannot meet the profile scores -4 on technology), weight, points, "
            "the facts behind it and one sentence in zh and en. Bundles: their components.",
            "additionalProperties": {"type": "object"},
        }
    )
    def get_breakdown(self, match: Match) -> dict:
        return self._explained(match).breakdown

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "zh": {"type": "string"},
                    "en": {"type": "string"},
                    "figures": {"type": "object"},
                },
            },
        }
    )
    def get_unmet(self, match: Match) -> list[dict]:
        return self._explained(match).unmet

    def get_explanation(self, match: Match) -> str:
        explained = self._explained(match)
        return explained.summary_en if reads_english() else explained.summary_zh

    def get_explanation_zh(self, match: Match) -> str:
        return self._explained(match).summary_zh

    def get_explanation_en(self, match: Match) -> str:
        return self._explained(match).summary_en

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": "The enterprise's verdict on this recommendation; shown to the "
            "demand's organisation and coordinators only (null for others).",
            "properties": {
                "shortlisted": {"type": "boolean"},
                "dismissed": {"type": "boolean"},
                "dismissed_reason": {
                    "type": "string",
                    "enum": ["", *RecommendationFeedback.Reason.values],
                },
                "dismissed_note": {"type": "string"},
                "dismissed_at": {"type": "string", "format": "date-time", "nullable": True},
            },
        }
    )
    def get_feedback(self, match: Match) -> dict | None:
        principal = self.context["request"].user
        if not (
            is_coordinator(principal)
            or match.demand.organization_id in principal_org_ids(principal)
        ):
            return None
        verdicts = self.context.get("feedback")
        if verdicts is None:  # one match: one query
            verdicts = recommendation_feedback_map([match])
        verdict = verdicts.get((match.demand_id, match.pair_key))
        return {
            "shortlisted": bool(verdict and verdict.shortlisted),
            "dismissed": bool(verdict and verdict.dismissed),
            "dismissed_reason": verdict.dismissed_reason if verdict else "",
            "dismissed_note": verdict.dismissed_note if verdict else "",
            "dismissed_at": verdict.dismissed_at.isoformat()
            if verdict and verdict.dismissed_at
            else None,
        }


class NoteInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RespondInSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=["enterprise", "vendor"])
    accept = serializers.BooleanField()


class CloseInSerializer(NoteInSerializer):
    won = serializers.BooleanField()


class ShortlistInSerializer(serializers.Serializer):
    shortlisted = serializers.BooleanField(
        default=True, help_text="false removes the recommendation from the shortlist"
    )


class DismissInSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RecommendationFeedback.Reason.choices)
    note = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required when reason is other.",
    )


class EmptyInSerializer(serializers.Serializer):
    pass


class InterestInSerializer(NoteInSerializer):
    offering = serializers.IntegerField(min_value=1)


class ProfileInSerializer(serializers.Serializer):
    """An unsaved requirement profile (same fields and meanings as on a demand)."""

    technologies = serializers.ListField(child=serializers.CharField(max_length=40), default=list)
    uplink_kbps = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    max_latency_ms = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    mobility = serializers.ChoiceField(choices=Mobility.choices, default=Mobility.FIXED)
    power_source = serializers.ChoiceField(choices=PowerSource.choices, default=PowerSource.MAINS)
    battery_life_years = battery_life_field()
    coverage_depth = serializers.ChoiceField(
        choices=CoverageDepth.choices, default=CoverageDepth.NORMAL
    )
    needs_voice = serializers.BooleanField(default=False)
    needs_video = serializers.BooleanField(default=False)
    needs_positioning = serializers.BooleanField(default=False)


class CheckOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField()


class AssessmentOutSerializer(serializers.Serializer):
    technology = serializers.CharField()
    name = serializers.CharField()
    cost_rank = serializers.IntegerField()
    feasible = serializers.BooleanField()
    checks = CheckOutSerializer(many=True)


class AdviceOutSerializer(serializers.Serializer):
    recommended = serializers.CharField(allow_null=True)
    feasible = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    reason_zh = serializers.CharField()
    reason_en = serializers.CharField()
    assessments = AssessmentOutSerializer(many=True)


def advice_data(advice) -> dict:
    en = reads_english()
    return {
        "recommended": advice.recommended,
        "feasible": list(advice.feasible),
        "reason": advice.reason_en if en else advice.reason_zh,
        "reason_zh": advice.reason_zh,
        "reason_en": advice.reason_en,
        "assessments": [
            {
                "technology": a.technology,
                "name": a.name_en if en else a.name_zh,
                "cost_rank": a.cost_rank,
                "feasible": a.feasible,
                "checks": [
                    {"code": c.code, "passed": c.passed, "reason": c.en if en else c.zh}
                    for c in a.checks
                ],
            }
            for a in advice.assessments
        ],
    }


class MismatchOutSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()

    class Meta:
        model = MismatchFlag
        fields = [
            "id",
            "subject_type",
            "demand",
            "offering",
            "sector",
            "technology",
            "province",
            "code",
            "severity",
            "figures",
            "message",
            "message_zh",
            "message_en",
            "first_seen",
            "last_seen",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_message(self, flag: MismatchFlag) -> str:
        return flag.message_en if reads_english() else flag.message_zh


class FigureField(serializers.FloatField):
    """A radar figure rounded to two decimals (connections and units are whole in the data;
    a multi-province demand's share of a province may not be)."""

    def to_representation(self, value: float) -> float:
        return round(float(value), 2)


class RadarCellOutSerializer(serializers.Serializer):
    """One radar cell or roll-up; the measures are defined in apps/matching/engine/radar.py."""

    sector = serializers.CharField(help_text="Sector code; empty in a roll-up over every sector.")
    technology = serializers.CharField(
        help_text="Technology the demands count under (their preferred one); 'none' when no "
        "technology meets their profile; empty in a roll-up."
    )
    province = serializers.CharField(
        help_text="GB/T 2260 province code; 'nationwide' for demands deployed nationwide "
        "(not spread over the provinces); empty in a roll-up over every province."
    )
    demanded = FigureField(
        help_text="Demanded connections (a demand's volume split evenly over its provinces)."
    )
    covered = FigureField(help_text="Connections with feasible supply.")
    unmet = FigureField(help_text="demanded − covered.")
    coverage = serializers.FloatField(
        allow_null=True, help_text="covered ÷ demanded, 0–1 (null without demand)."
    )
    need = FigureField(help_text="Yearly need of the demands (units a year).")
    capacity = FigureField(
        help_text="Yearly feasible capacity attributed to the cell: each offering's capacity "
        "shared among the demands it is feasible for, in proportion to their yearly need."
    )
    demands = serializers.IntegerField(help_text="Open demands summed into the cell.")
    unserved = serializers.IntegerField(
        help_text="Demands some needed kind of which has no feasible offering at all."
    )
    balance = serializers.ChoiceField(
        choices=list(BALANCE),
        help_text="The diverging scale: shortfall_severe (coverage < 50 %), shortfall, "
        "balanced, spare (capacity ≥ 2 × need), idle (capacity ≥ 10 × need).",
    )

    def to_representation(self, cell):
        data = super().to_representation(cell)
        if data["coverage"] is not None:
            data["coverage"] = round(data["coverage"], 4)
        return data


class RadarTrendOutSerializer(RadarCellOutSerializer):
    """One day of the trend: a (day, whole-market cell) pair from selectors.radar_trend."""

    day = serializers.DateField(help_text="Day of the snapshot (Asia/Shanghai).")

    def to_representation(self, point):
        day, cell = point
        return {
            "day": self.fields["day"].to_representation(day),
            **RadarCellOutSerializer(cell).data,
        }


class OpenFlagCountOutSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=MismatchFlag.Subject.choices)
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=MismatchFlag.Severity.choices)
    count = serializers.IntegerField()


class SummaryOutSerializer(serializers.Serializer):
    day = serializers.DateField(
        allow_null=True, help_text="Day of the latest snapshot (Asia/Shanghai)."
    )
    snapshot_taken_at = serializers.DateTimeField(
        allow_null=True, help_text="When the latest snapshot was computed."
    )
    total = RadarCellOutSerializer(allow_null=True, help_text="The whole market.")
    heatmap = RadarCellOutSerializer(
        many=True, help_text="Sector × technology, over every province."
    )
    provinces = RadarCellOutSerializer(
        many=True, help_text="Provinces (and 'nationwide'), over every sector and technology."
    )
    cells = RadarCellOutSerializer(many=True, help_text="Sector × technology × province.")
    trend = RadarTrendOutSerializer(
        many=True, help_text="The whole market per day, oldest first (last 90 days)."
    )
    open_flags = OpenFlagCountOutSerializer(
        many=True, help_text="Open mismatch flags by subject type, code and severity."
    )
