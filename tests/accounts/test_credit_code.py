"""GB 32100-2015 unified social credit code validation with real codes."""

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.credit_code import is_valid_credit_code, validate_credit_code

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
