"""Beat jobs of leftover gifts: the daily runs reminding suppliers of deadlines near and charging storage fees past them."""
from celery import shared_task
from django.utils import timezone

from logistics.services import leftovers


@shared_task
def remind_collection_due() -> int:
    """Remind suppliers, once per lot, of lots whose collection deadline is near; how many were reminded."""
    return len(leftovers.remind_collection_due(now=timezone.now()))


@shared_task
def charge_storage_fees() -> int:
    """Record today's (and any missed day's) storage fee of every open lot past its deadline; safe to run twice."""
    return len(leftovers.charge_storage_fees(now=timezone.now()))
