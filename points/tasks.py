"""Beat jobs of the points app: thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from points.services import credit_uploads, credits, ledger, orders


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


@shared_task(acks_late=True)
def credit_uploaded_points(*, upload_id: int) -> str:
    """Credit a checked file of points (idempotent: a second delivery finds it done)."""
    return credit_uploads.credit_upload(upload_id=upload_id, now=timezone.now()).status


@shared_task
def pick_up_left_behind_credits() -> tuple[int, int]:
    """Beat, every 5 minutes: credit files no worker took up credited again (or rejected, saying why)."""
    return credit_uploads.pick_up_left_behind_uploads(now=timezone.now())


@shared_task
def discard_stale_credit_previews() -> int:
    """Beat, hourly: credit files previewed and never confirmed within a day discarded, crediting nothing."""
    return credit_uploads.discard_stale_previews(now=timezone.now())
