"""Typical cases (典型案例): the public library and case pages, the parties' nominations and
consents, and the coordinators' collection queue with edit, assessment, preview and decision.
Every change goes through the coordination services."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.coordination import services
from apps.coordination.models import CASE_CRITERIA, TypicalCase
from apps.coordination.selectors import (
    CASE_QUEUE_ORDER,
    case_nominable_matches,
    typical_case_list,
    typical_case_list_of_organization,
    typical_case_queue,
    typical_case_visible_get,
)
from apps.core.exceptions import BusinessError
from apps.matching.models import Match

from ..access import coordinator_required, organization_required, safe_next
from ..cases import (
    case_assessment,
    case_cards,
    case_consents,
    case_text,
    nominable_views,
    rating_choices,
)

CASE_PAGE = 20
NOMINABLE_SHOWN = 50
CASE_FIELDS = ("title", "summary", "results", "title_en", "summary_en", "results_en")


# --- public -------------------------------------------------------------------------------


def case_list(request: HttpRequest) -> HttpResponse:
    """The library of published typical cases, newest first."""
    page = Paginator(typical_case_list(), CASE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/cases/list.html",
        {"page": page, "cards": case_cards(list(page), principal=request.user)},
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A case's page: public once published; before that only its parties and coordinators
    see it (with who has consented)."""
    case = typical_case_visible_get(principal=request.user, case_id=pk)
    if case is None:
        raise Http404
    return render(
        request,
        "frontend/cases/detail.html",
        {
            "card": case_cards([case], principal=request.user)[0],
            "consents": case_consents(case) if case.status != case.Status.PUBLISHED else [],
        },
    )


# --- parties --------------------------------------------------------------------------------


@organization_required()
def my_cases(request: HttpRequest, organization: Organization) -> HttpResponse:
    """My organisation's won introductions to nominate, and the cases that ask for our
    consent."""
    cases = list(typical_case_list_of_organization(organization_id=organization.pk)[:100])
    rows = []
    for case in cases:
        consents = case_consents(case)
        mine = next((c for c in consents if c["organization_id"] == organization.pk), None)
        rows.append(
            {
                "case": case,
                "text": case_text(case),
                "consents": consents,
                "can_answer": case.status == TypicalCase.Status.NOMINATED
                and mine is not None
                and mine["decision"] == "pending",
            }
        )
    nominable = list(case_nominable_matches(organization_id=organization.pk)[:NOMINABLE_SHOWN])
    return render(
        request,
        "frontend/cases/mine.html",
        {"organization": organization, "rows": rows, "nominable": nominable_views(nominable)},
    )


@require_POST
def case_nominate(request: HttpRequest, match_id: int) -> HttpResponse:
    """A party (or a coordinator) nominates a won introduction; the service decides who may."""
    if not request.user.is_authenticated:
        raise Http404
    match = get_object_or_404(Match, pk=match_id)
    fallback = "coordinator:cases" if request.user.is_coordinator else "my-cases"
    try:
        case = services.case_nominate(
            actor=request.user,
            match=match,
            title=request.POST.get("title", ""),
            note=request.POST.get("note", ""),
        )
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect(safe_next(request, fallback))
    messages.success(request, _("已推荐为典型案例，等待双方同意公开。"))
    if request.user.is_coordinator:
        return redirect("coordinator:case", pk=case.pk)
    return redirect(safe_next(request, fallback))


@organization_required()
@require_POST
def case_consent(request: HttpRequest, pk: int, organization: Organization) -> HttpResponse:
    """My organisation consents to (or declines) publishing a case it is a party to."""
    case = get_object_or_404(TypicalCase, pk=pk)
    grant = request.POST.get("decision") == "grant"
    try:
        services.case_consent(
            actor=request.user, case=case, grant=grant, organization_id=organization.pk
        )
        messages.success(request, _("已同意公开该案例。") if grant else _("已拒绝公开该案例。"))
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, "my-cases"))


# --- coordinators ---------------------------------------------------------------------------


@coordinator_required
def coordinator_cases(request: HttpRequest) -> HttpResponse:
    """The collection queue: cases in review first (they wait on us), then those waiting for
    consent, then decided ones; and won introductions nobody has nominated yet."""
    status = request.GET.get("status", "")
    page = Paginator(typical_case_queue(status=status), CASE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/cases/coordinator_list.html",
        {
            "page": page,
            "rows": [
                {"case": case, "text": case_text(case), "consents": case_consents(case)}
                for case in page
            ],
            "status": status,
            "statuses": [(value, TypicalCase.Status(value).label) for value in CASE_QUEUE_ORDER],
            "querystring": f"status={status}" if status else "",
            "nominable": nominable_views(list(case_nominable_matches()[:NOMINABLE_SHOWN])),
        },
    )


def _assessment_posted(request: HttpRequest) -> dict:
    return {
        code: {
            "rating": request.POST.get(f"rating_{code}", ""),
            "note": request.POST.get(f"note_{code}", ""),
        }
        for code, _name, _question in CASE_CRITERIA
    }


@coordinator_required
def coordinator_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a case, assess it against the criteria, preview it as the public will see it, and
    publish or reject it."""
    case = typical_case_visible_get(principal=request.user, case_id=pk)
    if case is None:
        raise Http404
    errors: dict = {}
    values = {field: getattr(case, field) for field in CASE_FIELDS}
    assessment = case_assessment(case)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                services.case_edit(
                    actor=request.user,
                    case=case,
                    **{field: request.POST.get(field, "") for field in CASE_FIELDS},
                    assessment=_assessment_posted(request),
                )
                messages.success(request, _("案例已保存，请查看下方预览。"))
            elif action == "publish":
                services.case_publish(actor=request.user, case=case)
                messages.success(request, _("典型案例已发布。"))
            elif action == "reject":
                services.case_reject(
                    actor=request.user, case=case, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("已将该案例标记为未入选。"))
            return redirect("coordinator:case", pk=case.pk)
        except BusinessError as error:
            messages.error(request, error.message)
            errors = error.fields
            if action == "save":  # the coordinator's edits stay in the form
                values = {field: request.POST.get(field, "") for field in CASE_FIELDS}
                assessment = case_assessment(TypicalCase(assessment=_assessment_posted(request)))
        case = typical_case_visible_get(principal=request.user, case_id=pk)
    return render(
        request,
        "frontend/cases/coordinator_case.html",
        {
            "case": case,
            "card": case_cards([case], principal=request.user)[0],
            "consents": case_consents(case),
            "values": values,
            "assessment": assessment,
            "ratings": rating_choices(),
            "errors": errors,
            "editable": case.status in services.CASE_EDITABLE,
            "publishable": case.status == TypicalCase.Status.IN_REVIEW,
        },
        status=400 if errors else 200,
    )
