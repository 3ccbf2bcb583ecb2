"""The column layout shared by the import template, the importer and the export."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.catalog.attributes import attribute_label, enumeration
from apps.catalog.fields import OFFERING_FIELD_LIST, ListingField
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
    LIST_SEPARATORS). `reference` names the reference table whose codes or names the cells
    hold. Attribute columns carry the supply kinds whose spec defines them and their choices,
    with `choice_names` (code, zh, en) for the choices that have names.
    """

    code: str
    title: str
    value: str = "string"
    required: bool = False
    help: str = ""
    reference: str = ""
    kinds: tuple[str, ...] = field(default=())
    choices: tuple[str, ...] = field(default=())
    choice_names: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def header(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def is_attribute(self) -> bool:
        return self.code.startswith(ATTRIBUTE_PREFIX)

    @property
    def attribute(self) -> str:
        return self.code.removeprefix(ATTRIBUTE_PREFIX)


def _column_help(spec: ListingField) -> str:
    """What to type in a listing field's column, from the field's own definition."""
    parts: list[str] = []
    if spec.reference:
        parts.append(
            _("填写名称或代码，多个用逗号分隔（见“填写说明”）")
            if spec.type == "list"
            else _("填写名称或代码（见“填写说明”）")
        )
    if spec.code == "function":
        parts.append(_("须属于该行的类型；留空则由平台推测，待确认"))
    if spec.code == "regions":
        parts.append(_("省级、地级或县级；全国服务时可留空"))
    if spec.type == "boolean":
        parts.append(_("填“是”或“否”"))
    if spec.max_length and not spec.reference:
        parts.append(_("不超过 %(n)d 字") % {"n": spec.max_length})
    if spec.default not in (None, False):
        parts.append(_("留空为 %(default)s") % {"default": spec.default})
    return pgettext("clause separator", "；").join(parts)


def _base_columns() -> list[Column]:
    """The id column, then one column per listing field (the same list as the form and the
    API: `apps.catalog.fields`)."""
    columns = [
        Column("id", _("编号"), "integer", help=_("留空则新增；填写本组织已有供给的编号则更新该条"))
    ]
    for spec in OFFERING_FIELD_LIST:
        columns.append(
            Column(
                spec.code,
                str(spec.label),
                "string" if spec.type == "text" else spec.type,
                required=spec.required,
                help=_column_help(spec),
                reference=spec.reference,
            )
        )
    return columns


def _attribute_columns() -> list[Column]:
    """One column per attribute name over all supply kinds, in chain order."""
    by_name: dict[str, dict[str, Any]] = {}
    for kind in SupplyKind.objects.order_by("chain_position", "code"):
        spec = kind.attribute_spec or {}
        # jsonb keeps keys shortest first; show each kind's required attributes before the rest.
        for name, rule in sorted(spec.items(), key=lambda item: not item[1].get("required")):
            entry = by_name.setdefault(
                name, {"rule": rule, "kinds": [], "kind_names": [], "choices": {}}
            )
            entry["kinds"].append(kind.code)
            entry["kind_names"].append(kind.name)
            for choice in rule.get("choices") or ():
                entry["choices"][choice] = (rule.get("choice_names") or {}).get(choice)
    columns = []
    for name, entry in by_name.items():
        rule = entry["rule"]
        columns.append(
            Column(
                f"{ATTRIBUTE_PREFIX}{name}",
                _("属性：%(label)s") % {"label": attribute_label(rule, name)},
                rule.get("type", "string"),
                help=_("适用类型：%(kinds)s") % {"kinds": enumeration(entry["kind_names"])},
                kinds=tuple(entry["kinds"]),
                choices=tuple(entry["choices"]),
                choice_names=tuple(
                    (choice, names[0], names[1])
                    for choice, names in entry["choices"].items()
                    if names
                ),
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
