"""Months as people write them (2026-09, 2026年9月…) and the local times they span (Asia/Shanghai): a statement's month,
an assessment's, and the month an order's delivery is booked in."""
import re
import unicodedata
from datetime import date, datetime

from django import forms
from django.utils.translation import gettext, gettext_lazy

from core.days import day_start
from core.errors import ValidationFailed
from core.validators import BUSINESS_YEARS

# a month as people write it: 2026-09, 2026-9, 2026/09, 2026.9, 202609, 2026年9月 (full-width digits read as NFKC folds them)
MONTH = re.compile(r"([0-9]{4})(?:\s*[-/.年]\s*([0-9]{1,2})\s*月?|([0-9]{2}))")
FIRST_MONTH, LAST_MONTH = date(BUSINESS_YEARS[0], 1, 1), date(BUSINESS_YEARS[-1], 12, 1)  # the months a statement or an assessment may be of


def month_start(month: date) -> datetime:
    """00:00 on the 1st of `month` in Asia/Shanghai."""
    return day_start(month.replace(day=1))


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def in_month(column: str, month: date) -> dict:
    """Lookups keeping the rows whose `column` (a time) falls in the local `month`: from 00:00 on its 1st to 00:00 on
    the next month's (the booking rule's cutoff, SPEC §4.11), a range an index on the column serves."""
    return {f"{column}__gte": month_start(month), f"{column}__lt": month_start(next_month(month))}


def parse_month(value: str, *, field: str = "month") -> date:
    """'2026-10' → date(2026, 10, 1), and so for each way of writing a month `MONTH` reads ('2026-9', '2026/09',
    '202609', '2026年9月', full-width digits). :raises ValidationFailed: naming `field`, unless it is a month from
    FIRST_MONTH to LAST_MONTH"""
    match = MONTH.fullmatch(unicodedata.normalize("NFKC", value or "").strip())
    month = int((match[2] or match[3]) if match else 0)
    if not 1 <= month <= 12:
        raise ValidationFailed(gettext("月份格式应为 YYYY-MM"), field=field)
    if not FIRST_MONTH.year <= int(match[1]) <= LAST_MONTH.year:  # before date(): it refuses a year 0
        bounds = {"first_month": FIRST_MONTH.strftime("%Y-%m"), "last_month": LAST_MONTH.strftime("%Y-%m")}
        raise ValidationFailed(gettext("月份须在 %(first_month)s 至 %(last_month)s 之间") % bounds, field=field)
    return date(int(match[1]), month, 1)


class MonthFilter(forms.CharField):
    """A month filter, YYYY-MM or another way parse_month reads: the month's first day, or None when empty."""

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_month(text) if text else None
        except ValidationFailed as error:
            raise forms.ValidationError(error.detail) from None


def booked_month_filter() -> MonthFilter:
    """An order list's 记账月份: the orders whose delivery a month's statement books (recorded that month, Asia/Shanghai),
    as the API's `booked_month` narrows them."""
    return MonthFilter(label=gettext_lazy("记账月份"), required=False,
                       help_text=gettext_lazy("结算单按记账时间（平台记录签收的时间）归入月份，而非签收时间"),
                       widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}))
