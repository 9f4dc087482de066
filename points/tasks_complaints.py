"""Beat jobs of complaints: escalation when a 48-hour deadline passes, resolution 3 days after the response."""
from celery import shared_task
from django.utils import timezone

from points.services import complaints


@shared_task
def escalate_complaints() -> int:
    return len(complaints.escalate_overdue(now=timezone.now()))


@shared_task
def resolve_answered_complaints() -> int:
    return len(complaints.auto_resolve(now=timezone.now()))
