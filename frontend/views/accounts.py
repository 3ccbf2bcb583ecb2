"""Sign-up, the account page with the organisation, its members and its API keys."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import APIKey, Organization
from apps.accounts.selectors import membership_list
from apps.accounts.services import (
    apikey_create,
    apikey_revoke,
    membership_add,
    organization_register,
)
from apps.catalog.selectors import counties_by_parent
from apps.core.exceptions import BusinessError

from ..access import SESSION_ORGANIZATION, current_organization, is_owner, organization_required
from ..forms.accounts import APIKeyForm, MemberAddForm, SignupForm
from ..forms.base import city_choices_for, form_add_business_error


def signup(request: HttpRequest) -> HttpResponse:
    """Register a person and their organisation; the organisation awaits a coordinator's check."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a taken credit code must not leave an orphan user behind.
            with transaction.atomic():
                user = form.save()
                organization_register(
                    user=user,
                    name=data["organization_name"],
                    credit_code=data["credit_code"],
                    role=data["role"],
                    province_id=data["province"],
                    city_id=data["city"] or None,
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_email=data["email"],
                )
        except BusinessError as error:
            form_add_business_error(form, error)
        except ValidationError as error:  # the organisation's model validation (e.g. checksum)
            for field, errors in error.message_dict.items():
                target = {"name": "organization_name"}.get(field, field)
                form.add_error(target if target in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("注册成功。您的组织正在等待平台审核，审核通过后即可发布信息。")
            )
            return redirect("account")
    return render(request, "frontend/accounts/signup.html", {"form": form})


def login_locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """The login page, refusing a sign-in django-axes has locked out (AXES_LOCKOUT_CALLABLE):
    too many failures for this account or from this address. 429, like any rate limit."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    messages.error(
        request,
        ngettext(
            "登录失败次数过多，请 %(minutes)d 分钟后再试。",
            "登录失败次数过多，请 %(minutes)d 分钟后再试。",
            minutes,
        )
        % {"minutes": minutes},
    )
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "frontend/accounts/registration/login.html",
        {"form": form, "next": request.POST.get("next", "")},
        status=429,
    )


def region_cities(request: HttpRequest) -> HttpResponse:
    """The <option>s of a province's cities (HTMX, for province → city selects)."""
    province = request.GET.get("province") or request.GET.get("province_id") or ""
    return render(
        request, "frontend/partials/city_options.html", {"cities": city_choices_for(province)}
    )


# Reference data changes a few times a year; an hour-old county list is still right.
COUNTIES_MAX_AGE_SECONDS = 3600


@require_GET
@cache_control(public=True, max_age=COUNTIES_MAX_AGE_SECONDS)
def region_counties(request: HttpRequest) -> JsonResponse:
    """Every county, {parent code: [[code, zh, en], ...]}, for the region picker to unfold
    (≈ 110 kB: too much to put in every form page)."""
    return JsonResponse(counties_by_parent())


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's organisation(s), its verification status and what to do next."""
    organization = current_organization(request)
    context = {"organization": organization, "memberships": request.user.memberships.all()}
    if organization is not None:
        context["members"] = membership_list(organization=organization)
        context["owner"] = is_owner(request, organization)
    return render(request, "frontend/accounts/account.html", context)


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Act for another of the user's organisations; anything but one of their ids is a 400."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        organization_id = None
    if organization_id not in request.user.organization_ids:
        return HttpResponseBadRequest(
            _("请选择您所属的组织。"), content_type="text/plain; charset=utf-8"
        )
    request.session[SESSION_ORGANIZATION] = organization_id
    return redirect("account")


@organization_required()
def members(request: HttpRequest, organization: Organization) -> HttpResponse:
    owner = is_owner(request, organization)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST":
        if not owner:
            messages.error(request, _("只有组织管理员可以添加成员。"))
        elif form.is_valid():
            membership_add(
                actor=request.user,
                organization=organization,
                user=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("已添加成员。"))
            return redirect("members")
    return render(
        request,
        "frontend/accounts/members.html",
        {
            "organization": organization,
            "members": membership_list(organization=organization),
            "form": form,
            "owner": owner,
        },
    )


@organization_required()
def api_keys(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Organisation owners issue and revoke API keys; the secret is shown once."""
    owner = is_owner(request, organization)
    form = APIKeyForm(request.POST or None)
    secret = None
    if request.method == "POST" and owner and form.is_valid():
        try:
            _key, secret = apikey_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                organization=organization,
                scopes=form.cleaned_data["scopes"],
            )
        except BusinessError as error:
            form_add_business_error(form, error)
        else:
            form = APIKeyForm()
    keys = APIKey.objects.filter(organization=organization).order_by("-created")
    return render(
        request,
        "frontend/accounts/api_keys.html",
        {
            "organization": organization,
            "keys": keys,
            "form": form,
            "secret": secret,
            "owner": owner,
        },
    )


@organization_required()
@require_POST
def api_key_revoke(request: HttpRequest, prefix: str, organization: Organization) -> HttpResponse:
    # By prefix: the primary key embeds the secret's hash, which never goes into a URL.
    key = get_object_or_404(APIKey, prefix=prefix, organization=organization)
    if is_owner(request, organization):
        apikey_revoke(actor=request.user, key=key)
        messages.success(request, _("密钥已吊销。"))
    return redirect("api-keys")
