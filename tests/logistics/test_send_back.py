"""A return refused at inspection (the gift was used) sends the goods back to the member (SPEC §4.7): a parcel of the
return from wherever the goods came back to, shipped with carrier and tracking number, its state on the return's page,
in its API answer and history, and in the member's tracking; it moves no stock, no order state and no statement line."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.models import Notification
from logistics.models import ReturnRequest, Shipment
from logistics.services import returns, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import StockMovement
from tests.helpers import picked_and_shipped
from tests.logistics import test_returns as shared
from tests.logistics.test_returns import received
from tests.portal import logged_in

delivered_order, dropship_order, dropship_shipped = shared.delivered_order, shared.dropship_order, shared.dropship_shipped  # the fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]



@pytest.fixture
def refused(delivered_order, operator, logistics, now) -> ReturnRequest:
    """One unit of the delivered warehouse order, found used at the warehouse and refused."""
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    return returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="used", reason="有明显使用痕迹")


def send_back(refused: ReturnRequest) -> Shipment:
    return Shipment.objects.get(send_back_for=refused)


def test_refusing_a_used_gift_makes_a_parcel_back_to_the_member_from_the_warehouse(refused, delivered_order):
    parcel = send_back(refused)

    assert refused.state == "refused"
    assert (parcel.kind, parcel.quantity, parcel.state, parcel.settlement_amount) == ("warehouse", 1, "created", Decimal("0.00"))
    assert parcel.order_id == delivered_order.pk and parcel.replacement_for_id is None
    assert shipments.active_shipment(delivered_order).send_back_for_id is None


def test_logistics_ships_the_goods_back_and_the_member_is_texted_the_tracking_number(refused, logistics, now):
    movements_before = StockMovement.objects.count()

    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    assert send_back(refused).state == "shipped"
    text = Notification.objects.get(kind="return_sent_back").body
    assert refused.number in text and "顺丰 运单号 SF-BACK" in text
    assert StockMovement.objects.count() == movements_before
    assert RedemptionOrder.objects.get().state == "delivered"


def test_the_member_receiving_the_goods_back_leaves_the_order_and_the_return_as_they_were(refused, delivered_order, logistics, now):
    parcel = picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    shipments.confirm_shipment_receipt(shipment=parcel, actor=delivered_order.member.user, now=now + timedelta(days=2))

    assert send_back(refused).state == "delivered"
    assert (RedemptionOrder.objects.get().state, ReturnRequest.objects.get().state) == ("delivered", "refused")


def test_the_returns_history_follows_the_parcel_back(refused, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now + timedelta(hours=1), carrier="顺丰", tracking_number="SF-BACK")

    steps = [(log.transition, log.target_state) for log in returns.return_history(refused)]

    assert steps == [("approve", "approved"), ("receive", "received"), ("inspect", "inspected"), ("refuse", "refused"),
                     ("pick", "picked"), ("ship", "shipped")]


def test_a_dropship_return_refused_is_sent_back_by_its_supplier(dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")
    parcel = send_back(return_request)

    shipments.ship_shipment(shipment=parcel, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-BACK")

    assert (parcel.kind, parcel.state, parcel.tracking_number) == ("dropship", "shipped", "ZT-BACK")
    assert shipments.may_drive_by_hand(user=supplier_staff, shipment=parcel, action="ship")


def test_the_order_does_not_complete_while_its_goods_are_on_the_way_back(refused, delivered_order, logistics, now):
    parcel = picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    held = orders.complete_orders(now=now + timedelta(days=16))
    shipments.deliver_shipment(shipment=parcel, actor=logistics, now=now + timedelta(days=16), signer="刘洋")
    completed = orders.complete_orders(now=now + timedelta(days=17))

    assert held == [] and completed == [delivered_order.pk]


def test_the_api_shows_the_member_the_parcel_back_and_its_history(api, refused, delivered_order, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")
    member = api(delivered_order.member.user)

    seen = member.get(f"/api/v1/returns/{refused.pk}/").json()
    history = member.get(f"/api/v1/returns/{refused.pk}/history/").json()

    assert seen["state"] == "refused"
    assert [(p["state"], p["carrier"], p["tracking_number"]) for p in seen["sent_back"]] == [("shipped", "顺丰", "SF-BACK")]
    assert [step["target_state"] for step in history][-3:] == ["refused", "picked", "shipped"]


def test_the_return_page_shows_the_parcel_back_and_explains_it(refused, delivered_order, logistics, now):
    picked_and_shipped(shipment=send_back(refused), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-BACK")

    as_member = logged_in(delivered_order.member.user).get(f"/logistics/returns/{refused.pk}/").content.decode()
    as_logistics = logged_in(logistics).get(f"/logistics/returns/{refused.pk}/").content.decode()

    for page in (as_member, as_logistics):
        assert 'data-testid="sent-back"' in page and "顺丰 SF-BACK" in page and 'data-testid="refused-note"' in page
    assert f'href="/logistics/shipments/{send_back(refused).pk}/"' in as_logistics
    assert "/logistics/shipments/" not in as_member


def test_logistics_ships_the_parcel_back_from_its_shipment_page(refused, logistics):
    client = logged_in(logistics)
    parcel = send_back(refused)

    page = client.get(f"/logistics/shipments/{parcel.pk}/").content.decode()
    client.post(f"/logistics/shipments/{parcel.pk}/pick/", {})
    client.post(f"/logistics/shipments/{parcel.pk}/ship/", {"carrier": "顺丰", "tracking_number": "SF-BACK"})

    assert 'data-testid="send-back"' in page
    assert send_back(refused).state == "shipped"
