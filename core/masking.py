"""Masking of personal data (SPEC §4.13): one set of functions for serializers, pages and PDFs."""
import re

from core.validators import MOBILE_BODY

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234; short or empty values are masked whole."""
    if not phone:
        return ""
    digits = _DIGITS.sub("", phone)
    if len(digits) < 7:
        return "*" * len(phone)
    return f"{digits[:3]}****{digits[-4:]}"


# a mainland mobile number inside any text, with or without its country code (+86 or 86 written before it)
_MOBILE_RUN = re.compile(rf"(?<![0-9])(\+?86)?({MOBILE_BODY})(?![0-9])")


def mask_phones_in(text: str) -> str:
    """`text` with every mainland mobile number in it masked as `mask_phone` does (an error's detail may quote one),
    a country code before it kept: +8613812341234 → +86138****1234."""
    return _MOBILE_RUN.sub(lambda match: (match.group(1) or "") + mask_phone(match.group(2)), text)


def mask_phone_sql(column: str) -> str:
    """`mask_phone` as a SQL expression (SQLite and PostgreSQL) for set-based writes of stored, digits-only phones."""
    return (f"CASE WHEN LENGTH({column}) < 7 THEN '' "
            f"ELSE SUBSTR({column}, 1, 3) || '****' || SUBSTR({column}, LENGTH({column}) - 3, 4) END")


def mask_name(name: str | None) -> str:
    """张三丰 → 张**; Alice Smith → A**********."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str | None) -> str:
    """Keep the first six characters (province and city), mask the rest."""
    if not address:
        return ""
    keep = min(6, max(1, len(address) // 3))
    return address[:keep] + "*" * 4


def mask_account_number(number: str) -> str:
    """6222 0212 3456 7890 → ************7890: only the last four digits stay."""
    digits = "".join(number.split())
    return "*" * max(len(digits) - 4, 0) + digits[-4:]
