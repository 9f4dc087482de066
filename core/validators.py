"""Input rules that several apps share: the services decide with them, and the API serializers and portal forms use
the same pattern and message so that a bad value is refused before the service with the same words."""
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.errors import ValidationFailed
from core.texts import listed

BUSINESS_YEARS = range(2000, 2100)  # the years a month, meeting or other business date may be in
DAY_YEARS_MESSAGE = gettext_lazy("日期须在 %(first_year)s–%(last_year)s 年")
TIME_YEARS_MESSAGE = gettext_lazy("时间须在 %(first_year)s–%(last_year)s 年")
MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField) on either database
#: a mainland mobile number: 11 ASCII digits, 13x–19x (`\d` would take any script's digits). The one definition: a
#: field takes a whole value matching it (MOBILE_PATTERN), core.masking masks every run of it inside a text
MOBILE_BODY = r"1[3-9][0-9]{9}"
MOBILE_PATTERN = rf"^{MOBILE_BODY}$"
MOBILE_MESSAGE = gettext_lazy("请输入11位手机号")
_MOBILE = re.compile(MOBILE_PATTERN)


def range_reversed(start, end, *, end_exclusive: bool = False) -> bool:
    """Whether a range from `start` to `end` (days, times, points; None: an open bound) is the wrong way round, so that
    it holds nothing: its end before its start, or, with the end excluded (an API's `*_before`, `lt`), at its start
    too. The portal's ranges and the APIs' refuse such a range next to its end, instead of listing nothing, which reads
    as "none"."""
    if start is None or end is None:
        return False
    return end <= start if end_exclusive else end < start


def is_mobile(value: str) -> bool:
    """Whether `value` (without surrounding spaces) is a mainland mobile number."""
    return bool(_MOBILE.match((value or "").strip()))


def validate_mobile(value: str, *, field: str) -> str:
    """Return the number without surrounding spaces. :raises ValidationFailed: naming `field` unless it is a mobile number"""
    number = (value or "").strip()
    if not is_mobile(number):
        raise ValidationFailed(MOBILE_MESSAGE, field=field)
    return number


#: what people type between a phone number's digits ("138 0013 8001", "138-0013-8001"), and its country code written
#: before it ("+86", "0086", "86")
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_COUNTRY_CODE = re.compile(rf"^(?:\+86|(?:00)?86(?={MOBILE_BODY}$))")  # "0086", "8613": last digits


def folded(text: str | None) -> str:
    """The text as typed with full-width and other compatibility forms read as their plain ones (NFKC: "１３８" is
    "138", "ＴＥＡ－ＬＪ" is "TEA-LJ", what a Chinese input method gives), without surrounding spaces."""
    return unicodedata.normalize("NFKC", text or "").strip()


def typed_phone(text: str | None) -> str | None:
    """The digits of a phone number (or of its last digits) as people type one: full-width digits, spaces and hyphens
    between them, the country code before them ("+86 138-0013-8001" and "１３８００１３８００１" are "13800138001"); None
    when the text is no such number (a name, an order number)."""
    digits = _COUNTRY_CODE.sub("", _PHONE_SEPARATORS.sub("", folded(text)))
    return digits if re.fullmatch("[0-9]+", digits) else None


def password_problems(password: str, *, user, field: str = "password") -> list[tuple[str, str, str]]:
    """(field, code, message) for each of Django's password validators (AUTH_PASSWORD_VALIDATORS) the password fails,
    judged against `user` (unsaved is fine: its username and email are what a password must not resemble)."""
    try:
        validate_password(password or "", user=user)
    except DjangoValidationError as error:
        return [(field, problem.code or "invalid", message) for problem, message in zip(error.error_list, error.messages)]
    return []


def refuse_nul(value: str, *, field: str) -> None:
    """:raises ValidationFailed: naming `field` if the text holds a NUL byte, which no text a person writes has:
    PostgreSQL refuses to store one (with an error), SQLite would keep it"""
    if "\x00" in (value or ""):
        raise ValidationFailed(gettext("不能包含空字符（NUL）"), field=field)


def holds_nul(value) -> bool:
    """Whether a JSON value holds a NUL character in any text, key or value, at any depth: PostgreSQL refuses to store
    one in a JSON column (with an error), SQLite would keep it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


def nul_errors(value: dict, *, field: str) -> list[tuple[str, str, str]]:
    """(field, code, message) for each top-level entry of the JSON object `value` that holds a NUL character, named
    `field.<key>` (`field` alone for a key that holds one itself)."""
    message = gettext("不能包含空字符（NUL）")
    return [(field if holds_nul(key) else f"{field}.{key}", "invalid", message)
            for key, item in value.items() if holds_nul(key) or holds_nul(item)]


def length_error(value: str, *, model: type[models.Model], column: str) -> str | None:
    """Why `value` (without surrounding spaces) does not fit `model.column`, or None when it does. PostgreSQL would
    refuse a longer value with an error, and SQLite store it anyway."""
    limit = model._meta.get_field(column).max_length
    return gettext("最多 %(limit)s 个字符") % {"limit": limit} if len((value or "").strip()) > limit else None


def validate_length(value: str, *, model: type[models.Model], column: str, field: str | None = None) -> str:
    """`value` without surrounding spaces. :raises ValidationFailed: naming `field` (default `column`) if it does not fit
    or holds a NUL byte"""
    refuse_nul(value, field=field or column)
    if message := length_error(value, model=model, column=column):
        raise ValidationFailed(message, field=field or column)
    return (value or "").strip()


def is_blank(value: str | None) -> bool:
    """Whether a text a step needs is missing: none, empty or only spaces. The one rule of `required_text` (services,
    portal) and core.api.fields.RequiredText (the API's input declarations)."""
    return not (value or "").strip()


def required_text(value: str | None, *, field: str = "reason", message: str | None = None) -> str:
    """`value` without surrounding spaces, which a step needs (a reason, a note, an answer). :raises ValidationFailed:
    code `required` naming `field` when it is missing or blank (`is_blank`), as the API's input declarations answer a
    missing field"""
    if is_blank(value):
        raise ValidationFailed(message or gettext("请填写原因"), field=field, code="required")
    return value.strip()


#: the longest reason a person writes for a rectification case or a complaint's step: one paragraph a reader takes in
REASON_MAX_LENGTH = 500


def validate_reason(value: str, *, field: str = "reason") -> str:
    """A reason without surrounding spaces (may be empty). :raises ValidationFailed: naming `field` if longer than
    REASON_MAX_LENGTH or holding a NUL byte"""
    refuse_nul(value, field=field)
    text = (value or "").strip()
    if len(text) > REASON_MAX_LENGTH:
        message = gettext("最多 %(limit)s 个字符（现有 %(length)s 个）") % {"limit": REASON_MAX_LENGTH, "length": len(text)}
        raise ValidationFailed(message, field=field)
    return text


def whole_number(text: str, *, limit: int) -> int | None:
    """The text as a whole number from 0 to `limit`, or None when it is not one. ASCII digits only, as many as `limit`
    has: `int()` also takes other scripts' digits (`isdigit()` even superscripts, which `int()` refuses), and refuses
    more than 4,300 of them."""
    text = text.strip()
    if not re.fullmatch(f"[0-9]{{1,{len(str(limit))}}}", text):
        return None
    return value if (value := int(text)) <= limit else None


def storable_ids(ids) -> list[int]:
    """The ids a primary key can hold (others name no row, and a query with them would fail)."""
    return [pk for pk in ids if 1 <= pk <= MAX_ID]


def id_or_none(text) -> int | None:
    """The id a query parameter or a reference names (a whole number up to MAX_ID), else None."""
    return whole_number(str(text or ""), limit=MAX_ID)


class IdField(forms.IntegerField):
    """A form field (and the API's id filters) taking a whole number a primary key can hold: `1e30`, `2**63` or `1.5`
    are an error naming the field, not a query the database cannot bind."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class YesNoField(forms.NullBooleanField):
    """`true` or `false` (also `1`/`0`, `yes`/`no`, any case); empty is no filter, anything else an error naming it. The
    APIs' yes/no filters, and the portal's (core.forms.yes_no_box). django-filter's own reads an unknown word as "no
    filter", so `?receivable=maybe` listed every row."""

    widget = forms.TextInput
    WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        word = str(value or "").strip().lower()
        if not word:
            return None
        if word not in self.WORDS:
            raise forms.ValidationError(gettext("须为 true 或 false"), code="invalid")
        return self.WORDS[word]


def years_error(value: date | datetime | None) -> str | None:
    """Why a day or a time someone typed is refused, or None when it is in BUSINESS_YEARS (or there is none). Every typed
    day and time is held to them: the form fields (`BusinessDayField`, `BusinessTimeField`), the API's
    (core.api.fields.BusinessDateField, BusinessDateTimeField), the filters and the services that take one. A year
    such as 0001 or 9999 is stored as nonsense, or fails the server later: that moment in UTC, a deadline days after
    it, is no time Python can hold."""
    if value is None:
        return None
    if value.year in BUSINESS_YEARS:  # a time given at another offset is judged on the local day it is (Asia/Shanghai)
        local = timezone.localtime(value) if isinstance(value, datetime) and timezone.is_aware(value) else value
        if local.year in BUSINESS_YEARS:
            return None
    message = TIME_YEARS_MESSAGE if isinstance(value, datetime) else DAY_YEARS_MESSAGE
    return str(message) % {"first_year": BUSINESS_YEARS[0], "last_year": BUSINESS_YEARS[-1]}


class InBusinessYears:
    """A form field of a day or a time (mixed in before Django's field) that takes only one in BUSINESS_YEARS
    (`years_error`): another is an error next to the field. A list filtered from 0001-01-01 or to 9999-12-31 would ask
    for a moment Python cannot hold (that local midnight in UTC, the day after), a deadline of 9999-12-31 fail the
    days counted from it: a failure of the server rather than a value refused."""

    def validate(self, value) -> None:
        super().validate(value)
        if message := years_error(value):
            raise forms.ValidationError(message, code="invalid")


class BusinessDayField(InBusinessYears, forms.DateField):
    """A day in BUSINESS_YEARS: every day a portal form takes (and its day filters: core.forms.day_field)."""


class BusinessTimeField(InBusinessYears, forms.DateTimeField):
    """A time in BUSINESS_YEARS: every time a portal form takes."""


def orderings(*names: str) -> list[str]:
    """The values an `ordering` parameter takes: each name, and each with "-" (descending)."""
    return [value for name in names for value in (name, f"-{name}")]


def ordering_refused(unknown: Iterable[str], valid: Iterable[str]) -> str:
    """Why an `ordering` is refused, by an API list or a portal page's headings (core.forms.ListFilter.sorts): the
    terms refused and the names the list orders by."""
    return gettext("不能按 %(unknown)s 排序；可用：%(valid)s") % {"unknown": listed(unknown), "valid": listed(sorted(valid))}
