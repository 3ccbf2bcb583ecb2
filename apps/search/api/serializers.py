"""Search API: query parameters in, hits with facets out."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.catalog.models import Function, Scenario
from apps.catalog.selectors import unknown_codes

from ..backends.base import DEMAND, FACETS, MAX_PAGE_SIZE, OFFERING, SORTS
from ..documents import VOLUME_BANDS
from ..text import MAX_QUERY_LENGTH

CODE_PATTERN = r"^[a-z0-9_]{1,40}$"
REGION_PATTERN = r"^[0-9]{6}$"
# Scenario codes are '<sector>.<scenario>'.
SCENARIO_PATTERN = r"^[a-z0-9_.]{1,40}$"
# More values than this in one facet filter is not a search a person makes.
MAX_FILTER_VALUES = 50


_INVALID_CODE = _("代码格式无效。")


def _codes(help_text, pattern=CODE_PATTERN, message=_INVALID_CODE):
    return serializers.ListField(
        child=serializers.RegexField(pattern, error_messages={"invalid": message}),
        required=False,
        max_length=MAX_FILTER_VALUES,
        help_text=help_text,
    )


def _known(model, codes: list[str]) -> list[str]:
    """`codes` when each is a row of the reference `model`; else the unknown ones as an error."""
    unknown = unknown_codes(model, codes)
    if unknown:
        raise serializers.ValidationError(
            _("未知代码：%(codes)s") % {"codes": ", ".join(unknown)}, code="invalid"
        )
    return codes


class SearchParamsSerializer(serializers.Serializer):
    """Query parameters common to both searches. List filters accept repeated parameters or
    comma-separated values; values of one filter are alternatives (OR), filters combine (AND)."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        trim_whitespace=True,
        error_messages={
            "max_length": _("搜索词过长：最多 {max_length} 个字符。"),
        },
        help_text=_("搜索词（中文或英文，按词匹配；不支持查询语法）"),
    )
    kind = _codes(_("供给类型代码；需求搜索中为所需供给类型"))
    function = _codes(
        _("产品功能代码（见 /api/v1/reference/functions）；需求搜索中为需求所需的产品功能")
    )
    scenario = _codes(
        _("应用场景代码（见 /api/v1/reference/scenarios）；需求搜索中为需求的应用场景"),
        pattern=SCENARIO_PATTERN,
    )
    sector = _codes(_("行业代码"))
    technology = _codes(_("网络技术代码"))
    certification = _codes(_("认证代码"))
    region = _codes(
        _("行政区划代码（6 位）：省含其下市县，市含其下区县，全国服务的供给总是匹配"),
        pattern=REGION_PATTERN,
        message=_("行政区划代码应为 6 位数字。"),
    )
    price_min = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("起价下限（元）；需求搜索中为单位预算"),
    )
    price_max = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("起价上限（元）；需求搜索中为单位预算"),
    )
    verified = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("仅已认证的组织")
    )
    sort = serializers.ChoiceField(
        choices=SORTS,
        default="relevance",
        help_text=_(
            "排序：relevance（相关度）、price / -price（价格）、"
            "capacity（产能/规模）、recent（最近更新）"
        ),
    )
    cursor = serializers.CharField(required=False, max_length=512, help_text=_("翻页游标"))
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)

    def validate_function(self, codes: list[str]) -> list[str]:
        return _known(Function, codes)

    def validate_scenario(self, codes: list[str]) -> list[str]:
        return _known(Scenario, codes)


class DemandSearchParamsSerializer(SearchParamsSerializer):
    volume = serializers.ListField(
        child=serializers.ChoiceField(choices=[code for code, _low, _high in VOLUME_BANDS]),
        required=False,
        max_length=len(VOLUME_BANDS),
        help_text=_("规模区间"),
    )


class FacetBucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    count = serializers.IntegerField()


def _facets_serializer(name: str, keys: tuple[str, ...]) -> type[serializers.Serializer]:
    fields = {key: FacetBucketSerializer(many=True) for key in keys}
    return type(name, (serializers.Serializer,), fields)


class HitOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    verified = serializers.BooleanField()


class OfferingHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_number = serializers.CharField()
    summary = serializers.CharField()
    vendor = HitOrganizationSerializer()
    kind = serializers.CharField()
    function = serializers.CharField(allow_null=True, help_text=_("产品功能代码"))
    scenarios = serializers.ListField(
        child=serializers.CharField(), help_text=_("厂商声明的应用场景代码")
    )
    sectors = serializers.ListField(child=serializers.CharField())
    technologies = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    nationwide = serializers.BooleanField()
    certifications = serializers.ListField(child=serializers.CharField())
    price_min = serializers.DecimalField(max_digits=12, decimal_places=2)
    price_max = serializers.DecimalField(max_digits=12, decimal_places=2)
    annual_capacity = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    score = serializers.FloatField(allow_null=True)
    highlights = serializers.DictField(
        child=serializers.CharField(),
        help_text=_("命中词以 <em> 标记的 HTML 片段（已转义），键为 name、model_number、summary"),
    )


class DemandHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    anonymous = serializers.BooleanField()
    organization = HitOrganizationSerializer(allow_null=True, help_text=_("匿名需求不返回企业信息"))
    sector = serializers.CharField()
    technologies = serializers.ListField(child=serializers.CharField())
    kinds_needed = serializers.ListField(child=serializers.CharField())
    functions = serializers.ListField(
        child=serializers.CharField(), help_text=_("所需产品功能代码")
    )
    scenario = serializers.CharField(allow_null=True, help_text=_("应用场景代码"))
    regions = serializers.ListField(child=serializers.CharField())
    nationwide = serializers.BooleanField(help_text=_("全国部署（此时 regions 为空）"))
    certifications = serializers.ListField(child=serializers.CharField())
    unit_budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    volume = serializers.IntegerField()
    volume_band = serializers.CharField()
    updated_at = serializers.DateTimeField()
    score = serializers.FloatField(allow_null=True)
    highlights = serializers.DictField(child=serializers.CharField())


def _response_serializer(name, hit, facets) -> type[serializers.Serializer]:
    fields = {
        "results": hit(many=True),
        "total": serializers.IntegerField(help_text=_("全部命中数")),
        "total_exact": serializers.BooleanField(
            help_text=_(
                "命中数是否精确；为 false 时搜索范围过宽，total 与分面计数均为下限（至少这么多）"
            )
        ),
        "facets": facets(),
        "next": serializers.CharField(allow_null=True, help_text=_("下一页的完整链接")),
        "did_you_mean": serializers.CharField(
            allow_null=True,
            help_text=_(
                "原样搜索没有结果、按拼音、首字母或纠错理解后有结果时，为理解后的搜索词，"
                "结果即按它给出；否则为 null"
            ),
        ),
        "other_readings": serializers.ListField(
            child=serializers.CharField(),
            help_text=_("搜索词有歧义（如首字母 sb）时的其他理解，可作为新的搜索词；结果不含它们"),
        ),
        "relaxed": serializers.BooleanField(
            help_text=_("为 true 时没有结果包含全部搜索词，结果包含其中大部分")
        ),
        "next_cursor": serializers.CharField(allow_null=True),
    }
    return type(name, (serializers.Serializer,), fields)


OfferingSearchResponseSerializer = _response_serializer(
    "OfferingSearchResponse",
    OfferingHitSerializer,
    _facets_serializer("OfferingSearchFacets", FACETS[OFFERING]),
)
DemandSearchResponseSerializer = _response_serializer(
    "DemandSearchResponse",
    DemandHitSerializer,
    _facets_serializer("DemandSearchFacets", FACETS[DEMAND]),
)
