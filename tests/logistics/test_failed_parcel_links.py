"""A failed delivery is acted on from where the dashboard sends the operator: the parcel's page links its order (the
decision to re-deliver or give up is there) and a return's parcel its return, for the readers who may open them; the
staff's order page shows the order's parcels (why one failed, to whom, masked) and returns, and links the member."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.services import shipments
from points.models import RedemptionOrder
from core.roles import Role
from points.services import orders
from tests.factories import SupplierUserFactory
from tests.helpers import picked_and_shipped
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_parcel(shipped, logistics, now):
    """The shipped warehouse parcel nobody took: its order waits for the operator's decision."""
    return shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=1), reason="收件人不在")


@pytest.fixture
def gift_supplier_staff(listed_gift):
    """Staff of the supplier whose gift the parcels carry."""
    return SupplierUserFactory(username="gift_supplier_staff", role=Role.SUPPLIER_STAFF, supplier=listed_gift.supplier)


def page(user, url: str) -> str:
    response = logged_in(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_operator_goes_from_a_failed_parcel_to_its_order_and_decides_there(failed_parcel, operator):
    parcel_page = page(operator, f"/logistics/shipments/{failed_parcel.pk}/")

    order_url = f"/member/order-admin/{failed_parcel.order_id}/"
    assert f'href="{order_url}" data-testid="order-decision"' in parcel_page
    order_page = page(operator, order_url)
    assert 'data-action="redeliver"' in order_page and 'data-action="give_up"' in order_page


def test_once_the_operator_has_decided_the_failed_parcel_asks_for_no_decision_any_more(failed_parcel, operator, now):
    asked = page(operator, f"/logistics/shipments/{failed_parcel.pk}/")
    orders.give_up_order(order=failed_parcel.order, actor=operator, now=now, reason="地址无效")
    decided = page(operator, f"/logistics/shipments/{failed_parcel.pk}/")

    assert 'data-testid="order-decision"' in asked and 'data-testid="order-decision"' not in decided


def test_logistics_staff_are_linked_to_the_order_without_being_asked_to_decide(failed_parcel, logistics):
    parcel_page = page(logistics, f"/logistics/shipments/{failed_parcel.pk}/")

    assert f'href="/member/order-admin/{failed_parcel.order_id}/" data-testid="order-link"' in parcel_page
    assert 'data-testid="order-decision"' not in parcel_page
    assert 'data-action="give_up"' not in page(logistics, f"/member/order-admin/{failed_parcel.order_id}/")


def test_a_supplier_reading_its_parcel_gets_no_link_to_the_staffs_order_page(failed_parcel, gift_supplier_staff):
    parcel_page = page(gift_supplier_staff, f"/logistics/shipments/{failed_parcel.pk}/")

    assert "/member/order-admin/" not in parcel_page and 'data-testid="return-link"' not in parcel_page
    assert logged_in(gift_supplier_staff).get(f"/member/order-admin/{failed_parcel.order_id}/").status_code in (403, 404)


def test_a_failed_replacement_links_its_return_for_staff_and_for_the_supplier_it_belongs_to(failed, exchanged, operator,
                                                                                         gift_supplier_staff):
    for reader in (operator, gift_supplier_staff):
        parcel_page = page(reader, f"/logistics/shipments/{failed.pk}/")

        assert f'href="/logistics/returns/{exchanged.pk}/" data-testid="return-link"' in parcel_page
    assert 'data-testid="order-decision"' not in page(operator, f"/logistics/shipments/{failed.pk}/")


def test_the_operators_order_page_shows_the_failed_parcel_with_its_reason_and_the_recipient_masked(failed_parcel, operator):
    order_page = page(operator, f"/member/order-admin/{failed_parcel.order_id}/")

    parcels = order_page.split('data-testid="order-parcels"', 1)[1].split("</section>", 1)[0]
    assert f'href="/logistics/shipments/{failed_parcel.pk}/"' in parcels
    assert "顺丰" in parcels and failed_parcel.tracking_number in parcels and "收件人不在" in parcels
    assert "138****8000" in parcels and "13800138000" not in order_page
    order = RedemptionOrder.objects.get(pk=failed_parcel.order_id)
    assert f'href="/member/member-admin/{order.member_id}/" data-testid="member-link"' in order_page


@pytest.mark.parametrize("reader", ["logistics", "finance"])
def test_staff_who_do_not_support_members_see_the_parcels_but_no_link_to_the_member(failed_parcel, request, reader):
    order_page = page(request.getfixturevalue(reader), f"/member/order-admin/{failed_parcel.order_id}/")

    assert "收件人不在" in order_page and "13800138000" not in order_page
    assert "/member/member-admin/" not in order_page


def test_the_operators_order_page_lists_its_returns_without_the_members_buttons(failed, exchanged, operator):
    order_page = page(operator, f"/member/order-admin/{exchanged.order_id}/")

    returns_section = order_page.split('data-testid="order-returns"', 1)[1].split("</section>", 1)[0]
    assert f'href="/logistics/returns/{exchanged.pk}/"' in returns_section
    assert 'data-testid="request-return"' not in returns_section and 'data-testid="complain"' not in returns_section
    assert "地址错误，无人签收" in order_page  # the replacement's failure, among the order's parcels


def test_the_order_page_reads_its_parcels_in_the_same_queries_however_many_there_are(failed_parcel, operator, logistics, now):
    client, url = logged_in(operator), f"/member/order-admin/{failed_parcel.order_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    order = RedemptionOrder.objects.get(pk=failed_parcel.order_id)
    for attempt in range(2):
        orders.redeliver_order(order=order, actor=operator, now=now + timedelta(hours=2 + attempt), reason="再试一次")
        parcel = picked_and_shipped(shipment=shipments.active_shipment(order), actor=logistics, now=now + timedelta(hours=2 + attempt),
                                    carrier="顺丰", tracking_number=f"SF-RE{attempt}")
        shipments.fail_shipment(shipment=parcel, actor=logistics, now=now + timedelta(hours=3 + attempt), reason="电话无人接听")
        order.refresh_from_db()

    with CaptureQueriesContext(connection) as three:
        response = client.get(url)

    assert response.content.decode().count('data-testid="failure-reason"') == 3
    assert len(three.captured_queries) == len(one.captured_queries)
