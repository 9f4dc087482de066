"""Local days (Asia/Shanghai): where a day begins, for queries bounded by days."""
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The aware moment the local `day` begins (00:00 in the current time zone)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def on_days(column: str, start: date | None = None, end: date | None = None) -> dict:
    """Lookups keeping the rows whose `column` (a time) falls on a local day from `start` to `end` (both included; a
    missing bound left out), as a range of times: an index on the column serves it, where `column__date` converts
    every row's time to a local date first."""
    bounds = {f"{column}__gte": day_start(start) if start else None, f"{column}__lt": day_start(end + timedelta(days=1)) if end else None}
    return {lookup: moment for lookup, moment in bounds.items() if moment}
