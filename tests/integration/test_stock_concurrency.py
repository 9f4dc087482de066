"""Stock invariants under concurrent reservation and shipment on PostgreSQL (SPEC §4.3, §4.6): reservations,
releases and shipments of one stock record race on separate connections; the counters never go negative, reserved
never exceeds on hand, and the record always equals the sum of its movements."""
import threading

from django.db import connections
from django.utils import timezone

from suppliers.errors import OutOfStock
from suppliers.models import ReplenishmentRequest, StockMovement, StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory

THREADS = 12
ROUNDS = 15


def test_racing_reservations_releases_and_shipments_keep_stock_consistent(programs):  # noqa: F811
    gift = GiftFactory()
    warehouse = WarehouseFactory(code="WH-STOCK-RACE")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=20, at=timezone.now())
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=15, at=timezone.now())
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    refused = []

    def work(index: int) -> None:
        try:
            barrier.wait(30)
            for round_ in range(ROUNDS):
                now = timezone.now()
                try:
                    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)
                except OutOfStock:
                    refused.append(index)
                    continue
                if (index + round_) % 3 == 0:
                    inventory.consume_stock(gift=gift, location=warehouse, quantity=2, at=now)
                    inventory.restock(gift=gift, location=warehouse, quantity=2, at=now)
                else:
                    inventory.release_stock(gift=gift, location=warehouse, quantity=2, at=now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors, errors[0]
    record = StockRecord.objects.get(gift=gift, location=warehouse)
    assert (record.on_hand, record.reserved) == (20, 0)
    assert inventory.rebuild_stock(gift=gift, location=warehouse) == (20, 0)
    reservations = StockMovement.objects.filter(gift=gift, kind="reservation").count()
    assert reservations + len(refused) == THREADS * ROUNDS
    assert ReplenishmentRequest.objects.filter(gift=gift, state="open").count() == 1, "one open request however many raced"


def test_never_more_reserved_than_on_hand_when_everyone_wants_the_last_units(programs):  # noqa: F811
    gift = GiftFactory()
    warehouse = WarehouseFactory(code="WH-LAST")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=timezone.now())
    barrier = threading.Barrier(THREADS)
    won, errors = [], []

    def grab() -> None:
        try:
            barrier.wait(30)
            inventory.reserve_stock(gift=gift, location=warehouse, quantity=1, at=timezone.now())
            won.append(1)
        except OutOfStock:
            pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grab, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors, errors[0]
    record = StockRecord.objects.get(gift=gift, location=warehouse)
    assert (len(won), record.on_hand, record.reserved) == (5, 5, 5)
