"""Vendor pages: catalogue CRUD and publishing, import/export, matching demands, partners."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.catalog.models import Offering, SupplyKind
from apps.catalog.selectors import offering_visible_queryset
from apps.catalog.services import (
    DRAFT_STATUSES,
    offering_archive,
    offering_create,
    offering_submit,
    offering_update,
)
from apps.core.exceptions import BusinessError
from apps.imports.services import (
    ImportReport,
    import_offerings,
    import_template_workbook,
    offerings_export,
    offerings_submit_for_review,
)

from .. import matching
from ..access import organization_required, safe_next
from ..forms.base import business_error_text, form_add_business_error
from ..forms.listings import ImportForm, OfferingForm
from ..names import reference_names

VENDOR = "vendor"


def _own_offering(request: HttpRequest, organization: Organization, pk: int) -> Offering:
    queryset = offering_visible_queryset(request.user).filter(organization=organization)
    return get_object_or_404(queryset, pk=pk)


@organization_required(VENDOR)
def offering_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    offerings = (
        offering_visible_queryset(request.user)
        .filter(organization=organization)
        .order_by("-updated_at")
    )
    status = request.GET.get("status")
    if status in Offering.Status.values:
        offerings = offerings.filter(status=status)
    return render(
        request,
        "frontend/vendor/offering_list.html",
        {
            "organization": organization,
            "offerings": offerings,
            "statuses": Offering.Status.choices,
            "status": status,
            "names": reference_names(),
        },
    )


@organization_required(VENDOR)
def offering_edit(
    request: HttpRequest, organization: Organization, pk: int | None = None
) -> HttpResponse:
    offering = _own_offering(request, organization, pk) if pk else None
    initial = OfferingForm.initial_from(offering) if offering else {}
    submitting = "submit" in request.POST
    form = OfferingForm(
        request.POST or None, initial=initial, listing=offering, complete=submitting
    )
    if request.method == "POST" and form.is_valid():
        try:
            values = form.service_values()
            # "Save" keeps a draft even when it is incomplete; submitting needs all of it.
            draft = not submitting
            if offering is None:
                offering = offering_create(
                    actor=request.user, organization=organization, incomplete_ok=draft, **values
                )
            else:
                offering = offering_update(
                    actor=request.user, offering=offering, incomplete_ok=draft, **values
                )
            if submitting and offering.status in DRAFT_STATUSES:
                offering_submit(actor=request.user, offering=offering)
                messages.success(request, _("供给已提交，等待平台审核后发布。"))
            else:
                messages.success(request, _("供给已保存。"))
            return redirect("vendor:offerings")
        except BusinessError as error:
            form_add_business_error(form, error)
    return render(
        request,
        "frontend/vendor/offering_form.html",
        {"organization": organization, "form": form, "offering": offering},
    )


@organization_required(VENDOR)
def offering_attributes(request: HttpRequest, organization: Organization) -> HttpResponse:
    """HTMX: the attribute fields of the chosen supply kind."""
    kind = SupplyKind.objects.filter(pk=request.GET.get("kind") or "").first()
    form = OfferingForm(initial={"kind": kind.pk if kind else ""})
    return render(request, "frontend/vendor/_attributes.html", {"form": form})


@organization_required(VENDOR)
@require_POST
def offering_action(
    request: HttpRequest, organization: Organization, pk: int, action: str
) -> HttpResponse:
    offering = _own_offering(request, organization, pk)
    try:
        if action == "submit":
            offering_submit(actor=request.user, offering=offering)
            messages.success(request, _("“%(name)s”已提交审核。") % {"name": offering.name})
        elif action == "archive":
            offering_archive(actor=request.user, offering=offering)
            messages.success(request, _("“%(name)s”已下架。") % {"name": offering.name})
    except BusinessError as error:
        messages.error(request, business_error_text(error))
    return redirect("vendor:offerings")


@organization_required(VENDOR)
def matching_demands(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Published demands my offerings fit (all of them, or the one chosen), with an "express
    interest" action, a page at a time."""
    published = (
        offering_visible_queryset(request.user)
        .filter(organization=organization, status=Offering.Status.PUBLISHED)
        .order_by("name", "id")
    )
    chosen = published.filter(pk=_int(request.GET.get("offering"))).first()
    return render(
        request,
        "frontend/vendor/matching_demands.html",
        {
            "organization": organization,
            "published": published,
            "chosen": chosen,
            "querystring": urlencode({"offering": chosen.pk}) if chosen else "",
            **matching.vendor_demand_panels(
                principal=request.user,
                organization=organization,
                offering_id=chosen.pk if chosen else None,
                page=request.GET.get("page") or 1,
            ),
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@organization_required(VENDOR)
def demand_detail(request: HttpRequest, organization: Organization, demand_id: int) -> HttpResponse:
    """A demand my offerings fit: its requirements, and every fitting offering of mine to
    choose the one to propose (the organisation and contacts as far as I may know them)."""
    try:
        context = matching.vendor_demand(
            principal=request.user, organization=organization, demand_id=demand_id
        )
    except BusinessError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "frontend/vendor/demand_detail.html",
        {"organization": organization, "names": reference_names(), **context},
    )


@organization_required(VENDOR)
@require_POST
def express_interest(
    request: HttpRequest, organization: Organization, demand_id: int
) -> HttpResponse:
    try:
        matching.interest_express(
            principal=request.user,
            organization=organization,
            demand_id=demand_id,
            offering_id=int(request.POST.get("offering") or 0) or None,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已向平台协调员表达合作意向。"))
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, "vendor:demands"))


@organization_required(VENDOR)
def partners(request: HttpRequest, organization: Organization) -> HttpResponse:
    return render(
        request,
        "frontend/vendor/partners.html",
        {
            "organization": organization,
            **matching.partner_suggestions(principal=request.user, organization=organization),
        },
    )


# --- Excel/CSV import and export ---------------------------------------------------------

SESSION_IMPORT = "frontend_import_upload"
# Offering id → sheet row of the last committed import, for "submit all for review".
SESSION_IMPORTED = "frontend_import_rows"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@organization_required(VENDOR)
def import_template(request: HttpRequest, organization: Organization) -> HttpResponse:
    return _xlsx_response(import_template_workbook(), "iotmatch-offerings-template.xlsx")


@organization_required(VENDOR)
def export(request: HttpRequest, organization: Organization) -> HttpResponse:
    return _xlsx_response(offerings_export(organization=organization), "iotmatch-offerings.xlsx")


@organization_required(VENDOR)
def import_page(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Upload → dry-run preview with a per-row report → confirm; all or nothing either way.

    A previewed file waits in the session (at most the upload limit) so confirming does not
    need a second upload.
    """
    uploading = request.method == "POST" and "confirm" not in request.POST
    form = ImportForm(request.POST, request.FILES) if uploading else ImportForm()
    report = None
    if request.method == "POST":
        upload = None
        if "confirm" in request.POST and SESSION_IMPORT in request.session:
            stored = request.session.pop(SESSION_IMPORT)
            upload = (stored["filename"], base64.b64decode(stored["content"]), False)
        elif uploading and form.is_valid():
            file = form.cleaned_data["file"]
            upload = (file.name, file.read(), form.cleaned_data["dry_run"])
        if upload is not None:
            filename, content, dry_run = upload
            try:
                report = import_offerings(
                    actor=request.user,
                    organization=organization,
                    filename=filename,
                    content=content,
                    dry_run=dry_run,
                )
            except BusinessError as error:
                form_add_business_error(form, error)
            else:
                if report.committed:
                    request.session[SESSION_IMPORTED] = {
                        str(row.offering_id): row.row for row in report.rows if row.offering_id
                    }
                    messages.success(request, _imported_message(report))
                elif dry_run and not report.errors:
                    request.session[SESSION_IMPORT] = {
                        "filename": filename,
                        "content": base64.b64encode(content).decode("ascii"),
                    }
    return render(
        request,
        "frontend/vendor/import.html",
        {
            "organization": organization,
            "form": form,
            "report": report,
            "row_errors": _errors_by_row(report) if report else {},
        },
    )


@organization_required(VENDOR)
@require_POST
def import_submit(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Submit every offering of the last import for review in one service call; the page then
    says how many went, what happens next, and why any row did not."""
    rows = request.session.pop(SESSION_IMPORTED, {})
    results = offerings_submit_for_review(
        actor=request.user,
        organization=organization,
        offering_ids=[int(offering_id) for offering_id in rows],
    )
    # The report on the page says how many went and what happens next (no flash repeating it).
    submitted = sum(result.submitted for result in results)
    return render(
        request,
        "frontend/vendor/import.html",
        {
            "organization": organization,
            "form": ImportForm(),
            "submitted": [(rows.get(str(result.offering_id)), result) for result in results],
            "submitted_count": submitted,
            "not_submitted_count": len(results) - submitted,
        },
    )


def _imported_message(report: ImportReport) -> str:
    written = report.creates + report.updates
    return ngettext(
        "已导入 %(n)s 条供给（新增 %(c)s，更新 %(u)s），新增的供给为草稿。",
        "已导入 %(n)s 条供给（新增 %(c)s，更新 %(u)s），新增的供给为草稿。",
        written,
    ) % {"n": written, "c": report.creates, "u": report.updates}


def _errors_by_row(report: ImportReport) -> dict[int, list]:
    rows: dict[int, list] = {}
    for error in report.errors:
        rows.setdefault(error.row, []).append(error)
    return rows
