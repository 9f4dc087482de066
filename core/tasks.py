"""Thin, idempotent tasks of the shared infrastructure."""
from celery import shared_task
from django.utils import timezone

from core import services


@shared_task(acks_late=True)
def send_notification(*, notification_id: int) -> None:
    services.send_notification(notification_id=notification_id, now=timezone.now())


@shared_task
def send_due_notifications() -> int:
    return services.send_due_notifications(now=timezone.now())


@shared_task
def purge_idempotency_keys() -> int:
    return services.purge_idempotency_keys(now=timezone.now())
