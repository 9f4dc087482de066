"""Use cases of the shared infrastructure: sending the outbox, purging idempotency keys, logging access."""
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from rest_framework.authtoken.models import Token

from core.models import AccessLog, IdempotencyRecord, Notification
from core.notifications import quiet_until
from core.notifications.backends import get_backend

logger = logging.getLogger(__name__)


BATCH = 20  # messages sent per transaction: what a crash mid-batch may send again
RETRY_AFTER = timedelta(minutes=1)  # a refused message waits this long after its first failure, twice as long after each next
RETRY_AT_MOST_EVERY = timedelta(hours=6)
REFUSALS_BEFORE_PAUSE = 3  # failures to reach the gateway in a row that mean it is down, not one message bad


def due_messages(now: datetime):
    """Pending messages whose time has come; in the quiet hours only urgent ones (a backlog of retries or an outage's
    queue must not text members at night)."""
    due = Notification.objects.filter(status=Notification.Status.PENDING, not_before__lte=now)
    return due.filter(urgent=True) if quiet_until(now) > now else due


def send_notification(*, notification_id: int, now: datetime) -> bool:
    """Send one pending, due message (the on-commit task's work); whether this call sent it.

    Its attempt is counted, and committed, before the backend is called: a worker killed mid-send leaves
    that trace, and the broker hands the task to another worker.
    """
    if not due_messages(now).filter(pk=notification_id).update(attempts=F("attempts") + 1):
        return False
    batch = _send_batch(due_messages(now).filter(pk=notification_id), now=now, counted=True)
    return batch is not None and batch.sent == 1


def send_due_notifications(*, now: datetime, limit: int = 500) -> int:
    """Send pending messages whose time has come, earliest first, at least once, in transactions of BATCH
    messages (the relay and beat's sender); how many were sent. After REFUSALS_BEFORE_PAUSE sends in a row that could
    not reach the gateway (an OSError: refused connection, timeout) it is taken to be down: the rest wait, untried,
    for the next look. A message the gateway itself refuses (any other error) does not count towards that."""
    sent = 0
    while sent < limit:
        batch = _send_batch(due_messages(now), now=now, size=min(BATCH, limit - sent))
        if batch is None:
            break
        sent += batch.sent
        if batch.paused:
            logger.warning("the SMS gateway could not be reached %s times in a row; the others wait for the next look", REFUSALS_BEFORE_PAUSE)
            break
    return sent


@dataclass(frozen=True)
class _Batch:
    sent: int
    paused: bool  # stopped after REFUSALS_BEFORE_PAUSE sends in a row that could not reach the gateway


def _send_batch(due, *, now: datetime, size: int = 1, counted: bool = False) -> _Batch | None:
    """Lock up to `size` of `due`, skipping rows another sender holds (so no message goes out twice at once), hand them
    to the backend and mark them sent with their attempt counted (unless `counted` already), all in one transaction.
    A crash before the commit sends them again with the same message ids, which the backends drop. A message the
    backend refuses stays pending, its attempt counted, and waits longer after each failure, behind the others; after
    REFUSALS_BEFORE_PAUSE sends in a row that could not reach the gateway the rest of the batch is left as it was, untried.
    Returns how many were sent and whether it paused, or None when nothing was due.
    """
    backend, sent, waits, refused_in_a_row = get_backend(), [], defaultdict(list), 0
    attempt = F("attempts") + (0 if counted else 1)
    with transaction.atomic():
        batch = list(due.select_for_update(skip_locked=True).order_by("not_before", "id")[:size])
        if not batch:
            return None
        for notification in batch:
            if refused_in_a_row == REFUSALS_BEFORE_PAUSE:
                break
            try:
                backend.send(message_id=str(notification.message_id), phone=notification.phone, body=notification.body)
            except Exception as error:
                logger.exception("SMS %s was not accepted; it stays pending", notification.message_id)
                tries = notification.attempts + (0 if counted else 1)
                waits[min(RETRY_AFTER * 2 ** min(tries - 1, 16), RETRY_AT_MOST_EVERY)].append(notification.pk)
                refused_in_a_row = refused_in_a_row + 1 if isinstance(error, OSError) else 0
            else:
                sent.append(notification.pk)
                refused_in_a_row = 0
        Notification.objects.filter(pk__in=sent).update(status=Notification.Status.SENT, sent_at=now, attempts=attempt)
        for wait, refused in waits.items():  # one statement per distinct wait, however many were refused
            Notification.objects.filter(pk__in=refused).update(attempts=attempt, not_before=now + wait)
    return _Batch(sent=len(sent), paused=refused_in_a_row == REFUSALS_BEFORE_PAUSE)


def purge_idempotency_keys(*, now: datetime) -> int:
    """Delete idempotency records older than the retention period (24 hours by default)."""
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def log_personal_data_access(*, actor: Any, subject: Any, fields: list[str], purpose: str, at: datetime) -> None:
    """Record that `actor` read unmasked personal data of `subject`."""
    log_personal_data_accesses(actor=actor, subjects=[subject], fields=fields, purpose=purpose, at=at)


def log_personal_data_accesses(*, actor: Any, subjects: list[Any], fields: list[str], purpose: str, at: datetime) -> None:
    """Record that `actor` read unmasked personal data of each of `subjects` (a page of a list): one insert."""
    reader = actor if getattr(actor, "is_authenticated", False) else None
    AccessLog.objects.bulk_create([
        AccessLog(actor=reader, at=at, subject_type=subject._meta.label_lower, subject_id=str(subject.pk), fields=",".join(fields),
                  purpose=purpose)
        for subject in subjects
    ])


def revoke_api_tokens(*, user: Any) -> int:
    """Revoke the user's API tokens (its password was changed or reset, or it signed out of the API): a call with one
    is a 401 from now on, and the user asks for a new token with its password. Returns how many were revoked."""
    revoked, _ = Token.objects.filter(user=user).delete()
    return revoked
