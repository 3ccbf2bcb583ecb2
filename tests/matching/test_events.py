"""Matching tells partners and people: webhooks for suggestions and transitions, e-mail on
introduction — each party hearing only of what concerns it."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.integrations.models import WebhookEvent
from apps.integrations.services import webhook_subscription_create
from apps.matching import services
from apps.matching.models import Match
from tests import factories

from .test_services import module, reference, water_meters  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["match.suggested", "match.introduced", "match.status_changed", "mismatch.raised"]


def subscribe(organization, user):
    webhook_subscription_create(
        actor=user,
        organization=organization,
        url=f"https://hooks.example.cn/{organization.pk}",
        event_types=ALL_EVENTS,
    )


def payloads(event_type: str, organization) -> list[dict]:
    return [
        event.payload
        for event in WebhookEvent.objects.filter(
            event_type=event_type, deliveries__subscription__organization=organization
        )
    ]


def test_suggestions_introductions_and_mail_reach_only_the_parties(
    django_capture_on_commit_callbacks,
):
    # given two vendors, an enterprise, and everyone subscribed
    vendor = factories.OrganizationFactory(name="移远通信", contact_email="sales@quectel.example")
    rival = factories.OrganizationFactory(name="广和通")
    enterprise = factories.OrganizationFactory(
        name="杭州水务", role="enterprise", contact_email="it@water.example"
    )
    for organization, name in ((vendor, "v"), (rival, "r"), (enterprise, "e")):
        subscribe(organization, factories.member(organization, f"owner-{name}"))
    ours, theirs = module(vendor), module(rival, price_min=13, price_max=19)
    demand = water_meters(enterprise)
    # when the engine matches the demand
    services.demand_match(demand_id=demand.id)
    # then each vendor hears of its own suggestion only; the enterprise hears of both
    mine = Match.objects.get(offering=ours)
    rivals = Match.objects.get(offering=theirs)
    assert payloads("match.suggested", vendor) == [{"demand_id": demand.id, "match_ids": [mine.pk]}]
    assert all(rivals.pk not in p["match_ids"] for p in payloads("match.suggested", vendor))
    assert set(payloads("match.suggested", enterprise)[0]["match_ids"]) >= {mine.pk, rivals.pk}
    # a rematch with nothing new announces nothing again
    services.demand_match(demand_id=demand.id)
    assert len(payloads("match.suggested", vendor)) == 1

    # when a coordinator approves and introduces
    coordinator = factories.coordinator()
    services.match_approve(actor=coordinator, match=mine)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_introduce(actor=coordinator, match=Match.objects.get(pk=mine.pk))
    # then both parties get `match.introduced`, the rival nothing, and both are e-mailed
    for party in (vendor, enterprise):
        assert [p["match_id"] for p in payloads("match.introduced", party)] == [mine.pk]
    assert payloads("match.introduced", rival) == []
    assert [p["status"] for p in payloads("match.status_changed", vendor)] == [
        "approved",
        "introduced",
    ]
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert "sales@quectel.example" in recipients
    assert "it@water.example" in recipients


def test_an_approved_match_can_still_be_rejected_before_the_introduction():
    vendor = factories.OrganizationFactory()
    enterprise = factories.OrganizationFactory(role="enterprise")
    module(vendor)
    demand = water_meters(enterprise)
    services.demand_match(demand_id=demand.id)
    coordinator = factories.coordinator()
    match = services.match_approve(
        actor=coordinator, match=Match.objects.get(demand=demand, offering__isnull=False)
    )
    rejected = services.match_reject(actor=coordinator, match=match, note="厂商产能已被占满")
    assert rejected.status == Match.Status.REJECTED
