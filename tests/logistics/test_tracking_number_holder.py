"""A tracking number another parcel travels under is refused naming the order of the parcel holding it, by hand and per
row of a file (the holders looked up in one query however many rows), to whoever may see that parcel: logistics staff,
who ship the warehouse parcels of every supplier, and a supplier for its own parcels. A dropship supplier is never told
another supplier's order number: only that another parcel holds the number."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ValidationFailed
from core.roles import Role
from core.tabular import TableRejected
from logistics.carriers import carrier_key
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping, shipments
from points.services import orders
from suppliers.models import Location
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, SupplierUserFactory, licensed
from tests.helpers import picked_and_shipped, published
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
OTHER_PARCEL = "运单号已被其他包裹使用"


def held_by(shipment: Shipment) -> str:
    return f"运单号已被订单 {shipment.order.number} 使用"


def csv_file(*rows: list) -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerows([["运单ID", "订单号", "承运商", "运单号"], *rows])
    return stream.getvalue().encode("utf-8")


def refused_rows(actor, content: bytes, now) -> list[tuple[str, str, str]]:
    with pytest.raises(TableRejected) as raised:
        bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name="waybills.csv", content=content)
    return raised.value.errors


@pytest.fixture
def held_and_waiting(confirmed_order, rich_member, listed_gift, logistics, now) -> tuple[list[Shipment], list[Shipment]]:
    """Four warehouse parcels handed over: the first two shipped by logistics with 顺丰 as SF-HELD-A and SF-HELD-B, the
    last two waiting to be picked."""
    for _ in range(3):
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-HELD", actor=logistics, now=now)
    parcels = list(Shipment.objects.select_related("order").order_by("pk"))
    for parcel, number in zip(parcels[:2], ("SF-HELD-A", "SF-HELD-B"), strict=True):
        picked_and_shipped(shipment=parcel, actor=logistics, now=now, carrier="顺丰", tracking_number=number)
    return parcels[:2], parcels[2:]


@pytest.fixture
def other_suppliers_parcel(other_supplier, operator, rich_member, now) -> Shipment:
    """A dropship parcel of another supplier, shipped by its own staff with 中通 as ZT-HELD."""
    supplier = licensed(other_supplier)
    gift = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-OTHER", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=3, at=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    staff = SupplierUserFactory(username="other_staff", role=Role.SUPPLIER_STAFF, supplier=supplier)
    return shipments.ship_shipment(shipment=Shipment.objects.get(order=order), actor=staff, now=now, carrier="中通",
                                   tracking_number="ZT-HELD")


# --- by hand ---------------------------------------------------------------------------------------------------------

def test_logistics_shipping_under_a_number_in_use_is_told_the_order_holding_it(logistics, held_and_waiting, now):
    (holder, _), (waiting, _) = held_and_waiting
    shipments.pick_shipment(shipment=waiting, actor=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=waiting, actor=logistics, now=now, carrier="顺丰速运", tracking_number="sf-held-a")

    assert (refused.value.field, refused.value.detail) == ("tracking_number", held_by(holder))
    assert Shipment.objects.get(pk=waiting.pk).state == "picked"


def test_logistics_correcting_onto_a_number_in_use_is_told_the_order_holding_it(logistics, held_and_waiting, now):
    (first, second), _ = held_and_waiting

    with pytest.raises(ValidationFailed) as refused:
        shipments.correct_tracking(shipment=second, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-HELD-A", reason="录错")

    assert refused.value.detail == held_by(first)
    assert Shipment.objects.get(pk=second.pk).tracking_number == "SF-HELD-B"


def test_logistics_is_told_the_order_of_a_dropship_parcel_holding_the_number(logistics, warehouse_shipment, other_suppliers_parcel, now):
    shipments.pick_shipment(shipment=warehouse_shipment, actor=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=warehouse_shipment, actor=logistics, now=now, carrier="中通", tracking_number="ZT-HELD")

    assert refused.value.detail == held_by(other_suppliers_parcel)


def test_a_dropship_supplier_is_not_told_another_suppliers_order_only_that_another_parcel_holds_the_number(
    supplier_staff, dropship_shipment, other_suppliers_parcel, now,
):
    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-HELD")

    assert (refused.value.field, refused.value.detail) == ("tracking_number", OTHER_PARCEL)
    assert other_suppliers_parcel.order.number not in refused.value.detail
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


def test_a_dropship_supplier_is_told_the_order_of_its_own_parcel_holding_the_number(supplier_staff, logistics, warehouse_shipment, dropship_shipment, now):
    own = picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-OWN")

    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="顺丰", tracking_number="SF-OWN")

    assert own.supplier_id == supplier_staff.supplier_id and refused.value.detail == held_by(own)


def test_the_holders_of_many_waybills_are_found_in_one_query_as_the_reader_may_see_them(logistics, supplier_staff, held_and_waiting, other_suppliers_parcel, django_assert_num_queries):
    (first, second), _ = held_and_waiting
    asked = [("顺丰", "SF-HELD-A"), ("SF Express", "SF-HELD-B"), ("中通", "ZT-HELD"), ("顺丰", "SF-FREE")]

    with django_assert_num_queries(1):
        for_logistics = shipments.waybills_in_use(asked, reader=logistics)
    for_the_supplier = shipments.waybills_in_use(asked, reader=supplier_staff)
    for_nobody = shipments.waybills_in_use(asked, reader=None, excluding={first.pk})

    sf, zt = carrier_key("顺丰"), carrier_key("中通")
    assert for_logistics == {(sf, "SF-HELD-A"): first.order.number, (sf, "SF-HELD-B"): second.order.number,
                             (zt, "ZT-HELD"): other_suppliers_parcel.order.number}
    assert for_the_supplier[(zt, "ZT-HELD")] == ""  # another supplier's parcel: in use, whose not said
    assert for_nobody == {(sf, "SF-HELD-B"): "", (zt, "ZT-HELD"): ""}


# --- by file ---------------------------------------------------------------------------------------------------------

def test_each_row_of_a_file_under_a_number_in_use_names_the_order_holding_it_and_nothing_ships(logistics, held_and_waiting, now):
    (first, second), (third, fourth) = held_and_waiting

    errors = refused_rows(logistics, csv_file([third.pk, "", "顺丰", "SF-HELD-A"], [fourth.pk, "", "SF", "SF-HELD-B"]), now)

    assert errors == [("rows.2.tracking_number", "in_use", held_by(first)), ("rows.3.tracking_number", "in_use", held_by(second))]
    assert {Shipment.objects.get(pk=p.pk).state for p in (third, fourth)} == {"created"} and not ShipmentUpload.objects.exists()


def test_the_holders_of_a_files_rows_cost_no_query_per_row(logistics, held_and_waiting, now):
    _, (third, fourth) = held_and_waiting
    one_row = csv_file([third.pk, "", "顺丰", "SF-HELD-A"])
    two_rows = csv_file([third.pk, "", "顺丰", "SF-HELD-A"], [fourth.pk, "", "顺丰", "SF-HELD-B"])

    with CaptureQueriesContext(connection) as one:
        refused_rows(logistics, one_row, now)
    with CaptureQueriesContext(connection) as two:
        refused_rows(logistics, two_rows, now)

    assert len(one.captured_queries) == len(two.captured_queries)


def test_a_dropship_suppliers_file_says_only_that_another_parcel_holds_another_suppliers_number(supplier_staff, dropship_shipment, other_suppliers_parcel, now):
    errors = refused_rows(supplier_staff, csv_file([dropship_shipment.pk, "", "中通", "ZT-HELD"]), now)

    assert errors == [("rows.2.tracking_number", "in_use", OTHER_PARCEL)]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


# --- the API and the pages -------------------------------------------------------------------------------------------

def test_the_api_names_the_holding_order_to_logistics_and_not_another_suppliers_to_a_supplier(
    api, logistics, supplier_staff, warehouse_shipment, dropship_shipment, other_suppliers_parcel, now,
):
    shipments.pick_shipment(shipment=warehouse_shipment, actor=logistics, now=now)
    body = {"carrier": "中通", "tracking_number": "ZT-HELD"}

    staff = api(logistics).post(f"/api/v1/shipments/{warehouse_shipment.pk}/ship/", body, format="json")
    supplier = api(supplier_staff).post(f"/api/v1/shipments/{dropship_shipment.pk}/ship/", body, format="json")
    uploaded = api(supplier_staff).post("/api/v1/shipment-uploads/",
                                        {"file": SimpleUploadedFile("w.csv", csv_file([dropship_shipment.pk, "", "中通", "ZT-HELD"]))},
                                        format="multipart")

    assert staff.status_code == 400 and staff.json()["errors"] == [
        {"code": "invalid", "detail": held_by(other_suppliers_parcel), "attr": "tracking_number"}]
    assert supplier.status_code == 400 and supplier.json()["errors"][0]["detail"] == OTHER_PARCEL
    assert uploaded.status_code == 400 and uploaded.json()["errors"][0] == {
        "code": "in_use", "detail": OTHER_PARCEL, "attr": "rows.2.tracking_number"}
    assert other_suppliers_parcel.order.number not in supplier.content.decode() + uploaded.content.decode()
    assert {Shipment.objects.get(pk=p.pk).state for p in (warehouse_shipment, dropship_shipment)} == {"picked", "created"}


def test_the_shipment_page_and_the_file_page_name_the_holding_order_to_logistics(logistics, held_and_waiting, now):
    (holder, _), (waiting, other) = held_and_waiting
    shipments.pick_shipment(shipment=waiting, actor=logistics, now=now)
    client = logged_in(logistics)

    by_hand = client.post(f"/logistics/shipments/{waiting.pk}/ship/", {"carrier": "顺丰", "tracking_number": "SF-HELD-A"})
    by_file = client.post("/logistics/shipments/by-file/",
                          {"file": SimpleUploadedFile("w.csv", csv_file([other.pk, "", "顺丰", "SF-HELD-A"]))})

    assert by_hand.status_code == 400 and field_errors(by_hand) == {"tracking_number": held_by(holder)}
    assert by_file.status_code == 400
    assert (f'<tr data-row="2" data-column="tracking_number"><td class="num">2</td><td>运单号</td><td>{held_by(holder)}</td></tr>'
            in by_file.content.decode())
    assert {Shipment.objects.get(pk=p.pk).state for p in (waiting, other)} == {"picked", "created"}


def test_a_suppliers_shipment_page_does_not_name_another_suppliers_order(supplier_staff, dropship_shipment, other_suppliers_parcel):
    response = logged_in(supplier_staff).post(f"/logistics/shipments/{dropship_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "ZT-HELD"})

    assert response.status_code == 400 and field_errors(response) == {"tracking_number": OTHER_PARCEL}
    assert other_suppliers_parcel.order.number not in response.content.decode()


def test_the_refusal_reads_in_english_for_an_english_reader(api, logistics, held_and_waiting, now):
    (holder, _), (waiting, _) = held_and_waiting
    shipments.pick_shipment(shipment=waiting, actor=logistics, now=now)

    response = api(logistics).post(f"/api/v1/shipments/{waiting.pk}/ship/", {"carrier": "顺丰", "tracking_number": "SF-HELD-A"},
                                   format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["errors"][0]["detail"] == f"This tracking number is already used by order {holder.order.number}."
