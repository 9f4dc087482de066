"""Filters of the logistics lists: shipments by warehouse, state and the day they were created; handoff batches by
supplier and day. A filter stays in the pagination links, and a day range the wrong way round is shown next to its
field."""
import re
from datetime import timedelta

import pytest
from django.test import Client

from logistics.models import Shipment
from suppliers.models import Location
from logistics.services import shipments
from points.services import orders
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import field_errors

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed_numbers(html: str) -> set[str]:
    return set(re.findall(r'<tr data-number="([^"]+)"', html))


def place_and_hand_over(*, gift, member, actor, at, count: int = 1, key: str) -> list[Shipment]:
    placed = [orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=at, **ADDRESS) for _ in range(count)]
    shipments.hand_over_warehouse_orders(key=key, actor=actor, now=at)
    return list(Shipment.objects.filter(order__in=placed).select_related("order"))


@pytest.fixture
def east_and_south(operator, rich_member, logistics, now):
    """A shipment from the east warehouse handed over three days ago, and one from the south warehouse today, each of
    its own supplier's gift."""
    made = {}
    for code, name, at in (("WH-E", "华东仓", now - timedelta(days=3)), ("WH-S", "华南仓", now)):
        warehouse = WarehouseFactory(code=code, name=name)
        gift = published(GiftFactory(), actor=operator, at=now)
        inventory.receive_stock(gift=gift, location=warehouse, quantity=30, at=now)
        made[code] = (warehouse, gift, place_and_hand_over(gift=gift, member=rich_member, actor=logistics, at=at, key=code)[0])
    return made


def test_the_shipment_list_filters_by_warehouse(logistics, east_and_south):
    east, east_gift, east_shipment = east_and_south["WH-E"]
    south_shipment = east_and_south["WH-S"][2]

    html = logged_in(logistics).get("/logistics/shipments/", {"warehouse": east.pk}).content.decode()

    assert listed_numbers(html) == {east_shipment.order.number}
    assert south_shipment.order.number not in html
    assert 'data-testid="warehouse">华东仓<' in html


def test_the_shipment_list_filters_by_the_day_it_was_created_and_by_state(logistics, east_and_south, now):
    east_shipment, south_shipment = east_and_south["WH-E"][2], east_and_south["WH-S"][2]
    shipments.pick_shipment(shipment=south_shipment, actor=logistics, now=now)
    client = logged_in(logistics)

    today = client.get("/logistics/shipments/", {"date_from": f"{now:%Y-%m-%d}"}).content.decode()
    earlier = client.get("/logistics/shipments/", {"date_to": f"{now - timedelta(days=1):%Y-%m-%d}"}).content.decode()
    picked = client.get("/logistics/shipments/", {"state": "picked"}).content.decode()

    assert listed_numbers(today) == {south_shipment.order.number}
    assert listed_numbers(earlier) == {east_shipment.order.number}
    assert listed_numbers(picked) == {south_shipment.order.number}


def test_a_day_range_the_wrong_way_round_is_shown_next_to_its_field_and_lists_nothing(logistics, east_and_south, now):
    response = logged_in(logistics).get("/logistics/shipments/", {"date_from": f"{now:%Y-%m-%d}",
                                                                  "date_to": f"{now - timedelta(days=5):%Y-%m-%d}"})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="date_to">结束日期不能早于开始日期<' in html
    assert listed_numbers(html) == set()  # not the rows of the from day alone, which would pass for the range


def test_the_warehouse_filter_stays_in_the_pagination_links(logistics, east_and_south, rich_member, now):
    east, east_gift, _ = east_and_south["WH-E"]
    place_and_hand_over(gift=east_gift, member=rich_member, actor=logistics, at=now, count=20, key="MORE")
    client = logged_in(logistics)

    first = client.get("/logistics/shipments/", {"warehouse": east.pk}).content.decode()
    second = client.get("/logistics/shipments/", {"warehouse": east.pk, "page": 2}).content.decode()

    assert f'href="?warehouse={east.pk}&amp;page=2"' in first
    assert len(listed_numbers(first)) == 20 and len(listed_numbers(second)) == 1
    assert east_and_south["WH-S"][2].order.number not in first + second


def test_suppliers_lists_offer_no_warehouse_filter(supplier_staff, member):
    dropship = logged_in(supplier_staff).get("/logistics/dropship/").content.decode()
    tracking = logged_in(member.user).get("/logistics/my-shipments/").content.decode()

    assert 'name="warehouse"' not in dropship + tracking
    assert 'name="date_from"' in dropship and 'name="date_from"' in tracking


def test_handoff_batches_filter_by_the_supplier_whose_orders_they_hold_and_by_day(operator, east_and_south, now):
    east_supplier = east_and_south["WH-E"][1].supplier
    client = logged_in(operator)

    by_supplier = client.get("/logistics/handoff/", {"supplier": east_supplier.pk}).content.decode()
    today = client.get("/logistics/handoff/", {"date_from": f"{now:%Y-%m-%d}", "date_to": f"{now:%Y-%m-%d}"}).content.decode()

    east_batch, south_batch = (shipment.order.handoff_item.batch for shipment in (east_and_south["WH-E"][2], east_and_south["WH-S"][2]))
    assert east_batch.number in by_supplier and south_batch.number not in by_supplier
    assert re.search(rf'data-number="{east_batch.number}">.*?data-testid="order-count">1<', by_supplier, re.S)
    assert south_batch.number in today and east_batch.number not in today


@pytest.mark.parametrize("warehouse", ["999999", "abc", "{dropship}"])
def test_a_warehouse_the_list_does_not_offer_is_named_next_to_its_filter_and_no_shipment_is_listed(
    logistics, east_and_south, supplier, warehouse,
):
    dropship = Location.objects.create(code="DS-OWN", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=supplier)

    value = warehouse.format(dropship=dropship.pk)

    response = logged_in(logistics).get("/logistics/shipments/", {"warehouse": value, "state": "created"})

    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(response) == {"warehouse": f"选择一个有效的选项。 {value} 不在可用的选项中。"}
    assert 'data-testid="filter-error">' in html
    assert listed_numbers(html) == set()  # not every warehouse's shipments, which would pass for the one asked


@pytest.mark.parametrize(("field", "day"), [("date_from", "2026-13-45"), ("date_to", "yesterday")])
def test_a_day_that_is_no_date_is_named_next_to_its_filter_and_no_shipment_is_listed(logistics, east_and_south, field, day):
    response = logged_in(logistics).get("/logistics/shipments/", {field: day})

    assert response.status_code == 400
    assert field_errors(response) == {field: "输入一个有效的日期。"}
    assert listed_numbers(response.content.decode()) == set()


def test_a_batch_no_database_holds_is_named_in_the_filters_though_its_filter_is_hidden(logistics, east_and_south):
    response = logged_in(logistics).get("/logistics/shipments/", {"batch": "x"})

    assert response.status_code == 400
    assert field_errors(response) == {"batch": "交接批次：输入整数。"}
    assert listed_numbers(response.content.decode()) == set()


def test_a_members_tracking_list_names_a_bad_state_and_lists_none_of_its_parcels(member, east_and_south):
    response = logged_in(member.user).get("/logistics/my-shipments/", {"state": "lost-in-space"})

    assert response.status_code == 400
    assert list(field_errors(response)) == ["state"]
    assert listed_numbers(response.content.decode()) == set()
    assert listed_numbers(logged_in(member.user).get("/logistics/my-shipments/").content.decode())  # unfiltered, they are there
