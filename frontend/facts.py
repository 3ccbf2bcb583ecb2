"""What a listing's page states about an offering, in the active language: its facts (the
public offering page) and its kind-specific attributes (the coordinator's review page)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.catalog.attributes import attribute_label, choice_name, is_blank
from apps.catalog.models import Offering

from .names import enumeration, names_of, offering_price, reference_names


def regions_served(names: dict, nationwide: bool, regions: list[str]) -> str:
    return _("全国") if nationwide else names_of(names["regions"], regions)


def offering_facts(offering: Offering) -> list[tuple[str, str]]:
    """(label, value) for what an offering is, serves and costs; "—" where not given."""
    names = reference_names()
    days = offering.lead_time_days
    return [
        (_("产品功能"), offering.function.name if offering.function else "—"),
        (_("类型"), offering.kind.name),
        (_("网络技术"), names_of(names["technologies"], offering.technologies) or "—"),
        (_("行业"), names_of(names["sectors"], offering.sectors) or "—"),
        (_("应用场景"), names_of(names["scenarios"], offering.scenarios) or "—"),
        (_("服务区域"), regions_served(names, offering.nationwide, offering.regions) or "—"),
        (_("认证"), names_of(names["certifications"], offering.certifications) or "—"),
        (_("协议"), names_of(names["protocols"], offering.protocols) or "—"),
        (_("价格"), offering_price(offering)),
        (_("最小起订量"), f"{offering.min_order:,}"),
        (
            _("年产能/服务能力"),
            f"{offering.annual_capacity:,}" if offering.annual_capacity is not None else "—",
        ),
        (_("交付周期"), ngettext("%(n)s 天", "%(n)s 天", days) % {"n": days}),
    ]


def _attribute_value(rule: dict, value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return enumeration(choice_name(rule, str(item)) for item in value)
    if isinstance(value, str):
        return choice_name(rule, value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def offering_attributes(offering: Offering) -> list[tuple[str, str]]:
    """(label, value) for each attribute its kind's spec names, in the spec's order; "—"
    where not given (a draft may leave them empty), then any the spec no longer names."""
    spec = offering.kind.attribute_spec or {}
    given = offering.attributes or {}
    rows = [
        (
            attribute_label(rule, name),
            "—" if is_blank(given.get(name)) else _attribute_value(rule, given[name]),
        )
        for name, rule in spec.items()
    ]
    rows += [
        (name, _attribute_value({}, value))
        for name, value in given.items()
        if name not in spec and not is_blank(value)
    ]
    return rows
