"""Errors of the points app."""
from core.errors import Conflict, DomainError, ValidationFailed


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_detail = "积分不足 (not enough points)."


class CodeInvalid(ValidationFailed):
    code = "invalid_code"
    default_detail = "验证码错误 (wrong confirmation code)."


class CodeExpired(ValidationFailed):
    code = "code_expired"
    default_detail = "验证码已过期，请重新获取 (the code has expired; request a new one)."


class CodeAttemptsExceeded(Conflict):
    code = "code_attempts_exceeded"
    default_detail = "验证码错误次数过多，订单已锁定 (too many wrong codes)."


class CodeResendTooSoon(DomainError):
    code = "code_resend_too_soon"
    status = 429
    default_detail = "验证码发送过于频繁，请稍后再试 (a new code was sent less than a minute ago)."


class OrderExpired(Conflict):
    code = "order_expired"
    default_detail = "订单已超过15分钟确认时限 (the order was not confirmed within 15 minutes)."
