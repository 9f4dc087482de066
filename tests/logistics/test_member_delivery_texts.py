"""What the member's phone receives when its parcel cannot be delivered, and when nobody signed for it and the receipt
is confirmed for it after 14 days: each told once, in words that do not claim it signed."""
from datetime import timedelta

import pytest

from core.notifications.backends import MemoryBackend
from core.services import send_due_notifications
from logistics.models import Shipment
from logistics.services import shipments
from points.models import Member, RedemptionOrder
from points.services import orders

pytestmark = pytest.mark.django_db


def texts_to(phone: str) -> list[str]:
    return [message["body"] for message in MemoryBackend.outbox if message["phone"] == phone]


def test_the_member_is_told_once_that_its_delivery_failed_and_what_comes_next(shipped, rich_member, logistics, now):
    send_due_notifications(now=now)
    sent_before = len(texts_to(rich_member.phone))

    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=2), reason="收件人电话无人接听")
    send_due_notifications(now=now + timedelta(hours=2))
    send_due_notifications(now=now + timedelta(hours=3))

    number = RedemptionOrder.objects.get().number
    assert texts_to(rich_member.phone)[sent_before:] == [
        f"【积分商城】订单 {number} 本次配送未成功，我们将尽快安排重新配送或退还积分，届时短信告知。"
    ]


def test_a_failure_reported_at_night_reaches_the_member_at_eight(shipped, rich_member, logistics, now):
    night = now.replace(hour=23)  # FIXED_NOW's day, 23:00 Shanghai
    send_due_notifications(now=now)
    sent_before = len(texts_to(rich_member.phone))

    shipments.fail_shipment(shipment=shipped, actor=logistics, now=night, reason="收件人不在")
    send_due_notifications(now=night + timedelta(minutes=30))
    at_night = texts_to(rich_member.phone)[sent_before:]
    send_due_notifications(now=night + timedelta(hours=9))

    assert at_night == []
    assert len(texts_to(rich_member.phone)[sent_before:]) == 1


def test_a_member_who_opted_out_of_reminders_is_still_texted_the_failed_delivery(shipped, rich_member, logistics, now):
    """The opt-out covers shipped, delivered, expiring and answered (SPEC §4.12), not what goes wrong with the gift."""
    Member.objects.filter(pk=rich_member.pk).update(reminders_opt_out=True)
    send_due_notifications(now=now)
    sent_before = len(texts_to(rich_member.phone))

    shipments.fail_shipment(shipment=Shipment.objects.get(), actor=logistics, now=now + timedelta(hours=1), reason="地址错误")
    send_due_notifications(now=now + timedelta(hours=1))

    number = RedemptionOrder.objects.get().number
    assert texts_to(rich_member.phone)[sent_before:] == [
        f"【积分商城】订单 {number} 本次配送未成功，我们将尽快安排重新配送或退还积分，届时短信告知。"
    ]
    assert RedemptionOrder.objects.get().state == "delivery_failed"


def test_a_receipt_confirmed_automatically_is_texted_as_such_not_as_signed(shipped, rich_member, now):
    send_due_notifications(now=now)
    sent_before = len(texts_to(rich_member.phone))

    shipments.auto_deliver_shipments(now=now + timedelta(days=14))
    send_due_notifications(now=now + timedelta(days=14))

    number = RedemptionOrder.objects.get().number
    assert texts_to(rich_member.phone)[sent_before:] == [
        f"【积分商城】订单 {number} 发货已满14天，已自动确认收货。如未收到礼品，请在订单页面发起投诉或联系客服。"
    ]


def test_a_parcel_signed_for_is_still_texted_as_signed(shipped, rich_member, logistics, now):
    send_due_notifications(now=now)
    sent_before = len(texts_to(rich_member.phone))

    shipments.deliver_shipment(shipment=shipped, actor=logistics, now=now + timedelta(days=1), signer="张三")
    send_due_notifications(now=now + timedelta(days=1))

    number = RedemptionOrder.objects.get().number
    assert texts_to(rich_member.phone)[sent_before:] == [f"【积分商城】订单 {number} 已签收，感谢您的兑换。"]


def test_an_order_given_up_after_a_failed_delivery_texts_the_member_why_with_its_points_back(shipped, rich_member, logistics, operator, now):
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=1), reason="地址不存在")
    send_due_notifications(now=now + timedelta(hours=1))
    sent_before = len(texts_to(rich_member.phone))

    orders.give_up_order(order=RedemptionOrder.objects.get(), actor=operator, now=now + timedelta(hours=2), reason="地址无法投递，会员未回电")
    send_due_notifications(now=now + timedelta(hours=2))

    number = RedemptionOrder.objects.get().number
    assert texts_to(rich_member.phone)[sent_before:] == [
        f"【积分商城】订单 {number} 已取消，原因：地址无法投递，会员未回电。已退还 3000 积分，当前余额 50000 积分。"
    ]
