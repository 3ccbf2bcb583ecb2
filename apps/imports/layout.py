"""The column layout shared by the import template, the importer and the export."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.catalog.models import SupplyKind

ATTRIBUTE_PREFIX = "attributes."
# What people type between items of a list cell: ASCII and full-width commas and semicolons,
# the enumeration comma, and line breaks (Alt+Enter in Excel).
LIST_SEPARATORS = re.compile(r"[,，;；、\r\n]+")
# "名称 (name)", "名称（name）" or "Name (name)": the code in brackets at the end of a header.
_HEADER_CODE = re.compile(r"[（(]\s*([A-Za-z_][\w.]*)\s*[)）]\s*$")
_TRUE = {"是", "true", "yes", "y", "t", "1", "√", "✓", "对"}
_FALSE = {"否", "false", "no", "n", "f", "0", "×", "✗", "错"}


@dataclass(frozen=True)
class Column:
    """One column of the offerings sheet.

    `value` is the cell type: string, integer, number, boolean or list (items separated by
    LIST_SEPARATORS). Attribute columns carry the supply kinds whose spec defines them.
    """

    code: str
    title: str
    value: str = "string"
    required: bool = False
    help: str = ""
    kinds: tuple[str, ...] = field(default=())
    choices: tuple[str, ...] = field(default=())

    @property
    def header(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def is_attribute(self) -> bool:
        return self.code.startswith(ATTRIBUTE_PREFIX)

    @property
    def attribute(self) -> str:
        return self.code.removeprefix(ATTRIBUTE_PREFIX)


def _base_columns() -> list[Column]:
    return [
        Column(
            "id", _("编号"), "integer", help=_("留空则新增；填写本组织已有供给的编号则更新该条")
        ),
        Column("kind", _("类型"), required=True, help=_("供给类型代码，见“填写说明”")),
        Column("name", _("名称"), required=True, help=_("不超过 200 字")),
        Column(
            "function",
            _("产品功能"),
            help=_("产品功能代码（须属于该行的类型），见“产品功能代码”；留空则由平台推测，待确认"),
        ),
        Column("model_number", _("型号")),
        Column("description", _("描述"), help=_("不超过 10000 字")),
        Column("sectors", _("行业"), "list", required=True, help=_("行业代码，多个用逗号分隔")),
        Column("scenarios", _("场景"), "list", help=_("场景代码，多个用逗号分隔")),
        Column("technologies", _("网络技术"), "list", help=_("网络技术代码，多个用逗号分隔")),
        Column("nationwide", _("全国服务"), "boolean", help=_("填“是”或“否”")),
        Column(
            "regions",
            _("服务区域"),
            "list",
            help=_("行政区划代码（省级或地级，6 位），多个用逗号分隔；全国服务时可留空"),
        ),
        Column("certifications", _("认证"), "list", help=_("认证代码，多个用逗号分隔")),
        Column("protocols", _("协议"), "list", help=_("协议代码，多个用逗号分隔")),
        Column("price_min", _("单价下限（元）"), "number", required=True),
        Column("price_max", _("单价上限（元）"), "number", required=True),
        Column("min_order", _("最小起订量"), "integer", help=_("留空为 1")),
        Column("annual_capacity", _("年产能/服务能力"), "integer", required=True),
        Column("lead_time_days", _("交付周期（天）"), "integer", help=_("留空为 30")),
    ]


def _attribute_columns() -> list[Column]:
    """One column per attribute name over all supply kinds, in chain order."""
    english = (get_language() or "").startswith("en")
    by_name: dict[str, dict[str, Any]] = {}
    for kind in SupplyKind.objects.order_by("chain_position", "code"):
        spec = kind.attribute_spec or {}
        # jsonb keeps keys shortest first; show each kind's required attributes before the rest.
        for name, rule in sorted(spec.items(), key=lambda item: not item[1].get("required")):
            entry = by_name.setdefault(name, {"rule": rule, "kinds": []})
            entry["kinds"].append(kind.code)
    columns = []
    for name, entry in by_name.items():
        rule = entry["rule"]
        label = rule.get("label_en" if english else "label_zh") or name
        columns.append(
            Column(
                f"{ATTRIBUTE_PREFIX}{name}",
                _("属性：%(label)s") % {"label": label},
                rule.get("type", "string"),
                help=_("适用类型：%(kinds)s") % {"kinds": "、".join(entry["kinds"])},
                kinds=tuple(entry["kinds"]),
                choices=tuple(rule.get("choices") or ()),
            )
        )
    return columns


def offering_columns() -> list[Column]:
    """Every column of the offerings sheet, in order: the listing's fields, then attributes."""
    return _base_columns() + _attribute_columns()


def header_code(header: Any, titles: dict[str, str]) -> str | None:
    """The column code a header cell names: the code in brackets, a bare code, or a title."""
    text = cell_text(header)
    if not text:
        return None
    match = _HEADER_CODE.search(text)
    if match:
        return match.group(1).lower()
    if text.lower() in titles.values() or text.lower().startswith(ATTRIBUTE_PREFIX):
        return text.lower()
    return titles.get(text)


def cell_text(value: Any) -> str:
    """A cell as trimmed text; integral numbers without a trailing `.0` (Excel stores floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def split_list(value: Any) -> list[str]:
    return [item.strip() for item in LIST_SEPARATORS.split(cell_text(value)) if item.strip()]


def parse_boolean(value: Any) -> bool | str:
    """True/False for the usual spellings (是/否, yes/no, 1/0, ✓/×); other text unchanged so
    that validation reports it."""
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return text


def parse_number(value: Any, type_name: str) -> Any:
    """An int or float for a numeric cell or numeric text; other text unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if type_name == "integer" and value.is_integer() else value
    text = cell_text(value).replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return cell_text(value)
    if not number.is_finite():
        return cell_text(value)
    if type_name == "integer":
        return int(number) if number == number.to_integral_value() else cell_text(value)
    return float(number)


def attribute_value(value: Any, type_name: str) -> Any:
    """An attribute cell converted to the type its spec names (validation judges the result)."""
    if type_name == "list":
        return split_list(value)
    if type_name == "boolean":
        return parse_boolean(value)
    if type_name in ("integer", "number"):
        return parse_number(value, type_name)
    return cell_text(value)


def export_cell(value: Any, type_name: str) -> Any:
    """A listing value as a cell the importer reads back to the same value."""
    if value is None or value == [] or value == "":
        return None
    if type_name == "list":
        return ", ".join(str(item) for item in value)
    if type_name == "boolean":
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
