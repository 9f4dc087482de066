"""Input rules that several apps share: the services decide with them, and the API serializers and portal forms use
the same pattern and message so that a bad value is refused before the service with the same words."""
import re

from core.errors import ValidationFailed

MOBILE_PATTERN = r"^1\d{10}$"  # a mainland mobile number: 11 digits, the first a 1
MOBILE_MESSAGE = "请输入11位手机号 (an 11-digit mobile number)"
_MOBILE = re.compile(MOBILE_PATTERN)


def validate_mobile(value: str, *, field: str) -> str:
    """Return the number without surrounding spaces. :raises ValidationFailed: naming `field` unless it is a mobile number"""
    number = (value or "").strip()
    if not _MOBILE.match(number):
        raise ValidationFailed(MOBILE_MESSAGE, field=field)
    return number
