"""Confirmed orders ready for logistics, their shipment handed over and shipped."""
import pytest

from logistics.models import Shipment
from logistics.services import shipments
from points.services import orders
from tests.points.conftest import ADDRESS, listed_gift, rich_member  # noqa: F401  (fixtures reused here)


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
    return shipments.ship_shipment(shipment=handed_over, actor=logistics, now=now, carrier="顺丰", tracking_number=TRACKING)
