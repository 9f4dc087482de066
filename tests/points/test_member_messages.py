"""The member reads the SMS written for its phone on its own page (我的短信): what was sent, what waits out the quiet
hours, what its opt-out withheld; never a confirmation code again, never another member's or a supplier's messages."""
import re
from datetime import timedelta

import pytest

from core.models import Notification
from core.notifications import notify
from points.services import members
from tests.factories import SupplierFactory
from tests.portal import logged_in
from tests.helpers import ORDERED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _joined_a_month_ago(request, now):
    """The members joined before the messages the tests write to their phones."""
    for name in ("member", "other_member"):
        if name in request.fixturenames:
            user = request.getfixturevalue(name).user
            user.date_joined = now - timedelta(days=30)
            user.save(update_fields=["date_joined"])


def shown_messages(client) -> list[tuple[str, str]]:
    """(status, text) of each row of the member's message page, top to bottom."""
    page = client.get("/member/points/messages/").content.decode()
    return [(status, re.sub(r"\s+", " ", text).strip())
            for status, text in re.findall(r'data-status="(\w+)">.*?data-testid="message-body">([^<]*)<', page, re.S)]


def test_the_member_reads_the_messages_sent_to_it_newest_first_with_the_code_hidden(member, now):
    notify(kind="confirmation_code", phone=member.phone, at=now, context=ORDERED | {"code": "654321"})
    notify(kind="points_deducted", phone=member.phone, at=now + timedelta(minutes=1),
           context={"order_number": "RO-1", "points": 1500, "balance": 48500})

    shown = shown_messages(logged_in(member.user))

    assert shown == [
        ("pending", "【积分商城】订单 RO-1 已扣减 1500 积分，当前余额 48500 积分。"),
        ("pending", "【积分商城】您正在用 10500 积分兑换「保温杯」×7（订单 RO1），验证码为 ******，15分钟内有效，请勿泄露。"),
    ]
    assert "654321" not in logged_in(member.user).get("/member/points/messages/").content.decode()


def test_a_reminder_withheld_by_the_opt_out_is_listed_as_not_sent(member, now):
    members.set_reminders_opt_out(member=member, opt_out=True, actor=member.user)
    member.refresh_from_db()
    notify(kind="delivered", phone=member.phone, at=now, opted_out=member.reminders_opt_out, context={"order_number": "RO-2"})

    shown = shown_messages(logged_in(member.user))

    assert shown == [("suppressed", "【积分商城】订单 RO-2 已签收，感谢您的兑换。")]
    assert Notification.objects.get().status == Notification.Status.SUPPRESSED


def test_another_members_messages_and_a_suppliers_notices_to_the_same_phone_are_not_listed(member, other_member, now):
    supplier = SupplierFactory(contact_phone=member.phone)
    notify(kind="supplier_notice", phone=supplier.contact_phone, at=now, context={"title": "礼品 SKU-1 已通过审核"})
    notify(kind="delivered", phone=other_member.phone, at=now, context={"order_number": "RO-3"})

    shown = shown_messages(logged_in(member.user))

    assert shown == []


def test_messages_to_the_number_before_the_member_joined_are_not_listed(member, now):
    """A recycled number: what was texted to it for its earlier holder is not this member's."""
    notify(kind="delivered", phone=member.phone, at=now - timedelta(days=31), context={"order_number": "RO-OLD"})
    notify(kind="delivered", phone=member.phone, at=now, context={"order_number": "RO-NEW"})

    shown = shown_messages(logged_in(member.user))

    assert shown == [("pending", "【积分商城】订单 RO-NEW 已签收，感谢您的兑换。")]


def test_only_a_member_opens_the_message_page(operator):
    response = logged_in(operator).get("/member/points/messages/")

    assert response.status_code == 403


def test_the_page_says_the_quiet_hours_the_sender_keeps(member, settings):
    settings.QUIET_HOURS = (21, 9)

    page = logged_in(member.user).get("/member/points/messages/").content.decode()

    assert "不在21:00至次日09:00发送" in page


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5"])
def test_a_bad_page_number_opens_the_nearest_page_of_the_members_messages(member, now, page):
    notify(kind="delivered", phone=member.phone, at=now, context={"order_number": "RO-9"})

    response = logged_in(member.user).get(f"/member/points/messages/?page={page}")

    assert response.status_code == 200 and "订单 RO-9 已签收" in response.content.decode()
