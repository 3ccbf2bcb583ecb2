"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation.

Structure: registration authority (1) · organisation category (1) · administrative division of
the registering office (6 digits, GB/T 2260) · organisation code (9, GB 11714: 8 characters
and their check character) · check character (1). Besides the final check character, the
parts are checked too: `000000000000000000` carries a correct check character, but no
authority "0", no division "000000" and no organisation code "00000000-0" exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The code alphabet: digits and capital letters without I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(ALPHABET)}

# Registration authorities (GB 32100-2015 table 1 and its amendment): 1 编制, 2 外交, 3 司法,
# 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管 (工商), A 军队, N 农业, Y 其他.
REGISTRATION_AUTHORITIES = frozenset("123456789ANY")
# First two digits of the registering office's division: 10 for national offices, then the
# 31 mainland provinces (Hong Kong, Macao and Taiwan issue no such codes).
_DIVISION_TABLE = (
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65"
)
DIVISION_PREFIXES = frozenset(_DIVISION_TABLE.split())
# GB 11714 organisation code: digits count as themselves, letters A–Z as 10–35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The 18th character for the given first 17 characters (which must be in ALPHABET)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organization_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _structure_is_valid(code: str) -> bool:
    return (
        code[0] in REGISTRATION_AUTHORITIES
        and code[2:8].isdigit()
        and code[2:4] in DIVISION_PREFIXES
        and organization_code_check(code[8:16]) == code[16]
    )


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(char not in _VALUES for char in code):
        return False
    return check_character(code[:17]) == code[17] and _structure_is_valid(code)


def validate_credit_code(value: str) -> None:
    """Django validator: 18 characters from the GB 32100 alphabet with a correct check
    character, whose authority, division and organisation code parts are well formed."""
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
    if not _structure_is_valid(value):
        raise ValidationError(
            _("统一社会信用代码不成立（登记管理部门、行政区划或组织机构代码无效）。"),
            code="invalid_credit_code_structure",
        )
