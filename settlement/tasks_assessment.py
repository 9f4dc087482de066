"""Assessment tasks: the month that just closed its windows (beat, 03:00 on the 20th), or a month on demand."""
from celery import shared_task
from django.utils import timezone

from settlement.services import assessment, generation


@shared_task
def assess_last_month() -> int:
    """Beat, 03:00 on the 20th: assess month M−1 of now (idempotent, so a second delivery changes nothing; a supplier with
    a decided proposal of the month keeps its results). Returns the number of suppliers assessed."""
    now = timezone.now()
    return len(assessment.compute_month(month=assessment.last_assessable_month(now), now=now).assessed)


@shared_task
def assess_month(month: str) -> int:
    """Assess `month` ('YYYY-MM') on demand."""
    return len(assessment.compute_month(month=generation.parse_month(month), now=timezone.now()).assessed)
