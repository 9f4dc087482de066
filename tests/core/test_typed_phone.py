"""A phone number as people type one, read as the digits a member's phone is stored with."""
import pytest

from core.validators import typed_phone


@pytest.mark.parametrize("typed", [
    "13800138001", " 13800138001 ", "+86 138-0013-8001", "+8613800138001", "8613800138001", "0086 138 0013 8001",
    "１３８００１３８００１", "＋８６ １３８－００１３－８００１", "138–0013–8001",
])
def test_a_phone_number_typed_with_spaces_hyphens_full_width_digits_or_the_country_code_is_its_digits(typed):
    assert typed_phone(typed) == "13800138001"


@pytest.mark.parametrize(("typed", "digits"), [("8001", "8001"), ("８００１", "8001"), ("0086", "0086"), ("8613", "8613")])
def test_the_last_digits_of_a_number_stay_as_typed_even_when_they_read_like_a_country_code(typed, digits):
    assert typed_phone(typed) == digits


@pytest.mark.parametrize("typed", ["", None, "王芳", "RO20260101", "138 王", "1٣٨٠٠١٣٨٠٠١", "+86"])
def test_a_text_that_is_no_phone_number_is_none(typed):
    assert typed_phone(typed) is None
