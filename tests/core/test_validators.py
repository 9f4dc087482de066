"""Shared input rules: a mainland mobile number, an id, a text that can be stored, a range the right way round."""
import pytest

from core.errors import ValidationFailed
from core.models import TransitionLog
from core.validators import MAX_ID, MOBILE_MESSAGE, id_or_none, range_reversed, validate_length, validate_mobile, validate_reason


def test_a_mobile_number_is_returned_without_surrounding_spaces():
    assert validate_mobile(" 13800138000 ", field="phone") == "13800138000"


@pytest.mark.parametrize("value", ["", None, "1380013800", "138001380000", "23800138000", "1380013800a", "138 0013 8000",
                                   "1٣٨٠٠١٣٨٠٠٠", "1380013800０"])
def test_anything_else_is_refused_naming_the_field(value):
    with pytest.raises(ValidationFailed) as refused:
        validate_mobile(value, field="recipient_phone")

    assert (refused.value.field, str(refused.value.detail)) == ("recipient_phone", MOBILE_MESSAGE)


@pytest.mark.parametrize(("text", "pk"), [
    ("42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("²", None), ("٣", None), ("-1", None), ("", None), (None, None),
])
def test_an_id_in_a_query_is_ascii_digits_within_a_primary_keys_range(text, pk):
    assert id_or_none(text) == pk


@pytest.mark.parametrize("check", [
    lambda text: validate_reason(text),
    lambda text: validate_length(text, model=TransitionLog, column="transition", field="reason"),
], ids=["reason", "length"])
def test_a_text_with_a_nul_byte_is_refused_naming_the_field(check):
    with pytest.raises(ValidationFailed) as refused:
        check("a\x00b")

    assert refused.value.field == "reason"


@pytest.mark.parametrize(("start", "end", "end_exclusive", "reversed_"), [
    (1, 2, False, False), (2, 2, False, False), (3, 2, False, True),  # an inclusive end may be the start: one day, one price
    (1, 2, True, False), (2, 2, True, True), (3, 2, True, True),  # an excluded end at the start holds nothing
    (None, 2, True, False), (3, None, False, False), (None, None, True, False),  # an open bound: no range to turn round
])
def test_a_range_is_the_wrong_way_round_when_its_end_is_before_its_start_or_at_it_when_excluded(start, end, end_exclusive, reversed_):
    assert range_reversed(start, end, end_exclusive=end_exclusive) is reversed_
