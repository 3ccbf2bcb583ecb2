"""The enterprise's actions on its recommendations: shortlist, dismiss with a reason, restore,
request an introduction; who may take them and what the coordinators then see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Organization
from apps.coordination.models import AuditEvent
from apps.coordination.selectors import coordinator_waiting_counts, vendor_interest_queue
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.matching import services
from apps.matching.models import Match, RecommendationFeedback
from apps.matching.selectors import (
    demand_disclosure,
    match_visible_queryset,
    recommendation_feedback_map,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    enterprise = factories.OrganizationFactory(name="河北水务", role=Organization.Role.ENTERPRISE)
    vendor = factories.OrganizationFactory(name="宁波水表", role=Organization.Role.VENDOR)
    demand = factories.DemandFactory(
        organization=enterprise, visibility=Demand.Visibility.ANONYMOUS
    )
    offering = factories.OfferingFactory(organization=vendor, name="NB-IoT 智能水表")
    return {
        "demand": demand,
        "match": factories.stored_match(demand, offering, score=86),
        "enterprise_user": factories.member(enterprise, "water"),
        "vendor_user": factories.member(vendor, "meters"),
        "vendor": vendor,
    }


def _error(call) -> BusinessError:
    with pytest.raises(BusinessError) as raised:
        call()
    return raised.value


def test_shortlisting_is_kept_per_demand_and_pair_and_audited(market):
    # when the enterprise shortlists its recommendation, then removes it again
    feedback = services.recommendation_shortlist(
        actor=market["enterprise_user"], match=market["match"]
    )
    # then the verdict is stored against the demand and the pair, and audited
    assert feedback.shortlisted is True
    assert recommendation_feedback_map([market["match"]])[
        (market["demand"].pk, market["match"].pair_key)
    ].shortlisted
    services.recommendation_shortlist(
        actor=market["enterprise_user"], match=market["match"], shortlisted=False
    )
    assert not RecommendationFeedback.objects.get().shortlisted
    assert list(
        AuditEvent.objects.filter(subject_id=str(market["match"].pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["recommendation.shortlist", "recommendation.unshortlist"]


def test_a_dismissal_keeps_its_reason_and_words_until_restored(market):
    # when the enterprise dismisses the recommendation as too dear
    feedback = services.recommendation_dismiss(
        actor=market["enterprise_user"], match=market["match"], reason="price", note="超预算 30%"
    )
    # then the reason and its words are stored for the coordinators
    assert (feedback.dismissed_reason, feedback.dismissed_note) == ("price", "超预算 30%")
    assert feedback.dismissed_at is not None
    # and restoring shows the card again
    restored = services.recommendation_restore(
        actor=market["enterprise_user"], match=market["match"]
    )
    assert not restored.dismissed
    # and its reason, words and time are gone with it (they stay in the audit log)
    restored.refresh_from_db()
    assert (restored.dismissed_reason, restored.dismissed_note, restored.dismissed_at) == (
        "",
        "",
        None,
    )
    event = AuditEvent.objects.get(action="recommendation.dismiss")
    assert event.data == {"reason": "price", "note": "超预算 30%"}


def test_a_dismissal_needs_a_known_reason_and_words_for_other(market):
    unknown = _error(
        lambda: services.recommendation_dismiss(
            actor=market["enterprise_user"], match=market["match"], reason="boring"
        )
    )
    assert (unknown.code, unknown.status, list(unknown.fields)) == ("invalid", 400, ["reason"])
    wordless = _error(
        lambda: services.recommendation_dismiss(
            actor=market["enterprise_user"], match=market["match"], reason="other", note="  "
        )
    )
    assert (wordless.code, list(wordless.fields)) == ("invalid", ["note"])
    assert not RecommendationFeedback.objects.exists()


def test_only_the_demand_owner_acts_on_its_recommendations(market):
    # the vendor sees the match (it is its offering) but the verdict is the enterprise's
    for call in (
        lambda: services.recommendation_shortlist(
            actor=market["vendor_user"], match=market["match"]
        ),
        lambda: services.recommendation_dismiss(
            actor=market["vendor_user"], match=market["match"], reason="price"
        ),
        lambda: services.match_introduction_request(
            actor=market["vendor_user"], match=market["match"]
        ),
    ):
        error = _error(call)
        assert (error.code, error.status) == ("not_demand_owner", 403)
    assert not RecommendationFeedback.objects.exists()
    assert not AuditEvent.objects.exists()


def test_another_organisations_match_is_not_visible(market):
    outsider = factories.member(
        factories.OrganizationFactory(role=Organization.Role.ENTERPRISE), "outsider"
    )
    assert not match_visible_queryset(outsider).filter(pk=market["match"].pk).exists()


def test_an_introduction_request_joins_the_coordinators_queue(market):
    # given a dismissed recommendation the enterprise changes its mind about
    services.recommendation_dismiss(
        actor=market["enterprise_user"], match=market["match"], reason="vendor"
    )
    # when it asks for an introduction
    match = services.match_introduction_request(
        actor=market["enterprise_user"], match=market["match"], note="请尽快联系"
    )
    # then the match waits for a coordinator, restored and with its note
    assert (match.status, match.origin, match.note) == (
        Match.Status.SUGGESTED,
        Match.Origin.ENTERPRISE_REQUEST,
        "请尽快联系",
    )
    assert [m.pk for m in vendor_interest_queue()] == [match.pk]
    assert coordinator_waiting_counts()["interest"] == 1
    restored = RecommendationFeedback.objects.get()
    assert (restored.dismissed_reason, restored.dismissed_note, restored.dismissed_at) == (
        "",
        "",
        None,
    )
    assert AuditEvent.objects.filter(action="match.introduction_requested").count() == 1


def test_a_request_that_clears_a_dismissal_says_who_cleared_it_and_when(market):
    # given a recommendation dismissed by one member of the enterprise a while ago
    services.recommendation_dismiss(
        actor=market["enterprise_user"], match=market["match"], reason="price"
    )
    RecommendationFeedback.objects.update(updated_at=timezone.now() - timedelta(days=3))
    colleague = factories.member(market["demand"].organization, "water-2")
    # when a colleague asks for an introduction to it
    before = timezone.now()
    services.match_introduction_request(actor=colleague, match=market["match"])
    # then the feedback row names the colleague and the moment of the request
    feedback = RecommendationFeedback.objects.get()
    assert not feedback.dismissed
    assert feedback.updated_by == colleague
    assert feedback.updated_at >= before


def test_a_request_leaves_a_feedback_row_without_a_dismissal_as_it_was(market):
    # given a shortlisted (not dismissed) recommendation
    services.recommendation_shortlist(actor=market["enterprise_user"], match=market["match"])
    stamped = RecommendationFeedback.objects.get().updated_at
    colleague = factories.member(market["demand"].organization, "water-2")
    # when a colleague asks for an introduction
    services.match_introduction_request(actor=colleague, match=market["match"])
    # then nothing was cleared, so the row still names whoever shortlisted it
    feedback = RecommendationFeedback.objects.get()
    assert (feedback.shortlisted, feedback.updated_by, feedback.updated_at) == (
        True,
        market["enterprise_user"],
        stamped,
    )


def test_a_second_request_after_approval_is_refused_by_the_same_rule_as_vendor_interest(market):
    coordinator = factories.coordinator()
    services.match_introduction_request(actor=market["enterprise_user"], match=market["match"])
    services.match_approve(actor=coordinator, match=market["match"])
    error = _error(
        lambda: services.match_introduction_request(
            actor=market["enterprise_user"], match=market["match"]
        )
    )
    assert (error.code, error.status) == ("already_in_progress", 409)


def test_a_dismissal_is_refused_once_the_parties_were_introduced(market):
    Match.objects.filter(pk=market["match"].pk).update(status=Match.Status.INTRODUCED)
    market["match"].refresh_from_db()
    error = _error(
        lambda: services.recommendation_dismiss(
            actor=market["enterprise_user"], match=market["match"], reason="price"
        )
    )
    assert (error.code, error.status) == ("already_introduced", 409)


def test_an_anonymous_demand_is_disclosed_only_after_an_accepted_introduction(market):
    before = demand_disclosure(market["vendor_user"], market["demand"])
    assert (before.organization, before.contacts) == (False, False)
    Match.objects.filter(pk=market["match"].pk).update(status=Match.Status.INTRODUCED)
    assert not demand_disclosure(market["vendor_user"], market["demand"]).organization
    Match.objects.filter(pk=market["match"].pk).update(status=Match.Status.ACCEPTED)
    after = demand_disclosure(market["vendor_user"], market["demand"])
    assert (after.organization, after.contacts) == (True, True)


def test_a_public_demand_names_its_organisation_but_keeps_contacts(market):
    Demand.objects.filter(pk=market["demand"].pk).update(visibility=Demand.Visibility.PUBLIC)
    market["demand"].refresh_from_db()
    seen = demand_disclosure(market["vendor_user"], market["demand"])
    assert (seen.organization, seen.contacts) == (True, False)


def test_when_the_vendor_asks_too_both_notes_reach_the_coordinator(market):
    # given the enterprise asked first, with a note
    services.match_introduction_request(
        actor=market["enterprise_user"], match=market["match"], note="希望尽快对接"
    )
    # when the vendor expresses interest with the same offering
    interest = services.interest_express(
        actor=market["vendor_user"],
        demand=market["demand"],
        offering=market["match"].offering,
        note="可提供样品",
    )
    # then the first to ask stays the origin and both notes are kept
    assert interest.pk == market["match"].pk
    assert (interest.origin, interest.note) == (
        Match.Origin.ENTERPRISE_REQUEST,
        "希望尽快对接 / 可提供样品",
    )
    assert AuditEvent.objects.filter(action="match.interest").count() == 1
