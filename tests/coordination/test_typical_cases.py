"""Typical-case collection: a party or a coordinator nominates a won introduction, every party
consents, a coordinator edits, assesses and publishes (or rejects); only then is it public and
counted in a vendor's credibility."""

import pytest
from django.utils import timezone

from apps.accounts.models import Organization
from apps.coordination import selectors, services
from apps.coordination.models import AuditEvent, CaseConsent, TypicalCase
from apps.core.exceptions import BusinessError
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db

GOOD = {
    "technology": {"rating": "strong", "note": "NB-IoT 深度覆盖"},
    "results": {"rating": "adequate", "note": "抄表率 99%"},
    "replicability": {"rating": "adequate", "note": ""},
}


def _won(enterprise_org, vendor_org, **extra) -> Match:
    offering = factories.OfferingFactory(organization=vendor_org, technologies=["nb_iot"])
    demand = factories.DemandFactory(
        organization=enterprise_org, volume=200_000, title="石家庄智能水表"
    )
    return factories.stored_match(demand, offering, score=88.0, status=Match.Status.WON, **extra)


@pytest.fixture
def won_match(enterprise_org, vendor_org):
    return _won(enterprise_org, vendor_org)


def _code(call) -> tuple[str, int]:
    with pytest.raises(BusinessError) as excinfo:
        call()
    return excinfo.value.code, excinfo.value.status


def _in_review(won_match, enterprise_user, vendor_user, actor) -> TypicalCase:
    case = services.case_nominate(actor=actor, match=won_match)
    services.case_consent(actor=enterprise_user, case=case, grant=True)
    return services.case_consent(actor=vendor_user, case=case, grant=True)


# --- nomination -----------------------------------------------------------------------------


@pytest.mark.parametrize("nominator", ["enterprise_user", "vendor_user", "coordinator_user"])
def test_either_party_or_a_coordinator_nominates_and_every_party_is_asked(
    request, won_match, nominator, enterprise_org, vendor_org
):
    actor = request.getfixturevalue(nominator)
    case = services.case_nominate(actor=actor, match=won_match, note="井下表计稳定上报")
    assert case.status == TypicalCase.Status.NOMINATED
    assert case.title == "石家庄智能水表"
    assert case.technologies == ["nb_iot"] and case.volume == 200_000
    asked = {(c.organization_id, c.side, c.decision) for c in case.consents.all()}
    assert asked == {
        (enterprise_org.pk, "enterprise", "pending"),
        (vendor_org.pk, "vendor", "pending"),
    }
    assert AuditEvent.objects.filter(action="case.nominated", subject_id=str(case.pk)).exists()
    # nothing is public yet
    assert not selectors.typical_case_list().exists()


def test_a_stranger_cannot_nominate_and_only_won_introductions_qualify(won_match, coordinator_user):
    stranger = factories.member(factories.OrganizationFactory(), "stranger")
    assert _code(lambda: services.case_nominate(actor=stranger, match=won_match)) == (
        "not_a_party",
        403,
    )
    Match.objects.filter(pk=won_match.pk).update(status=Match.Status.ACCEPTED)
    assert _code(lambda: services.case_nominate(actor=coordinator_user, match=won_match)) == (
        "match_not_won",
        409,
    )
    assert not TypicalCase.objects.exists()


def test_one_live_case_per_introduction_but_a_rejected_one_may_return(
    won_match, coordinator_user, vendor_user
):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    assert _code(lambda: services.case_nominate(actor=vendor_user, match=won_match)) == (
        "case_exists",
        409,
    )
    services.case_reject(actor=coordinator_user, case=case, reason="成效数据不足")
    again = services.case_nominate(actor=vendor_user, match=won_match)
    assert again.pk != case.pk and again.status == TypicalCase.Status.NOMINATED


# --- consent --------------------------------------------------------------------------------


def test_both_parties_consenting_sends_the_case_to_review(
    won_match, coordinator_user, enterprise_user, vendor_user
):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    case = services.case_consent(actor=enterprise_user, case=case, grant=True)
    assert case.status == TypicalCase.Status.NOMINATED  # the vendor has not answered
    case = services.case_consent(actor=vendor_user, case=case, grant=True)
    assert case.status == TypicalCase.Status.IN_REVIEW
    assert set(case.consents.values_list("decision", flat=True)) == {"granted"}
    events = AuditEvent.objects.filter(action="case.consent", subject_id=str(case.pk))
    assert events.count() == 2
    assert events.first().data["to"] == "in_review"


def test_one_party_declining_ends_the_case_and_nothing_is_public(
    won_match, coordinator_user, enterprise_user, vendor_user
):
    case = services.case_nominate(actor=vendor_user, match=won_match)
    case = services.case_consent(actor=enterprise_user, case=case, grant=False)
    assert case.status == TypicalCase.Status.DECLINED
    # the vendor can no longer answer, and the coordinator cannot publish
    assert _code(lambda: services.case_consent(actor=vendor_user, case=case, grant=True)) == (
        "invalid_transition",
        409,
    )
    assert _code(lambda: services.case_publish(actor=coordinator_user, case=case)) == (
        "invalid_transition",
        409,
    )
    assert not selectors.typical_case_list().exists()


def test_consent_is_answered_once_only_by_a_party_and_never_by_a_coordinator(
    won_match, coordinator_user, enterprise_user
):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    stranger = factories.member(factories.OrganizationFactory(), "stranger")
    assert _code(lambda: services.case_consent(actor=stranger, case=case, grant=True)) == (
        "not_a_party",
        403,
    )
    assert _code(lambda: services.case_consent(actor=coordinator_user, case=case, grant=True)) == (
        "not_a_party",
        403,
    )
    services.case_consent(actor=enterprise_user, case=case, grant=True)
    assert _code(lambda: services.case_consent(actor=enterprise_user, case=case, grant=False)) == (
        "consent_already_decided",
        409,
    )


def test_every_vendor_of_a_bundle_must_consent(enterprise_org, vendor_org, enterprise_user):
    platform_vendor = factories.OrganizationFactory(role=Organization.Role.VENDOR)
    platform_owner = factories.member(platform_vendor, "platform-owner")
    vendor_owner = factories.member(vendor_org, "module-owner")
    module = factories.OfferingFactory(organization=vendor_org)
    platform = factories.OfferingFactory(organization=platform_vendor)
    match = Match.objects.create(
        demand=factories.DemandFactory(organization=enterprise_org),
        bundle_offering_ids=[module.pk, platform.pk],
        vendor_ids=[vendor_org.pk, platform_vendor.pk],
        pair_key=f"b:{module.pk}-{platform.pk}",
        score=80.0,
        engine_version="test",
        computed_at=timezone.now(),
        status=Match.Status.WON,
    )
    case = services.case_nominate(actor=enterprise_user, match=match)
    assert case.consents.count() == 3
    services.case_consent(actor=enterprise_user, case=case, grant=True)
    case = services.case_consent(actor=vendor_owner, case=case, grant=True)
    assert case.status == TypicalCase.Status.NOMINATED
    case = services.case_consent(actor=platform_owner, case=case, grant=True)
    assert case.status == TypicalCase.Status.IN_REVIEW


# --- review and publication -----------------------------------------------------------------


def test_coordinator_edits_assesses_and_publishes(
    won_match, coordinator_user, enterprise_user, vendor_user
):
    case = _in_review(won_match, enterprise_user, vendor_user, coordinator_user)
    # publishing before the assessment is refused
    assert _code(lambda: services.case_publish(actor=coordinator_user, case=case)) == (
        "assessment_incomplete",
        400,
    )
    services.case_edit(
        actor=coordinator_user,
        case=case,
        title="河北 20 万只 NB-IoT 水表远程抄表",
        summary="深度覆盖井下表计。",
        results="抄表率 99%，电池寿命 8 年。",
        title_en="200,000 NB-IoT water meters in Hebei",
        assessment=GOOD,
    )
    case = services.case_publish(actor=coordinator_user, case=case)
    assert case.status == TypicalCase.Status.PUBLISHED and case.published_at
    assert case.assessment["technology"] == {"rating": "strong", "note": "NB-IoT 深度覆盖"}
    published = AuditEvent.objects.get(action="case.published", subject_id=str(case.pk))
    assert published.data["assessment"]["results"]["rating"] == "adequate"
    assert list(selectors.typical_case_list()) == [case]
    # a published case is final
    assert _code(
        lambda: services.case_reject(actor=coordinator_user, case=case, reason="撤回")
    ) == ("invalid_transition", 409)


def test_a_case_weak_on_a_criterion_is_not_published(
    won_match, coordinator_user, enterprise_user, vendor_user
):
    case = _in_review(won_match, enterprise_user, vendor_user, coordinator_user)
    services.case_edit(
        actor=coordinator_user,
        case=case,
        title="t",
        summary="s",
        assessment={**GOOD, "replicability": {"rating": "weak", "note": "定制过多"}},
    )
    assert _code(lambda: services.case_publish(actor=coordinator_user, case=case)) == (
        "criteria_unmet",
        409,
    )


def test_publishing_waits_for_consent_and_only_coordinators_decide(
    won_match, coordinator_user, enterprise_user, vendor_user
):
    case = services.case_nominate(actor=enterprise_user, match=won_match)
    services.case_edit(actor=coordinator_user, case=case, title="t", summary="s", assessment=GOOD)
    assert _code(lambda: services.case_publish(actor=coordinator_user, case=case)) == (
        "invalid_transition",
        409,
    )
    for call in (
        lambda: services.case_publish(actor=vendor_user, case=case),
        lambda: services.case_reject(actor=enterprise_user, case=case, reason="不想"),
        lambda: services.case_edit(actor=vendor_user, case=case, title="改", summary="改"),
    ):
        assert _code(call) == ("coordinator_required", 403)


def test_rejection_needs_a_reason_that_the_parties_see(
    won_match, coordinator_user, enterprise_user, web_client
):
    case = services.case_nominate(actor=enterprise_user, match=won_match)
    assert _code(lambda: services.case_reject(actor=coordinator_user, case=case, reason=" ")) == (
        "invalid",
        400,
    )
    services.case_reject(actor=coordinator_user, case=case, reason="成效数据不足")
    page = web_client(enterprise_user).get("/cases/mine/").content.decode()
    assert "成效数据不足" in page


def test_edit_rejects_unknown_ratings_with_field_errors(won_match, coordinator_user):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    with pytest.raises(BusinessError) as excinfo:
        services.case_edit(
            actor=coordinator_user,
            case=case,
            title="",
            summary="s",
            assessment={"results": {"rating": "excellent"}},
        )
    assert excinfo.value.code == "invalid"
    assert set(excinfo.value.fields) == {"title", "results"}


# --- what matching counts -------------------------------------------------------------------


def test_only_published_cases_count_for_a_vendor(
    enterprise_org, vendor_org, coordinator_user, enterprise_user, vendor_user
):
    nominated = services.case_nominate(
        actor=coordinator_user, match=_won(enterprise_org, vendor_org)
    )
    in_review = _in_review(
        _won(enterprise_org, vendor_org), enterprise_user, vendor_user, coordinator_user
    )
    published = _in_review(
        _won(enterprise_org, vendor_org), enterprise_user, vendor_user, coordinator_user
    )
    services.case_edit(
        actor=coordinator_user, case=published, title="t", summary="s", assessment=GOOD
    )
    services.case_publish(actor=coordinator_user, case=published)
    assert {nominated.status, in_review.status} == {"nominated", "in_review"}
    assert selectors.typical_case_counts() == {vendor_org.pk: 1}
    assert selectors.typical_case_counts(vendor_ids=[vendor_org.pk]) == {vendor_org.pk: 1}
    vendors, latest = selectors.typical_case_vendors_since(since=None)
    assert vendors == {vendor_org.pk}
    assert latest == TypicalCase.objects.get(pk=published.pk).published_at
    assert CaseConsent.objects.filter(case=nominated, decision="pending").count() == 2


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def web_client():
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_web_walk_from_nomination_to_the_public_page(
    client, won_match, web_client, enterprise_user, vendor_user, coordinator_user, vendor_org
):
    # given the vendor nominates its won introduction from its cases page
    vendor = web_client(vendor_user)
    mine = vendor.get("/cases/mine/").content.decode()
    assert f'action="/cases/nominate/{won_match.pk}/"' in mine
    vendor.post(f"/cases/nominate/{won_match.pk}/", {"note": "效果好"})
    case = TypicalCase.objects.get()
    # nothing public: not in the library, and its page is a 404 for strangers
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert "石家庄智能水表" not in client.get("/cases/").content.decode()
    # when both parties consent on their pages
    for user in (enterprise_user, vendor_user):
        page = web_client(user).get("/cases/mine/").content.decode()
        assert f'action="/cases/{case.pk}/consent/"' in page
        web_client(user).post(f"/cases/{case.pk}/consent/", {"decision": "grant"})
    # and the coordinator saves an assessment, previews and publishes
    coordinator = web_client(coordinator_user)
    saved = coordinator.post(
        f"/coordinator/cases/{case.pk}/",
        {
            "action": "save",
            "title": "河北 20 万只 NB-IoT 水表",
            "summary": "深度覆盖。",
            "results": "抄表率 99%。",
            **{f"rating_{code}": entry["rating"] for code, entry in GOOD.items()},
        },
        follow=True,
    ).content.decode()
    assert "预览" in saved and "河北 20 万只 NB-IoT 水表" in saved
    coordinator.post(f"/coordinator/cases/{case.pk}/", {"action": "publish"})
    # then the public page shows it and links the offering and the vendor, not the enterprise
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "抄表率 99%。" in page
    assert f'href="/offerings/{won_match.offering_id}/"' in page
    assert f'href="/vendors/{vendor_org.pk}/"' in page
    assert "河北水务（测试）" not in page


def test_coordinator_page_keeps_edits_and_says_what_is_wrong(
    won_match, web_client, coordinator_user
):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    response = web_client(coordinator_user).post(
        f"/coordinator/cases/{case.pk}/",
        {
            "action": "save",
            "title": "",
            "summary": "保留的摘要",
            "rating_results": "bogus",
            "note_results": "保留的评审意见",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写标题。" in body and "保留的摘要" in body
    # the criterion's error is shown and its note stays in the form
    assert "请选择评审结论。" in body
    assert 'name="note_results" value="保留的评审意见"' in body


def test_english_pages_name_codes_and_show_the_english_text(
    client, won_match, coordinator_user, enterprise_user, vendor_user
):
    from apps.catalog.reference.loader import reference_load

    reference_load()
    case = _in_review(won_match, enterprise_user, vendor_user, coordinator_user)
    services.case_edit(
        actor=coordinator_user,
        case=case,
        title="河北水表",
        summary="中文摘要",
        title_en="Water meters in Hebei",
        summary_en="English summary",
        assessment=GOOD,
    )
    services.case_publish(actor=coordinator_user, case=case)
    body = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Water meters in Hebei" in body and "English summary" in body
    assert "Municipal" in body and "NB-IoT" in body and "200,000 connections" in body
    assert "nb_iot" not in body and "河北水表" not in body and "中文摘要" not in body


def test_case_pages_in_english_have_no_chinese_but_the_parties_own_text(
    won_match, web_client, enterprise_user, coordinator_user, vendor_user
):
    import re

    from apps.catalog.reference.loader import reference_load

    reference_load()
    case = services.case_nominate(actor=vendor_user, match=won_match, note="")
    services.case_consent(actor=enterprise_user, case=case, grant=True)
    own_text = ("石家庄智能水表", "河北水务（测试）", "移远通信（测试）", won_match.offering.name)
    pages = [
        (enterprise_user, "/cases/mine/"),
        (enterprise_user, f"/cases/{case.pk}/"),
        (coordinator_user, "/coordinator/cases/"),
        (coordinator_user, f"/coordinator/cases/{case.pk}/"),
    ]
    for user, url in pages:
        body = web_client(user).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        main = body[body.index("<main") : body.index("</main>")]
        for text in own_text:
            main = main.replace(text, "")
        assert not re.findall(r"[\u4e00-\u9fff]+", main), (
            url,
            re.findall(r"[\u4e00-\u9fff]+", main),
        )


def test_the_coordinators_queue_puts_cases_waiting_on_them_first(
    enterprise_org, vendor_org, coordinator_user, enterprise_user, vendor_user, web_client
):
    waiting_on_parties = services.case_nominate(
        actor=coordinator_user, match=_won(enterprise_org, vendor_org)
    )
    waiting_on_us = _in_review(
        _won(enterprise_org, vendor_org), enterprise_user, vendor_user, coordinator_user
    )
    assert list(selectors.typical_case_queue()) == [waiting_on_us, waiting_on_parties]
    page = web_client(coordinator_user).get("/coordinator/cases/").content.decode()
    assert page.index(f"case-row-{waiting_on_us.pk}") < page.index(
        f"case-row-{waiting_on_parties.pk}"
    )


def test_every_party_is_asked_by_mail_in_both_languages(
    won_match, vendor_user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.case_nominate(actor=vendor_user, match=won_match)
    assert len(mailoutbox) == 2  # the enterprise and the vendor
    message = mailoutbox[0]
    assert "石家庄智能水表" in message.subject and "do you consent" in message.subject
    assert "/cases/mine/" in message.body


def test_a_partys_home_lists_the_cases_awaiting_its_consent(
    won_match, coordinator_user, enterprise_user, web_client
):
    case = services.case_nominate(actor=coordinator_user, match=won_match)
    home = web_client(enterprise_user).get("/my-work/").content.decode()
    assert f'href="/cases/mine/#my-case-{case.pk}"' in home
    services.case_consent(actor=enterprise_user, case=case, grant=True)
    assert (
        f"#my-case-{case.pk}" not in web_client(enterprise_user).get("/my-work/").content.decode()
    )
