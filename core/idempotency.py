"""Idempotency-Key handling for unsafe API requests (IETF draft; Stripe's semantics).

Same key and same body replays the stored status and body with no second effect; the same key
with another body is 422; the same key while the first request still runs is 409; a missing key
is 400. Keys are scoped per user and endpoint and purged after IDEMPOTENCY_KEY_TTL_HOURS.

The key is claimed inside the request's own transaction, so its outcome is stored with the effect it
describes (both or neither) and costs no transaction of its own: on PostgreSQL a transaction-scoped
advisory lock on the key, tried without waiting, tells a request that another one with this key runs
(its outcome is then read by a statement of its own, which sees what a request that held the lock
committed); on SQLite writing transactions run one at a time, so none can.
"""
import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core import sql
from core.errors import IdempotencyKeyInUse, IdempotencyKeyMissing, IdempotencyKeyReused
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
_STORED = ("request_hash", "response_status", "response_body")


def idempotent(view_method):
    """Decorate a DRF view method so that it runs at most once per Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 255:
            raise IdempotencyKeyMissing(field=HEADER)
        endpoint = f"{request.method} {request.resolver_match.route}"
        body_hash = hashlib.sha256(json.dumps(request.data, sort_keys=True, cls=JSONEncoder).encode()).hexdigest()
        try:
            with transaction.atomic():
                _lock(user_id=request.user.pk, endpoint=endpoint, key=key)
                stored = _replay(user_id=request.user.pk, endpoint=endpoint, key=key, body_hash=body_hash)
                if stored is not None:
                    return stored
                response = view_method(self, request, *args, **kwargs)
                if response.status_code < 500:
                    sql.insert([IdempotencyRecord(
                        user_id=request.user.pk, endpoint=endpoint, key=key, request_hash=body_hash, response_status=response.status_code,
                        response_body=json.loads(json.dumps(response.data, cls=JSONEncoder)), created_at=timezone.now(),
                    )])
        except IntegrityError:  # a request with this key committed its outcome first (no lock on SQLite): answer with it
            stored = _replay(user_id=request.user.pk, endpoint=endpoint, key=key, body_hash=body_hash)
            if stored is None:
                raise
            return stored
        return response

    return extend_schema(parameters=[OpenApiParameter(
        HEADER, str, OpenApiParameter.HEADER, required=True,
        description="A key of your own (at most 255 characters) naming this request: a retry with the same key and body replays the first answer",
    )])(wrapper)


def _lock(*, user_id: int, endpoint: str, key: str) -> None:
    """Hold the key until this transaction ends. :raises IdempotencyKeyInUse: while another request holds it"""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"{user_id}\0{endpoint}\0{key}".encode(), digest_size=8).digest()
    (locked,), = sql.fetch("SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
    if not locked:
        raise IdempotencyKeyInUse(field=HEADER)


def _replay(*, user_id: int, endpoint: str, key: str, body_hash: str) -> Response | None:
    """The stored outcome of an earlier request with this key, or None.

    :raises IdempotencyKeyReused: for an earlier request with another body
    """
    rows = sql.fetch(
        f"SELECT {sql.columns(IdempotencyRecord, _STORED, 'r')} FROM {sql.table(IdempotencyRecord)} r"
        f" WHERE r.user_id = %s AND r.endpoint = %s AND r.{connection.ops.quote_name('key')} = %s",
        [user_id, endpoint, key],
    )
    if not rows:
        return None
    record = sql.load(IdempotencyRecord, _STORED, rows[0])
    if record.request_hash != body_hash:
        raise IdempotencyKeyReused(field=HEADER)
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def once_per_token(*, user, form: str, token: str, action: Callable[[], Model]) -> tuple[int, bool]:
    """Run a portal form's `action` at most once per token the form was rendered with (a double-clicked or re-sent
    form creates one object): (the object's id, whether this call created it). The token is claimed as an API key
    is, in the action's own transaction. :raises IdempotencyKeyMissing: without a token"""
    token = (token or "").strip()
    if not token or len(token) > 255:
        raise IdempotencyKeyMissing(field="token")
    endpoint = f"portal {form}"
    with transaction.atomic():
        _lock(user_id=user.pk, endpoint=endpoint, key=token)
        done = IdempotencyRecord.objects.filter(user_id=user.pk, endpoint=endpoint, key=token).values_list("response_body", flat=True).first()
        if done is not None:
            return done["id"], False
        created = action()
        IdempotencyRecord.objects.create(user_id=user.pk, endpoint=endpoint, key=token, request_hash="", response_status=201,
                                         response_body={"id": created.pk}, created_at=timezone.now())
    return created.pk, True
