"""The logistics lists sort by a column's heading (core.forms.ListFilter.sorts), ascending then descending, as each role
that reads them opens them; a supplier's list sorted shows only its own rows."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from logistics.models import (
    CarrierEvent, ExtraCost, HandoffBatch, HandoffItem, InboundShipment, LeftoverLot, LogisticsClaim, ReturnRequest, Shipment,
    Tariff, TariffChange,
)
from logistics.services import shipments
from points.services import orders
from tests.factories import ADDRESS, GiftFactory, WarehouseFactory
from tests.portal import downloaded, listed_in_order, logged_in, sort_headings

pytestmark = pytest.mark.django_db


def in_order(user, url: str, column: str) -> tuple[list[int], list[int]]:
    """The ids the list at `url` shows sorted by `column` ascending, and descending."""
    return listed_in_order(user, url, ordering=column), listed_in_order(user, url, ordering=f"-{column}")


@pytest.fixture
def three_orders(rich_member, stocked_gift, now) -> list:
    """Three orders of the supplier's warehouse gift: 1 unit placed an hour ago, 3 units placed two hours ago, 2 now."""
    placed = []
    for quantity, hours_ago in ((1, 1), (3, 2), (2, 0)):
        order = orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=quantity, now=now, **ADDRESS)
        type(order).objects.filter(pk=order.pk).update(placed_at=now - timedelta(hours=hours_ago))
        placed.append(order)
    return placed


@pytest.fixture
def three_parcels(three_orders, logistics, now) -> list[Shipment]:
    """The three orders handed over, their parcels created two days ago, now and yesterday, in the orders' order."""
    shipments.hand_over_warehouse_orders(key="B-SORT", actor=logistics, now=now)
    parcels = [Shipment.objects.get(order=order) for order in three_orders]
    for parcel, days_ago in zip(parcels, (2, 0, 1), strict=True):
        Shipment.objects.filter(pk=parcel.pk).update(created_at=now - timedelta(days=days_ago))
    return parcels


def test_staff_sort_the_shipments_by_creation_time_and_quantity(logistics, operator, three_parcels):
    old, new, middle = (parcel.pk for parcel in three_parcels)

    assert in_order(logistics, "/logistics/shipments/", "created_at") == ([old, middle, new], [new, middle, old])
    assert in_order(operator, "/logistics/shipments/", "quantity") == ([old, middle, new], [new, middle, old])


def test_the_shipments_download_follows_the_order_shown(logistics, three_parcels):
    rows = downloaded(logged_in(logistics).get("/logistics/shipments/export.csv", {"ordering": "-quantity"}))
    number = rows[0].index("订单号")

    assert [row[number] for row in rows[1:]] == [parcel.order.number for parcel in (three_parcels[1], three_parcels[2], three_parcels[0])]


def test_a_member_sorts_its_parcels_by_the_time_they_were_shipped(member, three_parcels, now):
    first, second, third = three_parcels
    for parcel, hours in ((first, 3), (third, 1)):  # the second not shipped yet: last either way
        Shipment.objects.filter(pk=parcel.pk).update(state="shipped", shipped_at=now - timedelta(hours=hours))

    assert in_order(member.user, "/logistics/my-shipments/", "shipped_at") == (
        [first.pk, third.pk, second.pk], [third.pk, first.pk, second.pk])


def test_a_supplier_sorts_its_dropship_parcels_by_quantity(supplier_staff, three_parcels):
    Shipment.objects.filter(pk__in=[parcel.pk for parcel in three_parcels]).update(kind=Shipment.Kind.DROPSHIP)
    one, three, two = (parcel.pk for parcel in three_parcels)
    page = logged_in(supplier_staff).get("/logistics/dropship/").content.decode()

    assert {"order_number", "quantity", "tracking_number", "created_at"} <= set(sort_headings(page))
    assert in_order(supplier_staff, "/logistics/dropship/", "quantity") == ([one, two, three], [three, two, one])


def test_a_supplier_sorts_its_orders_by_the_time_they_were_placed(supplier_staff, three_orders, other_supplier_admin):
    hour_ago, two_hours_ago, latest = (order.pk for order in three_orders)

    assert in_order(supplier_staff, "/logistics/orders/", "placed_at") == (
        [two_hours_ago, hour_ago, latest], [latest, hour_ago, two_hours_ago])
    assert in_order(other_supplier_admin, "/logistics/orders/", "placed_at") == ([], [])


def test_staff_sort_the_handoff_batches_by_their_order_count_and_time(logistics, three_orders, now):
    batches = [HandoffBatch.objects.create(key=f"K{n}", number=f"HB-SORT-{n}", created_at=now - timedelta(days=n)) for n in range(3)]
    for batch, order in ((batches[0], three_orders[0]), (batches[0], three_orders[1]), (batches[2], three_orders[2])):
        HandoffItem.objects.create(batch=batch, order=order)
    today, yesterday, before = (batch.pk for batch in batches)

    assert in_order(logistics, "/logistics/handoff/", "order_count") == ([yesterday, before, today], [today, before, yesterday])
    assert in_order(logistics, "/logistics/handoff/", "created_at") == ([before, yesterday, today], [today, yesterday, before])


def announced(supplier, *, number: str, gift, quantity: int, expected_on: date, now) -> InboundShipment:
    return InboundShipment.objects.create(number=number, supplier=supplier, gift=gift, location=WarehouseFactory(code="WH-IN"),
                                          announced_quantity=quantity, expected_on=expected_on, announced_at=now)


@pytest.fixture
def three_inbound(supplier, other_supplier, now) -> list[InboundShipment]:
    """Two announcements of the supplier (10 units due on the 20th, 30 on the 18th) and one of another (20, the 19th)."""
    ours, theirs = GiftFactory(supplier=supplier), GiftFactory(supplier=other_supplier)
    return [announced(supplier, number="IB-S1", gift=ours, quantity=10, expected_on=date(2026, 10, 20), now=now),
            announced(other_supplier, number="IB-S2", gift=theirs, quantity=20, expected_on=date(2026, 10, 19), now=now),
            announced(supplier, number="IB-S3", gift=ours, quantity=30, expected_on=date(2026, 10, 18), now=now)]


def test_staff_sort_the_inbound_shipments_by_the_day_they_are_expected_and_their_quantity(logistics, three_inbound):
    ten, twenty, thirty = (row.pk for row in three_inbound)

    assert in_order(logistics, "/logistics/inbound/", "expected_on") == ([thirty, twenty, ten], [ten, twenty, thirty])
    assert in_order(logistics, "/logistics/inbound/", "announced_quantity") == ([ten, twenty, thirty], [thirty, twenty, ten])


def test_a_supplier_sorting_its_inbound_shipments_sees_only_its_own(supplier_staff, other_supplier_admin, three_inbound):
    ten, twenty, thirty = (row.pk for row in three_inbound)

    assert in_order(supplier_staff, "/logistics/announce/", "expected_on") == ([thirty, ten], [ten, thirty])
    assert in_order(other_supplier_admin, "/logistics/announce/", "announced_quantity") == ([twenty], [twenty])


def test_staff_sort_the_carrier_events_by_the_time_they_happened(logistics, operator, now):
    events = [CarrierEvent.objects.create(event_id=f"E-SORT-{n}", tracking_number="SF-SORT", sequence=n + 1, kind="shipped",
                                          occurred_at=now - timedelta(hours=hours), received_at=now)
              for n, hours in enumerate((2, 5, 1))]
    middle, oldest, newest = (event.pk for event in events)

    assert in_order(operator, "/logistics/carrier-events/", "occurred_at") == ([oldest, middle, newest], [newest, middle, oldest])
    assert in_order(logistics, "/logistics/carrier-events/", "sequence") == ([middle, oldest, newest], [newest, oldest, middle])


def test_staff_sort_the_tariff_changes_by_the_new_price(operator, finance, now):
    tariff = Tariff.objects.first()
    changes = [TariffChange.objects.create(tariff=tariff, previous_amount=Decimal("1.00"), previous_unit=tariff.unit,
                                           amount=Decimal(amount), unit=tariff.unit, changed_at=now, reason="调价")
               for amount in ("5.00", "9.00", "7.00")]
    five, nine, seven = (change.pk for change in changes)

    assert in_order(operator, "/logistics/tariffs/", "amount") == ([five, seven, nine], [nine, seven, five])
    assert in_order(finance, "/logistics/tariffs/", "amount") == ([five, seven, nine], [nine, seven, five])


def test_the_return_desks_sort_the_returns_by_the_time_they_were_requested(operator, logistics, supplier_staff, three_orders, now):
    made = [ReturnRequest.objects.create(number=f"RR-SORT-{n}", order=order, supplier=order.supplier, quantity=1, reason="unused",
                                         requested_at=now - timedelta(days=days))
            for n, (order, days) in enumerate(zip(three_orders, (1, 3, 2), strict=True))]
    day_ago, three_days_ago, two_days_ago = (row.pk for row in made)

    for reader in (operator, logistics, supplier_staff):
        assert in_order(reader, "/logistics/returns/", "requested_at") == (
            [three_days_ago, two_days_ago, day_ago], [day_ago, two_days_ago, three_days_ago])


def test_the_extra_costs_sort_by_amount_for_staff_and_the_supplier_bearing_them(logistics, supplier_staff, three_orders, now):
    costs = [ExtraCost.objects.create(kind="return_freight", payer="supplier", supplier=order.supplier, amount=Decimal(amount),
                                      order=order, recorded_at=now)
             for order, amount in zip(three_orders, ("12.00", "8.00", "30.00"), strict=True)]
    twelve, eight, thirty = (cost.pk for cost in costs)

    for reader in (logistics, supplier_staff):
        assert in_order(reader, "/logistics/extra-costs/", "amount") == ([eight, twelve, thirty], [thirty, twelve, eight])


def test_staff_sort_the_claims_by_amount(finance, operator, three_orders, now):
    claims = [LogisticsClaim.objects.create(order=order, cause="lost_parcel", quantity=order.quantity, amount=Decimal(amount),
                                            opened_at=now - timedelta(hours=n))
              for n, (order, amount) in enumerate(zip(three_orders, ("180.00", "540.00", "360.00"), strict=True))]
    one, three, two = (claim.pk for claim in claims)

    assert in_order(finance, "/logistics/claims/", "amount") == ([one, two, three], [three, two, one])
    assert in_order(operator, "/logistics/claims/", "opened_at") == ([two, three, one], [one, three, two])


def test_a_refused_lost_parcel_report_keeps_the_claims_headings_on_the_claims_list(logistics):
    page = logged_in(logistics).post("/logistics/claims/lost-parcel/", {"tracking_number": "NONE"}).content.decode()

    assert sort_headings(page)["amount"][0].startswith("/logistics/claims/?")


def test_leftover_lots_sort_by_their_deadline_for_staff_and_their_supplier(operator, supplier_staff, supplier, now):
    gift = GiftFactory(supplier=supplier)
    lots = [LeftoverLot.objects.create(supplier=supplier, gift=gift, location=WarehouseFactory(code=f"WH-L{n}"), quantity=n + 1,
                                       created_at=now, collect_by=date(2026, 11, day))
            for n, day in enumerate((14, 10, 12))]
    latest, earliest, middle = (lot.pk for lot in lots)

    for reader in (operator, supplier_staff):
        assert in_order(reader, "/logistics/leftovers/", "collect_by") == ([earliest, middle, latest], [latest, middle, earliest])
