"""The one exception handler (drf-standardized-errors' handler running DomainExceptionHandler): DomainError and DRF errors rendered in drf-standardized-errors' shape.

{"type": "validation_error" | "client_error" | "server_error",
 "errors": [{"code": "...", "detail": "...", "attr": "field or null"}]}
"""
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext
from django_fsm import TransitionNotAllowed
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import exceptions, serializers

from core.errors import DomainError, InvalidTransition, ValidationFailed


class DomainAPIException(exceptions.APIException):
    def __init__(self, error: DomainError) -> None:
        self.status_code = error.status
        self.error = error
        self.wait = error.data.get("retry_after")  # the handler sends it as the Retry-After header, as for a throttle
        super().__init__(detail=error.detail, code=error.code)


def parse_error_detail(error: exceptions.ParseError) -> str:
    """What is wrong with a body that does not parse, in the request's language (DRF's parsers say it in English only):
    for JSON, where it stops being JSON."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, json.JSONDecodeError):
        return gettext("请求体不是有效的 JSON（第 %(line)s 行第 %(column)s 列）") % {"line": cause.lineno, "column": cause.colno}
    return gettext("请求体无法按其声明的内容类型解析")


class RequestRefused(exceptions.APIException):
    """A body the server does not take at all, before reading what it says: Django raises RequestDataTooBig or
    TooManyFieldsSent (or TooManyFilesSent), which DRF would leave to Django's HTML 400 page."""

    status_code = 400


def request_refused(error: Exception) -> RequestRefused:
    if isinstance(error, RequestDataTooBig):
        detail = gettext("请求体过大：最多 %(limit)s 字节") % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        return RequestRefused(detail, code="request_too_large")
    if isinstance(error, TooManyFilesSent):
        detail = gettext("上传的文件过多：最多 %(limit)s 个") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    else:
        detail = gettext("表单字段过多：最多 %(limit)s 个") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    return RequestRefused(detail, code="too_many_fields")


class DomainExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            return request_refused(exc)
        if isinstance(exc, exceptions.ParseError):
            return exceptions.ParseError(parse_error_detail(exc))
        if isinstance(exc, TransitionNotAllowed):
            exc = InvalidTransition(str(exc) or None)
        if isinstance(exc, ValidationFailed):
            details: dict[str, list] = {}
            for field, code, detail in exc.errors:
                details.setdefault(field or "non_field_errors", []).append(exceptions.ErrorDetail(detail, code))
            return exceptions.ValidationError(details)
        if isinstance(exc, DomainError):
            return DomainAPIException(exc)
        return super().convert_known_exceptions(exc)

    def format_exception(self, exc: exceptions.APIException) -> dict:
        if isinstance(exc, DomainAPIException):
            return {
                "type": "client_error",
                "errors": [{"code": exc.error.code, "detail": exc.error.detail, "attr": exc.error.field}],
            }
        return super().format_exception(exc)


class _ClientError(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class _ClientErrorResponse(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = _ClientError(many=True)


class ErrorResponse409Serializer(_ClientErrorResponse):
    """invalid_transition, concurrent_update, changed_since_seen, idempotency_key_in_use, insufficient_points,
    out_of_stock, order_expired, code_attempts_exceeded, gift_unavailable, supplier_not_active, qualification_blocked,
    activation_requirements_missing, clearance_not_allowed, no_stock_to_clear, shipment_already_picked,
    carrier_event_rejected, event_sequence_taken, fee_already_recorded, disposal_too_early, gift_retired,
    replenishment_already_announced, revision_pending, change_pending, not_escalated, already_reminded, parcel_lost,
    batch_taken, reference_taken, cost_on_statement, parcel_already_claimed, line_already_answered, line_resolved,
    reconciliation_superseded, compensation_not_allowed, supplier_terminated, deemed_confirmed, reopen_window_over,
    stock_changed, source_already_adjusted, lost_parcel_claim_not_rejectable, claim_not_open, order_moved_on,
    compensation_stands, preview_expired (docs/api.md, "Errors")"""


class ErrorResponse412Serializer(_ClientErrorResponse):
    """precondition_failed: the `If-Match` sent names the record no longer (core.api.conditional)"""


class ErrorResponse422Serializer(_ClientErrorResponse):
    """idempotency_key_reused"""


class ErrorResponse429Serializer(_ClientErrorResponse):
    """code_resend_too_soon, too_many_login_failures, too_many_applications: the Retry-After header gives the seconds
    to wait"""
