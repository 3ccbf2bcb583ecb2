"""Reference data and offerings (supply).

Reference rows are keyed by their stable code, the identifier the API uses. Offerings keep
their reference codes in PostgreSQL arrays: a million offerings load into the matching index
in seconds and filter with GIN indexes, which a set of join tables cannot do.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import reads_english


class ReferenceModel(models.Model):
    code = models.CharField(_("代码"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (zh-Hans unless English is active)."""
        return self.name_en if reads_english() else self.name_zh


class Region(ReferenceModel):
    """A GB/T 2260 administrative division: province, prefecture (city) or county level
    (6-digit code). A county's parent is its city, or its province where no city stands above
    it (a municipality's districts, 定安县)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        COUNTY = "county", _("县级")

    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )

    class Meta(ReferenceModel.Meta):
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class Sector(ReferenceModel):
    class Direction(models.TextChoices):
        INDUSTRY = "industry", _("产业数字化")
        GOVERNANCE = "governance", _("治理智能化")
        LIVELIHOOD = "livelihood", _("生活智慧化")

    direction = models.CharField(_("方向"), max_length=12, choices=Direction.choices)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("行业")
        verbose_name_plural = _("行业")


class Scenario(ReferenceModel):
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="scenarios")
    typical_profile = models.JSONField(_("典型需求画像"), default=dict, blank=True)
    required_certifications = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("常需认证")
    )
    functions = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("所需产品功能"),
        help_text=_("该场景通常需要的产品功能（各供给类型），新需求据此预填。"),
    )

    class Meta(ReferenceModel.Meta):
        verbose_name = _("应用场景")
        verbose_name_plural = _("应用场景")


class Technology(ReferenceModel):
    """A network technology and what it can do: the thresholds the engine checks profiles against.

    Ordinal scales: mobility 0 fixed, 1 nomadic, 2 pedestrian/low speed, 3 vehicular;
    coverage 0 normal, 1 indoor, 2 deep indoor/underground.
    """

    max_uplink_kbps = models.PositiveIntegerField(_("上行速率上限 (kbps)"))
    typical_latency_ms = models.PositiveIntegerField(_("典型时延 (ms)"))
    max_mobility = models.PositiveSmallIntegerField(_("移动性上限"))
    max_coverage_depth = models.PositiveSmallIntegerField(_("覆盖深度上限"))
    max_battery_years = models.DecimalField(
        _("电池供电寿命上限（年）"), max_digits=4, decimal_places=1
    )
    supports_voice = models.BooleanField(_("支持语音"))
    supports_video = models.BooleanField(_("支持视频"))
    supports_positioning = models.BooleanField(_("支持定位"))
    module_price_min = models.DecimalField(_("模组价格下限（元）"), max_digits=8, decimal_places=2)
    module_price_max = models.DecimalField(_("模组价格上限（元）"), max_digits=8, decimal_places=2)
    cost_rank = models.PositiveSmallIntegerField(_("成本排序（低者优先）"))
    description_zh = models.CharField(_("中文说明"), max_length=300, blank=True)
    description_en = models.CharField(_("英文说明"), max_length=300, blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("网络技术")
        verbose_name_plural = _("网络技术")


class Certification(ReferenceModel):
    category = models.CharField(_("类别"), max_length=30, blank=True)
    kinds = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("适用供给类型"),
        help_text=_("需求要求该认证时，只要求这些类型的供给具备；留空表示所有类型。"),
    )

    class Meta(ReferenceModel.Meta):
        verbose_name = _("认证")
        verbose_name_plural = _("认证")


class Protocol(ReferenceModel):
    kinds = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("适用供给类型"),
        help_text=_("需求要求该协议时，只要求这些类型的专用产品支持；留空表示所有类型。"),
    )

    class Meta(ReferenceModel.Meta):
        verbose_name = _("协议")
        verbose_name_plural = _("协议")


class SupplyKind(ReferenceModel):
    """A kind of supply (module, terminal, platform, ...) with the attribute spec of its offerings.

    `attribute_spec` maps an attribute name to {"type": "string|integer|number|boolean|list",
    "choices": [...]?, "required": bool?, "min"/"max": number?, "label_zh"/"label_en": str};
    list items are strings and `choices` constrain them. Offerings of the kind are validated
    against it by `apps.catalog.attributes.validate_attributes`.
    """

    chain_position = models.PositiveSmallIntegerField(_("产业链位置"), default=0)
    attribute_spec = models.JSONField(_("属性规格"), default=dict, blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("供给类型")
        verbose_name_plural = _("供给类型")


class Function(ReferenceModel):
    """What a product does (智能水表, 计量数据管理平台 …), of one supply kind.

    A general-purpose function (a module class, an IoT card, device management) fits any
    scenario its technology fits; any other fits the demands that name it.
    """

    kind = models.ForeignKey(
        SupplyKind, verbose_name=_("供给类型"), on_delete=models.CASCADE, related_name="functions"
    )
    general = models.BooleanField(
        _("通用型"), default=False, help_text=_("通用型功能适用于其网络技术可服务的任何场景。")
    )

    class Meta(ReferenceModel.Meta):
        verbose_name = _("产品功能")
        verbose_name_plural = _("产品功能")


class Offering(models.Model):
    """A vendor's listed product or service."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_REVIEW = "pending_review", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("已驳回")
        ARCHIVED = "archived", _("已下架")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("厂商"),
        on_delete=models.CASCADE,
        related_name="offerings",
    )
    kind = models.ForeignKey(SupplyKind, verbose_name=_("类型"), on_delete=models.PROTECT)
    function = models.ForeignKey(
        Function,
        verbose_name=_("产品功能"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # False while the function is the platform's guess for a listing created before functions
    # existed: the vendor is asked to confirm it.
    function_confirmed = models.BooleanField(_("功能已确认"), default=True)
    name = models.CharField(_("名称"), max_length=200)
    model_number = models.CharField(_("型号"), max_length=100, blank=True)
    description = models.TextField(_("描述"), max_length=10000, blank=True)
    sectors = ArrayField(models.CharField(max_length=40), default=list, verbose_name=_("行业"))
    scenarios = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("场景")
    )
    technologies = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("网络技术")
    )
    nationwide = models.BooleanField(_("全国服务"), default=False)
    regions = ArrayField(
        models.CharField(max_length=6), default=list, blank=True, verbose_name=_("服务区域")
    )
    certifications = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("认证")
    )
    protocols = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("协议")
    )
    # Empty only in a draft saved incomplete: `offering_submit` asks for them.
    price_min = models.DecimalField(
        _("单价下限（元）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
    )
    price_max = models.DecimalField(
        _("单价上限（元）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
    )
    min_order = models.PositiveIntegerField(_("最小起订量"), default=1)
    annual_capacity = models.PositiveBigIntegerField(_("年产能/服务能力"), null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(_("交付周期（天）"), default=30)
    attributes = models.JSONField(_("类型属性"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("供给")
        verbose_name_plural = _("供给")
        indexes = [
            models.Index(fields=["organization", "status"]),
            GinIndex(fields=["technologies"], name="offering_tech_gin"),
            GinIndex(fields=["regions"], name="offering_regions_gin"),
            GinIndex(fields=["sectors"], name="offering_sectors_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_min__lte=models.F("price_max")),
                name="offering_price_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
