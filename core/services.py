"""Use cases of the shared infrastructure: sending the outbox, purging idempotency keys, logging access."""
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from core.models import AccessLog, IdempotencyRecord, Notification
from core.notifications.backends import get_backend

logger = logging.getLogger(__name__)


def send_notification(*, notification_id: int, now: datetime) -> bool:
    """Send one pending, due message (the on-commit task's work); whether this call sent it.

    Its attempt is counted, and committed, before the backend is called: a worker killed mid-send leaves
    that trace, and the broker hands the task to another worker.
    """
    due = Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING, not_before__lte=now)
    if not due.update(attempts=F("attempts") + 1):
        return False
    return send_due_notifications(now=now, ids=[notification_id], counted=True) == 1


def send_due_notifications(*, now: datetime, limit: int = 500, ids: list[int] | None = None, counted: bool = False) -> int:
    """Send pending messages whose time has come (all, or those of `ids`), earliest first, at least once.

    The batch is locked, skipping rows another sender holds, so the relay, beat and on-commit tasks never send
    one message at the same time; it is marked sent, with its attempt counted (unless `counted` already), in
    the same transaction. A crash before the commit sends it again with the same message id, which the
    backends drop. A message the backend refuses stays pending with its attempt counted and does not hold up
    the others. Returns how many were sent.
    """
    due = Notification.objects.filter(status=Notification.Status.PENDING, not_before__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    backend, sent, failed = get_backend(), [], []
    attempt = F("attempts") + (0 if counted else 1)
    with transaction.atomic():
        for notification in due.select_for_update(skip_locked=True).order_by("not_before", "id")[:limit]:
            try:
                backend.send(message_id=str(notification.message_id), phone=notification.phone, body=notification.body)
            except Exception:
                logger.exception("SMS %s was not accepted; it stays pending", notification.message_id)
                failed.append(notification.pk)
            else:
                sent.append(notification.pk)
        Notification.objects.filter(pk__in=sent).update(status=Notification.Status.SENT, sent_at=now, attempts=attempt)
        Notification.objects.filter(pk__in=failed).update(attempts=attempt)
    return len(sent)


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
