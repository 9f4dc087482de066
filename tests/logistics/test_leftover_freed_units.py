"""Units of a retired gift that come back into a warehouse's stock after the retirement (a return restocked, an order
cancelled) belong to its leftover lot there (SPEC §4.8): they join the open lot, keeping its deadline, or open a new
lot due 30 days later; the supplier is told either way. A gift retired again from clearance gets new lots."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidTransition
from core.fsm import apply_transition, history_of
from logistics.models import LeftoverLot
from logistics.services import leftovers, returns, shipments
from suppliers.models import Gift, Location, Notice, StockRecord
from suppliers.services import catalog, inventory
from tests.helpers import picked_and_shipped
from tests.logistics.builders import received
from tests.logistics.leftover_world import DEADLINE, RETIRED_ON

pytestmark = pytest.mark.django_db
LATER = RETIRED_ON + timedelta(days=5)


def lots_by_warehouse(state="open") -> dict[str, tuple[int, object]]:
    rows = LeftoverLot.objects.filter(state=state).values_list("location__code", "quantity", "collect_by")
    return {code: (quantity, collect_by) for code, quantity, collect_by in rows}


def test_a_restocked_return_joins_the_open_lot_keeping_its_deadline_and_the_supplier_is_told(lots, offline_stocked_gift, warehouses):
    a = warehouses[0]

    inventory.restock(gift=offline_stocked_gift, location=a, quantity=1, at=LATER)

    assert lots_by_warehouse() == {"WH-A": (6, DEADLINE), "WH-B": (3, DEADLINE)}
    notice = Notice.objects.filter(kind="leftover_lots").order_by("-id").first()
    assert "又有 1 件" in notice.body_text and "共 6 件" in notice.body_text and "华东A仓" in notice.body_text


def test_units_released_where_no_lot_is_open_make_a_new_lot_due_thirty_days_later(lots, offline_stocked_gift, warehouses):
    c = warehouses[2]  # its 2 units were reserved when the gift retired, so it got no lot

    inventory.release_stock(gift=offline_stocked_gift, location=c, quantity=2, at=LATER)

    assert lots_by_warehouse()["WH-C"] == (2, LATER.date() + timedelta(days=30))
    assert Notice.objects.filter(kind="leftover_lots").count() == 2


def test_units_back_after_the_lot_was_collected_open_a_new_lot(lot, offline_stocked_gift, logistics, warehouses, now):
    leftovers.collect_lot(lot=lot, actor=logistics, now=now)

    inventory.restock(gift=offline_stocked_gift, location=warehouses[0], quantity=1, at=now)

    assert lots_by_warehouse()["WH-A"] == (1, now.date() + timedelta(days=30))
    assert lots_by_warehouse("collected") == {"WH-A": (5, DEADLINE)}


def test_units_back_at_the_suppliers_own_location_or_of_a_gift_on_sale_make_no_lot(lots, offline_stocked_gift, listed_gift):
    own = Location.objects.get(code="DS-OWN")
    before = list(LeftoverLot.objects.values_list("pk", "quantity"))

    inventory.restock(gift=offline_stocked_gift, location=own, quantity=1, at=LATER)
    record = listed_gift.stock_records.first()
    inventory.restock(gift=listed_gift, location=record.location, quantity=1, at=LATER)

    assert list(LeftoverLot.objects.values_list("pk", "quantity")) == before


def test_a_gift_retired_again_from_clearance_gets_new_lots_for_what_is_left(lots, offline_stocked_gift, operator):
    leftovers.clear_leftovers(lot=lots[0], actor=operator, now=LATER, points_price=600, settlement_price=Decimal("60.00"), reason="清仓")
    offline_stocked_gift.refresh_from_db()

    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=LATER + timedelta(days=1), reason="停产")

    assert lots_by_warehouse() == {"WH-A": (5, LATER.date() + timedelta(days=31)), "WH-B": (3, LATER.date() + timedelta(days=31))}


# --- returns of a gift retired after it was delivered -------------------------------------------------------------

def retire(gift, operator, now):
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST, reason="运营下线")
    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")
    return LeftoverLot.objects.get(gift=gift, state="open")


def free_units(gift, location) -> int:
    return StockRecord.objects.get(gift=gift, location=location).available


@pytest.mark.parametrize(("reason", "outcome", "remedy", "grows"), [
    ("unused", "resellable", "refund", 1),  # back on the shelf: the lot takes it
    ("defective", "defective", "refund", 0),  # written off again at once
    ("defective", "defective", "exchange", -1),  # written off, and the replacement comes out of the lot
])
def test_a_return_after_the_retirement_adds_to_the_lot_only_the_units_that_stay(
    delivered_order, operator, logistics, now, reason, outcome, remedy, grows,
):
    lot = retire(delivered_order.gift, operator, now)
    before = lot.quantity
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason=reason, remedy=remedy)

    returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome=outcome)

    lot.refresh_from_db()
    assert lot.quantity == before + grows == free_units(delivered_order.gift, delivered_order.location)
    leftovers.collect_lot(lot=lot, actor=logistics, now=now)  # every unit the lot counts is there to collect


def test_a_replacement_taking_a_lots_last_units_closes_it_as_used(exchange, operator, logistics, now):
    order = exchange.order
    lot = retire(order.gift, operator, now)
    StockRecord.objects.filter(gift=order.gift, location=order.location).update(on_hand=1, reserved=0)
    LeftoverLot.objects.filter(pk=lot.pk).update(quantity=1)  # one unit left on the shelf, in the lot

    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")

    lot.refresh_from_db()
    assert (lot.state, lot.closed_at) == ("used", now)
    assert [log.transition for log in history_of(lot)] == ["record", "use_up"] and exchange.number in history_of(lot)[1].reason_text


def test_a_replacement_shipped_again_after_the_retirement_leaves_the_lot_as_it_was(exchange, operator, logistics, now):
    order = exchange.order
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    lot = retire(order.gift, operator, now)
    replacement = exchange.replacement_shipments.get()
    picked_and_shipped(shipment=replacement, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REP-1")
    shipments.fail_shipment(shipment=replacement, actor=logistics, now=now, reason="拒收")

    returns.reship_replacement(return_request=exchange, actor=operator, now=now, reason="再发一次")

    lot.refresh_from_db()
    assert lot.quantity == free_units(order.gift, order.location)


def test_a_closed_lot_cannot_be_used_up_and_stays_as_it_was(lot, logistics, operator, now):
    leftovers.collect_lot(lot=lot, actor=logistics, now=now)
    lot.refresh_from_db()

    with pytest.raises(InvalidTransition):
        apply_transition(lot, "use_up", actor=operator, at=now, closed_at=now)

    lot.refresh_from_db()
    assert (lot.state, [log.transition for log in history_of(lot)]) == ("collected", ["record", "collect"])
