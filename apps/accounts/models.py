"""Users, organisations and their memberships, and organisation API keys."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from .credit_code import validate_credit_code

COORDINATOR_GROUP = "coordinator"


class User(AbstractUser):
    """A person. Organisation access comes from memberships; platform staff are coordinators."""

    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @cached_property
    def organization_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("organization_id", flat=True))

    @cached_property
    def owned_organization_ids(self) -> frozenset[int]:
        return frozenset(
            self.memberships.filter(role=Membership.Role.OWNER).values_list(
                "organization_id", flat=True
            )
        )

    @cached_property
    def is_coordinator(self) -> bool:
        return self.is_superuser or self.groups.filter(name=COORDINATOR_GROUP).exists()


class Organization(models.Model):
    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("需求方（企业）")
        VENDOR = "vendor", _("供给方（厂商）")
        BOTH = "both", _("供需双方")

    class Verification(models.TextChoices):
        PENDING = "pending", _("待审核")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("已驳回")

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    province = models.ForeignKey(
        "catalog.Region",
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    city = models.ForeignKey(
        "catalog.Region",
        verbose_name=_("城市"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    verification_status = models.CharField(
        _("认证状态"), max_length=10, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    description = models.TextField(_("简介"), max_length=4000, blank=True)
    website = models.URLField(_("网站"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["verification_status", "role"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def is_vendor(self) -> bool:
        return self.role in (self.Role.VENDOR, self.Role.BOTH)

    @property
    def is_enterprise(self) -> bool:
        return self.role in (self.Role.ENTERPRISE, self.Role.BOTH)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("管理员")
        MEMBER = "member", _("成员")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class APIKey(AbstractAPIKey):
    """An organisation's key for partner integration; only a hash of the secret is stored.

    A key without an organisation but with `is_platform` belongs to coordinator tooling.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="api_keys",
        null=True,
        blank=True,
    )
    is_platform = models.BooleanField(_("平台（协调员）密钥"), default=False)
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API 密钥")
        verbose_name_plural = _("API 密钥")
