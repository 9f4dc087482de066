"""Idempotency-Key handling for unsafe API requests (IETF draft; Stripe's semantics).

Same key and same body replays the stored status and body with no second effect; the same key
with another body is 422; the same key while the first request still runs is 409; a missing key
is 400. Keys are scoped per user and endpoint and purged after IDEMPOTENCY_KEY_TTL_HOURS.
"""
import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core import sql
from core.errors import IdempotencyKeyInUse, IdempotencyKeyMissing, IdempotencyKeyReused
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
ABANDONED_AFTER = timedelta(minutes=10)


def idempotent(view_method):
    """Decorate a DRF view method so that it runs at most once per Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 255:
            raise IdempotencyKeyMissing(field=HEADER)
        endpoint = f"{request.method} {request.resolver_match.route}"
        body_hash = hashlib.sha256(json.dumps(request.data, sort_keys=True, cls=JSONEncoder).encode()).hexdigest()
        record, stored = _claim(user=request.user, endpoint=endpoint, key=key, body_hash=body_hash)
        if stored is not None:
            return stored
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code < 500:
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                    sql.update(
                        IdempotencyRecord, record.pk, status=IdempotencyRecord.Status.DONE, response_status=response.status_code, response_body=body
                    )
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk, status=IdempotencyRecord.Status.RUNNING).delete()
            raise
        return response

    return wrapper


def _claim(*, user, endpoint: str, key: str, body_hash: str) -> tuple[IdempotencyRecord, Response | None]:
    """Insert the running record (committed at once), or return the earlier outcome of this key."""
    now = timezone.now()
    try:
        with transaction.atomic():
            (record,) = sql.insert([IdempotencyRecord(user=user, endpoint=endpoint, key=key, request_hash=body_hash, created_at=now)])
        return record, None
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(user=user, endpoint=endpoint, key=key)
    if record.request_hash != body_hash:
        raise IdempotencyKeyReused(field=HEADER)
    if record.status == IdempotencyRecord.Status.DONE:
        response = Response(record.response_body, status=record.response_status)
        response["Idempotent-Replayed"] = "true"
        return record, response
    if record.created_at > now - ABANDONED_AFTER:
        raise IdempotencyKeyInUse(field=HEADER)
    taken = IdempotencyRecord.objects.filter(pk=record.pk, status=record.status, created_at=record.created_at).update(created_at=now)
    if not taken:
        raise IdempotencyKeyInUse(field=HEADER)
    return record, None
