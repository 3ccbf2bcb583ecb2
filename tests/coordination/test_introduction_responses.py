"""Answers to an introduction given at the same moment by both sides, against real PostgreSQL:
each is decided on the locked row, so neither is lost."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from apps.accounts.models import Organization
from apps.coordination.models import AuditEvent
from apps.matching import loader, services
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def introduced_match() -> tuple[Match, Organization, Organization]:
    call_command("load_reference", verbosity=0)
    loader.forget_market()
    vendor = factories.OrganizationFactory(name="移远通信", role=Organization.Role.VENDOR)
    enterprise = factories.OrganizationFactory(name="杭州水务", role=Organization.Role.ENTERPRISE)
    offering = factories.OfferingFactory(
        organization=vendor,
        kind=factories.kind("module"),
        sectors=["municipal"],
        technologies=["nb_iot"],
        nationwide=True,
        price_min=Decimal("12"),
        price_max=Decimal("18"),
        annual_capacity=1_000_000,
    )
    demand = factories.DemandFactory(
        organization=enterprise,
        sector=factories.sector("municipal"),
        kinds_needed=["module"],
        regions=["330000"],
        volume=10_000,
        unit_budget=Decimal("25"),
    )
    services.demand_match(demand_id=demand.id)
    loader.forget_market()
    coordinator = factories.coordinator()
    match = Match.objects.get(demand=demand, offering=offering)
    match = services.match_approve(actor=coordinator, match=match)
    return services.match_introduce(actor=coordinator, match=match), vendor, enterprise


def test_two_acceptances_at_the_same_moment_both_count():
    # given an introduced match, and one person on each side with the introduction open
    match, vendor, enterprise = introduced_match()
    people = {
        "enterprise": factories.member(enterprise, "buyer"),
        "vendor": factories.member(vendor, "sales"),
    }
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept(side: str) -> None:
        try:
            # each read the introduction before either answered, as two open pages do
            seen = Match.objects.get(pk=match.pk)
            start.wait(timeout=30)
            services.match_respond(actor=people[side], match=seen, side=side, accept=True)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # when both accept at once
    threads = [threading.Thread(target=accept, args=(side,)) for side in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then both answers are stored and the match is accepted
    assert errors == []
    stored = Match.objects.get(pk=match.pk)
    assert (stored.enterprise_response, stored.vendor_response) == (
        Match.Response.ACCEPTED,
        Match.Response.ACCEPTED,
    )
    assert stored.status == Match.Status.ACCEPTED
    # and the audit log holds both answers, one of which moved the match to accepted
    answers = list(
        AuditEvent.objects.filter(action="match.respond", subject_id=str(match.pk))
        .order_by("id")
        .values_list("data", flat=True)
    )
    assert sorted(a["side"] for a in answers) == ["enterprise", "vendor"]
    assert [a["to"] for a in answers] == [Match.Status.INTRODUCED, Match.Status.ACCEPTED]


def test_a_decline_and_an_acceptance_at_the_same_moment_decline():
    match, vendor, enterprise = introduced_match()
    enterprise_user = factories.member(enterprise, "buyer")
    vendor_user = factories.member(vendor, "sales")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(actor, side: str, accept: bool) -> None:
        try:
            seen = Match.objects.get(pk=match.pk)
            start.wait(timeout=30)
            services.match_respond(actor=actor, match=seen, side=side, accept=accept)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=answer, args=(enterprise_user, "enterprise", False)),
        threading.Thread(target=answer, args=(vendor_user, "vendor", True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # the second answer either finds the match declined (refused: no longer introduced) or
    # records itself on a match the decline then closes; never an acceptance
    stored = Match.objects.get(pk=match.pk)
    assert stored.status == Match.Status.DECLINED
    assert stored.enterprise_response == Match.Response.DECLINED
    assert all(getattr(e, "code", None) == "invalid_transition" for e in errors), errors
