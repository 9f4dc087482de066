"""The OpenAPI schema (`/api/schema/`) as the API answers: drf-standardized-errors' AutoSchema, told what DRF and
drf-spectacular cannot see from the declarations alone.

- A read-only field is null where the row it reads through (or the column itself) may be null, where it defaults
  to null, or where its method says it returns None; a read-only choice or formatted text (an email address) is "" where the column may be blank: DRF drops
  `allow_null`/`allow_blank` from declared and read-only fields.
- Settlement money a reader may not see is left out of the answer (`HidesSettlementMoney`): not a required field.
- A response declaring its own error examples (the provider webhook's `stale_request`, `bad_signature`…) shows
  those instead of the generic example of its status (`authentication_failed`, `permission_denied`, `not_found`).
- Every signed-in route may answer 403: roles are checked in the views (`core.roles.require_role`), not by permission
  classes the library could see.
- A GET's 400 names the query parameter it refuses (`ordering`, a filter, a parameter the view reads itself) with
  code `invalid` (or the code its declared field gives), as `core.api.filters` and the views raise it.
- A detail route and its actions are not filtered lists: the collection's filters and ordering are not theirs.
- A write's 400 `validation_error` lists the errors its input declares (each field with its codes), but the services
  also refuse naming other things (a line of a file, the gift ordered, the request as a whole) with codes of their
  own: each error is one of the declared ones or any other (`ValidationErrorItem`), and every write may answer one,
  whatever its body (a multipart upload too). Its 400 `client_error` is a body that cannot be parsed or is too large, or a missing
  `Idempotency-Key` (`ClientError400`), naming the header.
- A view method decorated `core.idempotency.idempotent` declares the `Idempotency-Key` header it requires.
- A read taking `If-None-Match` (a record's ETag) may answer 304 Not Modified, with no body.
- Every operation may answer 405 `method_not_allowed` (another method on its route) and 406 `not_acceptable` (an
  `Accept` it cannot give); a write 415 `unsupported_media_type` (a body of a type it does not parse): a read
  parses no body.
"""
import typing
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from drf_spectacular.authentication import SessionScheme as LibrarySessionScheme
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from drf_standardized_errors.openapi_utils import (
    InputDataField, get_error_examples, get_flat_serializer_fields, get_serializer_fields_with_error_codes,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

from core.files import SHOWN_IN_PLACE
from core.idempotency import KEY_PARAMETER

#: query parameters that never answer a 400 (a page that does not exist, or no number, is a 404)
NEVER_REFUSED = {"page"}
WRITES = ("PUT", "PATCH", "POST", "DELETE")
#: the codes a bad value of a query parameter answers, where not `invalid`
QUERY_CODES = {"search": {"null_characters_not_allowed"}}


def model_column(field: serializers.Field) -> tuple[models.Field | None, bool]:
    """The model column a bound serializer field reads (following its `source` through relations) and whether what it
    reads may be null on the way (a nullable relation or column, a missing reverse one-to-one). (None, False) when the
    source is no column of its serializer's model."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    if model is None or not attrs or field.source == "*":
        return None, False
    nullable, column = False, None
    for attr in attrs:
        if model is None:
            return None, False
        try:
            column = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None, False
        if column.one_to_many or column.many_to_many:
            return None, False
        nullable = nullable or column.null or (column.one_to_one and column.auto_created)
        model = column.related_model
    return column, nullable


def may_be_blank(field: serializers.Field) -> bool:
    if not field.read_only:
        return getattr(field, "allow_blank", False)
    column = model_column(field)[0]
    return column is not None and column.blank


def returns_none(field: serializers.Field) -> bool:
    """Whether a method field's method says it may return None (its type hint survives an `extend_schema_field`)."""
    if not isinstance(field, serializers.SerializerMethodField):
        return False
    try:
        returned = typing.get_type_hints(getattr(field.parent, field.method_name)).get("return")
    except (AttributeError, NameError, TypeError):
        return False
    return type(None) in typing.get_args(returned)


def may_be_null(field: serializers.Field) -> bool:
    return field.allow_null or (field.read_only and (field.default is None or model_column(field)[1] or returns_none(field)))


class SessionScheme(LibrarySessionScheme):
    """The portal's session (cookieAuth), as the library documents DRF's, for the API's own session authentication."""

    target_class = "core.api.authentication.SessionAuthentication"


class AutoSchema(StandardizedErrorsAutoSchema):
    """Each operation's parameters, and whether it may answer a validation error, are worked out once per operation:
    the libraries ask again for several of the answers they document (the 400's, the 404's), and each asking
    introspects the view again (its queryset, its filters)."""

    _operation_memo = None

    def get_operation(self, *args, **kwargs):
        self._operation_memo = {}
        try:
            return super().get_operation(*args, **kwargs)
        finally:
            self._operation_memo = None

    def _once_per_operation(self, name, compute):
        memo = self._operation_memo
        if memo is None:  # asked outside an operation's making
            return compute()
        if name not in memo:
            memo[name] = compute()
        return memo[name]

    def _get_parameters(self):
        """Read them, never change them: the operation's own list."""
        return self._once_per_operation("parameters", super()._get_parameters)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        left_out = set(getattr(serializer, "settlement_money_fields", ()))
        if left_out and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in left_out]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ChoiceField) and field.read_only and "enum" in schema:
            choices = [choice for choice in schema["enum"] if choice is not None]
            if may_be_blank(field) and "" not in choices:
                choices.append("")
            schema["enum"] = choices + [None] if may_be_null(field) else choices
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if isinstance(field, serializers.CharField) and "format" in schema and may_be_blank(field):
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, serializers.Field) and may_be_null(field):
            meta["nullable"] = True
        return meta

    def _get_examples(self, serializer, direction, media_type, status_code=None, extras=None):
        """A response that declares its own examples (`OpenApiResponse(examples=...)`: the codes a route answers with
        in place of the generic ones) shows only those, without the library's generic example of that status."""
        if direction == "response" and extras:
            return super(StandardizedErrorsAutoSchema, self)._get_examples(serializer, direction, media_type, status_code, extras)
        return super()._get_examples(serializer, direction, media_type, status_code, extras)

    def get_override_parameters(self):
        """A view method decorated `core.idempotency.idempotent` declares the Idempotency-Key header it requires, in
        whichever order it sits with @action (which would drop a schema the decorator attached to the method)."""
        parameters = super().get_override_parameters()
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        if getattr(handler, "requires_idempotency_key", False):
            parameters = [*parameters, KEY_PARAMETER]
        return parameters

    def get_filter_backends(self):
        return [] if getattr(self.view, "detail", False) else super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        """A read that takes `If-None-Match` (`core.api.conditional`) also answers 304, with no body."""
        responses = super()._get_response_bodies(direction)
        if self.method == "GET" and any(getattr(p, "name", None) == "If-None-Match" for p in self.get_override_parameters()):
            responses["304"] = {"description": "Not Modified: the record is still as the If-None-Match tag names it"}
        return responses

    def _should_add_http403_error_response(self) -> bool:
        permissions = self.view.get_permissions()
        return bool(permissions) and not all(isinstance(permission, AllowAny) for permission in permissions)

    def _should_add_http415_error_response(self) -> bool:
        return self.method in WRITES and super()._should_add_http415_error_response()

    def _should_add_validation_error_response(self) -> bool:
        return self._once_per_operation("validation_error", lambda: (
            self.method in WRITES or super(AutoSchema, self)._should_add_validation_error_response()
            or bool(self._query_fields_with_error_codes())))

    def _get_error_response_examples(self):
        """The library's generic error examples, the same for every operation: made once per language."""
        return _error_examples(translation.get_language(), tuple(self._get_allowed_error_status_codes()))

    def _get_http400_serializer(self):
        serializer = super()._get_http400_serializer()
        if ClientErrorEnum.CLIENT_ERROR.value in serializer.serializers:
            serializer.serializers[ClientErrorEnum.CLIENT_ERROR.value] = ClientError400Serializer
        return serializer

    def _determine_fields_with_error_codes(self):
        if self.method in WRITES:  # a multipart upload declares its body per media type; a body-less write none
            serializer = self.get_request_serializer()
            if isinstance(serializer, dict):
                serializer = next((value for value in serializer.values() if is_serializer(value)), None)
            return get_serializer_fields_with_error_codes(get_flat_serializer_fields(serializer)) if is_serializer(serializer) else []
        fields = super()._determine_fields_with_error_codes()
        if self.method not in ("PUT", "PATCH", "POST"):
            for field in fields:  # a filter's own check (a month, a yes/no word, an id) refuses with `invalid`
                field.error_codes.add("invalid")
            fields += self._query_fields_with_error_codes()
        return fields

    def _query_fields_with_error_codes(self) -> list[InputDataField]:
        """The query parameters a GET documents, each with the codes a bad value of it may answer."""
        if self.method in ("PUT", "PATCH", "POST", "DELETE"):
            return []
        declared = {}
        for parameter in self.get_override_parameters():
            serializer = force_instance(parameter)
            if isinstance(serializer, serializers.Serializer):
                for field in get_serializer_fields_with_error_codes(get_flat_serializer_fields(serializer)):
                    if field.name != api_settings.NON_FIELD_ERRORS_KEY:
                        declared[field.name] = field.error_codes - {"null"} | {"invalid"}  # a query value is never null
        names = {parameter["name"] for parameter in self._get_parameters() if parameter["in"] == "query"} - NEVER_REFUSED
        return [InputDataField(name, None, declared.get(name, QUERY_CODES.get(name, {"invalid"}))) for name in sorted(names)]


@cache
def _error_examples(language: str | None, status_codes: tuple[str, ...]) -> list:
    """Read them, never change them: every operation's responses share them (the document is made of copies)."""
    return [example for example in get_error_examples() if set(status_codes).intersection(example.status_codes)]


class _ClientError400(serializers.Serializer):
    code = serializers.ChoiceField(choices=["parse_error", "idempotency_key_missing", "request_too_large", "too_many_fields"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True, help_text="Idempotency-Key for a missing key, else null")


class ClientError400Serializer(serializers.Serializer):
    """A body that cannot be parsed (parse_error), one larger than the server takes (request_too_large: over
    DATA_UPLOAD_MAX_MEMORY_SIZE; too_many_fields: over DATA_UPLOAD_MAX_NUMBER_FIELDS or _FILES) or a write without its
    Idempotency-Key (idempotency_key_missing)."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = _ClientError400(many=True)

    class Meta:
        ref_name = "ClientError400"


VALIDATION_ERROR_ITEM = {
    "type": "object",
    "description": "An error the input's declaration does not list: a field or part of it (a line of a file), the"
                   " request as a whole (attr null or non_field_errors), with a code of the service that refused it",
    "properties": {"attr": {"type": "string", "nullable": True}, "code": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["attr", "code", "detail"],
}


def any_validation_error(result, generator, request, public):
    """Postprocessing hook: a write's validation errors are the declared ones or any other (`ValidationErrorItem`).
    drf-standardized-errors makes each error exactly one of the declared (a `oneOf` told apart by `attr`)."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() not in WRITES:
                continue
            for content in operation.get("responses", {}).get("400", {}).get("content", {}).values():
                for variant in schemas.get(_component(content["schema"]), {}).get("oneOf", []):
                    items = schemas[_component(variant)].get("properties", {}).get("errors", {}).get("items", {})
                    error = schemas.get(_component(items), {})
                    if error.get("discriminator", {}).get("propertyName") == "attr":
                        error["anyOf"] = error.pop("oneOf") + [{"$ref": "#/components/schemas/ValidationErrorItem"}]
                        del error["discriminator"]
    schemas["ValidationErrorItem"] = VALIDATION_ERROR_ITEM
    return result


def _component(schema: dict) -> str:
    return schema.get("$ref", "").rpartition("/")[2]


def stored_file_responses() -> dict:
    """The 200 answers of a route that serves a stored file (`core.files.serve`): a PDF or a picture as itself, anything
    else as plain bytes."""
    return {(200, media_type): OpenApiTypes.BINARY for media_type in sorted(SHOWN_IN_PLACE | {"application/octet-stream"})}
