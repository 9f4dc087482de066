"""What waits for logistics beyond the inbound and handoff queues: the warehouse parcels still to pick or ship (its 运单
badge and to-do entry) and the leftover lots kept past their collection deadline, charged storage each day (its
遗留礼品处理 badge and to-do entry); each opens its list filtered to exactly the rows it counts."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.portal import waiting_work
from logistics.models import LeftoverLot
from logistics.selectors import shipments_to_send
from tests.factories import WarehouseFactory
from tests.helpers import picked_and_shipped
from tests.portal import badge_links, listed, page_in

pytestmark = pytest.mark.django_db


def test_the_parcels_to_pick_or_ship_are_logistics_badge_on_the_shipments_opening_just_those(two_handed_over, logistics, operator, now):
    first, second = two_handed_over
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-SENT")

    links = badge_links(logistics, "logistics-shipments")

    assert links == {"home": ("/logistics/shipments/?unshipped=1", 1), "nav": ("/logistics/shipments/?unshipped=1", 1)}
    assert listed(logistics, "/logistics/shipments/", unshipped="1") == [first.pk]
    assert badge_links(operator, "logistics-shipments") == {}  # operators ship nothing by hand


def test_a_dropship_parcel_waiting_for_its_supplier_is_not_logistics_work(dropship_shipment, logistics):
    assert dropship_shipment.state == "created" and shipments_to_send(logistics) == 0


@pytest.fixture
def lots(delivered_order, now):
    today = timezone.localdate()
    made = {}
    for name, collect_by, state in (("overdue", today - timedelta(days=3), "open"), ("in_time", today, "open"),
                                    ("collected", today - timedelta(days=3), "collected")):
        made[name] = LeftoverLot.objects.create(supplier=delivered_order.supplier, gift=delivered_order.gift, state=state,
                                                location=WarehouseFactory(), quantity=2, created_at=now, collect_by=collect_by)
    return made


def test_lots_kept_past_their_deadline_are_logistics_badge_opening_just_those(lots, logistics, finance):
    links = badge_links(logistics, "leftover-lots")

    assert links == {"home": ("/logistics/leftovers/?overdue=1", 1), "nav": ("/logistics/leftovers/?overdue=1", 1)}
    assert listed(logistics, "/logistics/leftovers/", overdue="1") == [lots["overdue"].pk]
    assert sorted(listed(logistics, "/logistics/leftovers/", overdue="0")) == sorted([lots["in_time"].pk, lots["collected"].pk])
    assert badge_links(finance, "leftover-lots") == {}
    assert "仅看逾期未取回" in page_in(logistics, "/logistics/leftovers/", "zh-hans")
    assert "Only those past the collection deadline" in page_in(logistics, "/logistics/leftovers/", "en")


def test_the_api_lists_the_lots_past_their_deadline_as_the_page_does(api, lots, logistics):
    listed_ids = [row["id"] for row in api(logistics).get("/api/v1/leftover-lots/", {"overdue": "true"}).json()["results"]]
    bad = api(logistics).get("/api/v1/leftover-lots/", {"overdue": "maybe"})

    assert listed_ids == [lots["overdue"].pk]
    assert bad.status_code == 400 and "overdue" in str(bad.json())


def test_the_home_pages_to_do_list_counts_the_parcels_to_send_and_the_lots_past_their_deadline(lots, two_handed_over, logistics):
    work = {entry["page"]: entry["count"] for entry in waiting_work(logistics)}

    assert work["/logistics/shipments/?unshipped=1"] == len(listed(logistics, "/logistics/shipments/", unshipped="1")) > 0
    assert work["/logistics/leftovers/?overdue=1"] == 1
