"""A warehouse count racing a reservation on PostgreSQL (SPEC §4.3): the count holds the stock row while it books its
correction, so an order's reservation waits and is judged on the counted units; stock never goes below reserved."""
from suppliers.errors import OutOfStock
from suppliers.models import StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory, UserFactory, WarehouseFactory
from tests.integration.racing import hold, run_into


def test_a_reservation_running_into_a_count_down_is_judged_on_the_counted_units(programs, now, monkeypatch):
    logistics = UserFactory(username="logistics-count", role="logistics")
    gift, warehouse = GiftFactory(), WarehouseFactory(code="WH-COUNT-RACE")
    record = inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=now)

    steps = run_into(  # the count has locked the stock row, read 5 on hand, nothing reserved, and not yet booked its -3
        lambda: inventory.count_warehouse_stock(record=record, on_hand=2, reason="丢失", liable="logistics", actor=logistics, now=now),
        hold(monkeypatch, inventory, "_move"),
        lambda: inventory.reserve_stock(gift=gift, location=warehouse, quantity=4, at=now),
    )

    assert steps[0].error is None and isinstance(steps[1].error, OutOfStock)
    stock = StockRecord.objects.get(pk=record.pk)
    assert (stock.on_hand, stock.reserved) == (2, 0) == inventory.rebuild_stock(gift=gift, location=warehouse)


def test_a_count_running_into_a_reservation_is_refused_below_what_it_reserved(programs, now, monkeypatch):
    logistics = UserFactory(username="logistics-count-2", role="logistics")
    gift, warehouse = GiftFactory(), WarehouseFactory(code="WH-COUNT-RACE-2")
    record = inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=now)

    steps = run_into(  # the reservation has taken 4 units and not committed
        lambda: inventory.reserve_stock(gift=gift, location=warehouse, quantity=4, at=now),
        hold(monkeypatch, inventory, "_raise_replenishment_if_low"),
        lambda: inventory.count_warehouse_stock(record=record, on_hand=2, reason="丢失", liable="logistics", actor=logistics, now=now),
    )

    assert steps[0].error is None and getattr(steps[1].error, "field", None) == "on_hand"
    stock = StockRecord.objects.get(pk=record.pk)
    assert (stock.on_hand, stock.reserved) == (5, 4) == inventory.rebuild_stock(gift=gift, location=warehouse)
