"""Typical cases: a coordinator publishes a won match; the public case library shows it."""

import pytest
from django.utils import timezone

from apps.coordination import services
from apps.coordination.models import AuditEvent, TypicalCase
from apps.core.exceptions import BusinessError
from apps.matching.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def won_match(enterprise_org, vendor_org):
    offering = factories.OfferingFactory(organization=vendor_org, technologies=["nb_iot"])
    demand = factories.DemandFactory(organization=enterprise_org, volume=200_000)
    return Match.objects.create(
        demand=demand,
        offering=offering,
        vendor_ids=[vendor_org.pk],
        pair_key=f"o:{offering.pk}",
        kind="module",
        score=88.0,
        engine_version="test",
        computed_at=timezone.now(),
        status=Match.Status.WON,
    )


def test_coordinator_publishes_a_won_match_and_the_public_sees_it(
    client, won_match, coordinator_user
):
    # when
    case = services.typical_case_publish(
        actor=coordinator_user,
        match=won_match,
        title="河北 20 万只 NB-IoT 水表远程抄表",
        summary="深度覆盖井下表计，电池寿命 8 年。",
    )
    # then
    assert case.technologies == ["nb_iot"]
    assert case.volume == 200_000
    assert AuditEvent.objects.filter(action="case.published", subject_id=str(case.pk)).exists()
    page = client.get("/cases/")
    assert page.status_code == 200
    assert "河北 20 万只 NB-IoT 水表远程抄表" in page.content.decode()
    assert "200,000" in page.content.decode()


def test_a_match_becomes_a_case_once(won_match, coordinator_user):
    services.typical_case_publish(
        actor=coordinator_user, match=won_match, title="案例", summary="摘要"
    )
    with pytest.raises(BusinessError) as excinfo:
        services.typical_case_publish(
            actor=coordinator_user, match=won_match, title="再发", summary="摘要"
        )
    assert excinfo.value.code == "case_exists"
    assert TypicalCase.objects.count() == 1


def test_only_won_matches_and_only_coordinators(won_match, coordinator_user, vendor_user):
    with pytest.raises(BusinessError) as excinfo:
        services.typical_case_publish(
            actor=vendor_user, match=won_match, title="案例", summary="摘要"
        )
    assert excinfo.value.code == "coordinator_required"
    won_match.status = Match.Status.ACCEPTED
    won_match.save()
    with pytest.raises(BusinessError) as excinfo:
        services.typical_case_publish(
            actor=coordinator_user, match=won_match, title="案例", summary="摘要"
        )
    assert excinfo.value.code == "match_not_won"
    assert not TypicalCase.objects.exists()


def test_coordinator_publishes_from_the_web_page(client, won_match, coordinator_user):
    client.force_login(coordinator_user)
    response = client.post(
        f"/coordinator/cases/{won_match.pk}/publish/",
        {"title": "石家庄 NB-IoT 水表", "summary": "井下表计稳定上报。"},
        follow=True,
    )
    assert response.status_code == 200
    assert TypicalCase.objects.get().title == "石家庄 NB-IoT 水表"
    assert "石家庄 NB-IoT 水表" in client.get("/cases/").content.decode()
