"""Confidentiality (保密条款, SPEC §4.13) through GET /api/v1/orders/: a member's contact data is masked for everyone
but the member, the logistics provider on warehouse orders from confirmation until they are completed, returned or
cancelled, and a dropship supplier on its own
order from confirmation until 7 days after delivery; every unmasked read by a non-member is in the access log."""
from datetime import timedelta

import pytest
import time_machine

from core.masking import mask_address, mask_name, mask_phone
from core.models import AccessLog
from logistics.models import Shipment
from logistics.services import shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Location
from suppliers.services import inventory
from tests.factories import GiftFactory, SupplierUserFactory
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped, published

pytestmark = pytest.mark.django_db

UNMASKED = (ADDRESS["recipient_name"], ADDRESS["recipient_phone"], ADDRESS["address"])
MASKED = (mask_name(ADDRESS["recipient_name"]), mask_phone(ADDRESS["recipient_phone"]), mask_address(ADDRESS["address"]))
DROPSHIP_WINDOW = timedelta(days=7)


@pytest.fixture
def dropship_gift(supplier, operator, now):
    """A listed dropship gift of `supplier` (whose users are supplier_admin and supplier_staff), 10 units at its own location."""
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    published(gift, actor=operator, at=now)
    own = Location.objects.create(code="DS-PRIV", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=10, at=now)
    return gift


@pytest.fixture
def dropship_order(rich_member, dropship_gift, now):
    return orders.place_order(member=rich_member, gift_id=dropship_gift.pk, quantity=1, now=now, **ADDRESS)


@pytest.fixture
def delivered_dropship_order(dropship_order, supplier_staff, logistics, now):
    """Shipped by the supplier and delivered an hour after the order was placed."""
    shipments.hand_over_dropship_orders(actor=None, now=now)
    shipment = Shipment.objects.get(order=dropship_order)
    picked_and_shipped(shipment=shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-PRIV")
    shipments.deliver_shipment(shipment=shipment, actor=logistics, now=now + timedelta(hours=1), signer="刘洋")
    dropship_order.refresh_from_db()
    return dropship_order


@pytest.fixture
def unconfirmed_order(rich_member, listed_gift, now):
    """A warehouse order above the SMS threshold, waiting for its code."""
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    assert order.state == RedemptionOrder.State.AWAITING_CONFIRMATION
    return order


def contact_read(api, user, order, *, at):
    """(recipient_name, recipient_phone, address) as `user` sees them on the order's detail at time `at`."""
    with time_machine.travel(at, tick=False):
        response = api(user).get(f"/api/v1/orders/{order.pk}/")
    assert response.status_code == 200, response.content
    data = response.json()
    return data["recipient_name"], data["recipient_phone"], data["address"]


def logged_reads(user, order) -> list[tuple[str, str]]:
    return list(AccessLog.objects.filter(actor=user, subject_type="points.redemptionorder", subject_id=str(order.pk)).values_list("fields", "purpose"))


# --- the member ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["confirmed_order", "unconfirmed_order", "delivered_dropship_order"])
def test_the_member_always_sees_its_own_contact_data_and_its_reads_are_not_logged(api, rich_member, request, now, which):
    order = request.getfixturevalue(which)

    seen = contact_read(api, rich_member.user, order, at=now + timedelta(days=60))

    assert seen == UNMASKED and not AccessLog.objects.exists()


# --- the logistics provider ---------------------------------------------------------------------------------------
def test_logistics_sees_a_confirmed_warehouse_order_unmasked_and_the_read_is_logged(api, logistics, confirmed_order, now):
    seen = contact_read(api, logistics, confirmed_order, at=now + timedelta(hours=1))

    assert seen == UNMASKED
    assert logged_reads(logistics, confirmed_order) == [("recipient_name,recipient_phone,address", "fulfilment")]


def test_logistics_sees_a_warehouse_order_masked_before_it_is_confirmed(api, logistics, unconfirmed_order, now):
    seen = contact_read(api, logistics, unconfirmed_order, at=now + timedelta(minutes=1))

    assert seen == MASKED and not AccessLog.objects.exists()


def test_logistics_sees_a_dropship_order_masked(api, logistics, delivered_dropship_order, now):
    seen = contact_read(api, logistics, delivered_dropship_order, at=now + timedelta(hours=2))

    assert seen == MASKED and not AccessLog.objects.exists()


def test_logistics_sees_a_warehouse_order_cancelled_before_handover_masked(api, logistics, operator, confirmed_order, now):
    orders.cancel_order(order=confirmed_order, actor=operator, now=now, reason="会员来电取消")

    seen = contact_read(api, logistics, confirmed_order, at=now + timedelta(hours=1))

    assert seen == MASKED and not AccessLog.objects.exists()


@pytest.fixture
def delivered_warehouse_order(confirmed_order, logistics, now):
    """The confirmed warehouse order handed over, shipped and delivered at `now`."""
    from tests.logistics.builders import deliver

    return deliver(confirmed_order, actor=logistics, now=now)


def test_logistics_sees_a_delivered_warehouse_order_unmasked_while_a_return_of_it_is_possible(
    api, logistics, delivered_warehouse_order, now
):
    seen = contact_read(api, logistics, delivered_warehouse_order, at=now + timedelta(days=14))

    assert seen == UNMASKED and len(logged_reads(logistics, delivered_warehouse_order)) == 1


def test_logistics_sees_a_completed_warehouse_order_masked_on_the_order_and_its_shipment(api, logistics, delivered_warehouse_order, now):
    completed_at = now + timedelta(days=15, minutes=1)
    orders.complete_orders(now=completed_at)
    shipment = Shipment.objects.get(order=delivered_warehouse_order)

    seen = contact_read(api, logistics, delivered_warehouse_order, at=completed_at + timedelta(minutes=1))
    with time_machine.travel(completed_at + timedelta(minutes=1), tick=False):
        on_shipment = api(logistics).get(f"/api/v1/shipments/{shipment.pk}/").json()

    assert RedemptionOrder.objects.get(pk=delivered_warehouse_order.pk).state == "completed"
    assert seen == MASKED and on_shipment["recipient_phone"] == MASKED[1]
    assert not AccessLog.objects.exists()


def test_logistics_sees_a_warehouse_order_given_up_after_a_failed_delivery_masked(api, logistics, operator, confirmed_order, now):
    shipments.hand_over_warehouse_orders(key="B-GIVE-UP", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-GONE")
    shipments.fail_shipment(shipment=shipment, actor=logistics, now=now, reason="地址不存在")
    while_failed = contact_read(api, logistics, confirmed_order, at=now + timedelta(hours=1))
    confirmed_order.refresh_from_db()
    orders.give_up_order(order=confirmed_order, actor=operator, now=now + timedelta(hours=2), reason="无法投递")

    after = contact_read(api, logistics, confirmed_order, at=now + timedelta(hours=3))

    assert (while_failed, after) == (UNMASKED, MASKED)


# --- the dropship supplier ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["supplier_admin", "supplier_staff"])
def test_the_dropship_supplier_sees_its_confirmed_order_unmasked_and_the_read_is_logged(api, request, dropship_order, now, role):
    user = request.getfixturevalue(role)

    seen = contact_read(api, user, dropship_order, at=now + timedelta(minutes=5))

    assert seen == UNMASKED and len(logged_reads(user, dropship_order)) == 1


def test_the_dropship_supplier_sees_its_order_masked_before_confirmation(api, supplier_staff, rich_member, dropship_gift, now):
    order = orders.place_order(member=rich_member, gift_id=dropship_gift.pk, quantity=7, now=now, **ADDRESS)
    assert order.state == RedemptionOrder.State.AWAITING_CONFIRMATION

    seen = contact_read(api, supplier_staff, order, at=now + timedelta(minutes=1))

    assert seen == MASKED and not AccessLog.objects.exists()


def test_the_dropship_supplier_still_sees_the_contact_exactly_7_days_after_delivery(api, supplier_staff, delivered_dropship_order):
    seen = contact_read(api, supplier_staff, delivered_dropship_order, at=delivered_dropship_order.delivered_at + DROPSHIP_WINDOW)

    assert seen == UNMASKED and len(logged_reads(supplier_staff, delivered_dropship_order)) == 1


def test_one_second_later_the_dropship_supplier_sees_it_masked_and_nothing_is_logged(api, supplier_staff, delivered_dropship_order):
    at = delivered_dropship_order.delivered_at + DROPSHIP_WINDOW + timedelta(seconds=1)

    seen = contact_read(api, supplier_staff, delivered_dropship_order, at=at)

    assert seen == MASKED and not AccessLog.objects.exists()


def test_the_supplier_of_a_warehouse_order_sees_it_masked(api, confirmed_order, listed_gift, now):
    owner = SupplierUserFactory(username="warehouse_owner", role="supplier_admin", supplier=listed_gift.supplier)

    seen = contact_read(api, owner, confirmed_order, at=now + timedelta(hours=1))

    assert seen == MASKED and not AccessLog.objects.exists()


def test_another_supplier_cannot_read_the_order_at_all(api, other_supplier_admin, dropship_order):
    assert api(other_supplier_admin).get(f"/api/v1/orders/{dropship_order.pk}/").status_code == 404


# --- operators and finance ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["operator", "finance"])
@pytest.mark.parametrize("which", ["confirmed_order", "dropship_order"])
def test_operators_and_finance_see_contact_data_masked(api, request, now, role, which):
    user, order = request.getfixturevalue(role), request.getfixturevalue(which)

    seen = contact_read(api, user, order, at=now + timedelta(minutes=5))

    assert seen == MASKED and not AccessLog.objects.exists()


# --- lists --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["logistics", "supplier_staff", "operator", "finance"])
def test_order_lists_show_contact_data_masked_to_everyone_but_the_member(api, request, confirmed_order, dropship_order, now, role):
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        rows = api(request.getfixturevalue(role)).get("/api/v1/orders/").json()["results"]

    assert rows and {(r["recipient_name"], r["recipient_phone"], r["address"]) for r in rows} == {MASKED}
    assert not AccessLog.objects.exists()


def test_the_members_own_order_list_is_unmasked(api, rich_member, confirmed_order, dropship_order):
    rows = api(rich_member.user).get("/api/v1/orders/").json()["results"]

    assert {(r["recipient_name"], r["recipient_phone"], r["address"]) for r in rows} == {UNMASKED}
