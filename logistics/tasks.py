"""Beat jobs of the logistics app: thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from logistics.services import shipments


@shared_task
def auto_deliver_shipments() -> int:
    return len(shipments.auto_deliver_shipments(now=timezone.now()))


@shared_task
def hand_over_dropship_orders() -> int:
    return len(shipments.hand_over_dropship_orders(actor=None, now=timezone.now()))
