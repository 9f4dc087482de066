"""Use cases of the shared infrastructure: sending the outbox, purging idempotency keys, logging access."""
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from core.models import AccessLog, IdempotencyRecord, Notification
from core.notifications.backends import get_backend


def send_notification(*, notification_id: int, now: datetime) -> bool:
    """Send one pending, due message through the backend and mark it sent; at least once.

    A crash after the backend call and before the mark sends it again with the same message id.
    Returns whether it was sent by this call.
    """
    notification = Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING, not_before__lte=now).first()
    if notification is None:
        return False
    Notification.objects.filter(pk=notification.pk).update(attempts=F("attempts") + 1)
    get_backend().send(message_id=str(notification.message_id), phone=notification.phone, body=notification.body)
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.PENDING).update(
        status=Notification.Status.SENT, sent_at=now
    )
    return True


def send_due_notifications(*, now: datetime, limit: int = 500) -> int:
    """Send every pending message whose time has come (deferred by quiet hours or left by a crash)."""
    due = Notification.objects.filter(status=Notification.Status.PENDING, not_before__lte=now).order_by("not_before", "id")
    return sum(send_notification(notification_id=pk, now=now) for pk in due.values_list("pk", flat=True)[:limit])


def purge_idempotency_keys(*, now: datetime) -> int:
    """Delete idempotency records older than the retention period (24 hours by default)."""
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def log_personal_data_access(*, actor: Any, subject: Any, fields: list[str], purpose: str, at: datetime) -> None:
    """Record that `actor` read unmasked personal data of `subject`."""
    with transaction.atomic():
        AccessLog.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            at=at,
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            fields=",".join(fields),
            purpose=purpose,
        )
