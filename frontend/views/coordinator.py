"""Coordinator pages: review queues (organisations, listings, matches), the mismatch dashboard,
typical cases. Every decision goes through an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.accounts.services import organization_verify
from apps.catalog.models import Offering
from apps.catalog.selectors import offering_review_queue
from apps.catalog.services import offering_review
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.demands.selectors import demand_review_queue
from apps.demands.services import demand_review

from .. import matching
from ..access import coordinator_required, safe_next
from ..names import reference_names

# Queues show the oldest first, a screenful at a time: reviewing clears them from the top.
REVIEW_PAGE = 30


def _decision(request: HttpRequest) -> tuple[bool, str]:
    return request.POST.get("decision") == "approve", request.POST.get("note", "").strip()


def _pending_organizations():
    return Organization.objects.filter(
        verification_status=Organization.Verification.PENDING
    ).select_related("province", "city")


@coordinator_required
def index(request: HttpRequest) -> HttpResponse:
    counts = {
        "organizations": _pending_organizations().count(),
        "offerings": offering_review_queue().count(),
        "demands": demand_review_queue().count(),
        "matches": matching.review_queue_count(),
    }
    return render(request, "frontend/coordinator/index.html", {"counts": counts})


@coordinator_required
def organizations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/coordinator/organizations.html",
        {"organizations": _pending_organizations().order_by("created_at")},
    )


@coordinator_required
@require_POST
def organization_decide(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    approve, note = _decision(request)
    try:
        organization_verify(
            actor=request.user, organization=organization, approve=approve, note=note
        )
        messages.success(
            request,
            (_("已认证：%(name)s") if approve else _("已驳回：%(name)s"))
            % {"name": organization.name},
        )
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect("coordinator:organizations")


@coordinator_required
def listings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/coordinator/listings.html",
        {
            "offerings": offering_review_queue().order_by("updated_at")[:REVIEW_PAGE],
            "offering_total": offering_review_queue().count(),
            "demands": demand_review_queue().order_by("updated_at")[:REVIEW_PAGE],
            "demand_total": demand_review_queue().count(),
            "names": reference_names(),
        },
    )


@coordinator_required
@require_POST
def listing_decide(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    approve, note = _decision(request)
    try:
        if entity == "offering":
            offering = get_object_or_404(Offering, pk=pk)
            offering_review(actor=request.user, offering=offering, approve=approve, note=note)
            title = offering.name
        else:
            demand = get_object_or_404(Demand, pk=pk)
            demand_review(actor=request.user, demand=demand, approve=approve, note=note)
            title = demand.title
        messages.success(
            request, (_("已发布：%(name)s") if approve else _("已驳回：%(name)s")) % {"name": title}
        )
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect("coordinator:listings")


@coordinator_required
def matches(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "suggested"
    return render(
        request,
        "frontend/coordinator/matches.html",
        {
            "status": status,
            **matching.coordinator_match_panels(status=status, principal=request.user),
        },
    )


@coordinator_required
@require_POST
def match_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """approve / reject (with a reason) / introduce a suggested match."""
    note = request.POST.get("note", "").strip()
    try:
        matching.match_transition(principal=request.user, match_id=pk, action=action, note=note)
        messages.success(
            request,
            {
                "approve": _("已批准该匹配。"),
                "reject": _("已驳回该匹配。"),
                "introduce": _("已为双方牵线，并已发送邮件通知。"),
                "won": _("已记为成交，可发布为典型案例。"),
                "lost": _("已记为未成交。"),
            }.get(action, _("已处理。")),
        )
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, "coordinator:matches"))


@coordinator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Mismatch dashboard: heatmap sector × technology, provinces, trends, drill-down."""
    return render(
        request,
        "frontend/coordinator/dashboard.html",
        {"dashboard": matching.mismatch_dashboard()},
    )


@coordinator_required
def dashboard_cell(request: HttpRequest) -> HttpResponse:
    """HTMX drill-down: the demands behind one sector × technology (× province) cell."""
    return render(
        request,
        "frontend/coordinator/_cell.html",
        matching.mismatch_cell(
            principal=request.user,
            sector=request.GET.get("sector", ""),
            technology=request.GET.get("technology", ""),
            province=request.GET.get("province", ""),
        ),
    )


@coordinator_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    content = matching.mismatch_workbook(principal=request.user)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mismatch-dashboard.xlsx"'
    return response


@coordinator_required
def cases(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/coordinator/cases.html",
        {"candidates": matching.case_candidates(), "cases": matching.published_cases()},
    )


@coordinator_required
@require_POST
def case_publish(request: HttpRequest, match_id: int) -> HttpResponse:
    try:
        matching.case_publish(
            principal=request.user,
            match_id=match_id,
            title=request.POST.get("title", "").strip(),
            summary=request.POST.get("summary", "").strip(),
        )
        messages.success(request, _("典型案例已发布。"))
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect("coordinator:cases")
