"""Who is acting in the web UI: the current organisation and the page guards built on it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.accounts.models import Membership, Organization

SESSION_ORGANIZATION = "frontend_organization_id"


def current_organization(request: HttpRequest) -> Organization | None:
    """The organisation the signed-in user acts for: the one chosen in the session, else the first.

    Cached on the request; None for anonymous users and users without a membership.
    """
    if hasattr(request, "_frontend_organization"):
        return request._frontend_organization
    organization = None
    user = request.user
    if user.is_authenticated:
        memberships = Membership.objects.filter(user=user).select_related(
            "organization", "organization__province"
        )
        chosen = request.session.get(SESSION_ORGANIZATION)
        ordered = sorted(memberships, key=lambda m: (m.organization_id != chosen, m.pk))
        organization = ordered[0].organization if ordered else None
    request._frontend_organization = organization
    return organization


def organization_required(
    role: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Guard a view for members of an organisation (`role` "vendor" or "enterprise" narrows it).

    The view receives the organisation as its `organization` keyword argument.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organization = current_organization(request)
            if organization is None:
                raise PermissionDenied(_("您还没有加入任何组织。"))
            if role == "vendor" and not organization.is_vendor:
                raise PermissionDenied(_("此页面仅供供给方（厂商）使用。"))
            if role == "enterprise" and not organization.is_enterprise:
                raise PermissionDenied(_("此页面仅供需求方（企业）使用。"))
            return view(request, *args, organization=organization, **kwargs)

        return wrapped

    return decorator


def coordinator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guard a view for platform coordinators."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_coordinator:
            raise PermissionDenied(_("此页面仅供平台协调员使用。"))
        return view(request, *args, **kwargs)

    return wrapped


def is_owner(request: HttpRequest, organization: Organization) -> bool:
    return organization.pk in request.user.owned_organization_ids


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go after a POST (or back to from a page): `next` (posted, else in the query)
    or the referring page when it is on this site, else `default` (a URL name, or a path)."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.headers.get("Referer"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default if default.startswith("/") else reverse(default)
