"""What the web UI shows of typical cases: each case as a card in the reader's language, with
the offerings and vendors it links to, its parties' consents and its assessment."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import organization_visible_queryset
from apps.catalog.models import Offering
from apps.catalog.selectors import VENDOR_ROLES, offering_visible_queryset
from apps.coordination.models import CASE_CRITERIA, TypicalCase
from apps.core.i18n import reads_english
from apps.matching.models import Match

from .names import enumeration, reference_names


def case_meta(case: TypicalCase, names: dict | None = None) -> str:
    """A case's line for listings: sector · technologies · scale · date, codes as names in
    the reader's language, the date in Beijing time (publication, else nomination)."""
    names = names or reference_names()
    parts = [
        names["sectors"].get(case.sector_id, case.sector_id),
        enumeration(names["technologies"].get(code, code) for code in case.technologies),
        _("%(n)s 个连接") % {"n": f"{case.volume:,}"} if case.volume else "",
        timezone.localdate(case.published_at or case.created_at).isoformat(),
    ]
    return " · ".join(part for part in parts if part)


def case_text(case: TypicalCase) -> dict[str, str]:
    """Title, summary and results in the reader's language (the Chinese text when no English
    one was written)."""
    english = reads_english()
    return {
        field: (getattr(case, f"{field}_en") if english else "") or getattr(case, field)
        for field in ("title", "summary", "results")
    }


def case_cards(cases: list[TypicalCase], *, principal: Any) -> list[dict]:
    """Cards for case pages: text, meta line, and the published offerings and the vendors the
    principal may open (a case never links to the enterprise)."""
    names = reference_names()
    wanted = {pk for case in cases for pk in case.match.offering_ids}
    offerings = {
        o.pk: o
        for o in offering_visible_queryset(principal).filter(
            pk__in=wanted, status=Offering.Status.PUBLISHED
        )
    }
    vendor_ids = {pk for case in cases for pk in case.match.vendor_ids}
    vendors = {
        org.pk: org
        for org in organization_visible_queryset(principal).filter(
            pk__in=vendor_ids, role__in=VENDOR_ROLES
        )
    }
    # A vendor whose listing is public has a public profile, verified or not.
    vendors |= {o.organization_id: o.organization for o in offerings.values()}
    return [
        {
            "case": case,
            "text": case_text(case),
            "meta": case_meta(case, names),
            "offerings": [offerings[pk] for pk in case.match.offering_ids if pk in offerings],
            "vendors": [vendors[pk] for pk in case.match.vendor_ids if pk in vendors],
        }
        for case in cases
    ]


def case_consents(case: TypicalCase) -> list[dict]:
    """Each party's answer, enterprise first."""
    return [
        {
            "organization": consent.organization.name,
            "organization_id": consent.organization_id,
            "side": consent.get_side_display(),
            "decision": consent.decision,
            "decision_label": consent.get_decision_display(),
        }
        for consent in sorted(case.consents.all(), key=lambda c: (c.side != "enterprise", c.pk))
    ]


def case_assessment(case: TypicalCase) -> list[dict]:
    """The criteria with the coordinator's rating and note so far."""
    labels = dict(TypicalCase.Rating.choices)
    rows = []
    for code, name, question in CASE_CRITERIA:
        entry = case.assessment.get(code) or {}
        rating = entry.get("rating", "")
        rows.append(
            {
                "code": code,
                "name": name,
                "question": question,
                "rating": rating,
                "rating_label": labels.get(rating, ""),
                "note": entry.get("note", ""),
            }
        )
    return rows


def rating_choices() -> list[tuple[str, str]]:
    return list(TypicalCase.Rating.choices)


def nominable_views(matches: list[Match]) -> list[dict]:
    """Won introductions as rows to nominate: the demand's title and what was supplied."""
    ids = {pk for match in matches for pk in match.offering_ids}
    offerings = {
        o.pk: o for o in Offering.objects.filter(pk__in=ids).select_related("organization")
    }
    rows = []
    for match in matches:
        parts = [offerings[pk] for pk in match.offering_ids if pk in offerings]
        rows.append(
            {
                "id": match.pk,
                "demand_title": match.demand.title,
                "supplied": " + ".join(o.name for o in parts),
                "vendors": enumeration(dict.fromkeys(o.organization.name for o in parts)),
                "closed_at": timezone.localtime(match.updated_at),
            }
        )
    return rows
