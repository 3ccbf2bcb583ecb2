"""Coordination writes; `audit_record` is the one way to append to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.core.exceptions import BusinessError, Conflict, PermissionDenied

from .models import CASE_CRITERIA, CASE_ENDED_STATUSES, AuditEvent, CaseConsent, TypicalCase
from .notifications import case_consent_request_notify


def _user(actor: Any) -> Any:
    """The User behind an actor, or None for an API key or the system."""
    return actor if getattr(actor, "_meta", None) is not None else None


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: Any,
    organization_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append an audit row; call inside the transaction of the change it records.

    `actor` is a User, an API-key principal (anything with `audit_label`) or None for the system.
    """
    user = _user(actor)
    label = getattr(actor, "audit_label", None) or (actor.get_username() if user else "system")
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        organization_id=organization_id,
        action=action,
        subject_type=subject._meta.model_name,
        subject_id=str(subject.pk),
        data=data or {},
    )


# --- typical cases (典型案例征集/遴选) ------------------------------------------------------
#
# nominate → (every party consents) → in_review → (coordinator edits, assesses) → published;
# a party declining ends it (declined); a coordinator may reject it with a reason (rejected).
# Nothing is public, nor counts in a vendor's credibility, before it is published.

CASE_EDITABLE = (TypicalCase.Status.NOMINATED, TypicalCase.Status.IN_REVIEW)
CASE_NOTE_MAX = 500


def _require_case_coordinator(actor: Any) -> None:
    if not is_coordinator(actor):
        raise PermissionDenied("coordinator_required", _("只有平台协调员可以执行此操作。"))


def _invalid_state(case: TypicalCase) -> Conflict:
    return Conflict(
        "invalid_transition",
        _("案例当前状态为“%(status)s”，不能执行该操作。") % {"status": case.get_status_display()},
    )


def _case_parties(match: Any) -> list[tuple[int, str]]:
    """(organisation id, side) of everyone who must consent: the enterprise, then each vendor
    of the match (a bundle's vendors included), each organisation once."""
    parties = [(match.demand.organization_id, CaseConsent.Side.ENTERPRISE)]
    for vendor_id in match.vendor_ids:
        if all(vendor_id != org for org, _side in parties):
            parties.append((vendor_id, CaseConsent.Side.VENDOR))
    return parties


def _case_transition(
    *,
    actor: Any,
    case: TypicalCase,
    allowed_from: tuple[str, ...],
    action: str,
    decide: Callable[[TypicalCase], dict],
    authorize: Callable[[TypicalCase], None] | None = None,
) -> TypicalCase:
    """Run `decide(locked_case)` under the case's row lock if its locked status is in
    `allowed_from`; save the case and audit `case.<action>` in one transaction.

    `authorize` may refuse the actor (PermissionDenied) before the state is checked; `decide`
    may refuse after it (BusinessError). `decide` returns the audit data it wants recorded.
    """
    with transaction.atomic():
        locked = (
            TypicalCase.objects.select_for_update(of=("self",))
            .select_related("match__demand")
            .get(pk=case.pk)
        )
        if authorize is not None:
            authorize(locked)
        if locked.status not in allowed_from:
            raise _invalid_state(locked)
        before = locked.status
        recorded = decide(locked)
        locked.save()
        audit_record(
            actor=actor,
            action=f"case.{action}",
            subject=locked,
            organization_id=locked.match.demand.organization_id,
            data={"from": before, "to": locked.status, **recorded},
        )
    return locked


def case_nominate(
    *,
    actor: Any,
    match: Any,
    title: str = "",
    summary: str = "",
    note: str = "",
) -> TypicalCase:
    """Put a won introduction forward as a typical case; every party is then asked to consent.

    The actor is a coordinator or a member of the match's enterprise or one of its vendors.
    Title and summary default to the demand's. Raises `not_a_party` (403), `match_not_won`
    (409), `case_exists` (409, a live case for the match) or `invalid` (400).
    """
    if len(note) > 2000 or len(title) > 200 or len(summary) > 4000:
        raise BusinessError("invalid", _("案例信息过长。"))
    from apps.matching.models import Match  # matching imports this module

    with transaction.atomic():
        locked = (
            Match.objects.select_for_update(of=("self",)).select_related("demand").get(pk=match.pk)
        )
        parties = _case_parties(locked)
        mine = principal_org_ids(actor)
        if not is_coordinator(actor) and not mine & {org for org, _side in parties}:
            raise PermissionDenied("not_a_party", _("只有对接双方或平台协调员可以推荐该案例。"))
        if locked.status != Match.Status.WON:
            raise Conflict("match_not_won", _("只有已成交的对接可以推荐为典型案例。"))
        live = TypicalCase.objects.filter(match=locked).exclude(status__in=CASE_ENDED_STATUSES)
        if live.exists():
            raise Conflict("case_exists", _("该对接已被推荐为典型案例。"))
        demand = locked.demand
        from apps.catalog.models import Offering

        technologies = sorted(
            {
                tech
                for techs in Offering.objects.filter(pk__in=locked.offering_ids).values_list(
                    "technologies", flat=True
                )
                for tech in techs
            }
        )
        if locked.bundle_technology and locked.bundle_technology not in technologies:
            technologies.append(locked.bundle_technology)
        case = TypicalCase.objects.create(
            match=locked,
            title=(title.strip() or demand.title)[:200],
            summary=(summary.strip() or demand.description or demand.title)[:4000],
            sector_id=demand.sector_id,
            technologies=technologies,
            volume=demand.volume,
            nomination_note=note.strip(),
            nominated_by=_user(actor),
        )
        CaseConsent.objects.bulk_create(
            CaseConsent(case=case, organization_id=org, side=side) for org, side in parties
        )
        audit_record(
            actor=actor,
            action="case.nominated",
            subject=case,
            organization_id=demand.organization_id,
            data={"match": locked.pk, "parties": [org for org, _side in parties]},
        )
        case_consent_request_notify(case=case)
    return case


def case_consent(
    *, actor: Any, case: TypicalCase, grant: bool, organization_id: int | None = None
) -> TypicalCase:
    """A party's organisation consents to (or declines) the publication of a nominated case.

    The actor answers for `organization_id`, or for the one party organisation they belong to
    that has not answered. Every party granting → in_review; any declining → declined.
    Raises `not_a_party` (403), `invalid_transition` (409, not awaiting consent),
    `consent_already_decided` (409) or `organization_required` (400, the actor belongs to
    several parties and named none).
    """
    mine = set(principal_org_ids(actor))
    if organization_id is not None:
        mine &= {organization_id}
    answer = CaseConsent.Decision.GRANTED if grant else CaseConsent.Decision.DECLINED

    def authorize(locked: TypicalCase) -> None:
        # Before the state check: a stranger learns nothing of the case.
        if not locked.consents.filter(organization_id__in=mine).exists():
            raise PermissionDenied("not_a_party", _("您所在的组织不是该案例的当事方。"))

    def decide(locked: TypicalCase) -> dict:
        rows = list(locked.consents.select_for_update().order_by("pk"))
        own = [row for row in rows if row.organization_id in mine]
        pending = [row for row in own if row.decision == CaseConsent.Decision.PENDING]
        if not pending:
            raise Conflict("consent_already_decided", _("贵方已答复过该案例。"))
        if len(pending) > 1:
            raise BusinessError(
                "organization_required", _("您属于多个当事方，请选择代表哪个组织答复。")
            )
        row = pending[0]
        row.decision, row.decided_by, row.decided_at = answer, _user(actor), timezone.now()
        row.save(update_fields=["decision", "decided_by", "decided_at"])
        decisions = [r.decision for r in rows]
        if CaseConsent.Decision.DECLINED in decisions:
            locked.status = TypicalCase.Status.DECLINED
        elif all(d == CaseConsent.Decision.GRANTED for d in decisions):
            locked.status = TypicalCase.Status.IN_REVIEW
        return {"organization": row.organization_id, "side": row.side, "grant": grant}

    return _case_transition(
        actor=actor,
        case=case,
        allowed_from=(TypicalCase.Status.NOMINATED,),
        action="consent",
        authorize=authorize,
        decide=decide,
    )


def _assessment_clean(assessment: dict) -> tuple[dict, dict]:
    """Keep known criteria with a known rating; → (clean assessment, field errors)."""
    ratings = set(TypicalCase.Rating.values)
    clean, errors = {}, {}
    for code, _name, _question in CASE_CRITERIA:
        entry = assessment.get(code) or {}
        rating = str(entry.get("rating") or "")
        note = str(entry.get("note") or "").strip()
        if rating and rating not in ratings:
            errors[code] = [_("请选择评审结论。")]
        elif len(note) > CASE_NOTE_MAX:
            errors[code] = [_("评审意见不能超过 %(n)d 字。") % {"n": CASE_NOTE_MAX}]
        elif rating or note:
            clean[code] = {"rating": rating, "note": note}
    return clean, errors


def case_edit(
    *,
    actor: Any,
    case: TypicalCase,
    title: str,
    summary: str,
    results: str = "",
    title_en: str = "",
    summary_en: str = "",
    results_en: str = "",
    assessment: dict | None = None,
) -> TypicalCase:
    """A coordinator edits a case not yet decided and records the assessment against
    CASE_CRITERIA ({code: {"rating", "note"}}). Raises `coordinator_required` (403),
    `invalid_transition` (409) or `invalid` (400, with fields)."""
    _require_case_coordinator(actor)
    errors: dict[str, list] = {}
    if not title.strip():
        errors["title"] = [_("请填写标题。")]
    if not summary.strip():
        errors["summary"] = [_("请填写案例摘要。")]
    for field, value, limit in (
        ("title", title, 200),
        ("title_en", title_en, 200),
        ("summary", summary, 4000),
        ("summary_en", summary_en, 4000),
        ("results", results, 4000),
        ("results_en", results_en, 4000),
    ):
        if len(value.strip()) > limit:
            errors[field] = [_("不能超过 %(n)d 字。") % {"n": limit}]
    clean, assessment_errors = _assessment_clean(assessment or {})
    errors |= assessment_errors
    if errors:
        raise BusinessError("invalid", _("案例信息有误，请检查标出的字段。"), fields=errors)

    def decide(locked: TypicalCase) -> dict:
        locked.title, locked.title_en = title.strip(), title_en.strip()
        locked.summary, locked.summary_en = summary.strip(), summary_en.strip()
        locked.results, locked.results_en = results.strip(), results_en.strip()
        if assessment is not None:
            locked.assessment = clean
        return {"assessment": locked.assessment}

    return _case_transition(
        actor=actor, case=case, allowed_from=CASE_EDITABLE, action="edited", decide=decide
    )


def case_publish(*, actor: Any, case: TypicalCase) -> TypicalCase:
    """A coordinator publishes a case every party consented to, once it is assessed on every
    criterion and weak on none. Raises `coordinator_required` (403), `invalid_transition`
    (409), `assessment_incomplete` (400) or `criteria_unmet` (409)."""
    _require_case_coordinator(actor)

    def decide(locked: TypicalCase) -> dict:
        missing = {
            code: [_("请给出评审结论。")]
            for code, _name, _question in CASE_CRITERIA
            if not (locked.assessment.get(code) or {}).get("rating")
        }
        if missing:
            raise BusinessError(
                "assessment_incomplete", _("请先按全部遴选标准评审该案例。"), fields=missing
            )
        weak = [
            code
            for code, _name, _question in CASE_CRITERIA
            if locked.assessment[code]["rating"] == TypicalCase.Rating.WEAK
        ]
        if weak:
            raise Conflict("criteria_unmet", _("该案例有评审结论为“不足”的标准，不能发布。"))
        if locked.consents.exclude(decision=CaseConsent.Decision.GRANTED).exists():
            raise Conflict("consent_missing", _("还有当事方未同意公开该案例。"))
        locked.status = TypicalCase.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = _user(actor)
        return {"assessment": locked.assessment}

    return _case_transition(
        actor=actor,
        case=case,
        allowed_from=(TypicalCase.Status.IN_REVIEW,),
        action="published",
        decide=decide,
    )


def case_reject(*, actor: Any, case: TypicalCase, reason: str) -> TypicalCase:
    """A coordinator turns a case down, saying why (the parties see the reason). Raises
    `coordinator_required` (403), `invalid_transition` (409) or `invalid` (400, no reason)."""
    _require_case_coordinator(actor)
    reason = reason.strip()
    if not reason or len(reason) > CASE_NOTE_MAX:
        raise BusinessError(
            "invalid",
            _("请填写未入选原因（不超过 %(n)d 字）。") % {"n": CASE_NOTE_MAX},
            fields={"reason": [_("请填写未入选原因。")]},
        )

    def decide(locked: TypicalCase) -> dict:
        locked.status = TypicalCase.Status.REJECTED
        locked.rejection_reason = reason
        return {"reason": reason}

    return _case_transition(
        actor=actor, case=case, allowed_from=CASE_EDITABLE, action="rejected", decide=decide
    )
