"""The engine against the labelled relevance set, loaded through the services: the figures a
coordinator signs off (see eval/relevance/README.md and docs/benchmarks.md)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from apps.matching import loader
from apps.matching.evaluation import relevance_set_read, relevance_set_score

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():  # the reference data too is rolled back
            call_command("load_reference", verbosity=0)
            loader.forget_market()
            result = relevance_set_score(relevance_set_read())
            transaction.set_rollback(True)
        loader.forget_market()
    return result


def test_enterprises_see_relevant_offerings_first(report):
    figures = report.summary("demand")
    assert figures["ndcg@5"] >= 0.90
    assert figures["infeasible_in_top5"] == 0
    # measured 0 since engine 2.2.0 (see docs/benchmarks.md)
    assert figures["grade0_in_top5"] == 0


def test_vendors_see_the_demands_their_offering_fits_and_no_padding(report):
    figures = report.summary("offering")
    assert figures["ndcg@5"] >= 0.90
    assert figures["infeasible_in_top5"] == 0
    # measured 0 since engine 2.2.0 (the soil station no longer sees the canal-gate tender,
    # nor the industrial ¥58 module the ¥22 air-conditioner one)
    assert figures["grade0_in_top5"] == 0


def test_an_unfit_requested_technology_shows_the_advised_one_first(report):
    assert report.misfit_demands == 3
    assert report.misfit_suggested_first == 3


def test_a_demand_nothing_fits_gets_an_empty_list(report):
    # the coal-mine explosion-proof terminals: no listing fits, so nothing is shown
    empty = [r for r in report.lists if r.direction == "demand" and r.subject == "d_coal_no_supply"]
    assert empty and all(r.shown == [] for r in empty)
