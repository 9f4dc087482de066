"""A gift retired while its stock moves, on PostgreSQL (SPEC §4.2, §4.8): units restocked or released during a retirement end up
in the warehouse's leftover lot whichever commits first, and a clearance gift whose last units leave two warehouses at
once is retired, as is one whose last unit leaves while units are restocked, which join its lot, and one put on clearance as its
last unit leaves; units freed at once where no lot is open make one lot."""
import threading
from decimal import Decimal

import pytest
from django.db import transaction

from core.roles import Role
from logistics.models import LeftoverLot
from logistics.services import leftovers
from suppliers.errors import NothingToClear
from suppliers.events import RetiredStockFreed
from suppliers.models import Gift, StockRecord
from suppliers.services import catalog, inventory
from tests.factories import UserFactory, WarehouseFactory
from tests.helpers import gift_in_state, stocked_to_clear
from tests.integration.racing import WAIT_SECONDS, Background, hold, lock_waiters, run_into, until


def _offline_gift_with_stock(now):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = gift_in_state("offline", actor=operator, at=now)
    warehouse = WarehouseFactory(code="WH-RETIRE")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=3, at=now)
    return operator, gift, warehouse


def _open_lots(gift) -> list[tuple[str, int]]:
    return list(LeftoverLot.objects.filter(gift=gift, state=LeftoverLot.State.OPEN).values_list("location__code", "quantity"))


@pytest.mark.parametrize(("freeing", "available"), [("restock", 5), ("release_stock", 3)])
def test_units_restocked_or_released_just_before_a_retirement_commits_are_counted_in_its_leftover_lot(
    programs, now, monkeypatch, freeing, available
):
    operator, gift, warehouse = _offline_gift_with_stock(now)
    if freeing == "release_stock":
        inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)
    checked, go_on = threading.Event(), threading.Event()
    freed_after_retirement = inventory._freed_after_retirement

    def commit_when_told(**kwargs):  # the units are back in stock and the gift was found not retired
        freed_after_retirement(**kwargs)
        checked.set()
        assert go_on.wait(WAIT_SECONDS)

    monkeypatch.setattr(inventory, "_freed_after_retirement", commit_when_told)
    free = getattr(inventory, freeing)

    def free_in_a_transaction():  # as an order's cancellation or a return's inspection calls it
        with transaction.atomic():
            return free(gift=gift, location=warehouse, quantity=2, at=now)

    freeing_units = Background(free_in_a_transaction, name=freeing)
    assert checked.wait(WAIT_SECONDS)
    retiring = Background(lambda: catalog.retire_gift(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, reason="停产"), name="retire")
    until(lambda: not retiring.is_alive() or lock_waiters())
    go_on.set()
    freeing_units.finished()
    retiring.finished()

    assert Gift.objects.get(pk=gift.pk).state == Gift.State.RETIRED
    assert StockRecord.objects.get(gift=gift, location=warehouse).available == available
    assert _open_lots(gift) == [("WH-RETIRE", available)]


def test_units_restocked_while_a_retirement_makes_its_lots_join_the_lot_it_made(programs, now, monkeypatch):
    operator, gift, warehouse = _offline_gift_with_stock(now)
    counted, go_on = threading.Event(), threading.Event()
    notify_supplier = leftovers._notify_supplier

    def commit_when_told(**kwargs):  # the retirement has made its lots from the stock it saw
        if threading.current_thread().name == "retire":
            counted.set()
            assert go_on.wait(WAIT_SECONDS)
        return notify_supplier(**kwargs)

    monkeypatch.setattr(leftovers, "_notify_supplier", commit_when_told)
    retiring = Background(lambda: catalog.retire_gift(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, reason="停产"), name="retire")
    assert counted.wait(WAIT_SECONDS)
    restocking = Background(lambda: inventory.restock(gift=gift, location=warehouse, quantity=2, at=now), name="restock")
    until(lambda: not restocking.is_alive() or lock_waiters())
    go_on.set()
    retiring.finished()
    restocking.finished()

    assert StockRecord.objects.get(gift=gift, location=warehouse).available == 5
    assert _open_lots(gift) == [("WH-RETIRE", 5)]


def test_a_clearance_gift_whose_last_units_leave_two_warehouses_at_once_is_retired(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = gift_in_state("clearance", actor=operator, at=now)
    first = StockRecord.objects.get(gift=gift, on_hand__gt=0).location
    second = WarehouseFactory(code="WH-LAST")
    inventory.receive_stock(gift=gift, location=second, quantity=1, at=now)

    steps = run_into(  # the first unit is out of its stock record and not yet counted with the gift's others
        lambda: inventory.write_off_stock(gift=gift, location=first, quantity=1, at=now, note="破损"),
        hold(monkeypatch, inventory, "_retire_if_clearance_stock_used_up"),
        lambda: inventory.write_off_stock(gift=gift, location=second, quantity=1, at=now, note="破损"),
    )

    assert [step.error for step in steps] == [None, None]
    assert list(StockRecord.objects.filter(gift=gift).values_list("on_hand", flat=True)) == [0, 0]
    assert Gift.objects.get(pk=gift.pk).state == Gift.State.RETIRED


def test_a_gift_put_on_clearance_as_its_last_unit_leaves_is_retired(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = stocked_to_clear(gift_in_state("offline", actor=operator, at=now))
    location = StockRecord.objects.get(gift=gift, on_hand__gt=0).location

    steps = run_into(  # the write-off found the gift not on clearance and has not yet taken its last unit
        lambda: inventory.write_off_stock(gift=gift, location=location, quantity=1, at=now, note="破损"),
        hold(monkeypatch, inventory, "_change"),
        lambda: catalog.start_clearance(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, points_price=500,
                                        settlement_price=Decimal("50.00")),
    )

    assert [step.error for step in steps] == [None, None]
    assert StockRecord.objects.get(gift=gift, location=location).on_hand == 0
    assert Gift.objects.get(pk=gift.pk).state == Gift.State.RETIRED  # not left on clearance selling nothing


def test_a_clearance_starting_as_the_last_unit_leaves_is_refused_once_that_unit_is_gone(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = stocked_to_clear(gift_in_state("offline", actor=operator, at=now))
    location = StockRecord.objects.get(gift=gift, on_hand__gt=0).location

    steps = run_into(  # the last unit is out of its stock record, not yet committed
        lambda: inventory.write_off_stock(gift=gift, location=location, quantity=1, at=now, note="破损"),
        hold(monkeypatch, inventory, "_raise_replenishment_if_low"),
        lambda: catalog.start_clearance(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, points_price=500,
                                        settlement_price=Decimal("50.00")),
    )

    assert steps[0].error is None and isinstance(steps[1].error, NothingToClear)
    assert Gift.objects.get(pk=gift.pk).state == Gift.State.OFFLINE


def test_units_restocked_while_a_clearance_gifts_last_unit_leaves_join_the_lot_of_its_retirement(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = gift_in_state("clearance", actor=operator, at=now)
    warehouse = StockRecord.objects.get(gift=gift, on_hand__gt=0).location

    steps = run_into(  # the last unit is out of its stock record, the gift not yet retired
        lambda: inventory.write_off_stock(gift=gift, location=warehouse, quantity=1, at=now, note="破损"),
        hold(monkeypatch, inventory, "_raise_replenishment_if_low"),
        lambda: inventory.restock(gift=gift, location=warehouse, quantity=2, at=now),
    )

    assert [step.error for step in steps] == [None, None]
    assert Gift.objects.get(pk=gift.pk).state == Gift.State.RETIRED
    assert StockRecord.objects.get(gift=gift, location=warehouse).available == 2
    assert _open_lots(gift) == [(warehouse.code, 2)]


def test_units_freed_at_once_where_a_retired_gift_has_no_open_lot_make_one_lot(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = gift_in_state("retired", actor=operator, at=now)
    warehouse = WarehouseFactory(code="WH-FREED")
    opened, go_on = threading.Event(), threading.Event()
    notify_supplier = leftovers._notify_supplier

    def commit_when_told(**kwargs):  # the first event has opened the lot
        opened.set()
        assert go_on.wait(WAIT_SECONDS)
        return notify_supplier(**kwargs)

    monkeypatch.setattr(leftovers, "_notify_supplier", commit_when_told)

    def freed(quantity):
        def work():
            with transaction.atomic():
                return leftovers.add_freed_units(RetiredStockFreed(gift_id=gift.pk, location_id=warehouse.pk, quantity=quantity, at=now))
        return work

    first = Background(freed(2), name="first freed")
    assert opened.wait(WAIT_SECONDS)
    second = Background(freed(3), name="second freed")
    until(lambda: lock_waiters() or not second.is_alive())
    go_on.set()

    assert first.finished().pk == second.finished().pk
    assert _open_lots(gift) == [("WH-FREED", 5)]
