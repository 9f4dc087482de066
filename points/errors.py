"""Errors of the points app."""
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, ValidationFailed


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_detail = gettext_lazy("积分不足")


class CodeInvalid(ValidationFailed):
    code = "invalid_code"
    default_detail = gettext_lazy("验证码错误")


class CodeExpired(ValidationFailed):
    code = "code_expired"
    default_detail = gettext_lazy("验证码已过期，请重新获取")


class CodeAttemptsExceeded(Conflict):
    code = "code_attempts_exceeded"
    default_detail = gettext_lazy("验证码错误次数过多，订单已锁定")


class CodeResendTooSoon(DomainError):
    code = "code_resend_too_soon"
    status = 429
    default_detail = gettext_lazy("验证码发送过于频繁，请稍后再试")


class OrderExpired(Conflict):
    code = "order_expired"
    default_detail = gettext_lazy("订单已超过15分钟确认时限")


class CreditPreviewExpired(Conflict):
    """A credit file confirmed when its preview's time to be confirmed had passed: it is discarded instead."""

    code = "preview_expired"
    default_detail = gettext_lazy("该积分发放文件上传后 24 小时内未确认，已自动取消，未发放任何积分；如需发放请重新上传")


class GiftUnavailable(Conflict):
    code = "gift_unavailable"
    default_detail = gettext_lazy("该礼品已下架，订单无法确认")


class NotEscalated(Conflict):
    """A complaint chased (催办) that is not escalated and waiting for a supplier's or logistics' answer."""

    code = "not_escalated"


class AlreadyReminded(Conflict):
    """A complaint chased again less than an hour after the last reminder."""

    code = "already_reminded"


class ReopenWindowOver(Conflict):
    """A complaint reopened more than 7 days after its resolution (`attr` `resolved_at`)."""

    code = "reopen_window_over"


class ParcelLost(Conflict):
    """A re-delivery of an order whose parcel was reported lost (give it up instead)."""

    code = "parcel_lost"


class BatchTaken(Conflict):
    """A credit batch id already used for other rows."""

    code = "batch_taken"


class ReferenceTaken(Conflict):
    """A points correction's reference (idempotency key, form token) already used for another correction."""

    code = "reference_taken"
