"""Input rules that several apps share: the services decide with them, and the API serializers and portal forms use
the same pattern and message so that a bad value is refused before the service with the same words."""
import re

from django.db import connection, models

from core.errors import ValidationFailed

BUSINESS_YEARS = range(2000, 2100)  # the years a month, meeting or other business date may be in
MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField) on either database
_ID = re.compile(r"[0-9]{1,19}")
MOBILE_PATTERN = r"^1[0-9]{10}$"  # a mainland mobile number: 11 ASCII digits, the first a 1 (`\d` would take any script's digits)
MOBILE_MESSAGE = "请输入11位手机号 (an 11-digit mobile number)"
_MOBILE = re.compile(MOBILE_PATTERN)


def validate_mobile(value: str, *, field: str) -> str:
    """Return the number without surrounding spaces. :raises ValidationFailed: naming `field` unless it is a mobile number"""
    number = (value or "").strip()
    if not _MOBILE.match(number):
        raise ValidationFailed(MOBILE_MESSAGE, field=field)
    return number


def length_error(value: str, *, model: type[models.Model], column: str) -> str | None:
    """Why `value` (without surrounding spaces) does not fit `model.column`, or None when it does. PostgreSQL would
    refuse a longer value with an error, and SQLite store it anyway."""
    limit = model._meta.get_field(column).max_length
    return f"最多 {limit} 个字符 (at most {limit} characters)" if len((value or "").strip()) > limit else None


def validate_length(value: str, *, model: type[models.Model], column: str, field: str | None = None) -> str:
    """`value` without surrounding spaces. :raises ValidationFailed: naming `field` (default `column`) if it does not fit"""
    if message := length_error(value, model=model, column=column):
        raise ValidationFailed(message, field=field or column)
    return (value or "").strip()


def storable_ids(model: type[models.Model], ids) -> list[int]:
    """The ids that `model`'s primary key column can hold (others name no row, and a query with them would fail)."""
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return [pk for pk in ids if low <= pk <= high]


def id_or_none(text) -> int | None:
    """The id a query parameter or a reference names: ASCII digits within a primary key's range, else None (`isdigit()`
    would take '²', which `int()` refuses, and a database would refuse an id past MAX_ID)."""
    text = str(text or "").strip()
    return int(text) if _ID.fullmatch(text) and int(text) <= MAX_ID else None
