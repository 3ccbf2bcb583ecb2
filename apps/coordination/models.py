"""The audit log (one row for every review, introduction, status change and key issuance) and
typical cases with their parties' consents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作方"), max_length=120, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("相关组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=60, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=40)
    subject_id = models.CharField(_("对象ID"), max_length=150)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}#{self.subject_id}"


# What a coordinator assesses a case against before publishing it (典型案例遴选): code, name,
# the question asked. A case rated weak on any of them is not published.
CASE_CRITERIA: tuple[tuple[str, object, object], ...] = (
    (
        "technology",
        _("技术方案"),
        _("网络技术与场景是否匹配、是否体现“高低搭配”，方案是否成熟可靠。"),
    ),
    ("results", _("应用成效"), _("规模、降本增效或服务改善是否有可核实的数据。")),
    ("replicability", _("可复制推广"), _("同行业其他企业能否以相近成本复制该方案。")),
)


class TypicalCase(models.Model):
    """A won introduction put forward as a typical case (典型案例) for the public case library.

    Nominated by a party or a coordinator; every party consents (CaseConsent) before a
    coordinator edits, assesses it against CASE_CRITERIA and publishes or rejects it. Only
    published cases are public or count in a vendor's credibility. Transitions live in
    services (`case_*`).
    """

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("待双方同意")
        IN_REVIEW = "in_review", _("待协调员审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("未入选")
        DECLINED = "declined", _("一方未同意")

    class Rating(models.TextChoices):
        STRONG = "strong", _("突出")
        ADEQUATE = "adequate", _("达到要求")
        WEAK = "weak", _("不足")

    match = models.ForeignKey(
        "matching.Match", verbose_name=_("来源匹配"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.NOMINATED
    )
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("案例摘要"), max_length=4000)
    results = models.TextField(_("应用成效"), max_length=4000, blank=True)
    # Optional English text for English readers (the Chinese text is shown when empty).
    title_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    summary_en = models.TextField(_("英文摘要"), max_length=4000, blank=True)
    results_en = models.TextField(_("英文成效"), max_length=4000, blank=True)
    sector = models.ForeignKey(
        "catalog.Sector", verbose_name=_("行业"), on_delete=models.PROTECT, related_name="+"
    )
    technologies = models.JSONField(_("网络技术"), default=list, blank=True)
    volume = models.PositiveBigIntegerField(_("规模"), default=0)
    nomination_note = models.TextField(_("推荐理由"), max_length=2000, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # criterion code → {"rating": Rating, "note": str}, criteria in CASE_CRITERIA.
    assessment = models.JSONField(_("评审意见"), default=dict, blank=True)
    rejection_reason = models.CharField(_("未入选原因"), max_length=500, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-published_at", "-id"]
        constraints = [
            # One live case per match; a rejected or declined one may be nominated again.
            models.UniqueConstraint(
                fields=["match"],
                condition=~models.Q(status__in=["rejected", "declined"]),
                name="typicalcase_one_live_per_match",
            )
        ]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title


# A case that ended (turned down, or declined by a party) no longer holds its match: the match
# may be nominated again (the typicalcase_one_live_per_match constraint says the same).
CASE_ENDED_STATUSES = (TypicalCase.Status.REJECTED, TypicalCase.Status.DECLINED)


class CaseConsent(models.Model):
    """One party's consent to a nominated case: the enterprise and every vendor of the match."""

    class Side(models.TextChoices):
        ENTERPRISE = "enterprise", _("需求方")
        VENDOR = "vendor", _("供给方")

    class Decision(models.TextChoices):
        PENDING = "pending", _("待答复")
        GRANTED = "granted", _("同意")
        DECLINED = "declined", _("不同意")

    case = models.ForeignKey(
        TypicalCase, verbose_name=_("典型案例"), on_delete=models.CASCADE, related_name="consents"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    side = models.CharField(_("角色"), max_length=12, choices=Side.choices)
    decision = models.CharField(
        _("答复"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案例授权")
        verbose_name_plural = _("案例授权")
        constraints = [
            models.UniqueConstraint(fields=["case", "organization"], name="caseconsent_unique")
        ]
        indexes = [models.Index(fields=["organization", "decision"])]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.organization_id}: {self.decision}"
