"""An exchange whose replacement parcel fails (SPEC §4.7): the return waits for the operator, who ships another
(`reship_replacement`) or refunds the points instead (`refund_instead`, exchanged → refunded), as an order whose parcel
failed is re-delivered or given up: the failed unit comes back into stock unless the parcel was lost, the member is
texted, and the history keeps who, when and why. A replacement never delivered is no delivery line on a statement."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition
from core.models import Notification
from logistics.models import LogisticsClaim, ReturnRequest, Shipment
from logistics.services import returns, shipments
from points.models import LedgerEntry, PointsAccount, RedemptionOrder
from points.services import ledger, orders
from settlement.models import SourceKind, StatementLine
from settlement.services import generation
from suppliers.errors import OutOfStock
from suppliers.models import StockMovement, StockRecord
from suppliers.services import inventory
from tests.conftest import listed, staff_and_rich_member
from tests.factories import ADDRESS, FIXED_NOW, SHANGHAI, SupplierUserFactory
from tests.helpers import rolled_back_after, world_member_fixtures
from tests.logistics.builders import deliver, received, replacement_shipped

# with --dist loadgroup one worker runs the module: its delivered order is built once (delivered), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now"), pytest.mark.xdist_group("replacement_failed")]
UNIT_POINTS = 1500
LATER = timedelta(days=3)


@pytest.fixture(scope="module")
def delivered(django_db_setup, django_db_blocker) -> dict:
    """The rich member's order of two units of the listed gift, delivered at the fixed `now` (`delivered_order`):
    built once per module and rolled back after it; each test reads it afresh and what it changes rolls back with it."""
    with rolled_back_after(django_db_blocker):
        with time_machine.travel(FIXED_NOW, tick=False):
            operator, logistics, member = staff_and_rich_member()
            gift = listed(operator=operator, now=FIXED_NOW)
            order = orders.place_order(member=member, gift_id=gift.pk, quantity=2, now=FIXED_NOW, **ADDRESS)
            deliver(order, actor=logistics, now=FIXED_NOW)
        yield {"member": member.pk, "order": order.pk}


member, rich_member = world_member_fixtures("delivered")


@pytest.fixture
def delivered_order(delivered, db) -> RedemptionOrder:
    """Two units of the listed gift (1500 points, ¥180.00 each) from warehouse WH-ORD, delivered at `now`."""
    return RedemptionOrder.objects.get(pk=delivered["order"])


def stock(order) -> tuple[int, int]:
    record = StockRecord.objects.get(gift=order.gift, location=order.location)
    return record.on_hand, record.reserved


def balance(order) -> int:
    return PointsAccount.objects.get(member=order.member).balance


def replacements(return_request) -> list[tuple[str, str]]:
    return list(Shipment.objects.filter(replacement_for=return_request).order_by("pk").values_list("state", "tracking_number"))


# --- the return waits for the operator ------------------------------------------------------------------------------

def test_a_failed_replacement_is_found_on_its_return_with_its_reason(exchanged, logistics, now):
    before = exchanged.failed_replacement()
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    in_transit = ReturnRequest.objects.get().failed_replacement()

    shipments.fail_shipment(shipment=parcel, actor=logistics, now=now, reason="拒收")

    failed = ReturnRequest.objects.get().failed_replacement()
    assert (before, in_transit) == (None, None)
    assert (failed.pk, failed.failure_reason) == (parcel.pk, "拒收")


def test_a_failed_replacement_waits_for_the_operator_until_re_shipped(exchanged, operator, logistics, now):
    before = returns.returns_waiting(operator)
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    shipments.fail_shipment(shipment=parcel, actor=logistics, now=now, reason="拒收")
    waiting = returns.returns_waiting(operator)

    returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="会员已更正地址")

    assert (before, waiting, returns.returns_waiting(operator)) == (0, 1, 0)
    assert returns.returns_waiting(logistics) == 0


# --- re-shipping ----------------------------------------------------------------------------------------------------

def test_the_operator_re_ships_the_replacement_and_the_failed_unit_comes_back_into_stock_first(
    failed, exchanged, delivered_order, operator, now
):
    before = stock(delivered_order)

    again = returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="会员已更正地址")

    assert again.state == "exchanged" and replacements(exchanged) == [("failed", "SF-REPL"), ("created", "")]
    new = Shipment.objects.filter(replacement_for=exchanged).order_by("pk").last()
    assert (new.kind, new.quantity, new.settlement_amount) == ("warehouse", 1, Decimal("180.00"))
    assert before == (7, 0) and stock(delivered_order) == (8, 1)  # the unit back on hand, then reserved again
    rows = StockMovement.objects.filter(source_type="replacement", source_id=str(failed.pk)).values_list("kind", "on_hand_delta").order_by("pk")
    assert list(rows) == [("shipment", -1), ("return_to_stock", 1)]


def test_a_lost_replacement_re_shipped_reserves_another_unit_and_puts_none_back(lost, exchanged, delivered_order, operator, now):
    returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="包裹丢失，重新发出")

    assert replacements(exchanged) == [("failed", "SF-REPL"), ("created", "")]
    assert stock(delivered_order) == (7, 1)
    assert not StockMovement.objects.filter(source_type="replacement", kind="return_to_stock").exists()


def test_the_history_says_who_re_shipped_when_and_why_after_the_parcels_failure(failed, exchanged, operator, now):
    later = now + LATER

    returns.reship_replacement(return_request=exchanged, actor=operator, now=later, reason="会员已更正地址")

    history = returns.return_history(exchanged)
    replacement = ("create", "created", f"退换货 {exchanged.number} 的换货")
    assert [(log.transition, log.target_state, log.reason_text) for log in history] == [
        ("request", "requested", ""), ("approve", "approved", ""), ("receive", "received", ""), ("inspect", "inspected", ""),
        ("exchange", "exchanged", ""), replacement, ("pick", "picked", ""), ("ship", "shipped", "顺丰 SF-REPL"),
        ("fail", "failed", "地址错误，无人签收"), ("reship_replacement", "exchanged", "会员已更正地址"), replacement,
    ]
    assert (history[-2].actor, history[-2].at) == (operator, later) and (history[-1].actor, history[-1].at) == (operator, later)


def test_the_member_is_texted_when_the_replacement_is_re_shipped_and_again_when_it_ships(failed, exchanged, operator, logistics, now):
    returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="会员已更正地址")
    replacement_shipped(exchanged, logistics=logistics, now=now + LATER, tracking_number="SF-REPL-2")

    texts = list(Notification.objects.filter(kind__startswith="replacement_").order_by("pk").values_list("kind", "body"))
    assert texts[-2:] == [
        ("replacement_reshipping", f"【积分商城】您的换货申请 {exchanged.number} 的新礼品未能送达，我们将重新发出，发货后短信告知运单号。"),
        ("replacement_shipped", f"【积分商城】您的换货申请 {exchanged.number} 的新礼品已发出，顺丰 运单号 SF-REPL-2。"),
    ]


def test_re_shipping_without_a_unit_is_refused_as_out_of_stock_and_changes_nothing(lost, exchanged, delivered_order, operator, now):
    inventory.write_off_stock(gift=delivered_order.gift, location=delivered_order.location, quantity=7, at=now)
    logs = len(returns.return_history(exchanged))

    with pytest.raises(OutOfStock) as refused:
        returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="重新发出")

    assert refused.value.status == 409 and refused.value.code == "out_of_stock"
    assert "库存不足" in refused.value.detail and "改为退积分" in refused.value.detail
    assert replacements(exchanged) == [("failed", "SF-REPL")] and stock(delivered_order) == (0, 0)
    assert ReturnRequest.objects.get().state == "exchanged" and len(returns.return_history(exchanged)) == logs


@pytest.mark.parametrize("where", ["created", "shipped", "delivered"])
def test_a_replacement_on_its_way_or_delivered_is_not_re_shipped(exchanged, operator, logistics, now, where):
    parcel = Shipment.objects.get(replacement_for=exchanged)
    if where != "created":
        parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    if where == "delivered":
        shipments.deliver_shipment(shipment=parcel, actor=logistics, now=now, signer="刘洋")
    before = stock(exchanged.order)

    for step in (returns.reship_replacement, returns.refund_instead):
        with pytest.raises(InvalidTransition):
            step(return_request=exchanged, actor=operator, now=now, reason="再发一次")

    assert len(replacements(exchanged)) == 1 and stock(exchanged.order) == before
    assert ReturnRequest.objects.get().state == "exchanged"


def test_the_model_guards_both_decisions_on_a_failed_replacement(exchanged, operator, now):
    for name in ("reship_replacement", "refund_instead"):
        with pytest.raises(InvalidTransition):
            apply_transition(exchanged, name, actor=operator, at=now, **({"refund_entry": None} if name == "refund_instead" else {}))

    assert ReturnRequest.objects.get().state == "exchanged"
    assert {t.name for t in exchanged.get_available_state_transitions()} == set()


def test_once_re_shipped_the_return_waits_for_the_new_parcel(failed, exchanged, operator, now):
    returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="会员已更正地址")

    with pytest.raises(InvalidTransition):
        returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="再发一次")

    assert len(replacements(exchanged)) == 2


@pytest.mark.parametrize("who", ["logistics", "supplier_staff", "member"])
def test_only_an_operator_decides_on_a_failed_replacement(failed, exchanged, logistics, delivered_order, who, now):
    actor = {
        "logistics": logistics, "member": delivered_order.member.user,
        "supplier_staff": SupplierUserFactory(role="supplier_staff", supplier=delivered_order.supplier),
    }[who]

    for step in (returns.reship_replacement, returns.refund_instead):
        with pytest.raises(PermissionDenied):
            step(return_request=exchanged, actor=actor, now=now, reason="再发一次")

    assert replacements(exchanged) == [("failed", "SF-REPL")] and ReturnRequest.objects.get().state == "exchanged"


def test_a_decision_needs_a_reason(failed, exchanged, operator, now):
    for step in (returns.reship_replacement, returns.refund_instead):
        with pytest.raises(ValidationFailed) as refused:
            step(return_request=exchanged, actor=operator, now=now, reason="  ")
        assert refused.value.field == "reason"

    assert replacements(exchanged) == [("failed", "SF-REPL")] and ReturnRequest.objects.get().state == "exchanged"


def test_a_dropship_replacement_is_re_shipped_by_its_supplier(dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="defective", remedy="exchange")
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective", reason="照片显示破损")
    parcel = shipments.ship_shipment(
        shipment=Shipment.objects.get(replacement_for=return_request), actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-R"
    )
    shipments.fail_shipment(shipment=parcel, actor=None, now=now, reason="拒收")  # a carrier event

    returns.reship_replacement(return_request=return_request, actor=operator, now=now + LATER, reason="会员同意签收")

    new = Shipment.objects.filter(replacement_for=return_request).order_by("pk").last()
    assert (new.kind, new.state, new.supplier_id) == ("dropship", "created", dropship_order.supplier_id)
    assert stock(dropship_order) == (3, 1)  # 5 − 2 delivered; the failed unit back and reserved again


# --- refunding instead ----------------------------------------------------------------------------------------------

def test_refunding_instead_gives_the_points_back_restocks_the_failed_unit_and_ends_refunded(
    failed, exchanged, delivered_order, operator, now
):
    points_before, later = balance(delivered_order), now + LATER

    refunded = returns.refund_instead(return_request=exchanged, actor=operator, now=later, reason="会员要求退积分")

    assert (refunded.state, refunded.settlement_amount, refunded.closed_at) == ("refunded", Decimal("-180.00"), now)
    assert balance(delivered_order) == points_before + UNIT_POINTS
    entry = LedgerEntry.objects.get(kind="refund", source_type="return", source_id=exchanged.number)
    assert refunded.refund_entry == entry and entry.points == UNIT_POINTS and entry.at == later
    assert stock(delivered_order) == (8, 0)
    delivered_order.refresh_from_db()
    assert (delivered_order.state, delivered_order.returned_quantity) == ("delivered", 1)
    log = [log for log in returns.return_history(exchanged) if log.transition == "refund_instead"]
    assert [(entry.actor, entry.at, entry.reason, entry.target_state) for entry in log] == [(operator, later, "会员要求退积分", "refunded")]


def test_a_lost_replacement_refunded_instead_puts_nothing_back_into_stock(lost, exchanged, delivered_order, operator, now):
    returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="包裹丢失")

    assert stock(delivered_order) == (7, 0)
    assert ReturnRequest.objects.get().state == "refunded"
    assert LogisticsClaim.objects.get().shipment_id == lost.pk


def test_the_member_is_texted_the_points_refunded_instead(failed, exchanged, delivered_order, operator, now):
    returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="会员要求退积分")

    texts = dict(Notification.objects.filter(kind__in=["replacement_refunded", "refund_credited"]).values_list("kind", "body"))
    assert texts["replacement_refunded"] == f"【积分商城】您的换货申请 {exchanged.number} 的新礼品未能送达，已改为退还 1500 积分。"
    assert f"订单 {delivered_order.number} 已退还 1500 积分" in texts["refund_credited"]


def test_a_second_refund_is_refused_and_posts_nothing(failed, exchanged, delivered_order, operator, now):
    returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="会员要求退积分")
    points = balance(delivered_order)

    with pytest.raises(InvalidTransition):
        returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="再退一次")

    assert balance(delivered_order) == points and stock(delivered_order) == (8, 0)
    assert LedgerEntry.objects.filter(kind="refund", source_type="return", source_id=exchanged.number).count() == 1
    assert RedemptionOrder.objects.get().returned_quantity == 1


def test_the_refund_is_keyed_by_the_return_so_a_retry_posts_it_once(failed, exchanged, delivered_order, operator, now):
    refunded = returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="会员要求退积分")
    points = balance(delivered_order)

    retried = ledger.refund_points(
        redeem=delivered_order.redeem_entry, points=UNIT_POINTS, source=ledger.Source("return", exchanged.number), at=now + LATER,
        actor=operator,
    )

    assert retried.pk == refunded.refund_entry_id and balance(delivered_order) == points


@pytest.mark.parametrize("state", ["received", "refunded", "refused"])
def test_only_an_exchange_is_refunded_instead(delivered_order, operator, logistics, now, state):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")
    if state != "received":
        returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="used" if state == "refused" else "defective")
    points = balance(delivered_order)

    with pytest.raises(InvalidTransition):
        returns.refund_instead(return_request=return_request, actor=operator, now=now, reason="退积分")

    assert ReturnRequest.objects.get().state == state and balance(delivered_order) == points


def test_refunding_every_unit_instead_returns_the_order(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective", remedy="exchange", quantity=2)
    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective")
    parcel = replacement_shipped(return_request, logistics=logistics, now=now)
    shipments.fail_shipment(shipment=parcel, actor=logistics, now=now, reason="拒收")

    returns.refund_instead(return_request=return_request, actor=operator, now=now + LATER, reason="会员要求退积分")

    delivered_order.refresh_from_db()
    assert (delivered_order.state, delivered_order.returned_quantity) == ("returned", 2)


def test_the_order_does_not_complete_while_its_replacement_is_on_its_way_or_failed(failed, exchanged, delivered_order, operator, now):
    held = orders.complete_orders(now=now + timedelta(days=16))
    returns.refund_instead(return_request=exchanged, actor=operator, now=now + timedelta(days=16), reason="会员要求退积分")

    completed = orders.complete_orders(now=now + timedelta(days=17))

    assert held == [] and completed == [delivered_order.pk]


def test_an_order_whose_replacement_is_on_its_way_does_not_complete(exchanged, logistics, now):
    replacement_shipped(exchanged, logistics=logistics, now=now)

    assert orders.complete_orders(now=now + timedelta(days=16)) == []


def test_the_order_completes_once_its_replacement_has_arrived_and_the_waiting_period_has_passed(
    exchanged, delivered_order, logistics, api, now
):
    member = delivered_order.member.user
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    held = orders.complete_orders(now=now + timedelta(days=16))
    shipments.confirm_shipment_receipt(shipment=parcel, actor=member, now=now + timedelta(days=16, hours=2))

    completed = orders.complete_orders(now=now + timedelta(days=17))

    assert held == [] and completed == [delivered_order.pk]
    seen = api(member).get(f"/api/v1/orders/{delivered_order.pk}/").json()
    assert seen["state"] == "completed" and ReturnRequest.objects.get().state == "exchanged"


def test_a_replacement_arriving_early_does_not_complete_the_order_before_the_waiting_period_has_passed(
    exchanged, delivered_order, logistics, now
):
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    shipments.confirm_shipment_receipt(shipment=parcel, actor=delivered_order.member.user, now=now + timedelta(days=2))

    early = orders.complete_orders(now=now + timedelta(days=14))
    on_time = orders.complete_orders(now=now + timedelta(days=15))

    assert (early, on_time) == ([], [delivered_order.pk])


# --- settlement -----------------------------------------------------------------------------------------------------

def october_lines(finance) -> list[tuple[str, int, Decimal]]:
    """The delivery and return lines of October's statement (the return freight the supplier bears aside)."""
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI))
    lines = StatementLine.objects.exclude(source_kind=SourceKind.EXTRA_COST)
    return sorted(lines.values_list("source_kind", "source_id", "amount"))


def test_a_failed_replacement_refunded_instead_is_no_delivery_line_and_the_original_stays_netted_off(
    failed, exchanged, delivered_order, operator, finance, now
):
    returns.refund_instead(return_request=exchanged, actor=operator, now=now + LATER, reason="会员要求退积分")

    lines = october_lines(finance)

    assert lines == sorted([
        (SourceKind.ORDER, delivered_order.pk, Decimal("360.00")), (SourceKind.RETURN, exchanged.pk, Decimal("-180.00")),
    ])


def test_only_the_replacement_delivered_after_a_failure_is_a_delivery_line(failed, exchanged, delivered_order, operator, logistics, finance, now):
    returns.reship_replacement(return_request=exchanged, actor=operator, now=now + LATER, reason="会员已更正地址")
    second = replacement_shipped(exchanged, logistics=logistics, now=now + LATER, tracking_number="SF-REPL-2")
    shipments.deliver_shipment(shipment=second, actor=logistics, now=now + LATER + timedelta(days=1), signer="刘洋")

    lines = october_lines(finance)

    assert [line for line in lines if line[0] == SourceKind.REPLACEMENT] == [(SourceKind.REPLACEMENT, second.pk, Decimal("180.00"))]
    assert failed.pk not in {source_id for kind, source_id, _ in lines if kind == SourceKind.REPLACEMENT}


def test_units_exchanged_are_not_returnable_again_until_their_replacement_arrives(failed, exchanged, delivered_order, operator, logistics, now):
    assert returns.returnable_quantity(delivered_order) == 1  # of 2: one went back for a replacement that failed

    returns.reship_replacement(return_request=exchanged, actor=operator, now=now, reason="再发一次")
    assert returns.returnable_quantity(delivered_order) == 1  # the new parcel is on its way
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now + timedelta(days=2), tracking_number="SF-REPL-2")
    shipments.deliver_shipment(shipment=parcel, actor=logistics, now=now + timedelta(days=3), signer="刘洋")

    assert returns.returnable_quantity(delivered_order) == 2  # the replacement is the member's to return in turn
