"""Confirmed orders ready for logistics, their shipment handed over and shipped; the leftover-gift world; the goods-flow
world (a warehouse with a supplier's stocked gift, orders handed over, an inbound announcement); a
warehouse return's defective unit owed back to its supplier, sent, then disputed."""
from datetime import timedelta

import pytest

from core.roles import Role
from logistics.models import GoodsBack, LeftoverLot, ReturnRequest, Shipment
from logistics.services import bulk_shipping, claims, goods_back, inbound, returns, shipments
from logistics.tasks import ship_uploaded_shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Location
from suppliers.services import catalog, inventory
from tests.factories import ADDRESS, FIXED_NOW, GiftFactory, SupplierUserFactory, WarehouseFactory, licensed
from tests.helpers import picked_and_shipped, published
from tests.logistics.builders import deliver, received, replacement_shipped
from tests.logistics.leftover_world import RETIRED_ON, offline_gift


@pytest.fixture
def supplier(supplier):
    """The shared `supplier`, holding a valid business licence: its gifts are listed."""
    return licensed(supplier)


@pytest.fixture
def confirmed_order(rich_member, listed_gift, now):  # noqa: F811
    return orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)


TRACKING = "SF1001"


@pytest.fixture
def handed_over(confirmed_order, logistics, now) -> Shipment:
    """The confirmed warehouse order handed to the logistics provider: its shipment is created, no waybill yet."""
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    return Shipment.objects.get()


@pytest.fixture
def shipped(handed_over, logistics, now) -> Shipment:
    """The warehouse shipment shipped by logistics staff with SF Express as SF1001."""
    return picked_and_shipped(shipment=handed_over, actor=logistics, now=now, carrier="顺丰", tracking_number=TRACKING)


@pytest.fixture
def two_handed_over(confirmed_order, rich_member, listed_gift, logistics, now) -> tuple[Shipment, Shipment]:
    """Two warehouse orders handed over: their shipments wait for picking, the confirmed order's first (in batch B-TWO
    with the second, unless a module's world handed it over before)."""
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-TWO", actor=logistics, now=now)
    first, second = Shipment.objects.order_by("pk")
    return first, second


@pytest.fixture
def seen_halfway(two_handed_over, logistics, now, monkeypatch):
    """seen_halfway(look) → what `look(upload)` returned while the shipping of a file of both `two_handed_over` parcels
    was halfway: the first row gone through and counted by the shipping itself, the second parcel about to ship. The
    file is uploaded in a transaction of its own, committed before the shipping starts as in production (the test using
    it is transactional, so that the count written beside the shipping's transaction finds the upload); the upload then
    ships to its end."""

    def ship_looking(look):
        ship, seen = shipments.ship_shipment, []

        def look_before_the_second(**kwargs):
            if kwargs["shipment"] == two_handed_over[1]:
                seen.append(look(upload))
            return ship(**kwargs)

        monkeypatch.setattr(shipments, "ship_shipment", look_before_the_second)
        monkeypatch.setattr(ship_uploaded_shipments, "apply_async", lambda *args, **kwargs: None)  # its work is done below, counting every row
        content = "\r\n".join(["运单ID,承运商,运单号", *(f"{s.pk},顺丰,SF-{s.pk}" for s in two_handed_over)]).encode()
        upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv", content=content)
        done = bulk_shipping.ship_upload(upload_id=upload.pk, now=now, progress_every=1)
        assert (done.status, done.rows_done, len(seen)) == ("shipped", 2, 1)
        return seen[0]

    return ship_looking


# --- the leftover-gift world (tests.logistics.leftover_world) ---
@pytest.fixture
def warehouses(db):
    return WarehouseFactory(code="WH-A", name="华东A仓"), WarehouseFactory(code="WH-B", name="华南B仓"), WarehouseFactory(code="WH-C")


@pytest.fixture
def offline_stocked_gift(operator, warehouses):
    """Offline; 5 units in A, 3 in B, 2 in C all reserved, 4 at the supplier's own dropship location."""
    a, b, c = warehouses
    gift = offline_gift(operator, RETIRED_ON)
    own = Location.objects.create(code="DS-OWN", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=gift.supplier)
    for location, quantity in ((a, 5), (b, 3), (c, 2), (own, 4)):
        inventory.receive_stock(gift=gift, location=location, quantity=quantity, at=RETIRED_ON)
    inventory.reserve_stock(gift=gift, location=c, quantity=2, at=RETIRED_ON)
    return gift


@pytest.fixture
def lots(offline_stocked_gift, operator, warehouses):
    """The gift retired on 2026-10-15: open lots in A (5) and B (3), due 2026-11-14."""
    catalog.retire_gift(gift=offline_stocked_gift, actor=operator, now=RETIRED_ON, reason="停产")
    a, b, _ = warehouses
    return LeftoverLot.objects.get(location=a), LeftoverLot.objects.get(location=b)


@pytest.fixture
def lot(lots):
    return lots[0]


@pytest.fixture
def clock_at_now(time_machine):
    """Hold the clock the API and the pages read at the fixed `now` (`pytestmark = pytest.mark.usefixtures("clock_at_now")`)."""
    time_machine.move_to(FIXED_NOW, tick=False)


# --- returns: delivered orders (a warehouse one, a dropship one) and an exchange -------------------------

@pytest.fixture
def delivered_order(confirmed_order, logistics, now):
    """Two units of the listed gift (1500 points, ¥180.00 each) from warehouse WH-ORD, delivered at `now`."""
    return deliver(confirmed_order, actor=logistics, now=now)


@pytest.fixture
def dropship_shipped(rich_member, operator, supplier_staff, now) -> Shipment:
    """Two units of a dropship gift of the `supplier` fixture, shipped by its staff with its own carrier at `now`."""
    gift = published(GiftFactory(supplier=supplier_staff.supplier_membership.supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-RET", name="自有仓", kind="dropship", supplier=gift.supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=5, at=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=2, now=now, **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    shipment = Shipment.objects.get(order=order)
    return picked_and_shipped(shipment=shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-RET")


@pytest.fixture
def dropship_order(dropship_shipped, now):
    """The dropship order of `dropship_shipped`, delivered at `now`."""
    shipments.deliver_shipment(shipment=dropship_shipped, actor=None, now=now, signer="刘洋")
    return RedemptionOrder.objects.get(pk=dropship_shipped.order_id)


@pytest.fixture
def two_received(delivered_order, operator, logistics, now) -> ReturnRequest:
    """A return of both units of the delivered warehouse order as defective, received by logistics (units to split)."""
    return received(delivered_order, operator=operator, handler=logistics, now=now, quantity=2, reason="defective")


@pytest.fixture
def exchange(delivered_order, operator, logistics, now):
    """A received return of one defective unit, for which the member asks a replacement."""
    return received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective", remedy="exchange")


@pytest.fixture
def exchanged(exchange, logistics, now) -> ReturnRequest:
    """One defective unit of the delivered warehouse order, exchanged: its replacement waits to be picked."""
    return returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")


@pytest.fixture
def failed(exchanged, logistics, now) -> Shipment:
    """The replacement shipped and failed: nobody was at the address (the parcel came back to the warehouse)."""
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    return shipments.fail_shipment(shipment=parcel, actor=logistics, now=now + timedelta(days=1), reason="地址错误，无人签收")


@pytest.fixture
def lost(exchanged, logistics, now) -> Shipment:
    """The replacement shipped and reported lost in transit (a lost-parcel claim fails it)."""
    parcel = replacement_shipped(exchanged, logistics=logistics, now=now)
    claims.report_lost_parcel(shipment=parcel, actor=logistics, now=now + timedelta(days=1))
    parcel.refresh_from_db()
    return parcel


# --- the goods-flow world (inbound, handoff, shipments), shared by the flow API and page tests ---
@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-FLOW", name="华东仓")


def stock_gift(supplier, *, operator, warehouse, now):
    """A listed warehouse gift of the supplier with 20 units in `warehouse` (`stocked_gift`)."""
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=warehouse, quantity=20, at=now)
    return gift


@pytest.fixture
def stocked_gift(supplier, operator, warehouse, now):
    """A listed warehouse gift of the supplier with 20 units."""
    return stock_gift(supplier, operator=operator, warehouse=warehouse, now=now)


@pytest.fixture
def warehouse_shipment(stocked_gift, rich_member, logistics, now):
    """A handed-over warehouse order of the supplier's gift: its shipment waits for picking."""
    order = orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    return Shipment.objects.get(order=order)


@pytest.fixture
def dropship_shipment(supplier, operator, rich_member, now):
    """A dropship order of the supplier handed to it; its shipment waits for the supplier to ship."""
    gift = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-FLOW", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=3, at=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    return Shipment.objects.get(order=order)


@pytest.fixture
def announced(supplier, stocked_gift, warehouse, now):
    return inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=warehouse.pk, quantity=10,
                                    expected_on=now.date() + timedelta(days=3), actor=None, now=now)


# --- defective units of a warehouse return owed back to its supplier (goods back) ---------------------------

@pytest.fixture
def gift_staff(delivered_order):
    """A staff user of the delivered order's supplier, to whom the units go back."""
    return SupplierUserFactory(username="gift_staff", role=Role.SUPPLIER_STAFF, supplier=delivered_order.supplier)


@pytest.fixture
def defective(delivered_order, operator, logistics, now):
    """One unit of the delivered warehouse order returned as defective and refunded: written off at WH-ORD."""
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")
    return returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective", reason="外壳开裂")


@pytest.fixture
def owed(defective) -> GoodsBack:
    return defective.goods_back


@pytest.fixture
def sent(owed, logistics, now) -> GoodsBack:
    return goods_back.dispatch_goods_back(goods=owed, actor=logistics, now=now + timedelta(hours=1), method="carrier", carrier="顺丰",
                                          tracking_number="sf-back-1")


@pytest.fixture
def disputed(sent, gift_staff, now) -> GoodsBack:
    return goods_back.dispute_goods_back(goods=sent, actor=gift_staff, now=now + timedelta(days=1), reason="只收到 0 件")
