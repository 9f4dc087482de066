"""Rules on a supplier's values: the unified social credit code (统一社会信用代码, GB 32100-2015) and its check digit,
and the bounds of a points price."""
from django.utils.translation import gettext

from core.errors import ValidationFailed
from core.validators import range_reversed

POINTS_LIMIT = 2**31 - 1  # the most points one price may be: what the database's integer column holds
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CHARSET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(ch not in CHARSET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(code: str, *, field: str = "credit_code") -> str:
    """Return the normalised code.

    :raises ValidationFailed: unless it is 18 characters of the GB 32100 alphabet with a correct check digit
    """
    normalised = (code or "").strip().upper()
    if not is_valid_credit_code(normalised):
        raise ValidationFailed(
            gettext("统一社会信用代码无效：须为18位且校验位正确"), field=field, code_value=code
        )
    return normalised


def points_range_problem(lowest: int | None, highest: int | None) -> str | None:
    """What is wrong with a range of points prices asked for (a catalog's 最低积分 to 最高积分), said at its highest
    bound, or None: a highest below the lowest would list nothing and read as "no such gift"."""
    if range_reversed(lowest, highest):
        return gettext("最高积分不能低于最低积分")
    return None


def is_points_price(value) -> bool:
    """A whole number of points from 1 to POINTS_LIMIT (not a bool, not a float)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= POINTS_LIMIT


def validate_points_price(value, *, field: str = "points_price") -> int:
    """:raises ValidationFailed: naming `field` unless `value` is a points price"""
    if not is_points_price(value):
        raise ValidationFailed(gettext("积分价须为 1–%(points_limit)s 的整数") % {"points_limit": POINTS_LIMIT}, field=field)
    return value
