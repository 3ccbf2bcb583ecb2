"""The coordinator's mismatch radar: every figure on the page, in its drill-downs, in the Excel
export and in /api/v1/mismatches/summary equals the same figure computed independently over
the factory data (tests/matching/radar_market.py)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.accounts.models import Organization
from apps.demands.models import Demand
from apps.matching import services
from apps.matching.models import MismatchSnapshot
from tests import factories
from tests.matching.radar_market import build_market, expected, grouped

pytestmark = pytest.mark.django_db

MEASURES = ("demanded", "covered", "unmet", "coverage", "demands", "unserved")


@pytest.fixture
def market(reference):
    return build_market()


def printed(figures) -> dict[str, str]:
    """The measures of an independently computed cell as the page prints them."""
    return {
        "demanded": grouped(figures.demanded),
        "covered": grouped(figures.covered),
        "unmet": grouped(figures.unmet),
        "coverage": f"{figures.coverage:.1%}",
        "demands": grouped(figures.demands),
        "unserved": grouped(figures.unserved),
    }


def measures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-measure="(\w+)">([^<]*)<', html))


def test_the_independent_figures_are_what_a_coordinator_would_work_out_by_hand():
    # (anchors the computation the other tests compare against)
    figures = expected()
    hebei = figures[("municipal", "nb_iot", "130000")]
    # 420,000 of capacity shared by 800,000 of need: 52.5 % of each demand is covered;
    # Hebei has the whole water-meter demand and half of the Hebei–Henan gas meters.
    assert (hebei.demanded, hebei.covered) == (600_000, pytest.approx(315_000))
    assert figures[("", "", "nationwide")].demanded == 100_000
    assert figures[("", "", "")].capacity == pytest.approx(300_000 + 120_000 + 1_000_000)
    assert figures[("connected_vehicles", "cat1", "440000")].unserved == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_figure_on_the_radar_page_equals_the_independent_computation(
    market, web_for, language
):
    figures = expected()
    client = web_for(factories.coordinator())
    # when the coordinator opens the radar
    body = client.get("/coordinator/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # then the market's figures are the independent ones, digits grouped in both languages
    summary = measures(body[body.index('id="radar-summary"') : body.index("radar-definitions")])
    total = figures[("", "", "")]
    assert {k: summary[k] for k in MEASURES} == printed(total)
    assert summary["demanded"] == "930,000"
    short = [k for k, f in figures.items() if all(k) and f.unmet >= 0.5]
    assert summary["short_cells"] == str(len(short))
    # and every province row (the nationwide demands in a row of their own)
    rows = dict(re.findall(r'<tr data-province="(\w+)">(.*?)</tr>', body, re.S))
    provinces = {k[2]: f for k, f in figures.items() if not k[0] and k[2]}
    assert set(rows) == set(provinces)
    for code, row in rows.items():
        shown = measures(row)
        assert {k: shown[k] for k in MEASURES} == printed(provinces[code]), code
        assert shown["short_cells"] == str(sum(1 for k in short if k[2] == code))
    # and every heatmap cell's tooltip (sector × technology over every province)
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S)[1])
    heat = charts["heatmap"]
    pairs = {(k[0], k[1]): f for k, f in figures.items() if k[0] and not k[2]}
    assert len(heat["cells"]) == len(pairs)
    for cell in heat["cells"]:
        x, y, _ = cell["value"]
        f = pairs[(heat["sector_codes"][y], heat["tech_codes"][x])]
        tip = "\n".join(cell["tip"])
        for value in (grouped(f.demanded), grouped(f.covered), grouped(f.unmet)):
            assert value in tip
    # and the legend says what each colour means, in the page's language
    legend = body[body.index('id="radar-legend"') : body.index('id="heatmap"')]
    words = ("缺口", "基本平衡", "富余") if language == "zh-hans" else ("Shortfall", "Balanced")
    assert all(word in legend for word in words)
    assert legend.count("<li") == 5


def test_cells_are_coloured_by_their_balance(market, web_for):
    body = web_for(factories.coordinator()).get("/coordinator/dashboard/").content.decode()
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S)[1])
    heat = charts["heatmap"]
    balance = {
        (heat["sector_codes"][y], heat["tech_codes"][x]): value
        for x, y, value in (cell["value"] for cell in heat["cells"])
    }
    # 52.5 % covered: shortfall; no cat1 supply at all: severe; 20× the need: idle
    assert balance[("municipal", "nb_iot")] == -1
    assert balance[("connected_vehicles", "cat1")] == -2
    assert balance[("smart_home", "redcap")] == 2
    assert [p["value"] for p in heat["pieces"]] == [-2, -1, 0, 1, 2]


@pytest.mark.parametrize(
    "query",
    [
        {"province": "130000"},
        {"province": "nationwide"},
        {"sector": "municipal", "technology": "nb_iot"},
        {"sector": "municipal", "technology": "nb_iot", "province": "410000"},
        {"sector": "connected_vehicles", "technology": "cat1", "province": "440000"},
    ],
)
def test_a_drill_down_lists_the_demands_its_figures_are_summed_from_each_once(
    market, web_for, query
):
    key = (query.get("sector", ""), query.get("technology", ""), query.get("province", ""))
    figures = expected()[key]
    client = web_for(factories.coordinator())
    # when the coordinator drills into the cell or province
    body = client.get("/coordinator/dashboard/cell/", query).content.decode()
    # then its figures are the same as on the radar
    head = body[: body.index("cell-demands")]
    assert {k: measures(head)[k] for k in MEASURES} == printed(figures)
    # and exactly the demands summed into it are listed, once each, with the connections
    # they add and those with feasible supply, adding up to the figures above
    rows = re.findall(r'<tr data-demand="(\d+)">(.*?)</tr>', body, re.S)
    titles = [re.search(r"<td>([^<]*)</td>", row)[1] for _, row in rows]
    assert sorted(titles) == sorted(figures.titles)
    counted = [re.findall(r'<td class="num">([^<]*)</td>', row) for _, row in rows]
    total = sum(int(c[0].replace(",", "")) for c in counted)
    covered = sum(int(c[1].replace(",", "")) for c in counted)
    assert abs(total - figures.demanded) <= len(rows)  # each row rounds to a whole
    assert abs(covered - figures.covered) <= len(rows)
    # and each demand's flags appear once
    for _, row in rows:
        flags = re.findall(r'data-flag="(\w+)"', row)
        assert len(flags) == len(set(flags))
    if figures.unserved:
        assert any('data-flag="' in row or "无可行供给" in row for _, row in rows)


def test_a_province_lists_its_cells_each_with_its_own_figures(market, web_for):
    figures = expected()
    client = web_for(factories.coordinator())
    # when the coordinator drills into Hebei
    body = client.get("/coordinator/dashboard/cell/", {"province": "130000"}).content.decode()
    # then the sector × technology cells inside it are listed with their figures
    rows = dict(re.findall(r'<tr data-cell="([\w:]+)">(.*?)</tr>', body, re.S))
    inside = {k: f for k, f in figures.items() if all(k) and k[2] == "130000"}
    assert set(rows) == {":".join(k) for k in inside}
    for key, f in inside.items():
        numbers = re.findall(r'<td class="num">([^<]*)</td>', rows[":".join(key)])
        assert numbers == [grouped(f.demanded), grouped(f.unmet), f"{f.coverage:.1%}"]
        # and each leads to its own drill-down
        assert f"sector={key[0]}&amp;technology={key[1]}&amp;province={key[2]}" in body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_export_holds_the_same_figures(market, web_for, language):
    figures = expected()
    response = web_for(factories.coordinator()).get(
        "/coordinator/dashboard/export.xlsx", HTTP_ACCEPT_LANGUAGE=language
    )
    workbook = load_workbook(io.BytesIO(response.content))
    cells, heatmap, provinces, trend, flags = workbook.worksheets

    def numbers(f) -> list:
        return [round(f.demanded), round(f.covered), round(f.unmet)]

    rows = {row[:3]: row[6:] for row in cells.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {k for k in figures if all(k)}
    for key, row in rows.items():
        f = figures[key]
        assert list(row[:3]) == numbers(f) and row[3] == pytest.approx(f.coverage)
        assert (row[6], row[7]) == (f.demands, f.unserved)
    pairs = {row[:2]: row[4:] for row in heatmap.iter_rows(min_row=2, values_only=True)}
    assert set(pairs) == {k[:2] for k in figures if k[0] and not k[2]}
    for key, row in pairs.items():
        assert list(row[:3]) == numbers(figures[(*key, "")])
    by_province = {row[0]: row[2:] for row in provinces.iter_rows(min_row=2, values_only=True)}
    assert set(by_province) == {k[2] for k in figures if not k[0] and k[2]}
    for code, row in by_province.items():
        assert list(row[:3]) == numbers(figures[("", "", code)])
    (point,) = list(trend.iter_rows(min_row=2, values_only=True))
    assert list(point[1:4]) == numbers(figures[("", "", "")])
    codes = {row[2] for row in flags.iter_rows(min_row=2, values_only=True)}
    assert {"capacity_shortfall", "supply_shortage", "supply_surplus"} <= codes
    assert cells["D1"].value == ("Sector" if language == "en" else "行业")
    assert cells["G2"].number_format == "#,##0" and cells["J2"].number_format == "0.0%"


def test_the_summary_api_holds_the_same_figures(market):
    figures = expected()
    client = APIClient()
    client.force_authenticate(factories.coordinator())
    data = client.get("/api/v1/mismatches/summary").json()

    def check(cell) -> None:
        f = figures[(cell["sector"], cell["technology"], cell["province"])]
        assert cell["demanded"] == pytest.approx(f.demanded, abs=0.01)
        assert cell["covered"] == pytest.approx(f.covered, abs=0.01)
        assert cell["unmet"] == pytest.approx(f.unmet, abs=0.01)
        assert cell["coverage"] == pytest.approx(f.coverage, abs=1e-4)
        assert cell["capacity"] == pytest.approx(f.capacity, abs=0.01)
        assert (cell["demands"], cell["unserved"]) == (f.demands, f.unserved)

    check(data["total"])
    for group in ("heatmap", "provinces", "cells"):
        for cell in data[group]:
            check(cell)
    assert len(data["cells"]) + len(data["heatmap"]) + len(data["provinces"]) + 1 == len(figures)
    assert data["snapshot_taken_at"].endswith("+08:00")
    assert [point["day"] for point in data["trend"]] == [data["day"]]


def test_one_snapshot_a_day_on_beijing_days_and_the_trend_has_a_point_a_day(reference):
    build_market()  # aggregated "now"
    # when the aggregation also ran at 01:30 Beijing time on 1 December (17:30 UTC the day
    # before), twice
    late = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=late):
        services.mismatch_aggregate()
        services.mismatch_aggregate()
    # then that day is 1 December, holding one snapshot, and the trend has one point a day
    days = sorted(set(MismatchSnapshot.objects.values_list("day", flat=True)))
    assert date(2026, 12, 1) in days
    total = MismatchSnapshot.objects.filter(day=date(2026, 12, 1), sector="", province="")
    assert total.count() == 1 and total.get().demanded == expected()[("", "", "")].demanded
    client = APIClient()
    client.force_authenticate(factories.coordinator())
    trend = client.get("/api/v1/mismatches/summary").json()["trend"]
    assert [p["day"] for p in trend] == [d.isoformat() for d in days]


def test_on_a_seeded_demo_market_the_radar_adds_up_and_its_demand_side_matches_the_rows(
    reference, web_for
):
    # given a small seed_demo market, aggregated
    call_command("seed_demo", offerings=400, demands=120, seed=7, no_hooks=True, verbosity=0)
    services.mismatch_aggregate()
    # then the demanded connections and demands per province are those of the open demand
    # rows themselves (volume split evenly over the provinces; nationwide in a row of its own)
    now = timezone.now()
    open_demands = Demand.objects.filter(
        status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED)
    ).exclude(expires_at__lte=now)
    by_province: dict[str, list[float]] = {}
    for volume, regions in open_demands.values_list("volume", "regions"):
        provinces = sorted({code[:2] + "0000" for code in regions}) or ["nationwide"]
        for province in provinces:
            entry = by_province.setdefault(province, [0.0, 0])
            entry[0] += volume / len(provinces)
            entry[1] += 1
    client = APIClient()
    client.force_authenticate(factories.coordinator())
    data = client.get("/api/v1/mismatches/summary").json()
    assert data["total"]["demanded"] == pytest.approx(
        sum(v for v, _ in open_demands.values_list("volume", "regions"))
    )
    assert data["total"]["demands"] == open_demands.count()
    shown = {p["province"]: p for p in data["provinces"]}
    assert set(shown) == set(by_province)
    for province, (demanded, count) in by_province.items():
        assert shown[province]["demanded"] == pytest.approx(demanded, abs=0.01)
        assert shown[province]["demands"] == count
    # and every roll-up is the sum of what it rolls up, measure by measure (a demand in two
    # provinces counts once in each: demand counts add up over sector × technology only)
    shared = ("demanded", "covered", "unmet", "need", "capacity")
    for measure in (*shared, "demands", "unserved"):
        total = data["total"][measure]
        # (the API rounds each figure to 0.01)
        slack = 0.01 * (len(data["cells"]) + 1)
        assert sum(h[measure] for h in data["heatmap"]) == pytest.approx(total, abs=slack)
        if measure in shared:
            assert sum(p[measure] for p in data["provinces"]) == pytest.approx(total, abs=slack)
            for pair in data["heatmap"]:
                inside = [
                    c[measure]
                    for c in data["cells"]
                    if (c["sector"], c["technology"]) == (pair["sector"], pair["technology"])
                ]
                assert sum(inside) == pytest.approx(pair[measure], abs=slack)
    # and the page prints the same province figures
    body = web_for(factories.coordinator()).get("/coordinator/dashboard/").content.decode()
    rows = dict(re.findall(r'<tr data-province="(\w+)">(.*?)</tr>', body, re.S))
    for province, (demanded, count) in by_province.items():
        assert measures(rows[province])["demanded"] == grouped(demanded)
        assert measures(rows[province])["demands"] == grouped(count)


def test_the_dashboard_before_any_aggregation_says_there_is_no_data(reference, web_for):
    body = web_for(factories.coordinator()).get("/coordinator/dashboard/").content.decode()
    assert "暂无错配数据（后台汇总任务运行后显示）。" in body


def test_the_dashboard_is_for_coordinators_only(market, web_for):
    vendor = Organization.objects.get(name="雷达测试模组厂")
    client = web_for(factories.member(vendor, "small"))
    assert client.get("/coordinator/dashboard/").status_code == 403
    assert client.get("/coordinator/dashboard/export.xlsx").status_code == 403
    assert client.get("/coordinator/dashboard/cell/?province=130000").status_code == 403
