"""A dropship supplier sees by when each parcel handed to it must ship (its handover + 48 hours, the assessment's
on-time dispatch) on its dropship list and on the parcel's page, overdue ones marked and listed apart; the parcel's
page leads back to the reader's list."""
import re
from datetime import timedelta

import pytest

from logistics.models import Shipment
from logistics.services import shipments
from logistics.services.ship_by import overdue_to_ship, ship_by
from points.services import orders
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_a_day_apart(dropship_shipment, rich_member, now) -> tuple[Shipment, Shipment]:
    """The supplier's dropship parcel handed over at `now` (10:00 on 15 October), another a day later."""
    orders.place_order(member=rich_member, gift_id=dropship_shipment.order.gift_id, quantity=1, now=now + timedelta(days=1), **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now + timedelta(days=1))
    return dropship_shipment, Shipment.objects.exclude(pk=dropship_shipment.pk).get()


def ship_by_cells(html: str) -> dict[str, str]:
    """{order number: its 发货期限 cell, tags stripped} of the dropship list."""
    rows = re.findall(r'<tr data-number="([^"]+)">(.*?)</tr>', html, re.S)
    return {number: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'data-testid="ship-by">(.*?)</td>', row, re.S).group(1))).strip()
            for number, row in rows}


def test_the_dropship_list_shows_each_parcels_ship_by_time_and_marks_the_overdue_one(
        handed_a_day_apart, supplier_staff, now, time_machine):
    late, in_time = handed_a_day_apart
    time_machine.move_to(now + timedelta(hours=50), tick=False)  # 12:00 on 17 October

    html = logged_in(supplier_staff).get("/logistics/dropship/").content.decode()

    assert "发货期限" in html
    assert ship_by_cells(html) == {late.order.number: "2026-10-17 10:00 已逾期", in_time.order.number: "2026-10-18 10:00"}
    assert listed(supplier_staff, "/logistics/dropship/", overdue="1") == [late.pk]
    assert listed(supplier_staff, "/logistics/dropship/", overdue="false") == [in_time.pk]


def test_a_shipped_parcel_has_no_ship_by_time_and_is_not_overdue(handed_a_day_apart, supplier_staff, now, time_machine):
    late, _in_time = handed_a_day_apart
    picked_and_shipped(shipment=late, actor=supplier_staff, now=now + timedelta(hours=49), carrier="中通", tracking_number="ZT-LATE")
    time_machine.move_to(now + timedelta(hours=50), tick=False)

    html = logged_in(supplier_staff).get("/logistics/dropship/").content.decode()
    detail = logged_in(supplier_staff).get(f"/logistics/shipments/{late.pk}/").content.decode()

    assert ship_by_cells(html)[late.order.number] == "—"
    assert listed(supplier_staff, "/logistics/dropship/", overdue="1") == []
    assert "发货期限" not in detail


def test_the_parcel_page_shows_its_ship_by_time_and_leads_back_to_the_readers_list(
        handed_a_day_apart, warehouse_shipment, supplier_staff, logistics, operator, now, time_machine):
    late, in_time = handed_a_day_apart
    time_machine.move_to(now + timedelta(hours=50), tick=False)

    late_page = logged_in(supplier_staff).get(f"/logistics/shipments/{late.pk}/").content.decode()
    in_time_page = logged_in(supplier_staff).get(f"/logistics/shipments/{in_time.pk}/").content.decode()

    assert re.search(r'data-testid="ship-by">2026-10-17 10:00 <span[^>]*>已逾期</span>', late_page)
    assert re.search(r'data-testid="ship-by">2026-10-18 10:00</td>', in_time_page)
    back = re.compile(r'href="([^"]+)" data-testid="back"')
    assert back.findall(late_page) == ["/logistics/dropship/"]
    assert back.findall(logged_in(supplier_staff).get(f"/logistics/shipments/{warehouse_shipment.pk}/").content.decode()) == ["/logistics/orders/"]
    for staff in (logistics, operator):
        assert back.findall(logged_in(staff).get(f"/logistics/shipments/{late.pk}/").content.decode()) == ["/logistics/shipments/"]


def test_a_parcel_is_overdue_only_once_its_48_hours_have_passed_as_one_shipped_at_the_48th_hour_is_in_time(dropship_shipment, now):
    at_the_hour = now + timedelta(hours=48)

    def overdue(at):
        return list(Shipment.objects.filter(overdue_to_ship(at)).values_list("pk", flat=True))

    assert ship_by(dropship_shipment) == at_the_hour
    assert overdue(at_the_hour) == []
    assert overdue(at_the_hour + timedelta(microseconds=1)) == [dropship_shipment.pk]
