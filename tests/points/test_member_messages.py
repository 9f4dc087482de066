"""The member reads the SMS written for it on its own page (我的短信): what was sent, what waits out the quiet hours,
what its opt-out withheld, to whichever number it had then; never a confirmation code again, never another member's
(an earlier holder of its number's) or a supplier's messages."""
import re
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.urls import reverse

from django.apps import apps
from django.db import connection

from core.models import Notification
from core.notifications import notify
from points.models import PointsLot
from points.services import complaints, ledger, members
from points.services.ledger import Source
from tests.factories import MemberFactory, SupplierFactory, UserFactory
from tests.portal import logged_in
from tests.helpers import ORDERED

pytestmark = pytest.mark.django_db


def shown_messages(client, url: str = "/member/points/messages/") -> list[tuple[str, str]]:
    """(status, text) of each row of the member's message page (or of the operators' 短信记录 at `url`), top to bottom."""
    page = client.get(url).content.decode()
    return [(status, re.sub(r"\s+", " ", text).strip())
            for status, text in re.findall(r'data-status="(\w+)">.*?data-testid="message-body">([^<]*)<', page, re.S)]


def test_the_member_reads_the_messages_sent_to_it_newest_first_with_the_code_hidden(member, now):
    notify(kind="confirmation_code", member=member, at=now, context=ORDERED | {"code": "654321"})
    notify(kind="points_deducted", member=member, at=now + timedelta(minutes=1),
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
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-2"})

    shown = shown_messages(logged_in(member.user))

    assert shown == [("suppressed", "【积分商城】订单 RO-2 已签收，感谢您的兑换。")]
    assert Notification.objects.get().status == Notification.Status.SUPPRESSED


def test_another_members_messages_and_a_suppliers_notices_to_the_same_phone_are_not_listed(member, other_member, now):
    supplier = SupplierFactory(contact_phone=member.phone)
    notify(kind="supplier_notice", phone=supplier.contact_phone, at=now, context={"title": "礼品 SKU-1 已通过审核"})
    notify(kind="delivered", member=other_member, at=now, context={"order_number": "RO-3"})

    shown = shown_messages(logged_in(member.user))

    assert shown == []


def test_a_member_who_changed_its_number_still_reads_what_went_to_the_old_one(member, now):
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-OLD"})
    member.phone = "13911112222"
    member.save(update_fields=["phone"])
    notify(kind="delivered", member=member, at=now + timedelta(minutes=1), context={"order_number": "RO-NEW"})

    shown = shown_messages(logged_in(member.user))

    assert shown == [("pending", "【积分商城】订单 RO-NEW 已签收，感谢您的兑换。"), ("pending", "【积分商城】订单 RO-OLD 已签收，感谢您的兑换。")]


def test_a_member_given_a_recycled_number_never_reads_what_was_texted_to_its_earlier_holder(member, now):
    recycled = member.phone
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-EARLIER"})
    member.phone = "13911112222"
    member.save(update_fields=["phone"])
    new_holder = MemberFactory(user=UserFactory(username="new_holder", role=member.user.role), phone=recycled)
    notify(kind="delivered", member=new_holder, at=now + timedelta(minutes=1), context={"order_number": "RO-MINE"})

    shown = shown_messages(logged_in(new_holder.user))

    assert shown == [("pending", "【积分商城】订单 RO-MINE 已签收，感谢您的兑换。")]


def test_an_answer_texted_to_a_hotline_callers_number_is_no_members_even_on_a_members_number(member, operator, supplier, now):
    """The caller gave a number, not a member: whoever holds the number now is not told it was its complaint."""
    called_in = complaints.open_complaint(actor=operator, now=now, supplier=supplier, title="礼品破损", description="电话投诉",
                                          contact_name="张先生", contact_phone=member.phone)
    complaints.triage_complaint(complaint=called_in, actor=operator, now=now, responsible="operator")
    complaints.respond_to_complaint(complaint=called_in, actor=operator, now=now, response="已处理")

    shown = shown_messages(logged_in(member.user))

    assert Notification.objects.filter(kind="complaint_answered", phone=member.phone).exists()
    assert shown == []


def test_the_migration_names_each_earlier_text_by_what_it_is_about_not_by_who_holds_its_number_now(
    member, other_member, operator, supplier, now
):
    """Before the recipient was kept the page listed the texts to a member's phone since it joined. The migration names
    the member of what a text is about (a lot, a complaint), so a text to a number that has changed hands since stays
    its member's; a public complaint's answer is its caller's, no member's; a text about nothing, the member holding
    its number then (the page's old rule); a supplier's, nobody."""
    for joined in (member, other_member):
        joined.user.date_joined = now - timedelta(days=30)
        joined.user.save(update_fields=["date_joined"])
    number = member.phone
    ledger.earn_points(member=member, points=500, source=Source("batch", "B-1"), at=now - timedelta(days=2))
    lot = PointsLot.objects.get(account__member=member)
    called_in = complaints.open_complaint(actor=operator, now=now, supplier=supplier, title="礼品破损", description="电话投诉",
                                          contact_name="张先生", contact_phone=other_member.phone)
    texted = [
        notify(kind="points_expiring", phone=number, at=now - timedelta(days=1), subject=lot, context={"points": 500, "expires_on": "2027-12-31"}),
        notify(kind="complaint_answered", phone=other_member.phone, at=now, subject=called_in, context={"complaint_number": called_in.number}),
        notify(kind="delivered", phone=other_member.phone, at=now, context={"order_number": "RO-2"}),
        notify(kind="delivered", phone=other_member.phone, at=now - timedelta(days=31), context={"order_number": "RO-BEFORE"}),
        notify(kind="supplier_notice", phone=other_member.phone, at=now, context={"title": "礼品 SKU-1 已通过审核"}),
        notify(kind="delivered", phone="13700000000", at=now, context={"order_number": "RO-3"}),
    ]
    member.phone = "13911112222"  # the number changed hands after the lot's reminder: its member still reads it
    member.save(update_fields=["phone"])
    new_holder = MemberFactory(user=UserFactory(username="new_holder", role=member.user.role), phone=number)

    import_module("points.migrations.0013_notification_recipients").name_recipients(apps, SimpleNamespace(connection=connection))

    named = dict(Notification.objects.values_list("pk", "recipient_id"))
    assert [named[text.pk] for text in texted] == [member.user_id, None, other_member.user_id, None, None, None]
    assert len(shown_messages(logged_in(member.user))) == 1 and shown_messages(logged_in(new_holder.user)) == []


def test_only_a_member_opens_the_message_page(operator):
    response = logged_in(operator).get("/member/points/messages/")

    assert response.status_code == 403


def test_the_page_says_the_quiet_hours_the_sender_keeps(member, settings):
    settings.QUIET_HOURS = (21, 9)

    page = logged_in(member.user).get("/member/points/messages/").content.decode()

    assert "不在21:00至次日09:00发送" in page


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5"])
def test_a_bad_page_number_opens_the_nearest_page_of_the_members_messages(member, now, page):
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-9"})

    response = logged_in(member.user).get(f"/member/points/messages/?page={page}")

    assert response.status_code == 200 and "订单 RO-9 已签收" in response.content.decode()


def operators_record(member) -> str:
    return reverse("operator-member-messages", args=[member.pk])


def test_an_operator_reads_a_members_texts_on_its_record_newest_first_with_the_code_hidden_as_the_member_does(
        member, other_member, operator, now):
    notify(kind="confirmation_code", member=member, at=now, context=ORDERED | {"code": "654321"})
    notify(kind="points_deducted", member=member, at=now + timedelta(minutes=1),
           context={"order_number": "RO-1", "points": 1500, "balance": 48500})
    notify(kind="delivered", member=other_member, at=now, context={"order_number": "RO-OTHER"})

    shown = shown_messages(logged_in(operator), operators_record(member))

    assert shown == shown_messages(logged_in(member.user)) == [
        ("pending", "【积分商城】订单 RO-1 已扣减 1500 积分，当前余额 48500 积分。"),
        ("pending", "【积分商城】您正在用 10500 积分兑换「保温杯」×7（订单 RO1），验证码为 ******，15分钟内有效，请勿泄露。"),
    ]
    page = logged_in(operator).get(operators_record(member)).content.decode()
    assert "654321" not in page and member.phone not in page


def test_the_member_page_links_its_text_record(member, operator):
    page = logged_in(operator).get(reverse("operator-member", args=[member.pk])).content.decode()

    assert f'href="{operators_record(member)}" data-testid="member-messages"' in page


def test_a_long_text_record_is_paged(member, operator, now):
    for n in range(23):
        notify(kind="delivered", member=member, at=now + timedelta(minutes=n), context={"order_number": f"RO-{n}"})

    first, second = (shown_messages(logged_in(operator), f"{operators_record(member)}?page={page}") for page in (1, 2))

    assert len(first) == 20 and first[0][1] == "【积分商城】订单 RO-22 已签收，感谢您的兑换。"
    assert [text for _, text in second] == [f"【积分商城】订单 RO-{n} 已签收，感谢您的兑换。" for n in (2, 1, 0)]


def test_only_operators_open_a_members_text_record_and_an_unknown_member_is_404(member, other_member, supplier_staff, logistics, operator):
    assert logged_in(other_member.user).get(operators_record(member)).status_code == 403
    assert logged_in(supplier_staff).get(operators_record(member)).status_code == 403
    assert logged_in(logistics).get(operators_record(member)).status_code == 403
    assert logged_in(operator).get(reverse("operator-member-messages", args=[10**9])).status_code == 404
