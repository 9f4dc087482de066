"""Beat job of leftover gifts: the daily storage-fee run (a thin wrapper around one service)."""
from celery import shared_task
from django.utils import timezone

from logistics.services import leftovers


@shared_task
def charge_storage_fees() -> int:
    """Record today's (and any missed day's) storage fee of every open lot past its deadline; safe to run twice."""
    return len(leftovers.charge_storage_fees(now=timezone.now()))
