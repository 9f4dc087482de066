"""Jobs of the logistics app (beat, and shipping a file of waybills): thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from logistics.services import bulk_shipping, shipments


@shared_task
def auto_deliver_shipments() -> int:
    return len(shipments.auto_deliver_shipments(now=timezone.now()))


@shared_task
def hand_over_dropship_orders() -> int:
    return len(shipments.hand_over_dropship_orders(actor=None, now=timezone.now()))


@shared_task(acks_late=True)
def ship_uploaded_shipments(*, upload_id: int) -> str:
    """Ship a checked file of waybills (idempotent: a second delivery finds it done)."""
    return bulk_shipping.ship_upload(upload_id=upload_id, now=timezone.now()).status


@shared_task
def pick_up_left_behind() -> tuple[int, int]:
    """Beat, every 5 minutes: uploads no worker took up shipped again (or rejected, saying why)."""
    return bulk_shipping.pick_up_left_behind_uploads(now=timezone.now())
