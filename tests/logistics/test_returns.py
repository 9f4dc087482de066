"""Returns and exchanges (SPEC §4.7): the workflow, the windows, and what each inspection outcome does to
stock, points, the order, liability, the stored statement line, extra costs and claims.

The delivered orders and the exchange are fixtures of tests/logistics/conftest.py; the builders are in builders.py.
"""
from datetime import datetime, timedelta
from importlib import import_module
from types import SimpleNamespace
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, history_of
from core.models import Notification
from core.notifications import notify
from core.notifications.backends import MemoryBackend
from core.services import send_due_notifications
from logistics.models import ExtraCost, LogisticsClaim, ReturnRequest, Shipment
from logistics.services import returns, shipments
from points.models import LedgerEntry, PointsAccount, PointsLot, RedemptionOrder
from points.services import ledger, orders
from suppliers.errors import OutOfStock
from suppliers.models import Notice, StockMovement, StockRecord
from suppliers.services import inventory
from tests.factories import SHANGHAI
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped
from tests.logistics.builders import deliver, received, request

pytestmark = pytest.mark.django_db
UNIT_POINTS = 1500
UNIT_PRICE = Decimal("180.00")


def resolution(return_request) -> tuple[str, str, Decimal]:
    """(state, liable, stored settlement amount) as the database has them."""
    return_request.refresh_from_db()
    return return_request.state, return_request.liable, return_request.settlement_amount


def stock(gift) -> tuple[int, int]:
    record = StockRecord.objects.get(gift=gift, location__code="WH-ORD")
    return record.on_hand, record.reserved


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def movements(return_request) -> list[tuple[str, int, int, str]]:
    rows = StockMovement.objects.filter(source_type="return", source_id=return_request.number).order_by("id")
    return list(rows.values_list("kind", "on_hand_delta", "reserved_delta", "note"))


# --- the workflow --------------------------------------------------------------------------------------------------

def test_a_member_requests_a_return_of_a_delivered_order_and_is_told(delivered_order, now):
    return_request = request(delivered_order, now=now + timedelta(days=1), description="不喜欢")

    assert (return_request.state, return_request.quantity) == ("requested", 1)
    assert return_request.supplier_id == delivered_order.supplier_id
    text = Notification.objects.filter(kind="return_updated").get()
    assert return_request.number in text.body and "已申请" in text.body


def test_an_order_is_returnable_while_delivered_inside_the_window_with_units_left_else_says_why(confirmed_order, logistics, now):
    assert returns.returnable(confirmed_order, now) == returns.Returnable(0, "只有已签收的订单可以申请退换货")
    order = deliver(confirmed_order, actor=logistics, now=now)

    assert returns.returnable(order, now + timedelta(days=15)) == returns.Returnable(2)
    assert returns.returnable(order, now + timedelta(days=16)).refusal == "已超过签收后 15 天的申请期限"
    request(order, now=now, quantity=2)
    assert returns.returnable(order, now) == returns.Returnable(0, "该订单已无可退数量（已有退换货申请）")
    with pytest.raises(ValidationFailed, match="该订单已无可退数量（已有退换货申请）"):
        request(order, now=now, quantity=1)


def test_the_member_s_returnable_orders_list_an_order_until_the_last_second_of_the_longest_window(confirmed_order, logistics, now):
    order = deliver(confirmed_order, actor=logistics, now=now)
    last_second = order.delivered_at + timedelta(days=15)

    listed = returns.returnable_orders(user=order.member.user, now=last_second)
    assert [(row.pk, row.returnable) for row in listed] == [(order.pk, 2)]
    assert returns.returnable(order, last_second) == returns.Returnable(2)
    assert not returns.returnable_orders(user=order.member.user, now=last_second + timedelta(seconds=1)).exists()


def test_an_operator_approves_a_requested_return(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    returns.approve_return(return_request=return_request, actor=operator, now=now, reason="符合条件")

    assert ReturnRequest.objects.get().state == "approved"
    assert history_of(return_request).filter(transition="approve", reason="符合条件").exists()


def test_approving_an_approved_return_is_refused_and_changes_nothing(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        returns.approve_return(return_request=return_request, actor=operator, now=now)

    assert ReturnRequest.objects.get().state == "approved"
    assert history_of(return_request).filter(transition="approve").count() == 1


def test_an_operator_rejects_a_request_saying_why(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    returns.reject_return(return_request=return_request, actor=operator, now=now, reason="已超出使用范围")

    assert ReturnRequest.objects.get().state == "rejected"
    assert history_of(return_request).get(transition="reject").reason == "已超出使用范围"


def test_the_member_is_texted_once_why_its_return_was_rejected(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    send_due_notifications(now=now)
    sent_before = len(MemoryBackend.outbox)

    returns.reject_return(return_request=return_request, actor=operator, now=now, reason="  礼品已拆封使用，\n不符合7天无理由退货。 ")
    send_due_notifications(now=now)
    send_due_notifications(now=now + timedelta(minutes=5))

    assert [(m["phone"], m["body"]) for m in MemoryBackend.outbox[sent_before:]] == [(
        delivered_order.member.phone,
        f"【积分商城】您的退换货申请 {return_request.number} 未获同意，原因：礼品已拆封使用， 不符合7天无理由退货。如有疑问请联系客服。",
    )]


def test_a_long_rejection_reason_is_cut_in_the_text_and_kept_whole_in_the_history(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    reason = "包装" * 50

    returns.reject_return(return_request=return_request, actor=operator, now=now, reason=reason)

    body = Notification.objects.get(kind="return_rejected").body
    assert f"原因：{reason[:59]}…。" in body
    assert history_of(return_request).get(transition="reject").reason == reason


def test_a_rejection_needs_a_reason(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    with pytest.raises(ValidationFailed) as refused:
        returns.reject_return(return_request=return_request, actor=operator, now=now, reason=" ")

    assert refused.value.field == "reason"
    assert ReturnRequest.objects.get().state == "requested"


def test_rejecting_an_approved_return_is_refused(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        returns.reject_return(return_request=return_request, actor=operator, now=now, reason="改主意")

    assert ReturnRequest.objects.get().state == "approved"


def test_logistics_receives_an_approved_warehouse_return(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now + timedelta(days=2))

    assert (return_request.state, return_request.received_at) == ("received", now + timedelta(days=2))


def test_receiving_a_return_not_yet_approved_is_refused(delivered_order, logistics, now):
    return_request = request(delivered_order, now=now)

    with pytest.raises(InvalidTransition):
        returns.receive_return(return_request=return_request, actor=logistics, now=now)

    assert ReturnRequest.objects.get().state == "requested"


def test_inspection_passes_through_inspected_to_the_resolution(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable", reason="包装完好")

    steps = history_of(return_request).order_by("id").values_list("source_state", "target_state")
    assert list(steps) == [
        ("", "requested"), ("requested", "approved"), ("approved", "received"), ("received", "inspected"), ("inspected", "refunded")
    ]


def test_a_return_of_both_units_refunds_the_points_of_both_and_nets_off_both(delivered_order, logistics, operator, now):
    before = balance(delivered_order.member)
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, quantity=2)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    delivered_order.refresh_from_db()
    assert balance(delivered_order.member) == before + 2 * UNIT_POINTS
    assert resolution(return_request)[0::2] == ("refunded", -2 * UNIT_PRICE)
    assert (delivered_order.state, delivered_order.returned_quantity) == ("returned", 2)


def test_inspecting_a_return_not_yet_received_is_refused_and_changes_nothing(delivered_order, operator, logistics, now):
    return_request = request(delivered_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    return_request.refresh_from_db()
    assert (return_request.state, return_request.outcome) == ("approved", "")
    assert not StockMovement.objects.filter(source_type="return").exists()
    assert not LedgerEntry.objects.filter(kind="refund").exists()


@pytest.mark.parametrize("resolution", ["refund", "exchange", "refuse"])
def test_a_resolution_applies_only_to_an_inspected_return(delivered_order, operator, logistics, now, resolution):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    values = {"refund": {"settlement_amount": Decimal(0), "refund_entry": None}, "exchange": {"settlement_amount": Decimal(0)}}

    with pytest.raises(InvalidTransition):
        apply_transition(return_request, resolution, actor=logistics, at=now, closed_at=now, **values.get(resolution, {}))

    assert ReturnRequest.objects.get().state == "received"


def test_the_member_is_told_at_each_step_even_when_opted_out_of_reminders(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")
    member = delivered_order.member
    member.reminders_opt_out = True
    member.save()

    request(delivered_order, now=now)

    steps = Notification.objects.filter(kind="return_updated").order_by("id")
    assert [n.body.rsplit("：", 1)[1].rstrip("。") for n in steps] == ["已申请", "已收货", "已退款", "已申请"]
    assert Notification.objects.filter(kind__startswith="return_approved", phone=member.phone).count() == 1
    assert Notification.Status.SUPPRESSED not in set(steps.values_list("status", flat=True))  # SPEC §4.7: told at each step
    assert Notification.objects.filter(kind="refund_credited", phone=member.phone).count() == 1


def test_the_migration_names_an_earlier_return_text_by_the_returns_member_whichever_number_it_has_now(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    member = delivered_order.member
    Notification.objects.all().delete()
    text = notify(kind="return_updated", phone=member.phone, at=now, subject=return_request,
                  context={"return_number": return_request.number, "state": "已收货"})
    member.phone = "13911112222"  # moved to another number since
    member.save(update_fields=["phone"])

    import_module("logistics.migrations.0033_return_text_recipients").name_recipients(apps, SimpleNamespace(connection=connection))

    assert Notification.objects.get(pk=text.pk).recipient_id == member.user_id


# --- windows -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("reason", "remedy", "days"), [("unused", "refund", 7), ("defective", "exchange", 15), ("transit_damage", "refund", 15)]
)
def test_a_return_may_be_requested_up_to_the_last_second_of_its_window(delivered_order, now, reason, remedy, days):
    return_request = request(delivered_order, now=now + timedelta(days=days), reason=reason, remedy=remedy)

    assert return_request.state == "requested"


@pytest.mark.parametrize(("reason", "days"), [("unused", 7), ("defective", 15), ("transit_damage", 15)])
def test_a_return_one_second_after_its_window_is_refused(delivered_order, now, reason, days):
    with pytest.raises(ValidationFailed) as refused:
        request(delivered_order, now=now + timedelta(days=days, seconds=1), reason=reason)

    assert refused.value.field == "reason"
    assert not ReturnRequest.objects.exists()


# --- bad requests --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 3}, "quantity"),
        ({"reason": "bored"}, "reason"),
        ({"remedy": "cash"}, "remedy"),
        ({"reason": "unused", "remedy": "exchange"}, "remedy"),
    ],
)
def test_a_bad_request_names_its_field_and_writes_nothing(delivered_order, now, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        request(delivered_order, now=now, **changes)

    assert refused.value.field == field
    assert not ReturnRequest.objects.exists() and not Notification.objects.filter(kind="return_updated").exists()


def test_a_request_wrong_in_several_ways_names_every_field_at_once(delivered_order, now):
    with pytest.raises(ValidationFailed) as refused:
        request(delivered_order, now=now + timedelta(days=8), reason="unused", remedy="exchange", quantity=3)

    assert [field for field, _code, _detail in refused.value.errors] == ["reason", "remedy", "quantity"]
    assert refused.value.field == "reason" and not ReturnRequest.objects.exists()


def test_units_in_an_open_return_cannot_be_requested_again(delivered_order, now):
    request(delivered_order, now=now, quantity=1)

    with pytest.raises(ValidationFailed) as refused:
        request(delivered_order, now=now, quantity=2)

    assert (refused.value.field, str(refused.value.detail)) == ("quantity", "本单仅可退 1 件")  # not "1–1"
    assert returns.returnable_quantity(delivered_order) == 1


def test_units_of_a_rejected_return_can_be_requested_again(delivered_order, operator, now):
    first = request(delivered_order, now=now, quantity=2)
    returns.reject_return(return_request=first, actor=operator, now=now, reason="证据不足")

    second = request(delivered_order, now=now, quantity=2, reason="defective")

    assert second.state == "requested"


def test_an_order_not_yet_delivered_cannot_be_returned(confirmed_order, now):
    with pytest.raises(ValidationFailed) as refused:
        request(confirmed_order, now=now)

    assert refused.value.field == "order"


def test_an_unknown_outcome_is_refused_and_changes_nothing(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="smelly")

    assert refused.value.field == "outcome"
    assert ReturnRequest.objects.get().state == "received"


# --- who takes each step -------------------------------------------------------------------------------------------

def test_an_operator_may_not_inspect_a_warehouse_return(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    with pytest.raises(PermissionDenied):
        returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="resellable")

    assert ReturnRequest.objects.get().state == "received"


def test_logistics_may_not_receive_a_dropship_return(dropship_order, operator, logistics, now):
    return_request = request(dropship_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)
    assert Notice.objects.get(supplier=dropship_order.supplier, kind="return_approved").title_text.endswith("已批准")

    with pytest.raises(PermissionDenied):
        returns.receive_return(return_request=return_request, actor=logistics, now=now)

    assert ReturnRequest.objects.get().state == "approved"


def test_the_approved_return_notice_links_to_the_return(dropship_order, operator, now):
    return_request = request(dropship_order, now=now)

    returns.approve_return(return_request=return_request, actor=operator, now=now)

    assert Notice.objects.get(kind="return_approved").link == f"/logistics/returns/{return_request.pk}/"


def test_a_dropship_return_is_received_by_its_supplier_and_inspected_by_an_operator(
    dropship_order, operator, supplier_staff, now
):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective", reason="照片显示屏幕破裂")

    return_request.refresh_from_db()
    assert (return_request.state, return_request.liable) == ("refunded", "supplier")
    cost = ExtraCost.objects.get()
    assert (cost.payer, cost.amount, cost.recorded_by) == ("supplier", Decimal("12.00"), operator)
    record = StockRecord.objects.get(gift=dropship_order.gift, location=dropship_order.location)
    assert (record.on_hand, record.reserved) == (3, 0)


# --- outcomes ------------------------------------------------------------------------------------------------------

def test_a_resellable_return_goes_back_to_stock_refunds_points_and_nets_the_delivery_off(
    delivered_order, operator, logistics, now
):
    member = delivered_order.member
    points_before = balance(member)
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    delivered_order.refresh_from_db()
    assert resolution(return_request) == ("refunded", "", -UNIT_PRICE) and return_request.outcome == "resellable"
    assert movements(return_request) == [("return_to_stock", 1, 0, "")]
    assert stock(delivered_order.gift) == (9, 0)
    assert balance(member) == points_before + UNIT_POINTS
    entry = return_request.refund_entry
    assert (entry.kind, entry.points) == ("refund", UNIT_POINTS)
    assert (entry.source_type, entry.source_id) == ("return", return_request.number)
    assert (delivered_order.state, delivered_order.returned_quantity) == ("delivered", 1)
    assert not ExtraCost.objects.exists() and not LogisticsClaim.objects.exists()


def test_a_refund_restores_the_lots_the_order_drew_latest_expiring_first(rich_member, listed_gift, logistics, operator, now):
    last_year = datetime(2025, 3, 1, tzinfo=SHANGHAI)
    ledger.earn_points(member=rich_member, points=2_000, source=ledger.Source("batch", "OLD"), at=last_year)
    placed = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)
    order = deliver(placed, actor=logistics, now=now)
    lots = {lot.year: lot for lot in PointsLot.objects.filter(account__member=rich_member)}
    assert (lots[2025].remaining, lots[2026].remaining) == (0, 49_000)  # the order drew 2 000 from 2025, 1 000 from 2026
    return_request = received(order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    restored = dict(return_request.refund_entry.allocations.values_list("lot__year", "points"))
    assert restored == {2026: 1_000, 2025: 500}
    remaining = PointsLot.objects.filter(account__member=rich_member).values_list("year", "remaining")
    assert dict(remaining) == {2025: 500, 2026: 50_000}


def test_returning_every_unit_returns_the_order(delivered_order, operator, logistics, now):
    for _ in range(2):
        return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
        returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    delivered_order.refresh_from_db()
    assert (delivered_order.state, delivered_order.returned_quantity) == ("returned", 2)
    assert balance(delivered_order.member) == 50_000


def test_a_defective_refund_is_written_off_refunded_netted_off_and_the_supplier_bears_the_freight(
    delivered_order, operator, logistics, now
):
    points_before = balance(delivered_order.member)
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")

    assert resolution(return_request) == ("refunded", "supplier", -UNIT_PRICE)
    assert movements(return_request) == [("return_to_stock", 1, 0, ""), ("write_off", -1, 0, "退货质量问题，退回礼品商")]
    assert stock(delivered_order.gift) == (8, 0)
    assert balance(delivered_order.member) == points_before + UNIT_POINTS
    cost = ExtraCost.objects.get()
    assert (cost.kind, cost.payer, cost.amount, cost.supplier_id, cost.order_id, cost.return_request_id) == (
        "return_freight", "supplier", Decimal("12.00"), delivered_order.supplier_id, delivered_order.pk, return_request.pk
    )
    assert not LogisticsClaim.objects.exists()


def test_a_defective_exchange_ships_a_replacement_and_refunds_nothing(delivered_order, exchange, logistics, now):
    points_before = balance(delivered_order.member)
    return_request = exchange

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")

    delivered_order.refresh_from_db()
    assert resolution(return_request) == ("exchanged", "supplier", -UNIT_PRICE)
    assert return_request.refund_entry is None and balance(delivered_order.member) == points_before
    replacement = Shipment.objects.get(replacement_for=return_request)
    assert (replacement.kind, replacement.quantity, replacement.settlement_amount, replacement.state) == (
        "warehouse", 1, UNIT_PRICE, "created"
    )
    assert stock(delivered_order.gift) == (8, 1)
    assert (delivered_order.state, delivered_order.returned_quantity) == ("delivered", 0)
    assert ExtraCost.objects.get().payer == "supplier"


def test_logistics_ships_the_replacement_from_the_reserved_unit(delivered_order, exchange, logistics, now):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    replacement = Shipment.objects.get(replacement_for=exchange)

    picked_and_shipped(shipment=replacement, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REPL")
    shipments.deliver_shipment(shipment=replacement, actor=logistics, now=now + timedelta(days=1), signer="刘洋")

    assert stock(delivered_order.gift) == (7, 0)
    assert RedemptionOrder.objects.get().state == "delivered"


def test_the_member_is_texted_when_the_replacement_ships_again_when_its_number_is_corrected_and_when_it_is_signed_for(
    delivered_order, exchange, logistics, now,
):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    replacement = Shipment.objects.get(replacement_for=exchange)
    order_texts = set(Notification.objects.filter(kind__in=["shipped", "delivered"]).values_list("pk", flat=True))

    picked_and_shipped(shipment=replacement, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REPL")
    shipments.correct_tracking(shipment=replacement, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REPL-2", reason="录错")
    shipments.deliver_shipment(shipment=replacement, actor=logistics, now=now + timedelta(days=1), signer="刘洋")

    texts = list(Notification.objects.filter(kind__startswith="replacement_").order_by("pk").values_list("kind", "phone", "body"))
    phone = delivered_order.member.phone
    assert texts == [
        ("replacement_shipped", phone, f"【积分商城】您的换货申请 {exchange.number} 的新礼品已发出，顺丰 运单号 SF-REPL。"),
        ("replacement_shipped", phone, f"【积分商城】您的换货申请 {exchange.number} 的新礼品已发出，顺丰 运单号 SF-REPL-2。"),
        ("replacement_delivered", phone, f"【积分商城】您的换货申请 {exchange.number} 的新礼品已签收。"),
    ]
    assert set(Notification.objects.filter(kind__in=["shipped", "delivered"]).values_list("pk", flat=True)) == order_texts


def test_an_exchange_without_a_unit_to_ship_is_refused_and_changes_nothing(delivered_order, exchange, logistics, now):
    inventory.write_off_stock(gift=delivered_order.gift, location=delivered_order.location, quantity=8, at=now)

    with pytest.raises(OutOfStock):
        returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")

    assert ReturnRequest.objects.get().state == "received"
    assert not Shipment.objects.filter(replacement_for__isnull=False).exists() and not ExtraCost.objects.exists()
    assert not StockMovement.objects.filter(source_type="return").exists()


def test_a_unit_found_resellable_on_an_exchange_goes_back_to_stock_and_can_be_the_replacement(
    delivered_order, exchange, logistics, now
):
    inventory.write_off_stock(gift=delivered_order.gift, location=delivered_order.location, quantity=8, at=now)

    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="resellable")

    assert resolution(exchange) == ("exchanged", "", -UNIT_PRICE)
    assert stock(delivered_order.gift) == (1, 1)
    assert not ExtraCost.objects.exists()


def test_transit_damage_is_written_off_refunded_the_supplier_still_paid_and_a_claim_opened(
    delivered_order, operator, logistics, now
):
    points_before = balance(delivered_order.member)
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="transit_damage")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="transit_damage")

    assert resolution(return_request) == ("refunded", "logistics", Decimal("0.00"))
    assert movements(return_request) == [("return_to_stock", 1, 0, ""), ("write_off", -1, 0, "运输破损，报损")]
    assert balance(delivered_order.member) == points_before + UNIT_POINTS
    claim = LogisticsClaim.objects.get()
    assert (claim.cause, claim.quantity, claim.amount, claim.state, claim.return_request_id, claim.order_id) == (
        "transit_damage", 1, UNIT_PRICE, "open", return_request.pk, delivered_order.pk
    )
    assert RedemptionOrder.objects.get().returned_quantity == 1
    assert not ExtraCost.objects.exists()


def test_a_claim_opened_at_inspection_credits_the_inspector_and_says_which_return_showed_the_damage(
    delivered_order, operator, logistics, finance, now, api
):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="transit_damage")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="transit_damage")

    claim = LogisticsClaim.objects.get()
    opened = history_of(claim).get()
    assert (claim.reported_by, opened.actor, opened.reason_text) == (
        logistics, logistics, f"退货 {return_request.number} 检验时发现运输破损"
    )
    assert api(finance).get(f"/api/v1/logistics-claims/{claim.pk}/history/").json()[0]["actor"] == logistics.username


def test_transit_damage_with_an_exchange_ships_a_replacement_and_still_opens_a_claim(delivered_order, operator, logistics, now):
    return_request = received(
        delivered_order, operator=operator, handler=logistics, now=now, reason="transit_damage", remedy="exchange", quantity=2
    )

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="transit_damage")

    assert resolution(return_request) == ("exchanged", "logistics", Decimal("0.00"))
    assert Shipment.objects.get(replacement_for=return_request).settlement_amount == 2 * UNIT_PRICE
    assert LogisticsClaim.objects.get().amount == 2 * UNIT_PRICE
    assert return_request.refund_entry is None


def test_dropship_transit_damage_is_borne_by_the_supplier_as_a_lost_dropship_parcel_is_and_no_claim_is_opened(
    dropship_order, operator, supplier_staff, now
):
    points_before = balance(dropship_order.member)
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="transit_damage")

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="transit_damage", reason="外箱压损")

    assert resolution(return_request) == ("refunded", "supplier", -dropship_order.settlement_unit_price)
    assert movements(return_request) == [("return_to_stock", 1, 0, ""), ("write_off", -1, 0, "运输破损，报损")]
    assert balance(dropship_order.member) == points_before + dropship_order.points_unit_price
    assert not LogisticsClaim.objects.exists() and not ExtraCost.objects.exists()


def test_dropship_transit_damage_exchanged_nets_the_original_off_and_bills_the_replacement(
    dropship_order, operator, supplier_staff, now
):
    return_request = received(
        dropship_order, operator=operator, handler=supplier_staff, now=now, reason="transit_damage", remedy="exchange"
    )

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="transit_damage")

    unit = dropship_order.settlement_unit_price
    assert resolution(return_request) == ("exchanged", "supplier", -unit)
    assert Shipment.objects.get(replacement_for=return_request).settlement_amount == unit
    assert not LogisticsClaim.objects.exists()


def test_a_used_gift_is_refused_sent_back_and_the_operator_bears_the_freight(delivered_order, operator, logistics, now):
    points_before = balance(delivered_order.member)
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="used", reason="有明显使用痕迹")

    assert resolution(return_request) == ("refused", "operator", Decimal("0.00"))
    assert movements(return_request) == [] and stock(delivered_order.gift) == (8, 0)
    assert balance(delivered_order.member) == points_before
    cost = ExtraCost.objects.get()
    assert (cost.kind, cost.payer, cost.amount) == ("return_freight", "operator", Decimal("12.00"))
    assert RedemptionOrder.objects.get().returned_quantity == 0


# --- completion ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [0, 1, 2])
def test_an_open_return_holds_the_order_from_completing(delivered_order, operator, logistics, now, steps):
    return_request = request(delivered_order, now=now)
    for step in [returns.approve_return, returns.receive_return][:steps]:
        step(return_request=return_request, actor=operator if step is returns.approve_return else logistics, now=now)

    completed = orders.complete_orders(now=now + timedelta(days=16))

    assert completed == [] and RedemptionOrder.objects.get().state == "delivered"


def test_an_order_completes_once_its_return_is_closed(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    returns.reject_return(return_request=return_request, actor=operator, now=now, reason="不符合条件")

    completed = orders.complete_orders(now=now + timedelta(days=16))

    assert completed == [delivered_order.pk] and RedemptionOrder.objects.get().state == "completed"


def test_a_return_waits_on_the_navigation_of_whoever_takes_its_next_step(delivered_order, dropship_order, operator, logistics, supplier_staff, now):
    def waiting() -> list[int]:
        return [returns.returns_waiting(user) for user in (operator, logistics, supplier_staff)]

    warehouse, dropship = request(delivered_order, now=now), request(dropship_order, now=now)
    assert waiting() == [2, 0, 0]  # operators approve both

    returns.approve_return(return_request=warehouse, actor=operator, now=now)
    returns.approve_return(return_request=dropship, actor=operator, now=now)
    assert waiting() == [0, 1, 1]  # logistics receives the warehouse return, the supplier its dropship one

    returns.receive_return(return_request=dropship, actor=supplier_staff, now=now)
    assert waiting() == [1, 1, 0]  # an operator inspects a dropship return


@pytest.mark.parametrize(("remedy", "state", "expected"), [
    ("exchange", "requested", True), ("exchange", "inspected", True), ("exchange", "exchanged", True),
    ("exchange", "rejected", False), ("exchange", "refused", False), ("exchange", "refunded", False), ("refund", "requested", False),
    ("refund", "refunded", False),
])
def test_an_exchange_not_turned_down_refunds_no_points(remedy, state, expected):
    """What the return pages show in place of refunded points: "exchange, no points" until the exchange is turned down."""
    assert ReturnRequest(remedy=remedy, state=state).exchange_instead_of_refund is expected


def test_an_exchanges_history_tells_the_exchange_before_the_replacement_parcel_it_made(exchange, logistics, now):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")

    steps = [(log.transition, log.target_state) for log in returns.return_history(exchange)]

    assert steps == [("request", "requested"), ("approve", "approved"), ("receive", "received"), ("inspect", "inspected"),
                     ("exchange", "exchanged"), ("create", "created")]


def test_a_defective_return_the_supplier_bears_tells_it_what_was_found_and_what_it_costs(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective", reason="开机无显示")

    notice = Notice.objects.get(supplier=delivered_order.supplier, kind="return_inspected")
    assert notice.title_text == f"退换货 {return_request.number} 检验结论：由礼品商承担"
    assert notice.body_text == (f"订单 {delivered_order.number} 的 {return_request.quantity} 件检验结论为「质量问题」，"
                                "该笔兑换从结算单中扣减，退货运费由礼品商承担。说明：开机无显示")
    assert notice.link == f"/logistics/returns/{return_request.pk}/"
    assert Notification.objects.filter(kind="supplier_notice", subject_id=str(notice.pk)).count() == 1


def test_a_return_the_supplier_does_not_bear_tells_it_nothing_about_the_inspection(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")

    assert not Notice.objects.filter(kind="return_inspected").exists()
