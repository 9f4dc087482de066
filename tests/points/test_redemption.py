"""Placing and confirming orders (SPEC §4.5): snapshots, second confirmation, no double spend, cancellation."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import numbers
from core.errors import ConcurrentUpdate, InvalidTransition, NotFound, ValidationFailed
from core.fsm import apply_transition, history_of
from core.models import Notification, TransitionLog
from points.errors import CodeAttemptsExceeded, CodeExpired, CodeInvalid, CodeResendTooSoon, InsufficientPoints, OrderExpired
from points.models import LedgerEntry, PointsAccount, RedemptionOrder
from points.services import ledger, orders
from suppliers.errors import OutOfStock
from suppliers.models import StockMovement, StockRecord
from suppliers.services import catalog, inventory
from tests.factories import ADDRESS, GiftFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def stock(gift) -> tuple[int, int]:
    record = StockRecord.objects.get(gift=gift)
    return record.on_hand, record.reserved


def code_from_outbox(order) -> str:
    return Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).latest("id").body.split("验证码为 ")[1][:6]


def test_a_small_order_is_confirmed_at_once_with_every_snapshot(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)

    assert order.state == "confirmed" and not order.code_required
    assert (order.points_unit_price, order.points_cost) == (1500, 3000)
    assert (order.settlement_unit_price, order.settlement_amount) == (Decimal("180.00"), Decimal("360.00"))
    assert order.location.code == "WH-ORD" and order.address == ADDRESS["address"]
    assert balance(rich_member) == 47_000
    assert stock(listed_gift) == (10, 2)
    assert Notification.objects.filter(kind="points_deducted").get().body.endswith("当前余额 47000 积分。")


def test_the_code_texted_names_the_gift_quantity_points_and_order_it_confirms(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)

    body = Notification.objects.get(kind="confirmation_code").body

    code = code_from_outbox(order)
    assert body == f"【积分商城】您正在用 10500 积分兑换「{listed_gift.name}」×7（订单 {order.number}），验证码为 {code}，15分钟内有效，请勿泄露。"
    assert balance(rich_member) == 50_000 and order.state == "awaiting_confirmation"


def test_an_order_confirmed_at_once_reads_once_and_writes_each_row_once(rich_member, listed_gift, now):
    """The hot path's budget (bench/redemption.py): the gift with its stock read once, then one statement per row."""
    ContentType.objects.get_for_model(RedemptionOrder)  # cached once per process, as in a serving worker after its first order
    with CaptureQueriesContext(connection) as queries:
        order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    written = sorted(re.match(r'(?:INSERT INTO|UPDATE) "(\w+)"', sql).group(1) for sql in statements if not sql.startswith("SELECT"))
    assert len(statements) == 1 + len(written) and statements[0].startswith("SELECT")
    assert written == sorted([
        "points_pointslot", "points_pointsaccount", "points_ledgerentry", "points_lotallocation", "points_redemptionorder",
        "core_transitionlog", "core_notification", "suppliers_stockrecord", "suppliers_stockmovement",
    ])
    stored = RedemptionOrder.objects.get(pk=order.pk)
    assert {f.attname: getattr(stored, f.attname) for f in RedemptionOrder._meta.concrete_fields} == {
        f.attname: getattr(order, f.attname) for f in RedemptionOrder._meta.concrete_fields
    }
    assert [(t.transition, t.source_state, t.target_state) for t in history_of(order)] == [
        ("place", "", "awaiting_confirmation"), ("confirm", "awaiting_confirmation", "confirmed")
    ]


def test_a_taken_order_number_places_the_whole_order_again_under_a_new_one(rich_member, listed_gift, now, monkeypatch):
    drawn = iter(["RO-A", "RO-A", "RO-B"])
    monkeypatch.setattr(numbers, "new_number", lambda prefix, at: next(drawn))
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    second = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    assert second.number == "RO-B" and RedemptionOrder.objects.count() == 2
    assert balance(rich_member) == 47_000 and stock(listed_gift) == (10, 2)  # the failed first try drew and reserved nothing
    assert ledger.LedgerEntry.objects.filter(kind="redeem").count() == 2


def test_points_spread_over_lots_are_drawn_earliest_expiring_first(member, listed_gift, now):
    """When the earliest lot cannot pay alone, the order draws it empty and takes the rest from the next."""
    ledger.earn_points(member=member, points=1000, source=ledger.Source("batch", "LAST-YEAR"), at=now.replace(year=2025))
    ledger.earn_points(member=member, points=5000, source=ledger.Source("batch", "THIS-YEAR"), at=now)

    order = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    drawn = {allocation.lot.year: allocation.points for allocation in order.redeem_entry.allocations.select_related("lot")}
    assert drawn == {2025: -1000, 2026: -500}
    assert balance(member) == 4500


def test_a_large_order_waits_for_the_sms_code_and_confirms_with_it(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    assert (order.state, order.code_required, balance(rich_member), stock(listed_gift)) == ("awaiting_confirmation", True, 50_000, (10, 0))

    orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=3))

    assert order.state == "confirmed"
    assert (balance(rich_member), stock(listed_gift)) == (50_000 - 10_500, (10, 7))


def test_an_order_costing_exactly_the_programs_threshold_waits_for_the_sms_code(rich_member, listed_gift, now):
    program = rich_member.program
    program.sms_confirmation_threshold = 9000  # six units at 1500
    program.save()

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=6, now=now, **ADDRESS)

    assert (order.state, order.code_required, balance(rich_member), stock(listed_gift)) == ("awaiting_confirmation", True, 50_000, (10, 0))
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 1


def test_an_order_waiting_for_its_code_shows_on_the_members_navigation_until_confirmed(rich_member, other_member, listed_gift):
    placed_at = timezone.now()  # the count looks at the clock: the order must not have expired
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=placed_at, **ADDRESS)

    assert (orders.orders_to_confirm(rich_member.user), orders.orders_to_confirm(other_member.user)) == (1, 0)
    assert re.search(r'nav-badge-member-orders"[^>]*>1<', logged_in(rich_member.user).get("/").content.decode())

    orders.confirm_order(order=order, code=code_from_outbox(order), now=placed_at)

    assert orders.orders_to_confirm(rich_member.user) == 0


def test_a_confirmation_beaten_by_another_is_409_and_leaves_the_order_waiting(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    # the racing confirmation has posted this order's redemption (its transaction committed first)
    ledger.spend_points(member=rich_member, points=order.points_cost, source=ledger.Source("order", order.number), at=now)

    with pytest.raises(ConcurrentUpdate):
        orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=3))

    assert order.state == "awaiting_confirmation" and stock(listed_gift) == (10, 0)
    assert balance(rich_member) == 50_000 - 10_500  # drawn once


def test_the_tier_discount_is_snapshotted(rich_member, listed_gift, now):
    listed_gift.tier_discounts = {"gold": 10}
    listed_gift.save(update_fields=["tier_discounts"])

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    assert (order.points_unit_price, order.tier_discount_percent) == (1350, 10)


def test_a_tier_discount_leaving_half_a_point_rounds_the_unit_price_up(rich_member, operator, now):
    gift = published(GiftFactory(points={"gotone": 1005}, tier_discounts={"gold": 10}), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=5, at=now)

    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=2, now=now, **ADDRESS)

    assert (order.points_unit_price, order.points_cost, balance(rich_member)) == (905, 1810, 50_000 - 1810)  # 1005 × 90% = 904.5


def test_a_clearance_order_takes_the_clearance_prices_and_no_tier_discount(rich_member, listed_gift, operator, now):
    listed_gift.tier_discounts = {"gold": 10}
    listed_gift.save(update_fields=["tier_discounts"])
    catalog.delist_gift(gift=listed_gift, actor=operator, now=now, reason_code="low_sales", reason="运营下线")
    catalog.start_clearance(gift=listed_gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)

    assert (order.clearance, order.points_unit_price, order.tier_discount_percent, order.points_cost) == (True, 800, 0, 1600)
    assert (order.settlement_unit_price, order.settlement_amount) == (Decimal("90.00"), Decimal("180.00"))


def test_a_wrong_code_counts_and_the_fifth_wrong_try_locks_the_order(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    right = code_from_outbox(order)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    for _ in range(4):
        with pytest.raises(CodeInvalid):
            orders.confirm_order(order=order, code=wrong, now=now)
    with pytest.raises(CodeAttemptsExceeded):
        orders.confirm_order(order=order, code=wrong, now=now)
    with pytest.raises(CodeAttemptsExceeded):
        orders.confirm_order(order=order, code=right, now=now)

    order.refresh_from_db()
    assert (order.state, order.code_attempts, balance(rich_member)) == ("awaiting_confirmation", 5, 50_000)


def test_an_expired_code_is_refused_and_a_resent_one_works(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    old = code_from_outbox(order)
    order.code_expires_at = now + timedelta(minutes=1)
    RedemptionOrder.objects.filter(pk=order.pk).update(code_expires_at=now + timedelta(minutes=1))

    with pytest.raises(CodeExpired):
        orders.confirm_order(order=order, code=old, now=now + timedelta(minutes=2))
    orders.resend_code(order=order, now=now + timedelta(minutes=2))
    orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=3))

    assert order.state == "confirmed"


def test_a_code_resent_after_the_order_was_read_is_the_one_judged(rich_member, listed_gift, now):
    """A confirmation read the order before a new code went out (another tab asked for it): the old code no longer
    works and the new one does, whatever the caller's copy says."""
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    old = code_from_outbox(order)
    read_before = RedemptionOrder.objects.get(pk=order.pk)
    orders.resend_code(order=order, now=now + timedelta(minutes=2))
    new = code_from_outbox(order)

    with pytest.raises(CodeInvalid):
        orders.confirm_order(order=read_before, code=old, now=now + timedelta(minutes=3))
    orders.confirm_order(order=read_before, code=new, now=now + timedelta(minutes=3))

    assert (read_before.state, read_before.code_attempts) == ("confirmed", 1)


def test_an_order_not_confirmed_in_15_minutes_expires_once_and_cannot_be_confirmed(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    late = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)

    early = orders.expire_unconfirmed_orders(now=now + timedelta(minutes=14, seconds=59))
    due = orders.expire_unconfirmed_orders(now=now + timedelta(minutes=15))
    again = orders.expire_unconfirmed_orders(now=now + timedelta(minutes=16))
    with pytest.raises(OrderExpired):
        orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=16))

    assert (early, sorted(due), again) == ([], sorted([order.pk, late.pk]), [])
    assert RedemptionOrder.objects.get(pk=order.pk).state == "expired"
    assert balance(rich_member) == 50_000


def test_a_lapsed_order_is_expired_by_the_first_look_before_beat_runs(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)

    with pytest.raises(OrderExpired):
        orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=15))
    with pytest.raises(OrderExpired):
        orders.resend_code(order=order, now=now + timedelta(minutes=15))

    assert RedemptionOrder.objects.get(pk=order.pk).state == "expired"
    assert [log.transition for log in history_of(order)] == ["place", "expire"]
    assert orders.expire_unconfirmed_orders(now=now + timedelta(minutes=16)) == [] and balance(rich_member) == 50_000


@pytest.mark.parametrize(("after", "seconds"), [(timedelta(seconds=20), 40), (timedelta(seconds=59, milliseconds=500), 1)])
def test_a_code_asked_for_too_soon_is_refused_saying_how_many_seconds_remain(rich_member, listed_gift, now, after, seconds):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)

    with pytest.raises(CodeResendTooSoon) as refused:
        orders.resend_code(order=order, now=now + after)

    assert (refused.value.data["retry_after"], refused.value.field) == (seconds, "code")
    assert f"请 {seconds} 秒后再试" in refused.value.detail
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 1


def test_of_two_requests_for_a_new_code_read_before_either_was_sent_one_texts_it(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    double_click = RedemptionOrder.objects.get(pk=order.pk)  # read with the first code, as the first request read it
    orders.resend_code(order=order, now=now + timedelta(minutes=1))

    with pytest.raises(CodeResendTooSoon) as refused:
        orders.resend_code(order=double_click, now=now + timedelta(minutes=1))

    assert refused.value.data["retry_after"] == 60
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 2  # placing, one resend
    orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=2))
    assert order.state == "confirmed"


def test_a_new_code_keeps_the_wrong_tries_and_comes_at_most_once_a_minute(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    for _ in range(4):
        with pytest.raises(CodeInvalid):
            orders.confirm_order(order=order, code="000000" if code_from_outbox(order) != "000000" else "111111", now=now)

    with pytest.raises(CodeResendTooSoon):
        orders.resend_code(order=order, now=now + timedelta(seconds=59))
    orders.resend_code(order=order, now=now + timedelta(minutes=1))
    with pytest.raises(CodeAttemptsExceeded):
        orders.confirm_order(order=order, code="000000" if code_from_outbox(order) != "000000" else "111111", now=now + timedelta(minutes=1))
    with pytest.raises(CodeAttemptsExceeded):
        orders.resend_code(order=order, now=now + timedelta(minutes=3))
    with pytest.raises(CodeAttemptsExceeded):
        orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=3))

    assert RedemptionOrder.objects.get(pk=order.pk).state == "awaiting_confirmation" and balance(rich_member) == 50_000
    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 2


def test_confirming_an_order_again_is_an_invalid_transition_and_spends_nothing(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    orders.confirm_order(order=order, code=code_from_outbox(order), now=now)
    spent = balance(rich_member)

    with pytest.raises(InvalidTransition):
        orders.confirm_order(order=RedemptionOrder.objects.get(pk=order.pk), code=code_from_outbox(order), now=now)

    assert balance(rich_member) == spent and LedgerEntry.objects.filter(kind="redeem").count() == 1


def test_not_enough_points_writes_no_order(member, listed_gift, now):
    with pytest.raises(InsufficientPoints):
        orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    assert not RedemptionOrder.objects.exists()
    assert stock(listed_gift) == (10, 0)


def test_not_enough_stock_writes_no_order(rich_member, listed_gift, now):
    with pytest.raises(OutOfStock):
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=11, now=now, **ADDRESS)

    assert not RedemptionOrder.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"quantity": 0}, "quantity"), ({"quantity": 100}, "quantity"), ({"address": " "}, "address"), ({"recipient_phone": ""}, "recipient_phone")],
)
def test_bad_order_input_names_the_field(rich_member, listed_gift, now, changes, field):
    values = {"quantity": 1, **ADDRESS} | changes

    with pytest.raises(ValidationFailed) as refused:
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, now=now, **values)

    assert refused.value.field == field
    assert not RedemptionOrder.objects.exists()


def test_every_mistake_in_an_order_is_named_at_once(rich_member, listed_gift, now):
    with pytest.raises(ValidationFailed) as refused:
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, now=now, quantity=0, recipient_name=" ", recipient_phone="12345",
                           address="杭州")

    fields = [field for field, _code, _detail in refused.value.errors]
    assert fields == ["quantity", "recipient_name", "recipient_phone", "address"]
    assert not RedemptionOrder.objects.exists() and balance(rich_member) == 50_000


def test_a_recipient_longer_than_an_order_keeps_is_refused_naming_the_field(rich_member, listed_gift, now):
    with pytest.raises(ValidationFailed) as refused:
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, now=now, quantity=1, **(ADDRESS | {"recipient_name": "张" * 51}))

    assert refused.value.field == "recipient_name" and "50" in refused.value.detail
    assert not RedemptionOrder.objects.exists()


def test_a_gift_above_the_members_tier_or_not_listed_cannot_be_ordered(rich_member, listed_gift, now):
    listed_gift.min_tier = "diamond"
    listed_gift.save(update_fields=["min_tier"])

    with pytest.raises(NotFound) as refused:
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    assert refused.value.field == "gift"


def test_cancelling_refunds_the_points_and_releases_the_stock(rich_member, listed_gift, now, operator):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)

    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(hours=1), reason="不想要了")

    assert (order.state, balance(rich_member), stock(listed_gift)) == ("cancelled", 50_000, (10, 0))
    assert Notification.objects.filter(kind="refund_credited").count() == 1
    assert TransitionLog.objects.filter(object_id=order.pk, transition="cancel").get().reason == "不想要了"


@pytest.mark.parametrize("reason", ["", "  "])
def test_an_operator_cancelling_a_members_order_without_a_reason_is_refused_and_changes_nothing(rich_member, listed_gift, now,
                                                                                                 operator, reason):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)
    before = (balance(rich_member), stock(listed_gift))

    with pytest.raises(ValidationFailed) as refused:
        orders.cancel_order(order=order, actor=operator, now=now + timedelta(hours=1), reason=reason)

    order.refresh_from_db()
    assert refused.value.errors[0][:2] == ("reason", "required")
    assert (order.state, balance(rich_member), stock(listed_gift)) == ("confirmed", *before)
    assert not TransitionLog.objects.filter(object_id=order.pk, transition="cancel").exists()


def test_an_operator_cancelling_an_order_whose_points_came_back_into_an_expired_lot_texts_both_why_and_what_expired(member, listed_gift, operator):
    from datetime import datetime

    from tests.factories import SHANGHAI

    ledger.earn_points(member=member, points=2_000, source=ledger.Source("batch", "OLD"), at=datetime(2025, 6, 1, tzinfo=SHANGHAI))
    ledger.earn_points(member=member, points=3_000, source=ledger.Source("batch", "NEW"), at=datetime(2026, 6, 1, tzinfo=SHANGHAI))
    order = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=datetime(2026, 12, 1, tzinfo=SHANGHAI), **ADDRESS)

    orders.cancel_order(order=order, actor=operator, now=datetime(2027, 1, 2, tzinfo=SHANGHAI), reason="礼品商断货")

    (text,) = Notification.objects.filter(subject_id=str(order.pk), kind__startswith="order_cancelled").values_list("kind", "body")
    assert not Notification.objects.filter(subject_id=str(order.pk), kind__startswith="refund").exists()
    assert text == ("order_cancelled_partly_expired", f"【积分商城】订单 {order.number} 已取消，原因：礼品商断货。已退还 1500 积分，"
                    f"其中 1500 积分已过有效期随即作废，当前余额 {balance(member)} 积分。")


def test_an_operator_cancelling_a_members_order_texts_the_member_why_with_the_points_back(rich_member, listed_gift, now, operator):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)

    orders.cancel_order(order=order, actor=operator, now=now + timedelta(hours=1), reason="会员来电要求取消。")

    refunds = Notification.objects.filter(phone=rich_member.phone, subject_id=str(order.pk)).exclude(kind="points_deducted")
    assert list(refunds.values_list("kind", "urgent", "body")) == [(
        "order_cancelled", True, f"【积分商城】订单 {order.number} 已取消，原因：会员来电要求取消。已退还 3000 积分，当前余额 50000 积分。",
    )]


def test_the_member_cancels_its_own_order_without_a_reason(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(hours=1))

    assert order.state == "cancelled"


def test_the_member_cancels_an_order_waiting_for_its_code_and_nothing_is_given_back_or_texted_for_nothing_was_taken(
    rich_member, listed_gift, now
):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    code = code_from_outbox(order)
    entries, movements, texts = LedgerEntry.objects.count(), StockMovement.objects.count(), Notification.objects.count()

    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(minutes=2), reason="数量选错了")

    cancelled = RedemptionOrder.objects.get(pk=order.pk)
    assert (cancelled.state, cancelled.code_hash, cancelled.redeem_entry, cancelled.location) == ("cancelled", "", None, None)
    assert (balance(rich_member), stock(listed_gift)) == (50_000, (10, 0))
    assert (LedgerEntry.objects.count(), StockMovement.objects.count(), Notification.objects.count()) == (entries, movements, texts)
    assert orders.points_refunded_on_close(cancelled) == 0
    (log,) = TransitionLog.objects.filter(object_id=order.pk, transition="cancel")
    assert (log.source_state, log.target_state, log.actor, log.at, log.reason) == (
        "awaiting_confirmation", "cancelled", rich_member.user, now + timedelta(minutes=2), "数量选错了")
    with pytest.raises(InvalidTransition):
        orders.confirm_order(order=cancelled, code=code, now=now + timedelta(minutes=3))
    assert (RedemptionOrder.objects.get(pk=order.pk).state, balance(rich_member), stock(listed_gift)) == ("cancelled", 50_000, (10, 0))


def test_an_order_locked_by_wrong_codes_may_be_cancelled_without_waiting_for_it_to_expire(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    RedemptionOrder.objects.filter(pk=order.pk).update(code_attempts=orders.MAX_CODE_ATTEMPTS)
    order.refresh_from_db()

    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(minutes=5))

    assert (order.state, balance(rich_member)) == ("cancelled", 50_000)


def test_a_code_resent_after_the_cancellation_is_refused(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(minutes=2))

    with pytest.raises(InvalidTransition):
        orders.resend_code(order=order, now=now + timedelta(minutes=3))

    assert Notification.objects.filter(kind="confirmation_code", subject_id=str(order.pk)).count() == 1


def test_an_order_whose_15_minutes_have_passed_expires_instead_of_being_cancelled(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)

    with pytest.raises(OrderExpired):
        orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(minutes=15))

    assert [log.transition for log in history_of(order)] == ["place", "expire"] and balance(rich_member) == 50_000


def test_an_operator_cancelling_an_order_waiting_for_its_code_must_say_why_and_texts_nothing(rich_member, listed_gift, now, operator):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    texts = Notification.objects.count()

    with pytest.raises(ValidationFailed):
        orders.cancel_order(order=order, actor=operator, now=now + timedelta(minutes=1), reason="")
    orders.cancel_order(order=order, actor=operator, now=now + timedelta(minutes=1), reason="会员来电取消")

    assert (order.state, balance(rich_member), Notification.objects.count()) == ("cancelled", 50_000, texts)
    assert TransitionLog.objects.filter(object_id=order.pk, transition="cancel").get().reason == "会员来电取消"


def test_a_code_entered_on_an_order_cancelled_meanwhile_is_refused_as_a_change_and_counts_no_try(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    read_before = RedemptionOrder.objects.get(pk=order.pk)
    orders.cancel_order(order=order, actor=rich_member.user, now=now + timedelta(minutes=1))

    with pytest.raises(ConcurrentUpdate):
        orders.confirm_order(order=read_before, code=code_from_outbox(order), now=now + timedelta(minutes=2))

    assert RedemptionOrder.objects.values_list("state", "code_attempts").get(pk=order.pk) == ("cancelled", 0)
    assert (balance(rich_member), stock(listed_gift)) == (50_000, (10, 0))


def test_a_cancellation_of_a_waiting_order_confirmed_meanwhile_is_refused_and_gives_nothing_back(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    read_before = RedemptionOrder.objects.get(pk=order.pk)
    orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=1))

    with pytest.raises(ConcurrentUpdate):
        orders.cancel_order(order=read_before, actor=rich_member.user, now=now + timedelta(minutes=2))

    assert (RedemptionOrder.objects.get(pk=order.pk).state, balance(rich_member), stock(listed_gift)) == (
        "confirmed", 50_000 - 10_500, (10, 7))


def test_the_order_lifecycle_through_delivery_and_completion(rich_member, listed_gift, now, operator, logistics):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    orders.hand_over_order(order=order, actor=operator, now=now)
    orders.ship_order(order=order, actor=logistics, now=now, carrier="顺丰", tracking_number="SF100")
    orders.deliver_order(order=order, actor=logistics, now=now + timedelta(days=2))
    not_yet = orders.complete_orders(now=now + timedelta(days=16, hours=23))
    done = orders.complete_orders(now=now + timedelta(days=17))

    assert (not_yet, done) == ([], [order.pk])
    assert stock(listed_gift) == (9, 0)


def test_a_failed_delivery_can_be_retried_or_given_up_with_points_and_stock_back(rich_member, listed_gift, now, operator, logistics):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    orders.hand_over_order(order=order, actor=operator, now=now)
    orders.ship_order(order=order, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    orders.fail_delivery(order=order, actor=logistics, now=now)
    orders.redeliver_order(order=order, actor=operator, now=now)
    orders.ship_order(order=order, actor=logistics, now=now, carrier="顺丰", tracking_number="SF2")
    orders.fail_delivery(order=order, actor=logistics, now=now)

    orders.give_up_order(order=order, actor=operator, now=now, reason="两次投递失败")

    assert (order.state, balance(rich_member), stock(listed_gift)) == ("cancelled", 50_000, (10, 0))
    assert orders.points_refunded_on_close(order) == 1500


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        (["awaiting"], "hand_over"),
        (["awaiting"], "cancel_before_picking"),
        (["awaiting", "cancel"], "confirm"),
        (["awaiting", "cancel"], "cancel"),
        (["awaiting", "expire"], "cancel"),
        ([], "ship"),
        ([], "complete"),
        (["cancel"], "cancel"),
        (["cancel"], "hand_over"),
        (["hand_over"], "cancel"),
        (["hand_over"], "deliver"),
        (["hand_over", "ship"], "cancel_before_picking"),
        (["hand_over", "ship", "deliver"], "fail_delivery"),
        (["hand_over", "ship", "deliver"], "redeliver"),
        (["hand_over", "ship", "deliver", "complete"], "return_fully"),
        (["hand_over", "ship", "fail_delivery"], "complete"),
    ],
)
def test_an_illegal_order_transition_is_refused_and_changes_nothing(rich_member, listed_gift, now, operator, steps, illegal):
    """`awaiting`: the order waits for its SMS code (placed above the threshold); otherwise it is confirmed at once."""
    waits = steps[:1] == ["awaiting"]
    steps = steps[1:] if waits else steps
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7 if waits else 1, now=now, **ADDRESS)
    kwargs = {"ship": {"shipped_at": now}, "deliver": {"delivered_at": now, "recorded_at": now},
              "confirm": {"confirmed_at": now, "location": None, "redeem_entry": None}}
    services = {"cancel": lambda: orders.cancel_order(order=order, actor=operator, now=now, reason="会员来电取消"),
                "expire": lambda: orders.expire_unconfirmed_orders(now=now + orders.CONFIRMATION_WINDOW),
                "hand_over": lambda: orders.hand_over_order(order=order, actor=operator, now=now),
                "ship": lambda: orders.ship_order(order=order, actor=operator, now=now, carrier="顺丰", tracking_number="SF1"),
                "deliver": lambda: orders.deliver_order(order=order, actor=operator, now=now),
                "fail_delivery": lambda: orders.fail_delivery(order=order, actor=operator, now=now),
                "complete": lambda: orders.complete_orders(now=now + orders.COMPLETE_AFTER)}
    for step in steps:
        services[step]()
        order.refresh_from_db()
    before = (order.state, TransitionLog.objects.count(), balance(rich_member))

    with pytest.raises(InvalidTransition):
        apply_transition(order, illegal, actor=operator, at=now, **kwargs.get(illegal, {}))

    order.refresh_from_db()
    assert (order.state, TransitionLog.objects.count(), balance(rich_member)) == before


# --- stock split over warehouses, delisting, empty and locked codes, the placing step -------------------------------

def test_one_warehouse_supplies_an_order_so_the_most_one_can_take_is_named_and_no_code_is_texted(rich_member, listed_gift, now, api):
    from suppliers.services import inventory
    from tests.factories import WarehouseFactory

    inventory.receive_stock(gift=listed_gift, location=WarehouseFactory(code="WH-TWO"), quantity=4, at=now)

    with pytest.raises(OutOfStock) as refused:
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=12, now=now, **ADDRESS)
    listed = api(rich_member.user).get("/api/v1/catalog/").json()["results"][0]
    page = logged_in(rich_member.user).get(f"/member/catalog/{listed_gift.pk}/").content.decode()
    largest = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=10, now=now, **ADDRESS)

    assert "每单最多可兑换 10 件" in refused.value.detail and refused.value.field == "quantity"
    assert not Notification.objects.filter(kind="confirmation_code").exclude(subject_id=str(largest.pk)).exists()
    assert (listed["available"], listed["max_per_order"]) == (14, 10)
    assert 'data-testid="per-order"' in page and "每单最多 10 件" in page
    assert largest.state == "awaiting_confirmation" and RedemptionOrder.objects.count() == 1


def test_an_order_whose_gift_went_offline_before_its_code_cannot_be_confirmed(rich_member, listed_gift, operator, now):
    from points.errors import GiftUnavailable

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    catalog.delist_gift(gift=listed_gift, actor=operator, now=now, reason_code="low_sales", reason="运营下线")

    with pytest.raises(GiftUnavailable):
        orders.confirm_order(order=order, code=code_from_outbox(order), now=now + timedelta(minutes=1))

    order.refresh_from_db()
    assert (order.state, balance(rich_member), stock(listed_gift)) == ("awaiting_confirmation", 50_000, (10, 0))


def test_an_empty_code_is_asked_for_again_without_spending_a_try(rich_member, listed_gift, now, api):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=timezone.now(), **ADDRESS)

    with pytest.raises(ValidationFailed) as empty:
        orders.confirm_order(order=order, code="  ", now=timezone.now())
    by_api = api(rich_member.user).post(f"/api/v1/orders/{order.pk}/confirm/", {}, format="json")

    order.refresh_from_db()
    assert empty.value.field == "code" and by_api.status_code == 400
    assert (by_api.json()["errors"][0]["attr"], by_api.json()["errors"][0]["code"]) == ("code", "required")
    assert order.code_attempts == 0


def test_an_order_locked_by_wrong_codes_offers_no_confirmation_and_leaves_the_members_to_do_count(rich_member, listed_gift):
    placed_at = timezone.now()
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=placed_at, **ADDRESS)
    RedemptionOrder.objects.filter(pk=order.pk).update(code_attempts=orders.MAX_CODE_ATTEMPTS)
    client = logged_in(rich_member.user)

    page = client.get(f"/member/orders/{order.pk}/").content.decode()
    confirm_page = client.get(f"/member/orders/{order.pk}/confirm/")

    assert 'data-testid="order-locked"' in page and 'data-testid="enter-code"' not in page
    assert confirm_page.status_code == 302 and confirm_page["Location"] == f"/member/orders/{order.pk}/"
    assert orders.orders_to_confirm(rich_member.user) == 0


def test_the_history_of_an_order_begins_with_who_placed_it(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, actor=rich_member.user, **ADDRESS)

    (placed,) = history_of(order)

    assert (placed.transition, placed.source_state, placed.target_state, placed.actor, placed.at) == (
        "place", "", "awaiting_confirmation", rich_member.user, now,
    )


def test_the_refund_text_names_points_that_came_back_into_an_expired_lot_and_the_balance_after_them(member, listed_gift):
    from datetime import datetime

    from tests.factories import SHANGHAI

    ledger.earn_points(member=member, points=2_000, source=ledger.Source("batch", "OLD"), at=datetime(2025, 6, 1, tzinfo=SHANGHAI))
    ledger.earn_points(member=member, points=3_000, source=ledger.Source("batch", "NEW"), at=datetime(2026, 6, 1, tzinfo=SHANGHAI))
    order = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=datetime(2026, 12, 1, tzinfo=SHANGHAI), **ADDRESS)

    orders.cancel_order(order=order, actor=member.user, now=datetime(2027, 1, 2, tzinfo=SHANGHAI))

    text = Notification.objects.get(subject_id=str(order.pk), kind="refund_partly_expired").body
    assert "已退还 1500 积分，其中 1500 积分已过有效期随即作废" in text
    assert f"当前余额 {balance(member)} 积分" in text and balance(member) == 3_500  # the old lot's other 500 wait for beat
    assert not Notification.objects.filter(kind="refund_credited", subject_id=str(order.pk)).exists()
