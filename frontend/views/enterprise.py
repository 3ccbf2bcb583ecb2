"""Enterprise pages: the demand wizard with live technology advice, my demands, demand detail."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import Organization
from apps.catalog.models import Scenario
from apps.catalog.reference.functions import functions_meant
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.demands.selectors import demand_visible_queryset
from apps.demands.services import (
    DRAFT_STATUSES,
    demand_close,
    demand_create,
    demand_submit,
    demand_update,
)

from .. import matching
from ..access import organization_required, safe_next
from ..advice import advice_for
from ..forms.base import business_error_text, form_add_business_error, scenario_choices_for
from ..forms.listings import DemandForm, RequirementProfileForm, profile_initial_for
from ..names import reference_names

ENTERPRISE = "enterprise"


def _own_demand(request: HttpRequest, organization: Organization, pk: int) -> Demand:
    queryset = demand_visible_queryset(request.user).filter(organization=organization)
    return get_object_or_404(queryset, pk=pk)


@organization_required(ENTERPRISE)
def demand_list(request: HttpRequest, organization: Organization) -> HttpResponse:
    demands = (
        demand_visible_queryset(request.user)
        .filter(organization=organization)
        .order_by("-updated_at")
    )
    return render(
        request,
        "frontend/enterprise/demand_list.html",
        {"organization": organization, "demands": demands},
    )


def _save_demand(
    request: HttpRequest, organization: Organization, form: DemandForm, demand: Demand | None
) -> Demand | None:
    """Create or update from a valid form, submitting when asked; None on a business error."""
    # "Save draft" keeps a draft even when it is incomplete; submitting needs all of it.
    draft = "submit" not in request.POST
    try:
        values = form.service_values()
        if demand is None:
            demand = demand_create(
                actor=request.user, organization=organization, incomplete_ok=draft, **values
            )
        else:
            demand = demand_update(actor=request.user, demand=demand, incomplete_ok=draft, **values)
        if "submit" in request.POST and demand.status in DRAFT_STATUSES:
            demand = demand_submit(actor=request.user, demand=demand)
            messages.success(request, _("需求已提交，等待平台审核。"))
        else:
            messages.success(request, _("需求已保存。"))
    except BusinessError as error:
        form_add_business_error(form, error)
        return None
    return demand


@organization_required(ENTERPRISE)
def demand_edit(
    request: HttpRequest, organization: Organization, pk: int | None = None
) -> HttpResponse:
    """The wizard: sector → scenario → profile (with live advice) → regions, volume, budget …"""
    demand = _own_demand(request, organization, pk) if pk else None
    initial = DemandForm.initial_from(demand) if demand else {}
    form = DemandForm(
        request.POST or None, initial=initial, listing=demand, complete="submit" in request.POST
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_demand(request, organization, form, demand)
        if saved is not None:
            return redirect("enterprise:demand", pk=saved.pk)
    profile_values = form.data if form.is_bound else {**RequirementProfileForm().initial, **initial}
    return render(
        request,
        "frontend/enterprise/demand_form.html",
        {
            "organization": organization,
            "form": form,
            "demand": demand,
            "advice": _advice_or_none(profile_values),
        },
    )


def _advice_or_none(data: object):
    profile = RequirementProfileForm(data)
    return advice_for(profile.cleaned_data) if profile.is_valid() else None


@organization_required(ENTERPRISE)
def wizard_scenarios(request: HttpRequest, organization: Organization) -> HttpResponse:
    """HTMX: the scenario <option>s of the chosen sector."""
    return render(
        request,
        "frontend/partials/options.html",
        {"options": scenario_choices_for(request.GET.get("sector"))},
    )


@organization_required(ENTERPRISE)
def wizard_profile(request: HttpRequest, organization: Organization) -> HttpResponse:
    """HTMX: the profile step pre-filled with the chosen scenario's typical profile, with advice."""
    scenario = Scenario.objects.filter(pk=request.GET.get("scenario") or "").first()
    initial = profile_initial_for(scenario)
    form = DemandForm(initial=initial)
    advice = _advice_or_none(
        {**{"mobility": 0, "power_source": "mains", "coverage_depth": 0}, **initial}
    )
    return render(
        request,
        "frontend/enterprise/_profile_step.html",
        {
            "form": form,
            "advice": advice,
            "scenario": scenario,
            # The kinds the author ticked are theirs (the select sends them along); with none
            # ticked yet, the scenario's are ticked beside the profile (an out-of-band swap).
            "prefill_kinds": bool(initial.get("kinds_needed"))
            and not request.GET.getlist("kinds_needed"),
        },
    )


@organization_required(ENTERPRISE)
@require_POST
def wizard_advice(request: HttpRequest, organization: Organization) -> HttpResponse:
    """HTMX: the engine's technology advice for the profile as filled in so far."""
    profile = RequirementProfileForm(request.POST)
    if not profile.is_valid():
        return render(request, "frontend/enterprise/_advice.html", {"errors": profile.errors})
    return render(
        request,
        "frontend/enterprise/_advice.html",
        {"advice": advice_for(profile.cleaned_data)},
    )


@organization_required(ENTERPRISE)
def demand_detail(request: HttpRequest, organization: Organization, pk: int) -> HttpResponse:
    """A demand with its recommended suppliers, bundles, mismatch flags and introductions."""
    demand = _own_demand(request, organization, pk)
    return render(
        request,
        "frontend/enterprise/demand_detail.html",
        {
            "organization": organization,
            "demand": demand,
            "names": reference_names(),
            "advice": _advice_or_none(DemandForm.initial_from(demand)),
            "functions_not_sought": _functions_not_sought(demand),
            **matching.demand_panels(
                principal=request.user, demand=demand, show=request.GET.get("show", "")
            ),
        },
    )


def _functions_not_sought(demand: Demand) -> list[str]:
    """Functions the demand states that its title rules out (see functions_meant)."""
    meant = functions_meant(demand.functions, demand.title, demand.description)
    return [code for code in demand.functions if code not in meant]


def _recommendation_done(action: str) -> str:
    return {
        "shortlist": _("已加入收藏。"),
        "unshortlist": _("已取消收藏。"),
        "dismiss": _("已忽略该推荐，原因已反馈给平台协调员。"),
        "restore": _("已重新显示该推荐。"),
        "request": _("已请求平台协调员为您引荐。"),
    }.get(action, _("已处理。"))


@organization_required(ENTERPRISE)
@require_POST
def recommendation_action(
    request: HttpRequest, organization: Organization, pk: int, action: str
) -> HttpResponse:
    """shortlist / unshortlist / dismiss (with a reason) / restore / request an introduction,
    then back to the page the card was on."""
    try:
        match = matching.recommendation_act(
            principal=request.user,
            match_id=pk,
            action=action,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except BusinessError as error:
        if error.status == 404:
            raise Http404(error.message) from error
        messages.error(request, error.message)
        return redirect(safe_next(request, "enterprise:demands"))
    messages.success(request, _recommendation_done(action))
    return redirect(safe_next(request, reverse("enterprise:demand", args=[match.demand_id])))


@organization_required(ENTERPRISE)
@require_POST
def demand_action(
    request: HttpRequest, organization: Organization, pk: int, action: str
) -> HttpResponse:
    demand = _own_demand(request, organization, pk)
    try:
        if action == "submit":
            demand_submit(actor=request.user, demand=demand)
            messages.success(request, _("需求已提交，等待平台审核。"))
        elif action == "close":
            demand_close(actor=request.user, demand=demand)
            messages.success(request, _("需求已关闭。"))
    except BusinessError as error:
        messages.error(request, business_error_text(error))
    return redirect("enterprise:demand", pk=demand.pk)
