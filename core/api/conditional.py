"""HTTP conditional requests (RFC 9110 §13) on records several people edit through the API (a gift, a category, a KPI
setting): a detail GET answers with an `ETag` naming the record's stored values, and a PATCH sending `If-Match` is
written only while the record still has them (else 412 `precondition_failed`, nothing written), so that a client
never puts back what it read over a colleague's change made since. Without `If-Match` a write goes ahead as before.

The headers are read and compared by Django's own helpers (`django.utils.cache.get_conditional_response`): a strong
comparison for `If-Match`, `*` matching any stored record, a weak tag (`W/"…"`) never matching; `If-None-Match` on a
GET answers 304 when the record is unchanged."""
import json
from collections.abc import Iterator
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

#: the record's tag, answered with the record (a read, an edit made in place)
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
    description="The record's entity tag: send it as If-Match with a change, or as If-None-Match with a later read",
)
#: what the schema says of a conditional read: the `If-None-Match` it may send (304 while the record is unchanged)
READ_HEADERS = [
    OpenApiParameter(
        "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
        description="An ETag read before: while the record is still so, the answer is 304 Not Modified with no body",
    ),
    ETAG,
]
#: what the schema says of a conditional update: the `If-Match` it may send, and its 412
CONDITIONAL_UPDATE = {
    "parameters": [OpenApiParameter(
        "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
        description="The ETag of the record as read (GET): the change is made only while the record is still so, else 412",
    ), ETAG],
    "responses": {412: ErrorResponse412Serializer},
}


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
            sent = request.META.get("HTTP_IF_MATCH", "")
            refused = sent.strip() and (not parse_etags(sent) or get_conditional_response(request, etag=self.entity_tag(current)))
            if refused:
                raise PreconditionFailed(gettext("%(record)s 在您读取后已有变动（If-Match 与当前 ETag 不符），未作修改：请重新读取后再提交") % {
                    "record": f"{current._meta.verbose_name} {self.record_name(current)}"})
            yield current
