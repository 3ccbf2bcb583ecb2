"""Demands (the enterprise side) with the requirement profile the engine reads."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mobility(models.IntegerChoices):
    FIXED = 0, _("固定")
    NOMADIC = 1, _("游牧（偶尔移动）")
    PEDESTRIAN = 2, _("低速移动")
    VEHICULAR = 3, _("车载高速移动")


class CoverageDepth(models.IntegerChoices):
    NORMAL = 0, _("普通室外")
    INDOOR = 1, _("室内")
    DEEP = 2, _("深度覆盖（地下室、井下）")


class PowerSource(models.TextChoices):
    MAINS = "mains", _("市电")
    BATTERY = "battery", _("电池")
    RECHARGEABLE = "rechargeable", _("可充电")


# Battery life in years to the quarter and below (0.25 year = 3 months, a tracker's season);
# the form, both serializers and the model read these.
BATTERY_LIFE_DIGITS = 4
BATTERY_LIFE_DECIMALS = 2
BATTERY_LIFE_MAX_YEARS = 30


class Demand(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_REVIEW = "pending_review", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("已驳回")
        MATCHED = "matched", _("已对接")
        CLOSED = "closed", _("已关闭")
        EXPIRED = "expired", _("已过期")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("公开")
        ANONYMOUS = "anonymous", _("匿名（隐藏企业名称与联系人）")
        COORDINATORS = "coordinators", _("仅协调员可见")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("需求企业"),
        on_delete=models.CASCADE,
        related_name="demands",
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), max_length=10000, blank=True)
    sector = models.ForeignKey(
        "catalog.Sector",
        verbose_name=_("行业"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    scenario = models.ForeignKey(
        "catalog.Scenario",
        verbose_name=_("场景"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    functions = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("所需产品功能"),
        help_text=_("需要的产品功能（按供给类型），默认取自场景。"),
    )
    technologies = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("指定网络技术")
    )
    deployment = models.CharField(
        _("平台部署要求"),
        max_length=12,
        blank=True,
        choices=[("public_cloud", _("公有云")), ("private", _("私有化部署"))],
        help_text=_("对平台类供给的部署方式要求；混合部署的平台两种都能满足。"),
    )
    technology_flexible = models.BooleanField(
        _("接受替代技术"),
        default=True,
        help_text=_("指定技术不满足需求画像时，也推荐采用合适技术的供给。"),
    )
    # Requirement profile: what the devices must do. Empty values mean "no requirement".
    uplink_kbps = models.PositiveIntegerField(_("上行速率需求 (kbps)"), null=True, blank=True)
    max_latency_ms = models.PositiveIntegerField(_("最大可接受时延 (ms)"), null=True, blank=True)
    mobility = models.PositiveSmallIntegerField(
        _("移动性"), choices=Mobility.choices, default=Mobility.FIXED
    )
    power_source = models.CharField(
        _("供电方式"), max_length=12, choices=PowerSource.choices, default=PowerSource.MAINS
    )
    battery_life_years = models.DecimalField(
        _("电池寿命要求（年）"),
        max_digits=BATTERY_LIFE_DIGITS,
        decimal_places=BATTERY_LIFE_DECIMALS,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(BATTERY_LIFE_MAX_YEARS)],
    )
    coverage_depth = models.PositiveSmallIntegerField(
        _("覆盖深度"), choices=CoverageDepth.choices, default=CoverageDepth.NORMAL
    )
    needs_voice = models.BooleanField(_("需要语音"), default=False)
    needs_video = models.BooleanField(_("需要视频"), default=False)
    needs_positioning = models.BooleanField(_("需要定位"), default=False)
    # One of apps.catalog.reference.positioning.POSITIONING_CODES (the services check it).
    positioning_method = models.CharField(
        _("定位方式"),
        max_length=12,
        blank=True,
        help_text=_("需要定位时要求的定位方式，向模组与终端提出；不填则不限。"),
    )

    kinds_needed = ArrayField(
        models.CharField(max_length=40), default=list, verbose_name=_("所需供给类型")
    )
    nationwide = models.BooleanField(
        _("全国部署"), default=False, help_text=_("在全国范围部署，不限省份。")
    )
    regions = ArrayField(
        models.CharField(max_length=6), default=list, blank=True, verbose_name=_("部署区域")
    )
    # Empty only in a draft saved incomplete (as is the sector): `demand_submit` asks for it.
    volume = models.PositiveBigIntegerField(
        _("规模（连接数/台数）"), validators=[MinValueValidator(1)], null=True, blank=True
    )
    unit_budget = models.DecimalField(
        _("单位预算（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_unit = models.CharField(
        _("预算单位"),
        max_length=12,
        default="device",
        db_default="device",
        choices=[
            ("device", _("元/台（设备）")),
            ("card_year", _("元/卡/年（物联网卡）")),
            ("device_year", _("元/设备/年（平台）")),
            ("project", _("元/项目")),
        ],
        help_text=_("预算只与按同一单位计价的供给比较。"),
    )
    start_date = models.DateField(_("计划启动日期"), null=True, blank=True)
    rollout_months = models.PositiveSmallIntegerField(
        _("部署周期（月）"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    certifications = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("必需认证")
    )
    protocols = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("必需协议"),
        help_text=_("专用终端、平台与方案必须支持的协议（如 CJ/T 188、HJ 212）。"),
    )
    visibility = models.CharField(
        _("可见性"), max_length=14, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("截止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        indexes = [
            models.Index(fields=["organization", "status"]),
            GinIndex(fields=["regions"], name="demand_regions_gin"),
            GinIndex(fields=["technologies"], name="demand_tech_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_anonymous(self) -> bool:
        return self.visibility == self.Visibility.ANONYMOUS
