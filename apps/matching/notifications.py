"""E-mail notifications of the match lifecycle: an introduction announced to both parties."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

from apps.accounts.models import Membership, Organization
from apps.catalog.models import Offering
from apps.demands.selectors import demand_reveals_organization

from .models import Match

# Recipients' language is unknown: every message carries zh-Hans first, then English.
LANGUAGES = ("zh-hans", "en")


def organization_addresses(organization: Organization) -> list[str]:
    """The organisation's contact address and its owners' addresses, without duplicates."""
    owners = Membership.objects.filter(
        organization=organization, role=Membership.Role.OWNER
    ).values_list("user__email", flat=True)
    return list(dict.fromkeys(a for a in (organization.contact_email, *owners) if a))


def bilingual_message(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a message template's first line and the rest, zh-Hans then English."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            text = render_to_string(template, context).strip()
        subject, _sep, body = text.partition("\n")
        subjects.append(subject.strip())
        bodies.append(body.strip())
    return " / ".join(subjects), "\n\n————————\n\n".join(bodies)


def introduction_notify(*, match: Match) -> int:
    """Tell the enterprise and every vendor of an introduced match, after commit.

    Each side learns who the other is and is asked to accept or decline on the platform;
    contact details are exchanged only once both accept. Returns the number of messages.
    """
    demand = match.demand
    offering_ids = match.offering_ids
    offerings = list(Offering.objects.filter(pk__in=offering_ids).select_related("organization"))
    vendors = {o.organization for o in offerings}
    base = {"match": match, "demand": demand, "offerings": offerings}
    # An anonymous demand stays anonymous until both sides accept (then contacts are shown).
    enterprise_name = (
        demand.organization.name
        if demand_reveals_organization(None, demand)
        else gettext_lazy("匿名企业")
    )
    messages = []
    enterprise_to = organization_addresses(demand.organization)
    if enterprise_to:
        subject, body = bilingual_message(
            "frontend/emails/introduction.txt",
            {**base, "side": "enterprise", "counterparts": sorted(v.name for v in vendors)},
        )
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, enterprise_to))
    for vendor in vendors:
        to = organization_addresses(vendor)
        if to:
            subject, body = bilingual_message(
                "frontend/emails/introduction.txt",
                {**base, "side": "vendor", "counterparts": [enterprise_name]},
            )
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, to))
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(messages)
