"""Beat job of leftover gifts: the daily run reminding suppliers of deadlines near and charging storage fees past them."""
from celery import shared_task
from django.utils import timezone

from logistics.services import leftovers


@shared_task
def charge_storage_fees() -> int:
    """Remind suppliers of lots whose deadline is near, then record today's (and any missed day's) storage fee of every
    open lot past its deadline; safe to run twice."""
    now = timezone.now()
    leftovers.remind_collection_due(now=now)
    return len(leftovers.charge_storage_fees(now=now))
