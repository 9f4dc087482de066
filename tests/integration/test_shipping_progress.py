"""Shipping by file on PostgreSQL: the rows are shipped in one transaction, all or none, yet the upload's count of the
rows done is seen from another connection (the upload's page) while that transaction is still open; a file failing
halfway keeps where it stopped and ships none."""
import threading

import pytest
from django.db import connections
from django.utils import timezone

from core.roles import Role
from logistics import tasks
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping, shipments
from points.services import ledger, orders
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import published


@pytest.fixture
def three_waiting(programs):  # noqa: F811
    now = timezone.now()
    operator = UserFactory(role=Role.OPERATOR)
    gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-PROGRESS"), quantity=3, at=now)
    for n in range(3):
        member = MemberFactory()
        ledger.earn_points(member=member, points=5_000, source=ledger.Source("batch", f"PROGRESS-{n}"), at=now)
        orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    logistics = UserFactory(role=Role.LOGISTICS)
    shipments.hand_over_warehouse_orders(key="PROGRESS", actor=logistics, now=now)
    return logistics, list(Shipment.objects.order_by("pk"))


def uploaded(logistics, waiting, monkeypatch) -> ShipmentUpload:
    """The upload of a file shipping every waiting parcel, its task not run: the test runs it."""
    monkeypatch.setattr(tasks.ship_uploaded_shipments, "apply_async", lambda *_args, **_kwargs: None)
    content = "\r\n".join(["运单ID,承运商,运单号", *(f"{s.pk},顺丰,SF-P{s.pk}" for s in waiting)]).encode()
    return bulk_shipping.upload_shipping_file(actor=logistics, now=timezone.now(), file_name="w.csv", content=content)


def seen_from_another_connection(upload_id: int) -> int:
    seen = []

    def look() -> None:
        try:
            seen.append(ShipmentUpload.objects.get(pk=upload_id).rows_done)
        finally:
            connections.close_all()

    reader = threading.Thread(target=look)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "the count waited for the shipping transaction"
    return seen[0]


def shipped_while_looking(upload: ShipmentUpload, monkeypatch, *, down_at: int = 0) -> list[int]:
    """Ship the upload, its count written at every row, looking at the count from another connection before each
    parcel ships (the carrier's system down at parcel `down_at`, counting from 1); the counts seen."""
    ship, seen = shipments.ship_shipment, []

    def ship_and_look(**kwargs):
        seen.append(seen_from_another_connection(upload.pk))
        if len(seen) == down_at:
            raise RuntimeError("carrier system down")
        return ship(**kwargs)

    monkeypatch.setattr(shipments, "ship_shipment", ship_and_look)
    bulk_shipping.ship_upload(upload_id=upload.pk, now=timezone.now(), progress_every=1)
    return seen


def test_the_rows_done_are_seen_from_another_connection_while_the_file_ships(three_waiting, monkeypatch):
    logistics, waiting = three_waiting
    upload = uploaded(logistics, waiting, monkeypatch)

    seen = shipped_while_looking(upload, monkeypatch)

    upload.refresh_from_db()
    assert seen == [0, 1, 2]
    assert (upload.status, upload.rows_done, upload.shipped_count) == ("shipped", 3, 3)
    assert set(Shipment.objects.values_list("state", flat=True)) == {"shipped"}


def test_a_file_failing_halfway_keeps_where_it_stopped_and_ships_none(three_waiting, monkeypatch):
    logistics, waiting = three_waiting
    upload = uploaded(logistics, waiting, monkeypatch)

    with pytest.raises(RuntimeError):
        shipped_while_looking(upload, monkeypatch, down_at=3)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_done, upload.shipped_count) == ("rejected", 2, 0)
    assert set(Shipment.objects.values_list("state", flat=True)) == {"created"}
