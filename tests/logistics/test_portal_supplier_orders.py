"""A supplier's pages of its orders: all of them, both fulfilments (warehouse and dropship), each linking to its shipment,
the recipient masked; and the dropship list, filtered by the states a dropship shipment can be in."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AccessLog
from points.services import orders
from tests.factories import ADDRESS
from tests.portal import logged_in, nav

pytestmark = pytest.mark.django_db

URL = "/logistics/orders/"


def rows(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-number="')[1:]]


def test_a_supplier_lists_its_orders_of_both_fulfilments_with_links_to_their_shipments(supplier_staff, warehouse_shipment,
                                                                                        dropship_shipment):
    html = logged_in(supplier_staff).get(URL).content.decode()

    assert sorted(rows(html)) == sorted([warehouse_shipment.order.number, dropship_shipment.order.number])
    assert f'href="/logistics/shipments/{warehouse_shipment.pk}/"' in html and f'href="/logistics/shipments/{dropship_shipment.pk}/"' in html
    assert "刘*" in html and ADDRESS["recipient_name"] not in html and ADDRESS["address"] not in html
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(("query", "expected"), [("fulfilment=dropship", "dropship"), ("fulfilment=warehouse", "warehouse"),
                                                  ("state=shipped", None)])
def test_the_orders_filter_by_fulfilment_and_state(supplier_staff, warehouse_shipment, dropship_shipment, query, expected):
    html = logged_in(supplier_staff).get(f"{URL}?{query}").content.decode()

    by_kind = {"dropship": dropship_shipment.order.number, "warehouse": warehouse_shipment.order.number}
    assert rows(html) == ([by_kind[expected]] if expected else [])


def test_the_orders_filter_by_order_number(supplier_staff, warehouse_shipment, dropship_shipment):
    html = logged_in(supplier_staff).get(f"{URL}?q={dropship_shipment.order.number}").content.decode()

    assert rows(html) == [dropship_shipment.order.number]


def test_another_supplier_sees_none_of_the_orders(other_supplier_admin, warehouse_shipment, dropship_shipment):
    html = logged_in(other_supplier_admin).get(URL).content.decode()

    assert rows(html) == []


def test_the_page_is_for_supplier_users_only_and_in_their_navigation(supplier_admin, supplier_staff, logistics):
    assert 'href="/logistics/orders/"' in nav(logged_in(supplier_admin).get("/supplier/notices/"))
    assert logged_in(logistics).get(URL).status_code == 403


def test_the_page_runs_the_same_queries_for_one_order_or_several(supplier_staff, stocked_gift, rich_member, now):
    client = logged_in(supplier_staff)
    counts = []
    for more in (1, 3):
        for _ in range(more):
            orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
        with CaptureQueriesContext(connection) as queries:
            client.get(URL)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_dropship_lists_state_filter_offers_only_states_a_dropship_shipment_can_be_in(supplier_staff):
    html = logged_in(supplier_staff).get("/logistics/dropship/").content.decode()

    select = html.split('name="state"')[1].split("</select>")[0]
    assert 'value="picked"' not in select and "待拣货" not in select and "已拣货" not in select
    assert 'value="created"' in select and "待发货" in select and 'value="shipped"' in select and 'value="delivered"' in select


def test_the_staff_shipment_list_still_offers_every_state(logistics):
    html = logged_in(logistics).get("/logistics/shipments/").content.decode()

    select = html.split('name="state"')[1].split("</select>")[0]
    assert 'value="picked"' in select and "待拣货" in select


def test_a_state_that_is_no_order_state_is_named_next_to_its_filter_and_nothing_is_listed(supplier_staff, warehouse_shipment,
                                                                                         dropship_shipment):
    response = logged_in(supplier_staff).get(f"{URL}?state=bogus&fulfilment=dropship")

    assert response.status_code == 400
    assert 'data-field="state"' in response.content.decode()
    assert rows(response.content.decode()) == []  # not the dropship orders of every state, which would pass for the state asked
