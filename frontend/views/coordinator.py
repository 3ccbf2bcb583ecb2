"""Coordinator pages: review queues (organisations, listings, matches), the mismatch dashboard,
typical cases. Every decision goes through an audited service."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.accounts.services import organization_verify
from apps.catalog.models import Offering, Region, Sector, SupplyKind, Technology
from apps.catalog.selectors import (
    offering_public_get,
    offering_review_queue,
    offering_review_queue_search,
)
from apps.catalog.services import offering_review
from apps.coordination.selectors import (
    coordinator_waiting_counts,
    organization_verification_queue,
    vendor_interest_queue,
)
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.demands.selectors import (
    demand_review_queue,
    demand_review_queue_search,
    demand_visible_queryset,
)
from apps.demands.services import demand_review

from .. import matching
from ..access import coordinator_required, safe_next
from ..facts import offering_attributes, offering_facts
from ..names import reference_names

# Queues show the oldest first, a screenful at a time: reviewing clears them from the top.
# Pending subsets are small (hundreds), so a page-number paginator's COUNT is cheap there.
REVIEW_PAGE = 25
# The "today" page lists this many of each queue's oldest and newest items.
TODAY_OLDEST = 5
TODAY_NEWEST = 3
# A bulk decision names at most one page of rows.
BULK_LIMIT = 100


def _decision(request: HttpRequest) -> tuple[bool, str]:
    return request.POST.get("decision") == "approve", request.POST.get("note", "").strip()


def waiting_label(since: datetime, now: datetime) -> str:
    """ "等待 3 天" / "waiting 3 days": whole days, else hours, else minutes."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds >= 86400:
        days = seconds // 86400
        return ngettext("等待 %(n)d 天", "等待 %(n)d 天", days) % {"n": days}
    if seconds >= 3600:
        hours = seconds // 3600
        return ngettext("等待 %(n)d 小时", "等待 %(n)d 小时", hours) % {"n": hours}
    minutes = max(1, seconds // 60)
    return ngettext("等待 %(n)d 分钟", "等待 %(n)d 分钟", minutes) % {"n": minutes}


def _with_waiting(rows, since_field: str = "updated_at") -> list:
    now = timezone.now()
    rows = list(rows)
    for row in rows:
        row.waiting = waiting_label(getattr(row, since_field), now)
    return rows


@coordinator_required
def index(request: HttpRequest) -> HttpResponse:
    """The coordinator's "today": what waits on them, each queue's oldest first and its newest
    arrivals, one click from a row to act on it."""
    queue_counts = coordinator_waiting_counts()
    counts = {**queue_counts, "matches": matching.review_queue_count()}
    queues = [
        {
            "key": "interest",
            "title": _("对接请求"),
            "count": counts["interest"],
            "url": reverse("coordinator:interest"),
            "oldest": _with_waiting(
                vendor_interest_queue()[:TODAY_OLDEST], since_field="waiting_since"
            ),
            "newest": _with_waiting(
                vendor_interest_queue(sort="newest")[:TODAY_NEWEST], since_field="waiting_since"
            ),
        },
        {
            "key": "demands",
            "title": _("待审核需求"),
            "count": counts["demands"],
            "url": reverse("coordinator:demands"),
            "oldest": _with_waiting(demand_review_queue_search()[:TODAY_OLDEST]),
            "newest": _with_waiting(demand_review_queue_search(sort="newest")[:TODAY_NEWEST]),
        },
        {
            "key": "offerings",
            "title": _("待审核供给"),
            "count": counts["offerings"],
            "url": reverse("coordinator:offerings"),
            "oldest": _with_waiting(offering_review_queue_search()[:TODAY_OLDEST]),
            "newest": _with_waiting(offering_review_queue_search(sort="newest")[:TODAY_NEWEST]),
        },
        {
            "key": "organizations",
            "title": _("待审核组织"),
            "count": counts["organizations"],
            "url": reverse("coordinator:organizations"),
            "oldest": _with_waiting(
                organization_verification_queue()[:TODAY_OLDEST], since_field="created_at"
            ),
            "newest": _with_waiting(
                organization_verification_queue(sort="newest")[:TODAY_NEWEST],
                since_field="created_at",
            ),
        },
    ]
    for queue in queues:
        oldest_ids = {row.pk for row in queue["oldest"]}
        queue["newest"] = [row for row in queue["newest"] if row.pk not in oldest_ids]
    return render(
        request,
        "frontend/coordinator/index.html",
        {
            "counts": counts,
            "queue_counts": queue_counts,
            "queues": queues,
            "review_count_cap": matching.REVIEW_COUNT_CAP,
        },
    )


@coordinator_required
def organizations(request: HttpRequest) -> HttpResponse:
    """Organisations awaiting verification, oldest sign-up first, searchable and paged."""
    filters = {
        "search": request.GET.get("q", "").strip()[:100],
        "role": request.GET.get("role", ""),
        "province": request.GET.get("province", ""),
        "sort": request.GET.get("sort", "oldest"),
    }
    page = Paginator(organization_verification_queue(**filters), REVIEW_PAGE).get_page(
        request.GET.get("page")
    )
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "frontend/coordinator/organizations.html",
        {
            "page": page,
            "organizations": _with_waiting(page.object_list, since_field="created_at"),
            "filters": filters,
            "querystring": urlencode(kept),
            "roles": [
                (Organization.Role.VENDOR, _("供给方（厂商）")),
                (Organization.Role.ENTERPRISE, _("需求方（企业）")),
            ],
            "provinces": Region.objects.filter(level=Region.Level.PROVINCE),
            "sorts": [("oldest", _("等待最久")), ("newest", _("最新提交")), ("name", _("名称"))],
            "queue_counts": coordinator_waiting_counts(),
        },
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
    return redirect(safe_next(request, "coordinator:organizations"))


def _queue_filters(request: HttpRequest) -> dict:
    organization = request.GET.get("organization", "")
    return {
        "search": request.GET.get("q", "").strip()[:100],
        "kind": request.GET.get("kind", ""),
        "sector": request.GET.get("sector", ""),
        "scenario": request.GET.get("scenario", ""),
        "technology": request.GET.get("technology", ""),
        "province": request.GET.get("province", ""),
        "organization_id": int(organization) if organization.isdigit() else None,
        "sort": request.GET.get("sort", "oldest"),
    }


def _queue_page(request: HttpRequest, *, entity: str) -> HttpResponse:
    filters = _queue_filters(request)
    if entity == "offering":
        queryset = offering_review_queue_search(**filters)
        sorts = [("oldest", _("等待最久")), ("newest", _("最新提交")), ("name", _("名称"))]
    else:
        queryset = demand_review_queue_search(**filters)
        sorts = [
            ("oldest", _("等待最久")),
            ("newest", _("最新提交")),
            ("name", _("标题")),
            ("volume", _("规模最大")),
        ]
    page = Paginator(queryset, REVIEW_PAGE).get_page(request.GET.get("page"))
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    organization = (
        Organization.objects.filter(pk=filters["organization_id"]).first()
        if filters["organization_id"]
        else None
    )
    return render(
        request,
        "frontend/coordinator/queue.html",
        {
            "entity": entity,
            "page": page,
            "rows": _with_waiting(page.object_list),
            "filters": filters,
            "filtered": any(
                kept.get(key)
                for key in (
                    "q",
                    "kind",
                    "sector",
                    "scenario",
                    "technology",
                    "province",
                    "organization",
                )
            ),
            "organization": organization,
            "querystring": urlencode(kept),
            "sorts": sorts,
            "kinds": SupplyKind.objects.all(),
            "sectors": Sector.objects.prefetch_related("scenarios"),
            "technologies": Technology.objects.all(),
            "provinces": Region.objects.filter(level=Region.Level.PROVINCE),
            "queue_counts": coordinator_waiting_counts(),
            "names": reference_names(),
        },
    )


@coordinator_required
def offering_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, entity="offering")


@coordinator_required
def demand_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, entity="demand")


@coordinator_required
def listings(request: HttpRequest) -> HttpResponse:
    """The former combined page: its links and bookmarks land on the demand queue."""
    query = request.GET.urlencode()
    return redirect(reverse("coordinator:demands") + (f"?{query}" if query else ""))


def _review(request: HttpRequest, *, entity: str, row, approve: bool, note: str) -> str:
    if entity == "offering":
        offering_review(actor=request.user, offering=row, approve=approve, note=note)
        return row.name
    demand_review(actor=request.user, demand=row, approve=approve, note=note)
    return row.title


def _queue_url(entity: str) -> str:
    return "coordinator:offerings" if entity == "offering" else "coordinator:demands"


@coordinator_required
def listing_detail(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """A demand or an offering in full, as its reviewer needs it, with the review decision
    while it waits; `next` (a queue address with its filters and page) is where the back link
    and the decision lead."""
    if entity == "offering":
        row = offering_public_get(principal=request.user, offering_id=pk)
    else:
        row = demand_visible_queryset(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    back = safe_next(request, _queue_url(entity))
    return render(
        request,
        "frontend/coordinator/listing.html",
        {
            "entity": entity,
            "row": _with_waiting([row])[0],
            "back": back,
            "facts": offering_facts(row) if entity == "offering" else [],
            "attributes": offering_attributes(row) if entity == "offering" else [],
            "names": reference_names(),
            "queue_counts": coordinator_waiting_counts(),
        },
    )


@coordinator_required
@require_POST
def listing_decide(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    approve, note = _decision(request)
    model = Offering if entity == "offering" else Demand
    row = get_object_or_404(model, pk=pk)
    try:
        title = _review(request, entity=entity, row=row, approve=approve, note=note)
        messages.success(
            request, (_("已发布：%(name)s") if approve else _("已驳回：%(name)s")) % {"name": title}
        )
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, _queue_url(entity)))


@coordinator_required
@require_POST
def listing_bulk_decide(request: HttpRequest, entity: str) -> HttpResponse:
    """Approve or reject (one reason for all) the ticked rows of a queue page, each through
    the audited review service; rows that fail are reported, the others still decided."""
    approve, note = _decision(request)
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()][:BULK_LIMIT]
    queue = offering_review_queue() if entity == "offering" else demand_review_queue()
    decided, errors = 0, []
    if not ids:
        messages.error(request, _("请先勾选要处理的条目。"))
        return redirect(safe_next(request, _queue_url(entity)))
    for row in queue.filter(pk__in=ids).order_by("pk"):
        try:
            _review(request, entity=entity, row=row, approve=approve, note=note)
            decided += 1
        except BusinessError as error:
            errors.append(error.message)
    if decided:
        messages.success(
            request,
            (
                ngettext("已发布 %(n)d 条。", "已发布 %(n)d 条。", decided)
                if approve
                else ngettext("已驳回 %(n)d 条。", "已驳回 %(n)d 条。", decided)
            )
            % {"n": decided},
        )
    for message in dict.fromkeys(errors):
        messages.error(request, message)
    return redirect(safe_next(request, _queue_url(entity)))


@coordinator_required
def interest(request: HttpRequest) -> HttpResponse:
    """Vendors' expressions of interest waiting on a coordinator, oldest first by default."""
    status = request.GET.get("status", "")
    sort = request.GET.get("sort", "oldest")
    page = Paginator(vendor_interest_queue(status=status, sort=sort), REVIEW_PAGE).get_page(
        request.GET.get("page")
    )
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "frontend/coordinator/interest.html",
        {
            "page": page,
            "rows": _with_waiting(page.object_list, since_field="waiting_since"),
            "status": status,
            "sort": sort,
            "querystring": urlencode(kept),
            "sorts": [("oldest", _("等待最久")), ("newest", _("最新提交")), ("score", _("匹配度"))],
            "queue_counts": coordinator_waiting_counts(),
        },
    )


@coordinator_required
def matches(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "suggested"
    filters = {
        "origin": request.GET.get("origin", ""),
        "search": request.GET.get("q", "").strip()[:100],
        "sort": request.GET.get("sort", "score"),
        "feedback": request.GET.get("feedback", ""),
    }
    number = request.GET.get("page", "")
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "frontend/coordinator/matches.html",
        {
            "status": status,
            "filters": filters,
            "querystring": urlencode(kept),
            "sorts": [("score", _("匹配度")), ("newest", _("最新提交")), ("oldest", _("等待最久"))],
            "queue_counts": coordinator_waiting_counts(),
            **matching.coordinator_match_panels(
                status=status,
                principal=request.user,
                page=int(number) if number.isdigit() else 1,
                **filters,
            ),
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
