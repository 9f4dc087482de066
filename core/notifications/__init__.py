"""SMS reminders (提醒服务, SPEC §4.12): written to the outbox in the caller's transaction.

Urgent kinds go out at once; the others wait out the quiet hours (22:00–08:00 Asia/Shanghai). A member who opted
out is not sent the optional ones: shipped, delivered, points expiring, complaint answered (`MEMBER_REMINDERS`).
"""
import re
import string
from dataclasses import dataclass
from functools import cache
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import sql
from core.models import Notification


@dataclass(frozen=True)
class Kind:
    urgent: bool
    template: str
    optional: bool = False  # a reminder the member may opt out of (SPEC §4.12: shipped, delivered, expiring, answered)
    secret: frozenset[str] = frozenset()  # values for the recipient alone (a confirmation code): staff see none of its values
    whole: frozenset[str] = frozenset()  # values the system composed that the text needs whole (an address to send to)


KINDS: dict[str, Kind] = {
    # what the code confirms is named (二次确认): a member sees what it is about to spend before it passes the code on
    "confirmation_code": Kind(
        True, "【积分商城】您正在用 {points} 积分兑换「{gift}」×{quantity}（订单 {order_number}），验证码为 {code}，15分钟内有效，请勿泄露。",
        secret=frozenset({"code"}),
    ),
    "points_deducted": Kind(True, "【积分商城】订单 {order_number} 已扣减 {points} 积分，当前余额 {balance} 积分。"),
    "refund_credited": Kind(True, "【积分商城】订单 {order_number} 已退还 {points} 积分，当前余额 {balance} 积分。"),
    "order_cancelled": Kind(True, "【积分商城】订单 {order_number} 已取消，原因：{reason}。已退还 {points} 积分，当前余额 {balance} 积分。"),
    "order_cancelled_partly_expired": Kind(
        True, "【积分商城】订单 {order_number} 已取消，原因：{reason}。已退还 {points} 积分，其中 {expired} 积分已过有效期随即作废，当前余额 {balance} 积分。"
    ),
    "refund_partly_expired": Kind(
        True, "【积分商城】订单 {order_number} 已退还 {points} 积分，其中 {expired} 积分已过有效期随即作废，当前余额 {balance} 积分。"
    ),
    "shipped": Kind(False, "【积分商城】订单 {order_number} 已发货，{carrier} 运单号 {tracking_number}。", optional=True),
    "delivered": Kind(False, "【积分商城】订单 {order_number} 已签收，感谢您的兑换。", optional=True),
    "delivered_automatically": Kind(
        # not optional: it tells a member who may never have had the gift what to do about it
        False, "【积分商城】订单 {order_number} 发货已满14天，已自动确认收货。如未收到礼品，请在订单页面发起投诉或联系客服。"
    ),
    "delivery_failed": Kind(False, "【积分商城】订单 {order_number} 本次配送未成功，我们将尽快安排重新配送或退还积分，届时短信告知。"),
    "points_expiring": Kind(False, "【积分商城】您有 {points} 积分将于 {expires_on} 到期，请及时使用。", optional=True),
    "complaint_answered": Kind(False, "【积分商城】您的投诉 {complaint_number} 已有答复，请登录查看。", optional=True),
    "return_updated": Kind(False, "【积分商城】您的退换货申请 {return_number} 状态更新为：{state}。"),
    "return_received_short": Kind(
        False, "【积分商城】您的退换货申请 {return_number} 已收货：申请 {quantity} 件，实际收到 {received} 件，本次仅按 {received} 件处理。"
               "未收到的 {missing} 件仍由您保管，可在申请期限内另行申请退换货。",
    ),
    "return_split": Kind(
        False, "【积分商城】您的退换货申请 {return_number} 收到的 {received} 件中，{quantity} 件因检验情况不同转为退换货申请 {part_number}，"
               "两单分别检验处理。",
    ),
    "return_rejected": Kind(False, "【积分商城】您的退换货申请 {return_number} 未获同意，原因：{reason}。如有疑问请联系客服。"),
    "return_approved": Kind(
        False, "【积分商城】您的退换货申请 {return_number} 已同意，请将礼品寄至：{send_to}，并在包裹上注明退货单号 {return_number}。",
        whole=frozenset({"send_to"}),
    ),
    "return_approved_no_address": Kind(
        False, "【积分商城】您的退换货申请 {return_number} 已同意，客服将联系您告知寄回地址，寄回时请在包裹上注明退货单号 {return_number}。"
    ),
    "return_sent_back": Kind(False, "【积分商城】您的退换货申请 {return_number} 检验未通过，商品已寄回，{carrier} 运单号 {tracking_number}。"),
    "replacement_shipped": Kind(False, "【积分商城】您的换货申请 {return_number} 的新礼品已发出，{carrier} 运单号 {tracking_number}。", optional=True),
    "replacement_delivered": Kind(False, "【积分商城】您的换货申请 {return_number} 的新礼品已签收。", optional=True),
    "replacement_reshipping": Kind(False, "【积分商城】您的换货申请 {return_number} 的新礼品未能送达，我们将重新发出，发货后短信告知运单号。"),
    "replacement_refunded": Kind(False, "【积分商城】您的换货申请 {return_number} 的新礼品未能送达，已改为退还 {points} 积分。"),
    "supplier_notice": Kind(False, "【积分商城礼品商平台】{title}"),
    "supplier_meeting": Kind(False, "【积分商城礼品商平台】会议通知：{title}，时间 {meeting_at}，地点 {place}。请登录平台查看议程并确认。"),
    "supplier_dropship": Kind(False, "【积分商城礼品商平台】{count} 笔直发订单待发货，请于 {ship_by} 前发出。"),
    "supplier_parcel": Kind(False, "【积分商城礼品商平台】{title}，请于 {ship_by} 前发出。"),
    "statement_issued": Kind(False, "【积分商城礼品商平台】{month} 结算单第 {version} 版已下发，应付 {payable}，请在10天内确认或提出异议。"),
    "statement_reissued": Kind(
        False, "【积分商城礼品商平台】{month} 结算单第 {version} 版已下发，应付 {payable}，下发说明：{note}。请在10天内确认或提出异议。"
    ),
    "statement_deadline_moved": Kind(
        False, "【积分商城礼品商平台】{month} 结算单第 {version} 版答复期限已延至 {confirm_by}，请在此前确认或提出异议，逾期视为确认。"
    ),
    "statement_paid": Kind(False, "【积分商城礼品商平台】{month} 结算单已付款 {payable}，付款凭证 {reference}。"),
}


class _Hidden(dict):
    def __missing__(self, key: str) -> str:
        return "******"

    def __sub__(self, keys: frozenset[str]) -> "_Hidden":
        return _Hidden({key: value for key, value in self.items() if key not in keys})


def body_shown(notification: Notification, *, to_recipient: bool = False) -> str:
    """A message as staff reading the outbox see it: a secret one (a confirmation code) as its text with every value
    hidden, any other as sent. `to_recipient`: as its recipient reads it again later, the code alone hidden (it was for
    the phone, once), what it confirmed shown as sent."""
    kind = KINDS.get(notification.kind)
    if not kind or not kind.secret:
        return notification.body
    sent = _values_pattern(kind.template).fullmatch(notification.body) if to_recipient else None
    return kind.template.format_map(_Hidden({} if sent is None else sent.groupdict()) - kind.secret)


@cache
def _values_pattern(template: str) -> re.Pattern:
    """A template's text with each `{field}` captured by name: the values a stored message was written with."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("".join(parts), re.S)


#: What a member is texted (a supplier's contact gets the supplier_ and statement_ kinds).
MEMBER_KINDS = frozenset(name for name in KINDS if not name.startswith(("supplier_", "statement_")))
#: The reminders a member may opt out of: shipped, delivered, points expiring, complaint answered (SPEC §4.12). The
#: other non-urgent texts (a failed delivery, a return's steps, a replacement that will not come) wait out the quiet
#: hours but reach a member who opted out too: they tell it what happens to its gift or what it must do.
MEMBER_REMINDERS = frozenset(name for name in MEMBER_KINDS if KINDS[name].optional)


class Member(Protocol):
    """The member a text is written for, as the outbox needs it (points.Member): its phone, its user (the recipient
    kept on the row) and its opt-out."""

    phone: str
    user_id: int
    reminders_opt_out: bool


def member_messages(*, user_id: int) -> QuerySet[Notification]:
    """The messages written for a member (its user), newest first: sent, waiting (the quiet hours) and withheld (opted
    out), to whichever number it had then. By the recipient kept on each row, not by phone: a member who changed its
    number still reads what went to the old one, a member given a recycled number never reads what was texted to its
    earlier holder, and a supplier's notices to a contact who shares the number are for no member; shown with
    `body_shown(to_recipient=True)`, a confirmation code hidden."""
    return Notification.objects.filter(recipient_id=user_id)


def shown_to_member(notification: Notification) -> str:
    """A message of `member_messages` as its member reads it again, on 我的短信, the operators' 短信记录 and the API
    alike: a confirmation code hidden, what it confirmed shown as sent (`body_shown(to_recipient=True)`)."""
    return body_shown(notification, to_recipient=True)


def suppress_pending(*, user_id: int, kinds: frozenset[str]) -> int:
    """Withdraw the pending messages of these kinds written for this member (its user): one who opts out gets none of
    those already queued either, whichever number they go to; how many."""
    return Notification.objects.filter(status=Notification.Status.PENDING, recipient_id=user_id, kind__in=kinds).update(
        status=Notification.Status.SUPPRESSED
    )


def quiet_until(at: datetime) -> datetime:
    """The earliest time a non-urgent message created at `at` may be sent."""
    start, end = settings.QUIET_HOURS
    local = timezone.localtime(at)
    if local.hour >= start:
        return timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(end)))
    if local.hour < end:
        return timezone.make_aware(datetime.combine(local.date(), time(end)))
    return at


#: how much of a value someone typed (a reason, a gift's name, a meeting's place) an SMS carries: the rest is on the
#: page of what it is about, and a registered SMS template bounds each value it takes
TEXTED_REASON = 60


def texted(value: Any, *, whole: bool = False) -> Any:
    """A value as an SMS carries it: text on one line (its whitespace, newlines too, folded), cut to TEXTED_REASON
    characters with an ellipsis unless `whole` (an address the recipient must read in full); a number or a date as it
    is."""
    if not isinstance(value, str):
        return value
    line = " ".join(value.split())
    return line if whole or len(line) <= TEXTED_REASON else line[:TEXTED_REASON - 1] + "…"


def one_line(reason: str) -> str:
    """A reason someone typed as one line of an SMS (see `texted`), its closing full stop dropped (the template ends the
    sentence)."""
    return texted(reason.strip().rstrip("。."))


@dataclass(frozen=True)
class Text:
    """One SMS of a batch written together (`notify_all`): what `notify` takes, but the time; a member's text names its
    user (`recipient_id`)."""

    kind: str
    phone: str
    context: dict[str, Any]
    subject: Any = None
    opted_out: bool = False
    recipient_id: int | None = None


def notify(
    *, kind: str, at: datetime, context: dict[str, Any], member: Member | None = None, phone: str = "", opted_out: bool = False,
    subject: Any = None,
) -> Notification:
    """Write one SMS to the outbox in the current transaction: for a `member` (to its phone, as its opt-out allows, the
    member kept as its recipient: 我的短信), or to a `phone` no member is known by (a supplier's contact, a complaint's
    contact). A message due now is sent after commit by a task of its own, or, with NOTIFICATION_RELAY, by the relay
    (`manage.py relay_notifications`) within a second.

    :raises KeyError: for an unknown kind :raises TypeError: for both a member and a phone, or neither; for a member
        and `opted_out` (its own opt-out is the one that counts)
    """
    if (member is None) == (not phone) or (member is not None and opted_out):
        raise TypeError("notify() takes a member (its opt-out with it) or a phone (and whether its holder opted out)")
    if member is not None:
        phone, opted_out, recipient_id = member.phone, member.reminders_opt_out, member.user_id
    else:
        recipient_id = None
    (notification,) = notify_all([Text(kind, phone, context, subject, opted_out, recipient_id)], at=at)
    return notification


def notify_all(texts: list[Text], *, at: datetime) -> list[Notification]:
    """Write several SMS to the outbox in one INSERT, each as `notify` writes one: for a batch whose queries must
    not grow with it.

    :raises KeyError: for an unknown kind, before anything is written
    """
    rows = [_outbox_row(text, at) for text in texts]
    sql.insert(rows)
    if not settings.NOTIFICATION_RELAY:
        from core.tasks import send_notification

        for notification in rows:
            if notification.status == Notification.Status.PENDING and notification.not_before <= at:
                # robust: a broker outage must not turn a committed event into an error; beat sends it later
                transaction.on_commit(lambda pk=notification.pk: send_notification.delay(notification_id=pk), robust=True)
    return rows


def _outbox_row(text: Text, at: datetime) -> Notification:
    spec = KINDS[text.kind]
    suppressed = text.opted_out and spec.optional
    return Notification(
        kind=text.kind,
        phone=text.phone,
        body=spec.template.format(**{name: texted(value, whole=name in spec.whole) for name, value in text.context.items()}),
        urgent=spec.urgent,
        status=Notification.Status.SUPPRESSED if suppressed else Notification.Status.PENDING,
        created_at=at,
        not_before=at if spec.urgent else quiet_until(at),
        subject_type=text.subject._meta.label_lower if text.subject is not None else "",
        subject_id=str(text.subject.pk) if text.subject is not None else "",
        recipient_id=text.recipient_id,
    )
