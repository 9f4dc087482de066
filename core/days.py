"""Local days (Asia/Shanghai): where a day begins, for queries bounded by days."""
from datetime import date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The aware moment the local `day` begins (00:00 in the current time zone)."""
    return timezone.make_aware(datetime.combine(day, time.min))
