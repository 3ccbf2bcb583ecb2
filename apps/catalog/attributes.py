"""Validation of an offering's kind-specific attributes against its supply kind's spec."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.core.i18n import reads_english

NON_FIELD = "attributes"


def choice_name(rule: dict, choice: str) -> str:
    """An attribute choice as people read it in the active language (the code when it is its
    own name, such as IP67)."""
    names = (rule.get("choice_names") or {}).get(choice)
    if not names:
        return choice
    return names[1] if reads_english() else names[0]


def enumeration(items: Any) -> str:
    """Items joined the way the active language lists them (、 in Chinese, ", " in English)."""
    return pgettext("enumeration", "、").join(str(item) for item in items)


def attribute_label(rule: dict, name: str) -> str:
    """An attribute's label in the active language."""
    english = reads_english()
    return rule.get("label_en" if english else "label_zh") or name


def _is_type(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return math.isfinite(value)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    # A spec naming an unknown type is a programming error, not bad input.
    raise ValueError(f"unknown attribute type in spec: {type_name!r}")


_TYPE_NAMES = {
    "string": lambda: _("文本"),
    "integer": lambda: _("整数"),
    "number": lambda: _("数字"),
    "boolean": lambda: _("是/否"),
    "list": lambda: _("文本列表"),
}


def is_blank(value: Any) -> bool:
    """Whether a listing's value counts as not given: None, "" or []."""
    return value is None or value == "" or value == []


def validate_attributes(
    *, spec: dict, attributes: object, complete: bool = True
) -> dict[str, list[str]]:
    """Check `attributes` against a SupplyKind.attribute_spec.

    Returns a map of attribute name to translated error messages (empty when valid); problems
    with the whole value (not an object) are reported under "attributes". A value of None,
    "" or [] counts as not given; a required one is reported only when `complete`. Raises
    ValueError only for a malformed spec.
    """
    if not isinstance(attributes, dict):
        return {NON_FIELD: [_("类型属性必须是一个 JSON 对象。")]}
    errors: dict[str, list[str]] = {}
    for name in attributes:
        if name not in spec:
            allowed = enumeration(spec) or _("无")
            errors.setdefault(str(name), []).append(
                _("未知属性。该类型可用的属性：%(allowed)s") % {"allowed": allowed}
            )
    for name, rule in spec.items():
        value = attributes.get(name)
        if is_blank(value):
            if rule.get("required") and complete:
                # named, since a summary of several reads "请填写芯片平台。请填写封装形式。"
                label = attribute_label(rule, name)
                errors.setdefault(name, []).append(_("请填写%(label)s。") % {"label": label})
            continue
        type_name = rule.get("type", "string")
        if not _is_type(value, type_name):
            errors.setdefault(name, []).append(
                _("类型错误，应为%(type)s。") % {"type": _TYPE_NAMES[type_name]()}
            )
            continue
        choices = rule.get("choices")
        if choices:
            items = value if type_name == "list" else [value]
            invalid = [item for item in items if item not in choices]
            if invalid:
                errors.setdefault(name, []).append(
                    _("取值 %(value)s 不在可选范围内（%(choices)s）。")
                    % {
                        "value": enumeration(invalid),
                        "choices": enumeration(choice_name(rule, choice) for choice in choices),
                    }
                )
        if type_name in ("integer", "number"):
            if "min" in rule and value < rule["min"]:
                errors.setdefault(name, []).append(_("不能小于 %(min)s。") % {"min": rule["min"]})
            if "max" in rule and value > rule["max"]:
                errors.setdefault(name, []).append(_("不能大于 %(max)s。") % {"max": rule["max"]})
    return errors
