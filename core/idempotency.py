"""Idempotency-Key handling for unsafe API requests (IETF draft; Stripe's semantics).

Same key and same body replays the stored status and body with no second effect; the same key
with another body is 422; the same key while the first request still runs is 409; a missing key
is 400, one longer than 255 characters a 400 naming the header. Keys are scoped per user and endpoint (the ids in the address are part of the request they name) and purged after IDEMPOTENCY_KEY_TTL_HOURS.

The key is claimed inside the request's own transaction, so its outcome is stored with the effect it
describes (both or neither) and costs no transaction of its own: on PostgreSQL one statement tries a
transaction-scoped advisory lock on the key without waiting (another request with this key runs while it is
held) and reads the key's stored outcome; on SQLite writing transactions run one at a time, so none can. That
statement's snapshot may predate the commit of a request that held the lock a moment before: this request
then does the work again, but cannot store a second outcome for the key (unique), so its transaction rolls
back and it answers with the first one.
"""
import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.db import IntegrityError, connection
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core import sql
from core.errors import FormResent, IdempotencyKeyInUse, IdempotencyKeyMissing, IdempotencyKeyReused, ValidationFailed
from core.models import IdempotencyRecord
from core.numbers import redrawn_transaction
from core.validators import length_error

HEADER = "Idempotency-Key"
_STORED = ("request_hash", "response_status", "response_body", "created_at")
_KEY = f"r.user_id = %s AND r.endpoint = %s AND r.{connection.ops.quote_name('key')} = %s"


KEY_PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=True,
    description="A key of your own (at most 255 characters) naming this request: a retry with the same key and body replays the first answer",
)


def idempotent(view_method):
    """Decorate a DRF view method so that it runs at most once per Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = _read_key(request.headers.get(HEADER), field=HEADER)
        endpoint = f"{request.method} {request.resolver_match.route}"
        body_hash = _request_hash(request.data, kwargs)

        def attempt() -> Response:
            stored = _claim(user_id=request.user.pk, endpoint=endpoint, key=key)
            if stored is not None:
                return _replay(stored, body_hash)
            response = view_method(self, request, *args, **kwargs)
            if response.status_code < 500:
                sql.insert([IdempotencyRecord(
                    user_id=request.user.pk, endpoint=endpoint, key=key, request_hash=body_hash, response_status=response.status_code,
                    response_body=json.loads(json.dumps(response.data, cls=JSONEncoder)), created_at=timezone.now(),
                )])
            return response

        try:
            return redrawn_transaction(attempt)
        except IntegrityError:  # a request with this key committed its outcome first: answer with it
            stored = _stored(user_id=request.user.pk, endpoint=endpoint, key=key)
            if stored is None:
                raise
            return _replay(stored, body_hash)

    wrapper.requires_idempotency_key = True  # the schema declares the header (core.api.schema), above or below @action
    return wrapper


def _read_key(value: str | None, *, field: str) -> str:
    """The key without surrounding spaces. :raises IdempotencyKeyMissing: naming `field` without one;
    :raises ValidationFailed: naming `field` for one longer than a stored key may be"""
    key = (value or "").strip()
    if not key:
        raise IdempotencyKeyMissing(field=field)
    if message := length_error(key, model=IdempotencyRecord, column="key"):
        raise ValidationFailed(message, field=field)
    return key


def _request_hash(data, url_arguments: dict) -> str:
    """What a key names: the body, and the ids in the address where the endpoint has any, so the same key sent to
    another object of the endpoint (say another member's correct-points) is another request: 422, never the first
    object's answer. An endpoint without ids hashes its body alone."""
    ids = {name: int(value) if str(value).isdigit() else value for name, value in url_arguments.items()}  # "05" is 5
    named = [ids, data] if ids else data
    return hashlib.sha256(json.dumps(named, sort_keys=True, cls=JSONEncoder).encode()).hexdigest()


def _claim(*, user_id: int, endpoint: str, key: str) -> IdempotencyRecord | None:
    """Hold the key until this transaction ends and read its stored outcome (None before the first one), in one
    statement. :raises IdempotencyKeyInUse: while another request holds the key"""
    if connection.vendor != "postgresql":
        return _stored(user_id=user_id, endpoint=endpoint, key=key)
    (locked, *stored), = sql.fetch(
        f"SELECT pg_try_advisory_xact_lock(%s), {sql.columns(IdempotencyRecord, _STORED, 'r')} FROM (SELECT 1) one"
        f" LEFT JOIN {sql.table(IdempotencyRecord)} r ON {_KEY}",
        [sql.advisory_key(f"{user_id}\0{endpoint}\0{key}"), user_id, endpoint, key],
    )
    if not locked:
        raise IdempotencyKeyInUse(field=HEADER)
    return None if stored[0] is None else sql.load(IdempotencyRecord, _STORED, stored)


def _stored(*, user_id: int, endpoint: str, key: str) -> IdempotencyRecord | None:
    """The stored outcome of the key, read by a statement of its own."""
    rows = sql.fetch(f"SELECT {sql.columns(IdempotencyRecord, _STORED, 'r')} FROM {sql.table(IdempotencyRecord)} r WHERE {_KEY}",
                     [user_id, endpoint, key])
    return sql.load(IdempotencyRecord, _STORED, rows[0]) if rows else None


def _replay(record: IdempotencyRecord, body_hash: str) -> Response:
    """The stored outcome of an earlier request with this key. :raises IdempotencyKeyReused: for another body"""
    if record.request_hash != body_hash:
        raise IdempotencyKeyReused(field=HEADER)
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def once_per_token(*, user, form: str, token: str, values: dict, action: Callable[[], Model]) -> tuple[int, bool]:
    """Run a portal form's `action` at most once per token the form was rendered with (a double-clicked or re-sent
    form creates one object): (the object's id, whether this call created it). The token is claimed as an API key
    is, in the action's own transaction, and keeps a digest of the `values` entered: the same token with the same
    values is the same request, with others (the user went back, changed them and sent the form again) a refusal.
    :raises IdempotencyKeyMissing: without a token :raises FormResent: the token already created something from
    other values (nothing is run)"""
    token = _read_key(token, field="token")
    endpoint = f"portal {form}"
    digest = _form_hash(values)

    def attempt() -> tuple[int, bool]:
        done = _claim(user_id=user.pk, endpoint=endpoint, key=token)
        if done is not None:
            return _created_before(done, digest), False
        created = action()
        IdempotencyRecord.objects.create(user_id=user.pk, endpoint=endpoint, key=token, request_hash=digest, response_status=201,
                                         response_body={"id": created.pk, "model": created._meta.label_lower}, created_at=timezone.now())
        return created.pk, True

    return redrawn_transaction(attempt)


def _created_before(record: IdempotencyRecord, digest: str) -> int:
    """The id of what a form's token created before. :raises FormResent: when it was created from other values (a
    token stored before values were kept, with no digest, is taken as the same request)"""
    pk = record.response_body["id"]
    if record.request_hash in ("", digest):
        return pk
    from django.apps import apps

    created = apps.get_model(record.response_body["model"])._base_manager.get(pk=pk)
    raise FormResent(created=created, name=named_object(created), at=record.created_at)


def named_object(obj: Model) -> str:
    """An object as a message names it: its kind and its number (its name where it has no number, else its id)."""
    own_name = type(obj).__str__ is not Model.__str__
    return f"{obj._meta.verbose_name} {getattr(obj, 'number', '') or (str(obj) if own_name else f'#{obj.pk}')}"


def _form_hash(values: dict) -> str:
    """A digest of the values a form entered: rows by id, a file by its name and size, anything else as JSON says it."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, cls=_FormValues).encode()).hexdigest()


class _FormValues(JSONEncoder):
    def default(self, obj):
        from django.core.files import File
        from django.db.models import QuerySet

        if isinstance(obj, Model):
            return obj.pk
        if isinstance(obj, QuerySet):
            return sorted(obj.values_list("pk", flat=True))
        if isinstance(obj, File):
            return [obj.name, obj.size]
        try:
            return super().default(obj)
        except TypeError:
            return str(obj)
