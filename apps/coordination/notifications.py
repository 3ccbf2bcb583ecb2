"""E-mail notifications of the typical-case collection: every party is asked for consent."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from apps.matching.notifications import bilingual_message, organization_addresses

from .models import TypicalCase


def case_consent_request_notify(*, case: TypicalCase) -> int:
    """Ask each party organisation of a nominated case, after commit, to consent on the
    platform (or decline). Returns the number of messages."""
    messages = []
    for consent in case.consents.select_related("organization"):
        to = organization_addresses(consent.organization)
        if to:
            subject, body = bilingual_message(
                "frontend/emails/case_consent.txt",
                {"case": case, "organization": consent.organization},
            )
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, to))
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(messages)
