"""HTTP conditional requests (RFC 9110 §13) on records several people edit through the API (a gift, a category, a KPI
setting): a detail GET answers with an `ETag` naming the record's stored values, and a PATCH sending `If-Match` is
written only while the record still has them (else 412 `precondition_failed`, nothing written), so that a client
never puts back what it read over a colleague's change made since. Without `If-Match` a write goes ahead as before.
A set of records changed together (the KPI settings) is tagged as a whole, by its list: `SetOfRecords`.

The headers are read and compared by Django's own helpers (`django.utils.cache.get_conditional_response`): a strong
comparison for `If-Match`, `*` matching any stored record, a weak tag (`W/"…"`) never matching; `If-None-Match` on a
GET answers 304 when the record is unchanged."""
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.cache import get_conditional_response
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api.errors import ErrorResponse412Serializer
from core.errors import PreconditionFailed


def conditional_headers(*, tagged: str, unchanged: str, read_as: str) -> tuple[list[OpenApiParameter], dict[str, Any]]:
    """What the schema says of a conditional read (the `If-None-Match` it may send, 304 while `unchanged`) and of a
    conditional update (the `If-Match` it may send, of what was `read_as`, and its 412), both answering the `ETag` of
    what is `tagged`."""
    etag = OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
        description=f"The entity tag of {tagged}: send it as If-Match with a change, or as If-None-Match with a later read",
    )
    read = [OpenApiParameter(
        "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
        description=f"An ETag read before: while {unchanged}, the answer is 304 Not Modified with no body",
    ), etag]
    update = {
        "parameters": [OpenApiParameter(
            "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
            description=f"The ETag of {read_as} (GET): the change is made only while {unchanged}, else 412",
        ), etag],
        "responses": {412: ErrorResponse412Serializer},
    }
    return read, update


#: of one record (`ConditionalUpdates`): its read, its edit
READ_HEADERS, CONDITIONAL_UPDATE = conditional_headers(
    tagged="the record", unchanged="the record is still so", read_as="the record as read")
#: of a set of records read by its list and changed together (`SetOfRecords`)
SET_READ_HEADERS, CONDITIONAL_SET_UPDATE = conditional_headers(
    tagged="the whole set", unchanged="no record of the set has changed", read_as="the list as read")


def stored_values(obj: models.Model) -> dict[str, Any]:
    """The values the record's own row stores, by column."""
    return {field.attname: field.value_from_object(obj) for field in obj._meta.concrete_fields}


def entity_tag(values: Any) -> str:
    """A strong ETag of `values` (what a record stores): the same values, the same tag, in any request's language.
    Keyed with the site's secret, so that a reader shown only part of a record (logistics, not a gift's settlement
    price) cannot work the rest out by hashing guesses until one gives the tag."""
    text = json.dumps(values, sort_keys=True, cls=DjangoJSONEncoder)
    return quote_etag(salted_hmac("core.api.conditional.entity_tag", text, algorithm="sha256").hexdigest()[:32])


class ConditionalUpdates:
    """A viewset mixin: `retrieve` answers with the record's ETag (304 to an `If-None-Match` naming it), and an update
    runs inside `unchanged_since_read`. A viewset whose record keeps part of its values in other rows (a gift's prices)
    says so in `version_values`."""

    def version_values(self, obj: models.Model) -> Any:
        return stored_values(obj)

    def entity_tag(self, obj: models.Model) -> str:
        return entity_tag(self.version_values(obj))

    def record_name(self, obj: models.Model) -> str:
        """The record as the refusal names it."""
        return str(obj)

    @extend_schema(parameters=READ_HEADERS)
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.tagged(request, Response(self.get_serializer(obj).data), obj)

    def tagged(self, request, response: Response, obj: models.Model) -> Response:
        """`response` (of `obj` as it is now) with its ETag; to a GET whose `If-None-Match` names it, 304."""
        tag = self.entity_tag(obj)
        response["ETag"] = tag
        return get_conditional_response(request, etag=tag, response=response) if request.method in ("GET", "HEAD") else response

    @contextmanager
    def unchanged_since_read(self, request, obj: models.Model) -> Iterator[models.Model]:
        """A transaction in which the record's row is locked and read again (yielded) and, when the request sends
        `If-Match`, found still as the client read it: the change made inside it is then on that record, and no other
        write comes in between. :raises PreconditionFailed: naming the record, nothing written"""
        with transaction.atomic():
            current = type(obj)._base_manager.select_for_update(no_key=True).get(pk=obj.pk)
            require_if_match(request, lambda: self.entity_tag(current), record=f"{current._meta.verbose_name} {self.record_name(current)}")
            yield current


class SetOfRecords:
    """A viewset mixin for records changed several at a time (the KPI settings): the list answers with one ETag of
    every record in it (304 to an `If-None-Match` naming it), and a change of several runs inside
    `set_unchanged_since_read`. For a viewset whose list is the whole set (no pagination, no filter narrowing it): its
    tag is of the set as stored."""

    set_name = ""  # the set as a refusal names it

    def set_tag(self, rows: Sequence[models.Model]) -> str:
        return entity_tag([stored_values(row) for row in rows])

    def lock_set(self) -> list[models.Model]:
        """Every record of the set, locked in id order (inside a transaction); a set whose service locks it names that
        lock here, so the API and the service lock it one way."""
        return list(self.get_queryset().order_by("pk").select_for_update(no_key=True))

    @extend_schema(parameters=SET_READ_HEADERS)
    def list(self, request, *args, **kwargs):
        rows = list(self.filter_queryset(self.get_queryset()))  # refuses a query parameter it does not take
        return self.set_tagged(request, Response(self.get_serializer(rows, many=True).data), rows)

    def set_tagged(self, request, response: Response, rows: Sequence[models.Model]) -> Response:
        """`response` (of the set as it is now) with its ETag; to a GET whose `If-None-Match` names it, 304."""
        tag = self.set_tag(rows)
        response["ETag"] = tag
        return get_conditional_response(request, etag=tag, response=response) if request.method in ("GET", "HEAD") else response

    @contextmanager
    def set_unchanged_since_read(self, request) -> Iterator[None]:
        """A transaction in which every record of the set is locked (in id order, as a change of one locks its own) and,
        when the request sends `If-Match`, found still as the client read the list: no record changed in between.
        :raises PreconditionFailed: naming the set, nothing written"""
        with transaction.atomic():
            rows = self.lock_set()
            require_if_match(request, lambda: self.set_tag(rows), record=str(self.set_name))
            yield


def require_if_match(request, tag: Callable[[], str], *, record: str) -> None:
    """Pass a request sending no `If-Match`, or one naming the stored record's `tag` (or `*`).
    :raises PreconditionFailed: naming `record`"""
    sent = request.META.get("HTTP_IF_MATCH", "")
    if sent.strip() and (not parse_etags(sent) or get_conditional_response(request, etag=tag())):
        raise PreconditionFailed(gettext("%(record)s 在您读取后已有变动（If-Match 与当前 ETag 不符），未作修改：请重新读取后再提交") % {
            "record": record})
