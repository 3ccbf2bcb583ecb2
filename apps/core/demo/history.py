"""A demo market's first months of brokering, played through the real services.

A freshly seeded market has suggestions only: no introduction was ever answered, won or
published as a typical case, so the case library, the vendors' credibility and the monitoring
indicators would all be empty on `make run`. This plays a small, deterministic history on top
of the stored matches — approve, introduce, both sides answer, the outcome, a typical case
nominated, consented to, assessed and published — through the same services (and audit rows)
a coordinator's clicks go through.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import Membership, User
from apps.catalog.models import Technology
from apps.coordination.models import TypicalCase
from apps.coordination.services import case_consent, case_edit, case_nominate, case_publish
from apps.matching.models import Match
from apps.matching.services import (
    match_approve,
    match_close,
    match_introduce,
    match_respond,
)

# Outcomes in the order the best suggestions receive them: most introductions a coordinator
# brokers are won, some lost or declined, a few still wait for an answer. Every third won one
# becomes a published typical case.
OUTCOMES = ("won", "won", "introduced", "won", "lost", "won", "declined", "won", "accepted")
CASE_EVERY = 2


@dataclass
class HistoryReport:
    introduced: int = 0
    won: int = 0
    cases: int = 0


def _contact(organization_id: int) -> User:
    """A member who answers for the organisation: its first member, or a demo contact made
    for it (without a usable password; kept when the market is flushed and seeded again)."""
    membership = (
        Membership.objects.filter(organization_id=organization_id).select_related("user").first()
    )
    if membership:
        return membership.user
    user, created = User.objects.get_or_create(username=f"demo-contact-{organization_id}")
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.create(user=user, organization_id=organization_id)
    return user


def _case_text(match: Match) -> dict[str, str]:
    """Title, summary and results in both languages, from the match's own facts."""
    demand, offering = match.demand, match.offering
    scenario = demand.scenario
    technology = Technology.objects.filter(code__in=offering.technologies).order_by("code").first()
    volume = f"{demand.volume:,}"
    on_zh = f"{technology.name_zh} " if technology else ""
    on_en = f" on {technology.name_en}" if technology else ""
    return {
        "title": demand.title[:200],
        "title_en": f"{scenario.name_en}: {volume} units{on_en}"[:200],
        "summary": (
            f"{demand.organization.name}通过平台对接{offering.organization.name}，"
            f"采用{on_zh}「{offering.name}」满足{scenario.name_zh}需求，规模 {volume}。"
        ),
        "summary_en": (
            f"An enterprise in {demand.sector.name_en.lower()} met its "
            f"{scenario.name_en.lower()} need{on_en} with a vendor introduced through the "
            f"platform, at a scale of {volume} units."
        ),
        "results": f"按期完成 {volume} 台（套）部署并通过验收。",
        "results_en": f"{volume} units rolled out on schedule and accepted.",
    }


def _assessment() -> dict:
    return {
        code: {"rating": TypicalCase.Rating.ADEQUATE, "note": ""}
        for code in ("technology", "results", "replicability")
    }


def demo_history_play(*, coordinator: User, introductions: int = len(OUTCOMES)) -> HistoryReport:
    """Broker the best single-offering suggestion of `introductions` different demands, one
    outcome each (OUTCOMES), and publish a typical case for every CASE_EVERY-th won one.

    Idempotent: does nothing when any match has already left "suggested".
    """
    report = HistoryReport()
    if Match.objects.exclude(status=Match.Status.SUGGESTED).exists():
        return report
    picked: list[Match] = []
    seen: set[int] = set()
    vendors: set[int] = set()
    candidates = (
        Match.objects.filter(status=Match.Status.SUGGESTED, offering__isnull=False)
        .select_related("demand", "offering")
        .order_by("-score", "id")
    )
    for match in candidates.iterator(chunk_size=200):
        if match.demand_id in seen or match.offering.organization_id in vendors:
            continue
        seen.add(match.demand_id)
        vendors.add(match.offering.organization_id)
        picked.append(match)
        if len(picked) == introductions:
            break
    won = 0
    for match, outcome in zip(picked, OUTCOMES, strict=False):
        with transaction.atomic():
            match = match_approve(actor=coordinator, match=match)
            match = match_introduce(actor=coordinator, match=match)
            report.introduced += 1
            if outcome == "introduced":
                continue
            enterprise = _contact(match.demand.organization_id)
            vendor = _contact(match.offering.organization_id)
            match = match_respond(actor=enterprise, match=match, side="enterprise", accept=True)
            match = match_respond(
                actor=vendor, match=match, side="vendor", accept=outcome != "declined"
            )
            if outcome in ("declined", "accepted"):
                continue
            match = match_close(actor=coordinator, match=match, won=outcome == "won")
            if outcome != "won":
                continue
            report.won += 1
            won += 1
            if won % CASE_EVERY:
                continue
            case = case_nominate(actor=coordinator, match=match)
            for user in (enterprise, vendor):
                case = case_consent(actor=user, case=case, grant=True)
            match = Match.objects.select_related(
                "demand__scenario",
                "demand__sector",
                "demand__organization",
                "offering__organization",
            ).get(pk=match.pk)
            case = case_edit(
                actor=coordinator, case=case, assessment=_assessment(), **_case_text(match)
            )
            case_publish(actor=coordinator, case=case)
            report.cases += 1
    return report
