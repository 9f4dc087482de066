"""Independent checks refused together: one answer names every field in error, the first as its detail."""
import pytest

from core.errors import NotFound, Problems, ValidationFailed, refuse


def test_every_failed_check_is_named_in_one_refusal_in_the_order_checked():
    problems = Problems()
    with problems.check():
        raise ValidationFailed("数量须为正数", field="quantity")
    with problems.check():
        pass
    with problems.check():
        raise ValidationFailed("请填写原因", field="reason", code="required")

    with pytest.raises(ValidationFailed) as refused:
        problems.refuse()

    assert refused.value.errors == [("quantity", "invalid", "数量须为正数"), ("reason", "required", "请填写原因")]
    assert (refused.value.field, refused.value.detail) == ("quantity", "数量须为正数")


def test_passing_checks_refuse_nothing():
    problems = Problems()
    with problems.check():
        pass

    problems.refuse()
    refuse([])


def test_an_error_that_is_no_bad_input_is_not_collected_but_raised_at_once():
    problems = Problems()

    with pytest.raises(NotFound), problems.check():
        raise NotFound("未找到", field="gift")

    assert problems.errors == []
