"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The code alphabet: digits and capital letters without I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character for the given first 17 characters (which must be in ALPHABET)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(char not in _VALUES for char in code):
        return False
    return check_character(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    """Django validator: 18 characters from the GB 32100 alphabet with a correct check character."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("统一社会信用代码应为 18 位。"), code="invalid_credit_code_length")
    if any(char not in _VALUES for char in value):
        raise ValidationError(
            _("统一社会信用代码含有无效字符（只允许数字和除 I、O、Z、S、V 外的大写字母）。"),
            code="invalid_credit_code_characters",
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确。"), code="invalid_credit_code_checksum"
        )
