"""Confirmed orders ready for logistics, their shipment handed over and shipped; the leftover-gift world."""
import pytest

from logistics.models import LeftoverLot, Shipment
from logistics.services import shipments
from points.services import orders
from suppliers.models import Location
from suppliers.services import catalog, inventory
from tests.factories import FIXED_NOW, WarehouseFactory
from tests.logistics.leftover_world import RETIRED_ON, offline_gift
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped


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
    """Two warehouse orders handed over together: their shipments wait for picking, the confirmed order's first."""
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-TWO", actor=logistics, now=now)
    first, second = Shipment.objects.order_by("pk")
    return first, second


# --- the leftover-gift world (tests.logistics.leftover_world) ---
@pytest.fixture
def warehouses(db):
    return WarehouseFactory(code="WH-A", name="华东A仓"), WarehouseFactory(code="WH-B", name="华南B仓"), WarehouseFactory(code="WH-C")


@pytest.fixture
def stocked_gift(operator, warehouses):
    """Offline; 5 units in A, 3 in B, 2 in C all reserved, 4 at the supplier's own dropship location."""
    a, b, c = warehouses
    gift = offline_gift(operator, RETIRED_ON)
    own = Location.objects.create(code="DS-OWN", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=gift.supplier)
    for location, quantity in ((a, 5), (b, 3), (c, 2), (own, 4)):
        inventory.receive_stock(gift=gift, location=location, quantity=quantity, at=RETIRED_ON)
    inventory.reserve_stock(gift=gift, location=c, quantity=2, at=RETIRED_ON)
    return gift


@pytest.fixture
def lots(stocked_gift, operator, warehouses):
    """The gift retired on 2026-10-15: open lots in A (5) and B (3), due 2026-11-14."""
    catalog.retire_gift(gift=stocked_gift, actor=operator, now=RETIRED_ON)
    a, b, _ = warehouses
    return LeftoverLot.objects.get(location=a), LeftoverLot.objects.get(location=b)


@pytest.fixture
def lot(lots):
    return lots[0]


@pytest.fixture
def clock_at_now(time_machine):
    """Hold the clock the API and the pages read at the fixed `now` (`pytestmark = pytest.mark.usefixtures("clock_at_now")`)."""
    time_machine.move_to(FIXED_NOW, tick=False)
