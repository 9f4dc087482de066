"""Assessment task: the month that just closed its windows (beat, 03:00 on the 20th); a month on demand is assessed from
the assessment page or `POST /api/v1/assessments/compute/`."""
from celery import shared_task
from django.utils import timezone

from settlement.services import assessment


@shared_task
def assess_last_month() -> int:
    """Beat, 03:00 on the 20th: assess month M−1 of now (idempotent, so a second delivery changes nothing; a supplier with
    a decided proposal of the month keeps its results). Returns the number of suppliers assessed."""
    now = timezone.now()
    return len(assessment.compute_month(month=assessment.last_assessable_month(now), now=now).assessed)
