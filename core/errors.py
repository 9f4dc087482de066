"""Domain errors: each carries its machine-readable code and HTTP status; one API handler renders them."""
from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_detail = "The request could not be carried out."

    def __init__(self, detail: str | None = None, *, field: str | None = None, **data: Any) -> None:
        self.detail = str(detail or self.default_detail)
        self.field = field
        self.data = data
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Bad input; `errors` is a list of (field, code, detail) for field-level errors."""

    code = "invalid"
    status = 400
    default_detail = "Invalid input."

    def __init__(self, detail: str | None = None, *, field: str | None = None, errors: list[tuple[str | None, str, str]] | None = None, **data: Any) -> None:
        super().__init__(detail, field=field, **data)
        self.errors = errors or [(field, self.code, self.detail)]


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_detail = "You do not have permission to perform this action."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_detail = "Not found."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_detail = "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "This transition is not allowed from the current state."


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
    default_detail = "The object was changed by someone else; reload and try again."


class IdempotencyKeyMissing(DomainError):
    code = "idempotency_key_missing"
    status = 400
    default_detail = "This request requires an Idempotency-Key header."


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_detail = "A request with this Idempotency-Key is still being processed."


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    default_detail = "This Idempotency-Key was already used with a different request body."
