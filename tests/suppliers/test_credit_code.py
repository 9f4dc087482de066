"""The unified social credit code check digit (GB 32100-2015)."""
import pytest

from core.errors import ValidationFailed
from suppliers.validators import is_valid_credit_code, validate_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91110108551385082Q"])
def test_real_credit_codes_pass(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "9135010OM000100Y43", "91350100M000100Y4", "91350100M000100Y433", "", "ABCDEFGHIJKLMNOPQR"],
)
def test_wrong_check_digit_length_or_letters_fail(code):
    assert not is_valid_credit_code(code)


def test_validation_normalises_case_and_names_the_field():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    with pytest.raises(ValidationFailed) as refused:
        validate_credit_code("91350100M000100Y44")
    assert refused.value.field == "credit_code"
