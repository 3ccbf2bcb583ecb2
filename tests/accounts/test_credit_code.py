"""GB 32100-2015 unified social credit code validation with real codes."""

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.credit_code import (
    check_character,
    is_valid_credit_code,
    validate_credit_code,
)

REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid_credit_code(code)
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("914403001922038217", "invalid_credit_code_checksum"),  # last character changed
        ("91440300708461136", "invalid_credit_code_length"),
        ("9144030070846113601", "invalid_credit_code_length"),
        ("91440300708461136I", "invalid_credit_code_characters"),  # I is not in the alphabet
        ("91440300708461136t", "invalid_credit_code_characters"),  # lower case
        ("", "invalid_credit_code_length"),
    ],
)
def test_invalid_codes_are_rejected_with_their_reason(code, error):
    assert not is_valid_credit_code(code)
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == error


@pytest.mark.parametrize(
    "first17",
    [
        "00000000000000000",  # the all-zero code: its check character is 0, so it passed
        "91000000000000000",  # no administrative division 000000
        "91710000MA07DEM10",  # Taiwan's division: no registering office issues codes there
        "01130100MA07DEM10",  # no registration authority 0
        "91130100MA07DEM11",  # organisation code MA07DEM1's check character is 0, not 1
        "911301AB192203821",  # division with letters
    ],
)
def test_a_right_check_character_does_not_save_impossible_parts(first17):
    code = first17 + check_character(first17)
    assert not is_valid_credit_code(code)
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == "invalid_credit_code_structure"
