"""Domain errors: each carries its machine-readable code and HTTP status; one API handler renders them."""
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext_lazy


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_detail = gettext_lazy("请求无法完成")

    def __init__(self, detail: str | None = None, *, field: str | None = None, code: str | None = None, **data: Any) -> None:
        self.detail = str(detail or self.default_detail)
        self.field = field
        if code:
            self.code = code  # a refusal more specific than its class's, documented with the class's status
        self.data = data
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Bad input; `errors` is a list of (field, code, detail) for field-level errors."""

    code = "invalid"
    status = 400
    default_detail = gettext_lazy("输入无效")

    def __init__(self, detail: str | None = None, *, field: str | None = None, code: str | None = None,
                 errors: list[tuple[str | None, str, str]] | None = None, **data: Any) -> None:
        super().__init__(detail, field=field, code=code, **data)
        self.errors = errors or [(field, self.code, self.detail)]


def refuse(errors: list[tuple[str | None, str, str]]) -> None:
    """:raises ValidationFailed: listing every mistake in `errors` ((field, code, detail)) at once, the first as its detail
    and field (a form shows each next to its field); nothing when there is none"""
    if errors:
        raise ValidationFailed(errors[0][2], field=errors[0][0], errors=errors)


class Problems:
    """The field errors of several independent checks, so that one refusal names every field in error at once instead
    of the first only: each `with problems.check():` block keeps what its `ValidationFailed` says and goes on, and
    `refuse()` then raises them together (nothing when every check passed)."""

    def __init__(self) -> None:
        self.errors: list[tuple[str | None, str, str]] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except ValidationFailed as exc:
            self.errors.extend(exc.errors)

    def refuse(self) -> None:
        refuse(self.errors)


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_detail = gettext_lazy("您无权执行此操作")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_detail = gettext_lazy("未找到")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_detail = gettext_lazy("请求与当前状态冲突")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = gettext_lazy("当前状态下不允许此操作")


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
    default_detail = gettext_lazy("该记录已被他人修改，请刷新后重试")


class ChangedSinceSeen(Conflict):
    code = "changed_since_seen"
    default_detail = gettext_lazy("该记录在您打开页面后已有变动，请查看后再操作")


class PreconditionFailed(DomainError):
    """An API write whose `If-Match` names no longer the record as it is stored (RFC 9110 §13.1.1): someone changed it
    since the client read it, and the write would undo what they did. Nothing is written."""

    code = "precondition_failed"
    status = 412
    default_detail = gettext_lazy("该记录在您读取后已有变动，未作修改：请重新读取后再提交")


class IdempotencyKeyMissing(DomainError):
    code = "idempotency_key_missing"
    status = 400
    default_detail = gettext_lazy("此请求须带 Idempotency-Key 请求头")


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_detail = gettext_lazy("使用此 Idempotency-Key 的请求仍在处理中")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    default_detail = gettext_lazy("此 Idempotency-Key 已用于内容不同的请求")


class FormResent(DomainError):
    """A portal form sent again with the token it was rendered with but other values (the user went back, changed
    them and sent it again): what its first sending created (`created`, at `at`) stays as it is, nothing else is
    created. `worded(named)` says it with the object named as the page shows it (a link to it). A conflict (409) no
    API client meets (an API request's key sent with another body is IdempotencyKeyReused), so none of the API's
    409 codes."""

    code = "form_resent"
    status = 409
    wording = gettext_lazy("该表单已于 %(at)s 提交过，已创建%(object)s；本次填写的内容与当时不同，未再创建。如需再建，请重新打开表单")

    def __init__(self, *, created, name: str, at) -> None:
        self.created, self.at = created, at
        super().__init__(self.worded(name), field="token")

    def worded(self, named: str) -> str:
        """The refusal naming the object `named`: HTML (escaped) when `named` is (a link)."""
        from django.utils import timezone
        from django.utils.html import conditional_escape
        from django.utils.safestring import SafeString, mark_safe

        html = isinstance(named, SafeString)
        text = (conditional_escape(self.wording) if html else self.wording) % {
            "at": timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M"), "object": named}
        return mark_safe(text) if html else text


class TooManyLoginFailures(DomainError):
    """A username or a client that failed to sign in too often, refused until its lockout ends (`retry_after`)."""

    code = "too_many_login_failures"
    status = 429
    default_detail = gettext_lazy("登录失败次数过多，请稍后再试")
