"""Sign-up, membership and API-key forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Membership, Organization, User
from apps.core.api.scopes import SCOPE_ACTIONS, SCOPE_FAMILIES

from .base import city_choices_for, province_choices


class SignupForm(UserCreationForm):
    """A person and the organisation they register (which then awaits verification)."""

    email = forms.EmailField(label=_("电子邮箱"))
    organization_name = forms.CharField(label=_("组织名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=18,
        help_text=_("18 位，含校验位，例如 91110000100000000X。"),
    )
    role = forms.ChoiceField(label=_("组织角色"), choices=Organization.Role.choices)
    province = forms.ChoiceField(label=_("所在省份"), choices=province_choices)
    city = forms.ChoiceField(label=_("所在城市"), required=False, choices=[("", "—")])
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        province = self.data.get("province") if self.is_bound else None
        self.fields["city"].choices = [("", "—"), *city_choices_for(province)]
        self.fields["province"].widget.attrs.update(
            {"hx-get": reverse("region-cities"), "hx-target": "#id_city", "hx-trigger": "change"}
        )

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label=_("用户名或邮箱"), help_text=_("对方需先在平台注册账号。"), max_length=150
    )
    role = forms.ChoiceField(label=_("角色"), choices=Membership.Role.choices)

    def clean_username(self) -> User:
        value = self.cleaned_data["username"].strip()
        user = (
            User.objects.filter(username=value).first()
            or User.objects.filter(email__iexact=value).first()
        )
        if user is None:
            raise forms.ValidationError(_("找不到该用户。"))
        return user


def scope_choices() -> list[tuple[str, str]]:
    return [("*", _("全部权限"))] + [
        (f"{family}:{action}", f"{family}:{action}")
        for family in SCOPE_FAMILIES
        for action in SCOPE_ACTIONS
    ]


class APIKeyForm(forms.Form):
    name = forms.CharField(label=_("密钥名称"), max_length=50)
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=scope_choices,
        initial=["*"],
        widget=forms.CheckboxSelectMultiple,
    )


class ReasonForm(forms.Form):
    """A coordinator's note; required when rejecting (the service enforces it)."""

    note = forms.CharField(label=_("原因"), max_length=500, required=False)
