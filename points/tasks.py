"""Beat jobs of the points app: thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from points.services import credits, ledger, orders


@shared_task
def expire_points() -> int:
    return len(ledger.expire_due_lots(now=timezone.now()))


@shared_task
def remind_expiring_points() -> int:
    return credits.remind_expiring_points(now=timezone.now())


@shared_task
def expire_unconfirmed_orders() -> int:
    return len(orders.expire_unconfirmed_orders(now=timezone.now()))


@shared_task
def complete_orders() -> int:
    return len(orders.complete_orders(now=timezone.now()))
