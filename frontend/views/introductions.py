"""Introductions for both sides: the ones brokered for my organisation, to accept or decline."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.core.exceptions import BusinessError

from .. import matching
from ..access import current_organization, organization_required, safe_next


def introduction_list(request: HttpRequest) -> HttpResponse:
    """A member's introductions; a coordinator who acts for no organisation is sent to the
    introductions in the coordinators' match queue, where they are brokered."""
    user = request.user
    if user.is_authenticated and user.is_coordinator and current_organization(request) is None:
        return redirect(f"{reverse('coordinator:matches')}?status=introduced")
    return _member_introductions(request)


@organization_required()
def _member_introductions(request: HttpRequest, organization: Organization) -> HttpResponse:
    return render(
        request,
        "frontend/introductions.html",
        {
            "organization": organization,
            "introductions": matching.introductions_for(
                principal=request.user, organization=organization
            ),
        },
    )


@organization_required()
@require_POST
def introduction_respond(request: HttpRequest, pk: int, organization: Organization) -> HttpResponse:
    accept = request.POST.get("accept") == "1"
    try:
        matching.introduction_respond(
            principal=request.user, organization=organization, match_id=pk, accept=accept
        )
        messages.success(request, _("已接受对接。") if accept else _("已婉拒对接。"))
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, "introductions"))
