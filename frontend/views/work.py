"""The role home after login ("my work"): drafts, what waits on me, new matches, introductions.

Coordinators have their own ("today", /coordinator/); members of an organisation land here.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from apps.catalog.selectors import offering_visible_queryset
from apps.catalog.services import DRAFT_STATUSES as OFFERING_DRAFT_STATUSES
from apps.coordination.selectors import typical_case_awaiting_consent
from apps.demands.selectors import demand_visible_queryset
from apps.demands.services import DRAFT_STATUSES as DEMAND_DRAFT_STATUSES

from .. import matching
from ..access import current_organization
from ..cases import case_text

# "New since my last visit" on a first visit (or once the remembered visit has expired).
FIRST_VISIT_WINDOW = timedelta(days=7)
# Last visits are remembered in the cache; losing one only widens "new" to the window above.
LAST_VISIT_TTL_SECONDS = 90 * 86400
DRAFTS_SHOWN = 10


def _last_visit(request: HttpRequest, organization_id: int):
    """When this member's previous visit to its home for this organisation began (None on a
    first visit, or once the remembered visit has expired). A visit is a session: every load
    of it counts "new" from the same moment, so a reload or a way back from a demand keeps the
    list; the next session counts from the start of this one."""
    in_session = f"work-since:{organization_id}"
    if in_session not in request.session:
        key = f"frontend:work-seen:{request.user.pk}:{organization_id}"
        request.session[in_session] = cache.get(key) or ""
        cache.set(key, timezone.now().isoformat(), LAST_VISIT_TTL_SECONDS)
    seen = request.session[in_session]
    if seen:
        try:
            return timezone.datetime.fromisoformat(seen)
        except ValueError:
            pass
    return None


def my_work(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_coordinator:
        return redirect("coordinator:index")
    organization = current_organization(request)
    if organization is None:
        return render(request, "frontend/work.html", {"organization": None})
    last_visit = _last_visit(request, organization.pk)
    since = last_visit or timezone.now() - FIRST_VISIT_WINDOW
    drafts: dict[str, list] = {}
    if organization.is_enterprise:
        drafts["demands"] = list(
            demand_visible_queryset(request.user)
            .filter(organization=organization, status__in=DEMAND_DRAFT_STATUSES)
            .order_by("-updated_at")[:DRAFTS_SHOWN]
        )
    if organization.is_vendor:
        drafts["offerings"] = list(
            offering_visible_queryset(request.user)
            .filter(organization=organization, status__in=OFFERING_DRAFT_STATUSES)
            .order_by("-updated_at")[:DRAFTS_SHOWN]
        )
    return render(
        request,
        "frontend/work.html",
        {
            "organization": organization,
            # Without a remembered visit "new" means the window's days, and the page says so.
            "last_visit": last_visit,
            "window_days": FIRST_VISIT_WINDOW.days,
            "drafts": drafts,
            "cases_waiting": [
                {"case": case, "text": case_text(case)}
                for case in typical_case_awaiting_consent(organization_id=organization.pk)[:10]
            ],
            **matching.work_panels(principal=request.user, organization=organization, since=since),
        },
    )
