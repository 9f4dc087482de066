"""Two handover runs overlapping on PostgreSQL tell a dropship supplier of an order once: the run telling of it
locks its parcel, and the other one, finding it locked, leaves it to that run."""
import threading
from datetime import timedelta

import pytest
from django.db import connections

from logistics.models import Shipment
from logistics.services import shipments
from tests.factories import licensed
from tests.logistics.test_dropship_notices import dropship_notices, fail_once, gifts, place, texts  # noqa: F401  (fixture)

WAIT_SECONDS = 30


@pytest.fixture
def supplier(supplier):
    """The shared `supplier`, holding a valid business licence: its gifts are listed."""
    return licensed(supplier)


def test_a_run_overlapping_one_telling_a_supplier_leaves_its_orders_to_it(
    programs, gifts, rich_member, supplier, now, monkeypatch  # noqa: F811  (gifts: the fixture imported)
):
    place(gifts[0], rich_member, now, count=2)
    fail_once(monkeypatch)
    with pytest.raises(RuntimeError):
        shipments.hand_over_dropship_orders(actor=None, now=now)  # the orders wait, their supplier not told yet
    locked, go = threading.Event(), threading.Event()
    real, errors = shipments.send_inbox_notices, []

    def held(*args, **kwargs):  # the first run has locked the parcels it tells of; it writes its notice once let go
        locked.set()
        assert go.wait(WAIT_SECONDS)
        return real(*args, **kwargs)

    def first_run() -> None:
        try:
            shipments.tell_suppliers_to_ship(now=now + timedelta(minutes=5))
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    monkeypatch.setattr(shipments, "send_inbox_notices", held)
    first = threading.Thread(target=first_run, daemon=True)
    first.start()
    assert locked.wait(WAIT_SECONDS)
    monkeypatch.setattr(shipments, "send_inbox_notices", real)

    assert shipments.tell_suppliers_to_ship(now=now + timedelta(minutes=5, seconds=30)) == []

    go.set()
    first.join(WAIT_SECONDS)
    assert not first.is_alive() and not errors, errors
    assert [notice.title_text for notice in dropship_notices()] == ["2 笔直发订单待发货"]
    assert len(texts(supplier)) == 1
    assert set(Shipment.objects.values_list("supplier_notified_at", flat=True)) == {now + timedelta(minutes=5)}
