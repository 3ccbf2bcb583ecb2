"""The coordinators' monitoring-indicator page: the platform's figures against the 2027 goals,
read from apps.coordination.indicators (the same definitions as /api/v1/indicators), shaped
for the page in the reader's language: codes as names, thousands separators, Beijing time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.coordination.indicators import (
    BROADBAND_TARGET,
    BROADBAND_TECHNOLOGIES,
    MIX_TECHNOLOGIES,
    NATIONWIDE,
    NO_TECHNOLOGY,
    indicators_get,
)

from ..access import coordinator_required
from ..names import enumeration, reference_names


def _count(value: float) -> str:
    return f"{round(value):,}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(days)s 天") % {"days": f"{value:,.1f}"}


@coordinator_required
def indicators(request: HttpRequest) -> HttpResponse:
    figures = indicators_get()
    names = reference_names()
    tech_names = {**names["technologies"], NO_TECHNOLOGY: _("无可行技术")}
    region_names = {**names["regions"], NATIONWIDE: _("全国（不限省份）")}
    broadband = figures.broadband
    others = [code for code in figures.technologies if code not in MIX_TECHNOLOGIES]
    intro = figures.introductions
    return render(
        request,
        "frontend/coordinator/indicators.html",
        {
            "computed_at": figures.computed_at,
            "target": _percent(BROADBAND_TARGET),
            "broadband_names": enumeration(tech_names.get(c, c) for c in BROADBAND_TECHNOLOGIES),
            "broadband": {
                "share": _percent(broadband.share),
                "below_target": broadband.share is not None and broadband.share < BROADBAND_TARGET,
                "connections": _count(broadband.connections),
                "broadband": _count(broadband.broadband),
                "without_technology": _count(broadband.without_technology),
                "by_technology": [
                    {
                        "name": tech_names.get(code, code),
                        "connections": _count(broadband.by_technology.get(code, 0)),
                        "share": _percent(broadband.technology_share(code)),
                        "broadband": code in BROADBAND_TECHNOLOGIES,
                    }
                    for code in figures.technologies
                    if code != NO_TECHNOLOGY
                ],
            },
            "broadband_trend": [
                {
                    "month": m.month,
                    "demands": _count(m.demands),
                    "connections": _count(m.connections),
                    "share": _percent(m.share),
                }
                for m in figures.broadband_trend
            ],
            "mix_names": [tech_names.get(code, code) for code in MIX_TECHNOLOGIES],
            "sector_mix": [
                {
                    "sector": names["sectors"].get(row.sector, row.sector),
                    "connections": _count(row.connections),
                    "shares": [_percent(row.share(code)) for code in MIX_TECHNOLOGIES],
                    "others": _percent(
                        sum(row.by_technology.get(code, 0) for code in others) / row.connections
                        if row.connections
                        else None
                    ),
                }
                for row in figures.sector_mix
            ],
            "provinces": [
                {
                    "code": row.province,
                    "name": region_names.get(row.province, row.province),
                    "demands": _count(row.demands),
                    "with_supply": _count(row.demands_with_supply),
                    "coverage": _percent(row.coverage),
                    "connections": _count(row.connections),
                    "vendors": _count(row.vendors),
                    "offerings": _count(row.offerings),
                }
                for row in figures.provinces
            ],
            "introductions": {
                "introduced": _count(intro.introduced),
                "median_days": _days(intro.median_days),
                "acceptance_rate": _percent(intro.acceptance_rate),
                "won_rate": _percent(intro.won_rate),
                "answered": _count(intro.answered),
                "closed": _count(intro.closed),
            },
            "introduction_trend": [
                {
                    "month": m.month,
                    "introduced": _count(m.introduced),
                    "median_days": _days(m.median_days),
                    "acceptance_rate": _percent(m.acceptance_rate),
                    "won_rate": _percent(m.won_rate),
                }
                for m in figures.introduction_trend
            ],
            "chart": {
                "months": figures.months,
                "share": [
                    None if m.share is None else round(m.share * 100, 1)
                    for m in figures.broadband_trend
                ],
                "target": BROADBAND_TARGET * 100,
                "labels": {"share": _("4G/5G 占比"), "target": _("2027 年目标")},
            },
        },
    )
