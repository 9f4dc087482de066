"""The member's portal pages: catalog, redemption with the SMS code, own orders, points and the reminder opt-out."""
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from core.roles import Role
from points.models import LedgerEntry, Member, PointsAccount, RedemptionOrder
from points.services import credit_uploads, credits, ledger, orders
from suppliers.models import Gift, StockRecord
from suppliers.services import catalog, inventory
from tests.factories import GiftFactory, UserFactory, WarehouseFactory
from tests.factories import ADDRESS
from tests.portal import logged_in, shown
from tests.helpers import published

pytestmark = pytest.mark.django_db

OVER_THRESHOLD = 7  # 7 × 1500 = 10 500 points, at or above GoTone's 10 000: needs the SMS code


@pytest.fixture
def member_client(rich_member) -> Client:
    """The portal as the gold GoTone member with 50 000 points."""
    return logged_in(rich_member.user)


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def field_errors(response) -> dict[str, str]:
    """The errors shown next to form fields: {field name: text}."""
    return dict(re.findall(r'class="field-error" data-field="(\w+)">([^<]*)<', response.content.decode()))


def redeem(client, gift, quantity=1, **changes):
    """Send the redeem form as a freshly opened page would (its own token, unless `changes` names one)."""
    return client.post(f"/member/catalog/{gift.pk}/", {"quantity": quantity, **ADDRESS, "token": uuid.uuid4().hex, **changes})


def sent_code(order) -> str:
    body = Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).latest("id").body
    return body.split("验证码为 ")[1][:6]


def publish(gift, operator, now):
    return published(gift, actor=operator, at=now)


def test_the_catalog_shows_the_listed_gift_at_the_members_price_and_no_settlement_price(member_client, listed_gift):
    listed_gift.tier_discounts = {"gold": 10}
    listed_gift.save(update_fields=["tier_discounts"])

    catalog = member_client.get("/member/catalog/")
    detail = member_client.get(f"/member/catalog/{listed_gift.pk}/")

    assert catalog.status_code == detail.status_code == 200
    for page in (catalog, detail):
        html = page.content.decode()
        assert listed_gift.name in html and "1,350 积分" in html
        assert "180.00" not in html and "结算" not in html


@pytest.mark.parametrize("description, shown", [("", False), ("  \n", False), ("明前龙井，250克", True)])
def test_the_gift_page_shows_the_description_row_only_for_a_gift_with_one(member_client, listed_gift, description, shown):
    Gift.objects.filter(pk=listed_gift.pk).update(description=description)

    html = member_client.get(f"/member/catalog/{listed_gift.pk}/").content.decode()

    assert ("<th>描述</th>" in html) is shown and ('data-testid="description"' in html) is shown
    assert "<th>规格</th>" in html


def test_a_gift_without_stock_shows_sold_out_and_a_clearance_gift_its_badge(member_client, operator, now):
    sold_out = publish(GiftFactory(name="售罄礼品"), operator, now)
    clearance = publish(GiftFactory(name="清仓礼品"), operator, now)
    catalog.delist_gift(gift=clearance, actor=operator, now=now, reason_code="low_sales", reason="运营下线")
    inventory.receive_stock(gift=clearance, location=WarehouseFactory(code="WH-CLR"), quantity=3, at=now)
    catalog.start_clearance(gift=clearance, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    html = member_client.get("/member/catalog/").content.decode()
    cards = dict(re.findall(r'data-gift="(\d+)">(.*?)</li>', html, re.S))

    assert "已售罄" in cards[str(sold_out.pk)] and "清仓" not in cards[str(sold_out.pk)]
    assert "清仓" in cards[str(clearance.pk)] and "800 积分" in cards[str(clearance.pk)] and "已售罄" not in cards[str(clearance.pk)]
    assert "90.00" not in html


def test_catalog_filters_by_points_category_and_text_and_shows_a_bad_bound_next_to_its_field(member_client, listed_gift):
    assert listed_gift.name not in member_client.get("/member/catalog/?max_points=1000").content.decode()
    assert listed_gift.name in member_client.get("/member/catalog/?min_points=1000&category=tea").content.decode()
    assert listed_gift.name not in member_client.get("/member/catalog/?q=不存在的礼品").content.decode()
    bad = member_client.get("/member/catalog/?min_points=lots&category=tea")

    assert bad.status_code == 400 and "min_points" in field_errors(bad)
    assert listed_gift.name not in bad.content.decode()  # not the tea of any points, which would pass for the bound asked
    backwards = member_client.get("/member/catalog/?min_points=20000&max_points=100")
    assert backwards.status_code == 400 and field_errors(backwards) == {"max_points": "最高积分不能低于最低积分"}


def test_redeeming_below_the_threshold_confirms_at_once_and_the_points_drop(member_client, rich_member, listed_gift):
    response = redeem(member_client, listed_gift, quantity=1)

    order = RedemptionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/member/orders/{order.pk}/"
    assert order.state == RedemptionOrder.State.CONFIRMED
    assert (order.recipient_name, order.address) == (ADDRESS["recipient_name"], ADDRESS["address"])
    assert balance(rich_member) == 48_500


def test_sending_the_same_redeem_form_twice_places_one_order_and_takes_the_points_once(member_client, rich_member, listed_gift):
    page = member_client.get(f"/member/catalog/{listed_gift.pk}/").content.decode()
    token = re.search(r'name="token" value="(\w+)"', page).group(1)

    first = redeem(member_client, listed_gift, token=token)
    again = redeem(member_client, listed_gift, token=token)  # a double click, or the browser re-sending the form

    order = RedemptionOrder.objects.get()
    assert first["Location"] == again["Location"] == f"/member/orders/{order.pk}/"
    assert balance(rich_member) == 48_500
    assert redeem(member_client, listed_gift).status_code == 302 and RedemptionOrder.objects.count() == 2  # a new page orders again


def test_a_redeem_form_sent_again_with_another_address_places_nothing_and_links_the_order_it_placed(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, token="back")
    changed = redeem(member_client, listed_gift, token="back", address="北京市朝阳区新地址 99 号")  # back, corrected, sent again

    order = RedemptionOrder.objects.get()
    assert changed.status_code == 409 and order.address == ADDRESS["address"] and balance(rich_member) == 48_500
    assert f'<a href="/member/orders/{order.pk}/">兑换订单 {order.number}</a>' in changed.content.decode()


def test_a_redeem_form_without_its_token_is_refused_and_places_nothing(member_client, listed_gift):
    response = member_client.post(f"/member/catalog/{listed_gift.pk}/", {"quantity": 1, **ADDRESS})

    assert response.status_code == 200 and not RedemptionOrder.objects.exists()


def test_the_redeem_form_is_prefilled_with_the_member_and_its_last_address(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift)

    html = member_client.get(f"/member/catalog/{listed_gift.pk}/").content.decode()

    assert f'value="{rich_member.name}"' in html and f'value="{rich_member.phone}"' in html
    assert ADDRESS["address"] in html


def test_redeeming_above_the_threshold_asks_for_the_code_and_nothing_is_drawn_yet(member_client, rich_member, listed_gift):
    response = redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)

    order = RedemptionOrder.objects.get()
    assert response["Location"] == f"/member/orders/{order.pk}/confirm/"
    assert order.state == RedemptionOrder.State.AWAITING_CONFIRMATION
    assert balance(rich_member) == 50_000
    assert 'name="code"' in member_client.get(response["Location"]).content.decode()


def test_a_wrong_code_is_shown_next_to_the_field_with_the_tries_left(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()
    wrong = "000000" if sent_code(order) != "000000" else "111111"

    response = member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": wrong})

    assert response.status_code == 200
    assert "还可尝试 4 次" in field_errors(response)["code"]
    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.AWAITING_CONFIRMATION and order.code_attempts == 1
    assert balance(rich_member) == 50_000


def test_the_fifth_wrong_code_leads_to_the_order_page_saying_it_is_locked_with_no_confirm_or_resend_button(
        member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()
    wrong = "000000" if sent_code(order) != "000000" else "111111"
    for _ in range(orders.MAX_CODE_ATTEMPTS - 1):
        member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": wrong})

    fifth = member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": wrong})

    assert fifth.status_code == 302 and fifth["Location"] == f"/member/orders/{order.pk}/"
    page = member_client.get(fifth["Location"]).content.decode()
    assert "验证码错误次数过多，订单已锁定" in page and 'data-testid="order-locked"' in page and "请重新下单" in page
    assert 'name="code"' not in page and "/resend-code/" not in page and "确认兑换" not in page
    order.refresh_from_db()
    assert (order.state, order.code_attempts) == (RedemptionOrder.State.AWAITING_CONFIRMATION, orders.MAX_CODE_ATTEMPTS)
    assert balance(rich_member) == 50_000


def test_the_right_code_confirms_the_order_and_draws_the_points(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()

    response = member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": sent_code(order)})

    assert response["Location"] == f"/member/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.CONFIRMED
    assert balance(rich_member) == 50_000 - 10_500


def test_a_code_asked_for_too_soon_on_the_page_says_how_many_seconds_remain(member_client, rich_member, listed_gift, now,
                                                                             time_machine):
    time_machine.move_to(now, tick=False)
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()
    time_machine.move_to(now + timedelta(seconds=42), tick=False)

    page = member_client.post(f"/member/orders/{order.pk}/resend-code/", follow=True).content.decode()

    assert "验证码发送过于频繁，请 18 秒后再试" in page
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 1


def test_resending_the_code_texts_a_new_one_that_confirms(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()

    too_soon = member_client.post(f"/member/orders/{order.pk}/resend-code/", follow=True).content.decode()
    RedemptionOrder.objects.filter(pk=order.pk).update(code_expires_at=F("code_expires_at") - timedelta(seconds=61))  # a minute on
    response = member_client.post(f"/member/orders/{order.pk}/resend-code/")
    confirmed = member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": sent_code(order)})

    assert re.search(r"验证码发送过于频繁，请 (60|59) 秒后再试", too_soon)
    assert response["Location"] == f"/member/orders/{order.pk}/confirm/"
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 2
    assert confirmed.status_code == 302
    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.CONFIRMED


def test_a_cancel_reason_too_long_comes_back_next_to_it_as_typed_and_cancels_nothing(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=1)
    order = RedemptionOrder.objects.get()

    posted = member_client.post(f"/member/orders/{order.pk}/cancel/", {"reason": "买" * 201})
    page = member_client.get(posted["Location"])
    later = member_client.get(posted["Location"])

    html = page.content.decode()
    order.refresh_from_db()
    assert posted["Location"] == f"/member/orders/{order.pk}/" and list(field_errors(page)) == ["reason"] and "200" in field_errors(page)["reason"]
    assert 'id="id_cancel_reason_error"' in html and 'aria-describedby="id_cancel_reason_error"' in html
    assert 'value="' + "买" * 201 + '"' in html and '<label for="id_cancel_reason">' in html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode()
    assert order.state != RedemptionOrder.State.CANCELLED


def test_cancelling_a_confirmed_order_gives_the_points_and_the_stock_back(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=2)
    order = RedemptionOrder.objects.get()

    response = member_client.post(f"/member/orders/{order.pk}/cancel/", {"reason": "不想要了"}, follow=True)

    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.CANCELLED
    assert balance(rich_member) == 50_000
    assert StockRecord.objects.get(gift=listed_gift).reserved == 0
    html = response.content.decode()
    assert "积分已退还" in html and "不想要了" in html  # the message and the history row
    assert 'data-testid="refunded-on-close">3,000<' in html


def test_an_order_waiting_for_its_code_offers_cancel_and_cancelling_it_takes_nothing_back_and_texts_nothing(
        member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()
    code, texts = sent_code(order), Notification.objects.count()
    page = member_client.get(f"/member/orders/{order.pk}/").content.decode()

    response = member_client.post(f"/member/orders/{order.pk}/cancel/", {"reason": "数量选错了"}, follow=True)

    button = re.search(r'<button[^>]*data-testid="cancel"[^>]*>', page).group(0)
    assert 'data-testid="cancel-form"' in page and 'data-testid="enter-code"' in page
    assert "该订单尚未扣除积分，取消后验证码失效" in button and "积分将退还" not in button
    html = response.content.decode()
    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.CANCELLED and "订单已取消，未扣除积分。" in html and "积分已退还" not in html
    assert "数量选错了" in html.split('data-testid="history"')[1]
    assert 'data-testid="cancel-form"' not in html and 'data-testid="refunded-on-close"' not in html
    assert (balance(rich_member), StockRecord.objects.get(gift=listed_gift).reserved, Notification.objects.count()) == (50_000, 0, texts)
    confirm = member_client.post(f"/member/orders/{order.pk}/confirm/", {"code": code})
    assert confirm["Location"] == f"/member/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.state == RedemptionOrder.State.CANCELLED and balance(rich_member) == 50_000


def test_cancelling_twice_is_refused_with_a_message_and_refunds_once(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift)
    order = RedemptionOrder.objects.get()
    member_client.post(f"/member/orders/{order.pk}/cancel/")

    response = member_client.post(f"/member/orders/{order.pk}/cancel/", follow=True)

    assert 'class="error"' in response.content.decode()
    assert balance(rich_member) == 50_000


def test_the_order_page_shows_its_points_state_and_history_and_no_settlement_price(member_client, listed_gift):
    redeem(member_client, listed_gift, quantity=2)
    order = RedemptionOrder.objects.get()

    html = member_client.get(f"/member/orders/{order.pk}/").content.decode()

    history = html.split('data-testid="history"')[1].split("</table>")[0]
    assert 'data-testid="points-cost">3,000<' in html and "已确认" in html
    assert "<td>确认</td><td>待确认</td><td>已确认</td>" in history
    assert 'data-testid="cancel-form"' in html
    assert "360.00" not in html and "180.00" not in html


def test_another_members_order_is_not_found_and_stays_untouched(member_client, other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=5_000, source=ledger.Source("batch", "OTHER"), at=now)
    theirs = orders.place_order(member=other_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    responses = [
        member_client.get(f"/member/orders/{theirs.pk}/"),
        member_client.get(f"/member/orders/{theirs.pk}/confirm/"),
        member_client.post(f"/member/orders/{theirs.pk}/cancel/"),
        member_client.post(f"/member/orders/{theirs.pk}/resend-code/"),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    theirs.refresh_from_db()
    assert theirs.state == RedemptionOrder.State.CONFIRMED
    assert theirs.number not in member_client.get("/member/orders/").content.decode()


def test_a_gift_not_listed_for_the_member_is_not_found(member_client):
    draft = GiftFactory()

    assert member_client.get(f"/member/catalog/{draft.pk}/").status_code == 404
    assert redeem(member_client, draft).status_code == 404
    assert not RedemptionOrder.objects.exists()


@pytest.mark.parametrize("url", ["/member/catalog/", "/member/orders/", "/member/points/"])
def test_the_member_pages_are_for_members_only(url, db):
    operator = logged_in(UserFactory(username="op", role=Role.OPERATOR))

    assert operator.get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page


def test_the_reminder_opt_out_toggles(member_client, rich_member):
    member_client.post("/member/points/reminders/", {"reminders_opt_out": "on"})
    opted_out = Member.objects.get(pk=rich_member.pk).reminders_opt_out
    member_client.post("/member/points/reminders/", {})

    assert opted_out is True
    assert Member.objects.get(pk=rich_member.pk).reminders_opt_out is False


BAD_INPUT = [({"quantity": 0}, "quantity"), ({"address": "  "}, "address"), ({"quantity": "x"}, "quantity")]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_redemption_input_shows_next_to_its_field_and_writes_nothing(member_client, rich_member, listed_gift, change, field):
    response = redeem(member_client, listed_gift, **change)

    assert response.status_code == 200
    assert field in field_errors(response)
    assert not RedemptionOrder.objects.exists()
    assert balance(rich_member) == 50_000
    assert StockRecord.objects.get(gift=listed_gift).reserved == 0


def test_the_redeem_form_shows_every_fields_error_at_once(member_client, rich_member, listed_gift):
    response = redeem(member_client, listed_gift, quantity="x", recipient_name="", recipient_phone="12345", address="杭州")

    errors = field_errors(response)
    assert response.status_code == 200
    assert set(errors) == {"quantity", "recipient_name", "recipient_phone", "address"}
    assert "11位手机号" in errors["recipient_phone"] and "至少 5 个字" in errors["address"]
    assert not RedemptionOrder.objects.exists() and balance(rich_member) == 50_000


def test_the_redeem_form_sent_back_opens_at_its_first_field_in_error_and_only_there(member_client, rich_member, listed_gift):
    response = redeem(member_client, listed_gift, quantity=1, recipient_name="张三", recipient_phone="12345", address="")

    focused = re.findall(r"<(?:input|textarea|select)[^>]*\bautofocus\b[^>]*>", response.content.decode())
    assert len(focused) == 1 and 'name="recipient_phone"' in focused[0]


def test_redeeming_more_points_than_the_member_has_is_refused_and_writes_nothing(other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=1_000, source=ledger.Source("batch", "POOR"), at=now)

    response = redeem(logged_in(other_member.user), listed_gift)

    assert response.status_code == 200 and "积分不足" in response.content.decode()
    assert not RedemptionOrder.objects.exists()


@pytest.mark.parametrize("quantity, needed", [(1, "1,500"), (OVER_THRESHOLD, "10,500")])  # confirmed at once; a code asked for first
def test_too_few_points_are_shown_under_the_quantity_naming_the_points_needed_and_available(other_member, listed_gift, now, quantity,
                                                                                             needed):
    ledger.earn_points(member=other_member, points=1_000, source=ledger.Source("batch", "POOR"), at=now)

    response = redeem(logged_in(other_member.user), listed_gift, quantity=quantity)

    assert field_errors(response) == {"quantity": f"积分不足：需要 {needed}，可用 1,000"}
    assert "nonfield" not in response.content.decode()
    assert not RedemptionOrder.objects.exists() and balance(other_member) == 1_000


def test_too_few_points_read_in_english_under_the_quantity(other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=1_000, source=ledger.Source("batch", "POOR"), at=now)
    in_english = Client(HTTP_ACCEPT_LANGUAGE="en")
    in_english.force_login(other_member.user)

    response = redeem(in_english, listed_gift, quantity=OVER_THRESHOLD)

    assert field_errors(response) == {"quantity": "Not enough points: 10,500 needed, 1,000 available."}


def test_the_points_taken_are_said_grouped_by_thousands(member_client, listed_gift):
    placed = redeem(member_client, listed_gift, quantity=1)
    placed_page = member_client.get(placed["Location"]).content.decode()
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    waiting = RedemptionOrder.objects.get(state=RedemptionOrder.State.AWAITING_CONFIRMATION)

    confirmed = member_client.post(f"/member/orders/{waiting.pk}/confirm/", {"code": sent_code(waiting)})

    assert "兑换成功，已扣除 1,500 积分。" in placed_page
    assert "订单已确认，已扣除 10,500 积分。" in member_client.get(confirmed["Location"]).content.decode()


def test_the_gift_page_shows_the_balance_and_the_most_one_order_may_take(member_client, other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=4_000, source=ledger.Source("batch", "SOME"), at=now)

    rich = member_client.get(f"/member/catalog/{listed_gift.pk}/").content.decode()
    some = logged_in(other_member.user).get(f"/member/catalog/{listed_gift.pk}/").content.decode()

    assert "您的积分余额：50,000" in rich and "本单最多可兑换 10 件" in rich and 'max="10"' in rich  # the stock of one warehouse
    assert "您的积分余额：4,000" in some and "本单最多可兑换 2 件" in some and 'max="2"' in some  # what 4000 points pay for
    assert "too-few-points" not in rich + some
    assert "所需积分达到 10,000 时" in rich  # the program's SMS threshold, grouped as the balance is


def test_a_member_who_cannot_pay_for_one_unit_is_told_before_sending_the_form(other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=1_000, source=ledger.Source("batch", "POOR"), at=now)

    page = logged_in(other_member.user).get(f"/member/catalog/{listed_gift.pk}/").content.decode()

    assert "积分不足：兑换 1 件需要 1,500 积分。" in page and "本单最多可兑换" not in page


def test_the_points_page_shows_balance_every_expiry_and_the_history_in_chinese(member_client, rich_member, listed_gift, now):
    ledger.earn_points(member=rich_member, points=300, source=ledger.Source("batch", "LAST-YEAR"), at=now.replace(year=2025))
    redeem(member_client, listed_gift)
    order = RedemptionOrder.objects.get()
    member_client.post(f"/member/orders/{order.pk}/cancel/")

    html = member_client.get("/member/points/").content.decode()

    assert 'data-testid="balance">50,300<' in html
    assert re.search(r"<td>2025</td><td class=\"num\">300</td><td>2026-12-31 23:59</td>", html)
    assert re.search(r"<td>2026</td><td class=\"num\">50,000</td><td>2027-12-31 23:59</td>", html)
    assert "兑换礼品" in html and "订单取消退还" in html and order.number in html


def sources(response) -> list[str]:
    """The 来源 cell of each row of the points history, newest first, as HTML."""
    return re.findall(r'data-testid="entry-source">(.*?)</td>', response.content.decode())


def test_the_points_history_shows_each_orders_full_number_linked_to_the_members_own_order_page(member_client, rich_member,
                                                                                               listed_gift, operator, now):
    redeem(member_client, listed_gift)
    order = RedemptionOrder.objects.get()
    member_client.post(f"/member/orders/{order.pk}/cancel/")
    key = uuid.uuid4().hex  # a correction's reference, as the operator's form makes one
    credits.correct_points(member=rich_member, points=100, reason_code="goodwill", note="补偿", reference=key, actor=operator, now=now)

    cancelled, redeemed, corrected, credited = sources(member_client.get("/member/points/"))

    assert cancelled == redeemed == f'订单 <a href="/member/orders/{order.pk}/">{order.number}</a>'
    assert corrected == "人工调整 "  # its request key is nothing the member knows
    assert credited == '发放批次 <span title="SETUP">SETUP</span>'


def test_the_members_points_history_shows_a_credit_files_batch_without_its_hash_and_the_operator_its_file_linked(
        rich_member, operator, now, queued_tasks):
    content = f"手机号,积分\n{rich_member.phone},300\n".encode()
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="双十一赠送.csv", content=content)
    credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)
    credit_uploads.credit_upload(upload_id=upload.pk, now=now)
    key = uuid.uuid4().hex
    credits.correct_points(member=rich_member, points=100, reason_code="goodwill", note="补偿", reference=key, actor=operator, now=now)

    as_member = sources(logged_in(rich_member.user).get("/member/points/"))
    as_operator = sources(logged_in(operator).get(f"/member/member-admin/{rich_member.pk}/"))

    assert as_member[:2] == ["人工调整 ", "发放批次 "] and upload.batch not in "".join(as_member)
    page = reverse("operator-points-credit-upload", args=[upload.pk])
    assert as_operator[1] == f'发放批次 <a href="{page}">双十一赠送.csv</a>'
    assert as_operator[0].startswith(f'人工调整 <span title="{key}">{key[:16]}') and f">{key}<" not in as_operator[0]  # cut, whole in its title


def test_the_api_gives_a_member_the_same_sources_as_its_page_and_staff_the_ids_stored(rich_member, operator, now, queued_tasks, api):
    content = f"手机号,积分\n{rich_member.phone},300\n".encode()
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="双十一赠送.csv", content=content)
    credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)
    credit_uploads.credit_upload(upload_id=upload.pk, now=now)
    key = uuid.uuid4().hex
    credits.correct_points(member=rich_member, points=100, reason_code="goodwill", note="补偿", reference=key, actor=operator, now=now)

    as_member = api(rich_member.user).get("/api/v1/points/entries/").json()["results"]
    as_operator = api(operator).get(f"/api/v1/points/entries/?account__member={rich_member.pk}").json()["results"]

    assert [(row["source_type"], row["source_id"]) for row in as_member] == [("correction", ""), ("batch", ""), ("batch", "SETUP")]
    stored = LedgerEntry.objects.get(account__member=rich_member, source_type="correction").source_id
    assert as_operator[0]["source_id"] == stored and key in stored
    assert as_operator[1]["source_id"] == upload.batch


def test_the_operators_member_page_links_the_orders_in_the_history_to_the_operators_order_page(rich_member, listed_gift, operator,
                                                                                                 now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    shown = sources(logged_in(operator).get(f"/member/member-admin/{rich_member.pk}/"))

    assert shown == [f'订单 <a href="{reverse("operator-order", args=[order.pk])}">{order.number}</a>', '发放批次 <span title="SETUP">SETUP</span>']


def test_an_order_number_of_another_member_in_the_history_is_not_linked(member_client, rich_member, other_member, listed_gift, now):
    ledger.earn_points(member=other_member, points=1_500, source=ledger.Source("batch", "OTHER"), at=now)
    others = orders.place_order(member=other_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    ledger.earn_points(member=rich_member, points=1, source=ledger.Source("order", others.number), at=now)

    shown = sources(member_client.get("/member/points/"))

    assert shown[0] == f'订单 <span title="{others.number}">{others.number}</span>' and f"/{others.pk}/" not in "".join(shown)


def test_the_points_history_links_a_page_of_orders_with_the_queries_of_one(rich_member, listed_gift, operator, now):
    inventory.receive_stock(gift=listed_gift, location=WarehouseFactory(code="WH-LEDGER"), quantity=20, at=now)
    pages = {logged_in(rich_member.user): "/member/points/", logged_in(operator): f"/member/member-admin/{rich_member.pk}/"}

    def placed_and_cancelled(n):
        for _ in range(n):
            order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
            orders.cancel_order(order=order, actor=rich_member.user, now=now)

    placed_and_cancelled(1)
    few = [queries(client, url) for client, url in pages.items()]
    placed_and_cancelled(10)
    full = [queries(client, url) for client, url in pages.items()]

    assert few == full, (few, full)
    assert all(len(re.findall(r"订单 <a href=", "".join(sources(client.get(url))))) == 20 for client, url in pages.items())


def test_the_order_list_filters_by_state(member_client, listed_gift):
    redeem(member_client, listed_gift)
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    confirmed, waiting = (RedemptionOrder.objects.get(state=s) for s in ("confirmed", "awaiting_confirmation"))

    html = member_client.get("/member/orders/?state=awaiting_confirmation").content.decode()

    assert waiting.number in html and confirmed.number not in html


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_member_pages_run_the_same_queries_for_1_and_20_orders(member_client, rich_member, listed_gift, operator, now):
    inventory.receive_stock(gift=listed_gift, location=WarehouseFactory(code="WH-ORD"), quantity=20, at=now)

    def place(n):
        for _ in range(n):
            orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
            publish(GiftFactory(), operator, now)

    place(1)
    one = {url: queries(member_client, url) for url in ("/member/orders/", "/member/points/", "/member/catalog/")}
    place(19)
    twenty = {url: queries(member_client, url) for url in one}

    assert one == twenty, (one, twenty)


def test_a_lapsed_order_shows_as_expired_without_a_code_form_before_beat_runs(member_client, rich_member, listed_gift):
    redeem(member_client, listed_gift, quantity=OVER_THRESHOLD)
    order = RedemptionOrder.objects.get()
    RedemptionOrder.objects.filter(pk=order.pk).update(expires_at=F("expires_at") - timedelta(minutes=16))

    page = member_client.get(f"/member/orders/{order.pk}/").content.decode()
    confirm_page = member_client.get(f"/member/orders/{order.pk}/confirm/")

    order.refresh_from_db()
    assert order.state == "expired" and "已过期" in page and f'/member/orders/{order.pk}/confirm/"' not in page
    assert confirm_page.status_code == 302 and confirm_page["Location"] == f"/member/orders/{order.pk}/"


def test_the_category_filter_offers_only_categories_the_members_catalog_has_and_home_greets_the_member_by_name(
    member_client, rich_member, listed_gift
):
    from tests.factories import CategoryFactory

    empty = CategoryFactory(code="digital", name="数码电子")

    catalog = member_client.get("/member/catalog/")
    home = member_client.get("/").content.decode()

    offered = {category.code for category in catalog.context["filters"].fields["category"].queryset}
    assert offered == {listed_gift.category.code} and empty.code not in offered
    assert f"欢迎，{rich_member.name}" in home and f"欢迎，{rich_member.phone}" not in home


def test_the_member_and_operator_pages_show_the_points_summary_as_the_api_gives_it_with_thousands_separators(
        rich_member, listed_gift, operator, api, now):
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    given = api(rich_member.user).get("/api/v1/points/balance/").json()

    pages = [logged_in(rich_member.user).get("/member/points/"), logged_in(operator).get(f"/member/member-admin/{rich_member.pk}/")]

    for page in pages:
        assert [shown(page, name) for name in ("balance", "earned", "redeemed")] == [
            f"{given['balance']:,}", f"{given['earned']:,}", f"{given['redeemed']:,}"]
    assert given["earned"] == 50_000 and given["redeemed"] > 0
