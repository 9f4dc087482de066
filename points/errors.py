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


class GiftUnavailable(Conflict):
    code = "gift_unavailable"
    default_detail = gettext_lazy("该礼品已下架，订单无法确认")
