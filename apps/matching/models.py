"""Stored matches with their lifecycle, partner suggestions, mismatch flags, aggregate snapshots,
rematch runs and the outbox of listings waiting to be matched."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class Match(models.Model):
    """A suggested (or vendor-requested) pairing of a demand with an offering or a bundle.

    `pair_key` identifies what is matched ("o:<offering id>" or "b:<id>-<id>…"), so a demand
    holds at most one row per offering or bundle however often matching runs.
    """

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("系统推荐")
        APPROVED = "approved", _("已审核")
        REJECTED = "rejected", _("已驳回")
        INTRODUCED = "introduced", _("已引荐")
        ACCEPTED = "accepted", _("双方接受")
        DECLINED = "declined", _("已谢绝")
        WON = "won", _("已成交")
        LOST = "lost", _("未成交")

    class Origin(models.TextChoices):
        ENGINE = "engine", _("匹配引擎")
        VENDOR_INTEREST = "vendor_interest", _("厂商意向")
        ENTERPRISE_REQUEST = "enterprise_request", _("需求方请求引荐")

    class Response(models.TextChoices):
        PENDING = "pending", _("待答复")
        ACCEPTED = "accepted", _("接受")
        DECLINED = "declined", _("谢绝")

    # No single-column indexes on demand, offering and status: the (…, -score) indexes below
    # lead with them, and a full rematch writes 1.6M rows through every index there is.
    demand = models.ForeignKey(
        "demands.Demand",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
    )
    offering = models.ForeignKey(
        "catalog.Offering",
        verbose_name=_("供给"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="matches",
        db_index=False,
    )
    bundle_offering_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("组合方案供给")
    )
    vendor_ids = ArrayField(models.BigIntegerField(), default=list, verbose_name=_("涉及厂商"))
    pair_key = models.CharField(_("匹配键"), max_length=200)
    kind = models.CharField(_("供给类型"), max_length=40, blank=True)
    score = models.FloatField(_("匹配度"))
    breakdown = models.JSONField(_("评分明细"), default=dict, blank=True)
    unmet = models.JSONField(_("未满足条件"), default=list, blank=True)
    explanation_zh = models.TextField(_("中文说明"), blank=True)
    explanation_en = models.TextField(_("英文说明"), blank=True)
    bundle_technology = models.CharField(_("组合方案技术"), max_length=40, blank=True)
    bundle_protocol = models.CharField(_("组合方案协议"), max_length=40, blank=True)
    engine_version = models.CharField(_("引擎版本"), max_length=20)
    computed_at = models.DateTimeField(_("计算时间"))
    # What the stored figures were computed from (engine version, score, both sides' change
    # stamps): a full rematch rewrites a row only when it differs.
    fingerprint = models.CharField(_("计算指纹"), max_length=200, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUGGESTED
    )
    origin = models.CharField(
        # Widening a varchar is a catalogue change in PostgreSQL (no table rewrite).
        _("来源"),
        max_length=20,
        choices=Origin.choices,
        default=Origin.ENGINE,
    )
    enterprise_response = models.CharField(
        _("需求方答复"), max_length=10, choices=Response.choices, default=Response.PENDING
    )
    vendor_response = models.CharField(
        _("供给方答复"), max_length=10, choices=Response.choices, default=Response.PENDING
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("匹配")
        verbose_name_plural = _("匹配")
        constraints = [
            models.UniqueConstraint(fields=["demand", "pair_key"], name="match_demand_pair_unique")
        ]
        indexes = [
            models.Index(fields=["demand", "-score"]),
            models.Index(fields=["offering", "-score"]),
            models.Index(fields=["status", "-score"]),
            # The coordinators' queue of introduction requests (vendor interest, enterprise
            # requests) and its badge on every coordinator page: a few hundred rows among
            # millions of engine suggestions, so a partial index.
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(origin__in=["vendor_interest", "enterprise_request"]),
                name="match_requested_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {self.pair_key} ({self.score:.0f})"

    @property
    def is_bundle(self) -> bool:
        return self.offering_id is None

    @property
    def offering_ids(self) -> list[int]:
        """The offering supplied, or a bundle's offerings."""
        return [self.offering_id] if self.offering_id else list(self.bundle_offering_ids)


# Who asked for an introduction: such matches wait in the coordinators' request queue.
REQUEST_ORIGINS = (Match.Origin.VENDOR_INTEREST, Match.Origin.ENTERPRISE_REQUEST)


class RecommendationFeedback(models.Model):
    """What the enterprise made of one recommendation of its demand: shortlisted, or dismissed
    with a reason (which coordinators read beside the match).

    Keyed like the match (demand, pair_key) rather than by its row: a rematch may drop an
    untouched suggestion and produce it again later, and the enterprise's verdict outlives that.
    """

    class Reason(models.TextChoices):
        PRICE = "price", _("价格超出预算")
        FUNCTION = "function", _("产品功能或参数不符")
        REGION = "region", _("不覆盖部署区域")
        CERTIFICATION = "certification", _("缺少所需认证")
        VENDOR = "vendor", _("不考虑该厂商")
        HAVE_SUPPLIER = "have_supplier", _("已有合作供应商")
        OTHER = "other", _("其他原因")

    demand = models.ForeignKey(
        "demands.Demand",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="recommendation_feedback",
    )
    pair_key = models.CharField(_("匹配键"), max_length=200)
    shortlisted = models.BooleanField(_("已收藏"), default=False)
    dismissed_reason = models.CharField(
        _("忽略原因"), max_length=20, choices=Reason.choices, blank=True
    )
    dismissed_note = models.CharField(_("忽略说明"), max_length=500, blank=True)
    dismissed_at = models.DateTimeField(_("忽略时间"), null=True, blank=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("推荐反馈")
        verbose_name_plural = _("推荐反馈")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "pair_key"], name="recommendationfeedback_pair_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.pair_key}"

    @property
    def dismissed(self) -> bool:
        return bool(self.dismissed_reason)


class PartnerSuggestion(models.Model):
    """A complementary vendor for a vendor: the open demands their offerings could serve
    together as one solution bundle. Recomputed wholesale per vendor by the matching worker."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("厂商"),
        on_delete=models.CASCADE,
        related_name="partner_suggestions",
    )
    partner = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("合作伙伴"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kinds = ArrayField(models.CharField(max_length=40), default=list, verbose_name=_("互补类型"))
    demand_ids = ArrayField(
        models.BigIntegerField(), default=list, verbose_name=_("可共同满足的需求")
    )
    demand_count = models.PositiveIntegerField(_("需求数"))
    volume = models.FloatField(_("需求总量"))
    explanation_zh = models.TextField(_("中文说明"), blank=True)
    explanation_en = models.TextField(_("英文说明"), blank=True)
    engine_version = models.CharField(_("引擎版本"), max_length=20)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("合作伙伴推荐")
        verbose_name_plural = _("合作伙伴推荐")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partner"], name="partnersuggestion_pair_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "-demand_count", "-volume"])]

    def __str__(self) -> str:
        return f"{self.organization_id} ↔ {self.partner_id} ({self.demand_count})"


class MismatchFlag(models.Model):
    """Where supply and demand diverge: per demand, per offering or per aggregate cell.

    A flag stays open (resolved_at empty) while matching keeps raising it, and resolves itself
    the first time matching no longer does.
    """

    class Subject(models.TextChoices):
        DEMAND = "demand", _("需求")
        OFFERING = "offering", _("供给")
        CELL = "cell", _("行业×技术×省份")

    class Severity(models.TextChoices):
        HIGH = "high", _("高")
        MEDIUM = "medium", _("中")
        LOW = "low", _("低")

    subject_type = models.CharField(_("对象类型"), max_length=10, choices=Subject.choices)
    demand = models.ForeignKey(
        "demands.Demand", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    offering = models.ForeignKey(
        "catalog.Offering", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sector = models.CharField(_("行业"), max_length=40, blank=True)
    technology = models.CharField(_("网络技术"), max_length=40, blank=True)
    province = models.CharField(_("省份"), max_length=10, blank=True)
    subject_key = models.CharField(_("对象键"), max_length=120)
    code = models.CharField(_("类型"), max_length=32, db_index=True)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    message_zh = models.CharField(_("中文说明"), max_length=500, blank=True)
    message_en = models.CharField(_("英文说明"), max_length=500, blank=True)
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("供需错配")
        verbose_name_plural = _("供需错配")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key", "code"],
                condition=models.Q(resolved_at__isnull=True),
                name="mismatch_open_unique",
            )
        ]
        indexes = [models.Index(fields=["subject_type", "code", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.code} @ {self.subject_key}"


class MismatchSnapshot(models.Model):
    """One radar cell on one day (Asia/Shanghai), kept for trends: the day's latest
    aggregation replaces the day's rows. Measures as defined in engine/radar.py; an empty
    sector, technology or province makes the row a roll-up over that axis."""

    day = models.DateField(_("日期"))
    taken_at = models.DateTimeField(_("时间"))
    sector = models.CharField(_("行业"), max_length=40, blank=True)
    technology = models.CharField(_("网络技术"), max_length=40, blank=True)
    province = models.CharField(_("省份"), max_length=10, blank=True)
    demanded = models.FloatField(_("需求连接数"))
    covered = models.FloatField(_("有可行供给的连接数"), default=0.0)
    need = models.FloatField(_("年需求量"), default=0.0)
    capacity = models.FloatField(_("归属的可行年产能"))
    demands = models.PositiveIntegerField(_("需求数"))
    unserved = models.PositiveIntegerField(_("无可行供给的需求数"), default=0)

    class Meta:
        verbose_name = _("供需快照")
        verbose_name_plural = _("供需快照")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "sector", "technology", "province"], name="mismatchsnapshot_day_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sector or '*'}/{self.technology or '*'}/{self.province or '*'} @ {self.day}"


class DemandCoverage(models.Model):
    """An open demand's share of the latest radar (engine/radar.py: DemandSupply), so a cell's
    drill-down lists exactly the demands its figures were summed from."""

    demand = models.OneToOneField(
        "demands.Demand",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("需求"),
    )
    sector = models.CharField(_("行业"), max_length=40)
    technology = models.CharField(_("网络技术"), max_length=40)
    provinces = ArrayField(models.CharField(max_length=10), verbose_name=_("省份"))
    volume = models.FloatField(_("需求连接数"))
    need = models.FloatField(_("年需求量"))
    capacity = models.FloatField(_("归属的可行年产能"))
    covered_share = models.FloatField(_("有可行供给的比例"))
    feasible = models.BooleanField(_("有可行供给"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("需求供给覆盖")
        verbose_name_plural = _("需求供给覆盖")
        indexes = [
            models.Index(fields=["sector", "technology"]),
            GinIndex(fields=["provinces"], name="demandcoverage_provinces_gin"),
        ]

    def __str__(self) -> str:
        return f"demand {self.demand_id}: {self.covered_share:.0%}"


class MatchRun(models.Model):
    """A full rematch, leased by one worker, split into id-range slices run side by side."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")

    engine_version = models.CharField(_("引擎版本"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    demands_done = models.PositiveIntegerField(_("已处理需求"), default=0)
    lease_owner = models.CharField(_("执行者"), max_length=100, blank=True)
    # The Celery task that asked for the run: when the broker redelivers that task after the
    # run was finished by someone else (a resume), it does not start another run.
    requested_by = models.CharField(_("发起任务"), max_length=100, blank=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("全量匹配批次")
        verbose_name_plural = _("全量匹配批次")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="matchrun_one_running",
            )
        ]

    def __str__(self) -> str:
        return f"rematch {self.engine_version} {self.status} ({self.demands_done} demands done)"


class MatchRunSlice(models.Model):
    """A run's share of the demands, in the order they are matched; resumable from `cursor`.

    Demands that share feasible candidates (kind, technologies, regions, certifications) are
    planned next to each other, so their candidate sets are built once (see
    services._slices_plan).
    """

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="slices")
    number = models.PositiveSmallIntegerField(_("分片"))
    demand_ids = ArrayField(
        models.BigIntegerField(), default=list, verbose_name=_("需求（按处理顺序）")
    )
    cursor = models.PositiveIntegerField(_("已处理需求数"), default=0)
    done = models.BooleanField(_("已完成"), default=False)

    class Meta:
        verbose_name = _("全量匹配分片")
        verbose_name_plural = _("全量匹配分片")
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="matchrunslice_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} @ {self.cursor}"


class MatchingOutboxEvent(models.Model):
    """A listing that changed and waits to be matched; written in the transaction that changed
    it, deleted once matching stored its outcome (see services.matching_outbox_drain)."""

    class Entity(models.TextChoices):
        OFFERING = "offering", _("供给")
        DEMAND = "demand", _("需求")

    entity = models.CharField(_("对象类型"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("对象ID"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    available_at = models.DateTimeField(_("可处理时间"), auto_now_add=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    # Set after the last allowed attempt failed: the drain leaves the event alone (the next
    # full rematch still covers the listing) until an operator retries it from the admin.
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("匹配同步事件")
        verbose_name_plural = _("匹配同步事件")
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(failed_at__isnull=True),
                name="matching_outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id}"


class ListingTokens(models.Model):
    """A listing's text segmented the engine's way, so loading the market index skips jieba.

    `digest` (CRC-32 of the text the tokens came from) tells whether they are still current.
    """

    digest = models.BigIntegerField(_("文本摘要"))
    tokens = models.TextField(_("分词"), blank=True)

    class Meta:
        abstract = True


class OfferingTokens(ListingTokens):
    offering = models.OneToOneField(
        "catalog.Offering", on_delete=models.CASCADE, primary_key=True, related_name="match_tokens"
    )

    class Meta:
        verbose_name = _("供给分词缓存")
        verbose_name_plural = _("供给分词缓存")

    def __str__(self) -> str:
        return f"offering {self.offering_id}"


class DemandTokens(ListingTokens):
    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, primary_key=True, related_name="match_tokens"
    )

    class Meta:
        verbose_name = _("需求分词缓存")
        verbose_name_plural = _("需求分词缓存")

    def __str__(self) -> str:
        return f"demand {self.demand_id}"
