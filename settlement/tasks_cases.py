"""Beat job of re-evaluation (复评): the daily scheduling run (a thin wrapper around one service)."""
from celery import shared_task
from django.utils import timezone

from settlement.services import re_evaluation


@shared_task
def schedule_re_evaluations() -> dict[str, int]:
    """Create the re-evaluations that have fallen due and refresh waiting proposals; safe to run twice."""
    created = re_evaluation.schedule_re_evaluations(now=timezone.now())
    return {"created": len(created)}
