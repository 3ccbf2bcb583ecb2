"""An offering's fields, listed once: the web form, the API serializer and the import template
are built from this list (label, whether a listing needs it, limits, help)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ListingField:
    """One field of a listing.

    `type` is string, text, integer, number (money), boolean or list; `reference` names the
    reference table its codes come from (a key of `selectors.REFERENCE_MODELS`). `required`
    means a listing needs it to be submitted for review; `default` is what an omitted value
    becomes.
    """

    code: str
    label: Promise
    type: str = "string"
    required: bool = False
    reference: str = ""
    max_length: int | None = None
    max_items: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    default: Any = None
    help: Promise | str = ""


# A price is at most ¥100 million (money fields: 12 digits, 2 decimals).
MAX_PRICE = 10**8

OFFERING_FIELD_LIST: tuple[ListingField, ...] = (
    ListingField("kind", _("供给类型"), required=True, reference="kinds"),
    ListingField("name", _("名称"), required=True, max_length=200),
    ListingField(
        "function",
        _("产品功能"),
        reference="functions",
        max_length=40,
        help=_("产品是做什么的：决定它会被推荐给哪些场景的需求。"),
    ),
    ListingField("model_number", _("型号"), max_length=100),
    ListingField("description", _("描述"), "text", max_length=10000),
    ListingField(
        "sectors", _("适用行业"), "list", required=True, reference="sectors", max_items=10
    ),
    ListingField(
        "scenarios",
        _("服务场景"),
        "list",
        reference="scenarios",
        max_items=30,
        help=_("只勾选有实际案例或专门设计的场景：勾选过多不会提高推荐排名。"),
    ),
    ListingField("technologies", _("网络技术"), "list", reference="technologies", max_items=10),
    ListingField("nationwide", _("全国服务"), "boolean", default=False),
    ListingField(
        "regions",
        _("服务区域"),
        "list",
        reference="regions",
        max_items=400,
        help=_("选择省份或城市；全国服务时可不选。"),
    ),
    ListingField("certifications", _("已获认证"), "list", reference="certifications", max_items=30),
    ListingField("protocols", _("支持协议"), "list", reference="protocols", max_items=20),
    ListingField(
        "price_min", _("单价下限（元）"), "number", required=True, min_value=0, max_value=MAX_PRICE
    ),
    ListingField(
        "price_max", _("单价上限（元）"), "number", required=True, min_value=0, max_value=MAX_PRICE
    ),
    ListingField("min_order", _("最小起订量"), "integer", min_value=1, max_value=10**9, default=1),
    ListingField(
        "annual_capacity",
        _("年产能/服务能力"),
        "integer",
        required=True,
        min_value=0,
        max_value=10**12,
    ),
    ListingField(
        "lead_time_days", _("交付周期（天）"), "integer", min_value=0, max_value=3650, default=30
    ),
)
OFFERING_FIELD_SPECS: dict[str, ListingField] = {field.code: field for field in OFFERING_FIELD_LIST}
