"""A supplier's pages of its orders: all of them, both fulfilments (warehouse and dropship), each linking to its shipment,
the recipient masked; and the dropship list, filtered by the states a dropship shipment can be in."""
import re
from copy import copy as copy_of
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AccessLog
from logistics.models import ReturnRequest, Shipment
from points.models import RedemptionOrder
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


def test_the_orders_filter_by_the_gifts_sku_or_name(supplier_staff, warehouse_shipment, dropship_shipment):
    type(dropship_shipment.order.gift).objects.filter(pk=dropship_shipment.order.gift_id).update(sku="DS-KETTLE-9", name="手冲咖啡壶")
    client = logged_in(supplier_staff)

    by_sku = rows(client.get(URL, {"gift": "kettle"}).content.decode())
    by_name = rows(client.get(URL, {"gift": "咖啡壶"}).content.decode())

    assert by_sku == by_name == [dropship_shipment.order.number]


def test_the_orders_filter_by_the_days_they_were_placed_on(supplier_staff, warehouse_shipment, dropship_shipment, now):
    type(dropship_shipment.order).objects.filter(pk=dropship_shipment.order.pk).update(placed_at=now - timedelta(days=10))
    client = logged_in(supplier_staff)
    today, earlier = (timezone.localdate(at).isoformat() for at in (now, now - timedelta(days=10)))

    recent = rows(client.get(URL, {"date_from": today}).content.decode())
    older = rows(client.get(URL, {"date_from": earlier, "date_to": earlier}).content.decode())
    wrong_way = client.get(URL, {"date_from": today, "date_to": earlier})

    assert recent == [warehouse_shipment.order.number] and older == [dropship_shipment.order.number]
    assert wrong_way.status_code == 400 and rows(wrong_way.content.decode()) == []


def test_each_order_number_links_to_its_shipment_page_the_supplier_may_open(supplier_staff, warehouse_shipment, dropship_shipment):
    client = logged_in(supplier_staff)
    html = client.get(URL).content.decode()

    pages = [client.get(f"/logistics/shipments/{shipment.pk}/").status_code for shipment in (warehouse_shipment, dropship_shipment)]

    for shipment in (warehouse_shipment, dropship_shipment):
        assert f'<a href="/logistics/shipments/{shipment.pk}/">{shipment.order.number}</a>' in html
    assert pages == [200, 200]


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


def _orders_and_their_parcels(warehouse_shipment, dropship_shipment, now) -> None:
    """60 more orders of the supplier, copies of its warehouse and dropship ones, two at each time placed (the id tells
    them apart), of three states: most with a parcel, some with a later re-delivery, some with an exchange's
    replacement made after their own parcels (never the one linked), some with none yet."""
    templates = [warehouse_shipment, dropship_shipment]
    for n in range(60):
        parcel = copy_of(templates[n % 2])
        order = copy_of(parcel.order)
        order.pk = order.id = None
        order.number, order.placed_at, order.redeem_entry = f"{order.number}-{n:02d}", now - timedelta(minutes=n // 2), None
        order.save()
        RedemptionOrder.objects.filter(pk=order.pk).update(state=["handed_over", "shipped", "delivery_failed"][n % 3])
        if n % 7 == 0:
            continue
        made = [now + timedelta(hours=1)] + ([now + timedelta(days=2)] if n % 4 == 0 else [])
        for at in made:
            Shipment.objects.create(order=order, supplier=parcel.supplier, kind=parcel.kind, quantity=1, created_at=at)
        if n % 5 == 0:
            exchange = ReturnRequest.objects.create(number=f"RR-{n:02d}", order=order, supplier=parcel.supplier, quantity=1,
                                                    reason="defective", remedy="exchange", requested_at=now)
            Shipment.objects.create(order=order, supplier=parcel.supplier, kind=parcel.kind, quantity=1,
                                    created_at=now + timedelta(days=3), replacement_for=exchange)


def _expected(supplier, *, page: int, **filters) -> list[tuple[str, int | None]]:
    """(number, latest own parcel) of the page's orders, worked out here from every row: the list's order (newest
    placed first, then the higher id), its filters, its window of 20."""
    listed = sorted(RedemptionOrder.objects.filter(supplier=supplier, **filters), key=lambda o: (o.placed_at, o.pk), reverse=True)
    own = {}
    for parcel in Shipment.objects.filter(replacement_for=None, send_back_for=None).order_by("created_at", "pk"):
        own[parcel.order_id] = parcel.pk
    return [(order.number, own.get(order.pk)) for order in listed[(page - 1) * 20:page * 20]]


def _listed(html: str) -> list[tuple[str, int | None]]:
    """(number, linked shipment) of each row of the page."""
    listed = []
    for row in html.split('data-number="')[1:]:
        row = row.split("</tr>")[0]
        link = re.search(r'href="/logistics/shipments/(\d+)/"', row)
        listed.append((row.split('"', 1)[0], int(link.group(1)) if link else None))
    return listed


@pytest.mark.parametrize(("query", "page", "filters"), [
    ("page=3", 3, {}), ("page=4", 4, {}), ("fulfilment=dropship&page=2", 2, {"fulfilment": "dropship"}),
    ("state=shipped&fulfilment=warehouse&page=1", 1, {"state": "shipped", "fulfilment": "warehouse"}),
    ("q=-&page=2", 2, {"number__contains": "-"}),
])
def test_a_deep_page_lists_the_orders_of_its_window_in_the_lists_order_each_linking_to_its_own_latest_parcel(
        supplier_staff, warehouse_shipment, dropship_shipment, now, query, page, filters):
    _orders_and_their_parcels(warehouse_shipment, dropship_shipment, now)
    expected = _expected(warehouse_shipment.supplier, page=page, **filters)

    html = logged_in(supplier_staff).get(f"{URL}?{query}").content.decode()

    assert expected and _listed(html) == expected
