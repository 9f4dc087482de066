"""Shipping by file with parcels not going out today: a row left with neither carrier nor tracking number is skipped,
counted and said on the upload's page and in the API ("未填写，跳过 n 行"); a row with one of the two is still an error
naming its row and field; a file of skipped rows only ships nothing and is refused saying so. The template is
downloaded one warehouse at a time when asked; an unknown warehouse is refused, not answered with every parcel."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ValidationFailed
from core.models import AccessLog, Notification
from core.tabular import TableRejected
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping, shipments
from points.services import orders
from suppliers.models import Location
from tests.factories import ADDRESS, WarehouseFactory
from tests.logistics.conftest import stock_gift
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
PAGE = "/logistics/shipments/by-file/"
HEADER = ["运单ID", "订单号", "承运商", "运单号"]


def csv_bytes(*rows: list, header=HEADER) -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerows([header, *rows])
    return stream.getvalue().encode("utf-8")


def refused(actor, content: bytes, now) -> list[tuple[str, str, str]]:
    with pytest.raises(TableRejected) as raised:
        bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name="waybills.csv", content=content)
    return raised.value.errors


def assert_nothing_written(*parcels: Shipment) -> None:
    assert {Shipment.objects.get(pk=parcel.pk).state for parcel in parcels} == {"created"}
    assert not ShipmentUpload.objects.exists() and not Notification.objects.filter(kind="shipped").exists()


@pytest.fixture
def ship_file(django_capture_on_commit_callbacks, now):
    def upload(actor, content: bytes) -> ShipmentUpload:
        with django_capture_on_commit_callbacks(execute=True):
            made = bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name="waybills.csv", content=content)
        made.refresh_from_db()
        return made

    return upload


# --- rows left blank ------------------------------------------------------------------------------------------------

def test_rows_left_without_carrier_and_tracking_number_are_skipped_counted_and_not_shipped(logistics, two_handed_over, ship_file):
    going, staying = two_handed_over

    upload = ship_file(logistics, csv_bytes([going.pk, "", "顺丰", "SF-GO"], [staying.pk, staying.order.number, "", " "]))

    assert (upload.status, upload.row_count, upload.shipped_count, upload.skipped_count) == ("shipped", 1, 1, 1)
    assert [row["shipment"] for row in upload.rows] == [going.pk]
    assert (Shipment.objects.get(pk=going.pk).state, Shipment.objects.get(pk=staying.pk).state) == ("shipped", "created")
    assert Notification.objects.filter(kind="shipped").count() == 1


def test_the_template_sent_back_with_one_parcel_filled_in_ships_that_one_and_skips_the_others(logistics, two_handed_over, ship_file, now):
    going, staying = two_handed_over
    template = bulk_shipping.shipping_template(actor=logistics, file_format="csv", now=now)
    rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    rows[1][-2:] = ["顺丰", "SF-TPL"]  # the packer fills in the first parcel only

    upload = ship_file(logistics, csv_bytes(*rows[1:], header=rows[0]))

    assert (upload.shipped_count, upload.skipped_count) == (1, 1)
    assert Shipment.objects.get(pk=staying.pk).state == "created"


@pytest.mark.parametrize(("carrier", "tracking_number", "attr", "detail"), [
    ("顺丰", "", "rows.3.tracking_number", "请填写运单号"),
    ("", "SF-HALF", "rows.3.carrier", "请填写承运商"),
])
def test_a_row_with_only_one_of_carrier_and_tracking_number_is_refused_naming_its_row_and_field(
    logistics, two_handed_over, now, carrier, tracking_number, attr, detail,
):
    first, second = two_handed_over

    errors = refused(logistics, csv_bytes([first.pk, "", "顺丰", "SF-A"], [second.pk, "", carrier, tracking_number]), now)

    assert errors == [(attr, "invalid", detail)]
    assert_nothing_written(first, second)


def test_a_file_of_blank_rows_only_is_refused_saying_there_is_nothing_to_ship(logistics, two_handed_over, now):
    errors = refused(logistics, csv_bytes(*([parcel.pk, parcel.order.number, "", ""] for parcel in two_handed_over)), now)

    assert errors == [("file", "nothing_to_ship", "没有填写承运商和运单号的行，没有要发货的运单")]
    assert_nothing_written(*two_handed_over)


def test_a_blank_row_naming_no_parcel_it_may_ship_is_skipped_not_checked(logistics, supplier_staff, warehouse_shipment, dropship_shipment, ship_file):
    upload = ship_file(supplier_staff, csv_bytes([dropship_shipment.pk, "", "中通", "ZT-OWN"], [warehouse_shipment.pk, "", "", ""]))

    assert (upload.status, upload.shipped_count, upload.skipped_count) == ("shipped", 1, 1)
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_the_upload_page_and_the_list_say_how_many_rows_were_skipped(logistics, two_handed_over, django_capture_on_commit_callbacks):
    going, staying = two_handed_over
    client = logged_in(logistics)
    content = csv_bytes([going.pk, "", "顺丰", "SF-PAGE"], [staying.pk, "", "", ""])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": SimpleUploadedFile("今日发货.csv", content)})
    page = client.get(response["Location"]).content.decode()
    listed = client.get(PAGE).content.decode()

    assert response.status_code == 302
    assert '<span data-testid="skipped">未填写，跳过 1 行</span>' in page and "已发出 1 个运单" in page
    assert '<small data-testid="skipped">未填写，跳过 1 行</small>' in listed


def test_the_page_refuses_a_file_of_blank_rows_only_and_ships_nothing(logistics, two_handed_over):
    content = csv_bytes(*([parcel.pk, "", "", ""] for parcel in two_handed_over))

    response = logged_in(logistics).post(PAGE, {"file": SimpleUploadedFile("今日发货.csv", content)})

    assert response.status_code == 400
    assert "没有填写承运商和运单号的行，没有要发货的运单" in response.content.decode()
    assert_nothing_written(*two_handed_over)


def test_the_api_gives_the_rows_skipped_and_refuses_a_file_of_blank_rows_only(api, logistics, two_handed_over, django_capture_on_commit_callbacks):
    going, staying = two_handed_over
    client = api(logistics)

    blank = client.post("/api/v1/shipment-uploads/", {"file": SimpleUploadedFile("w.csv", csv_bytes([going.pk, "", "", ""]))},
                        format="multipart")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/api/v1/shipment-uploads/",
                           {"file": SimpleUploadedFile("w.csv", csv_bytes([going.pk, "", "顺丰", "SF-API"], [staying.pk, "", "", ""]))},
                           format="multipart")
    followed = client.get(f"/api/v1/shipment-uploads/{sent.json()['id']}/").json()

    assert blank.status_code == 400
    assert [(e["attr"], e["code"]) for e in blank.json()["errors"]] == [("file", "nothing_to_ship")]
    assert (sent.status_code, sent.json()["skipped_count"]) == (202, 1)
    assert (followed["status"], followed["row_count"], followed["shipped_count"], followed["skipped_count"]) == ("shipped", 1, 1, 1)
    assert Shipment.objects.get(pk=staying.pk).state == "created"


# --- the template, one warehouse at a time ----------------------------------------------------------------------------

@pytest.fixture
def south_shipment(warehouse_shipment, supplier, operator, rich_member, logistics, now) -> Shipment:
    """Besides `warehouse_shipment` (华东仓), a parcel waiting in a second warehouse, 华南仓."""
    gift = stock_gift(supplier, operator=operator, warehouse=WarehouseFactory(code="WH-SOUTH", name="华南仓"), now=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-SOUTH", actor=logistics, now=now)
    return Shipment.objects.get(order=order)


def listed_ids(content: bytes) -> list[str]:
    return [row["运单ID"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]


def test_the_template_of_one_warehouse_lists_only_its_parcels_and_logs_only_their_reads(logistics, warehouse_shipment, south_shipment, now):
    south = south_shipment.order.location

    template = bulk_shipping.shipping_template(actor=logistics, file_format="csv", now=now, warehouse=str(south.pk))

    assert south.code == "WH-SOUTH" and warehouse_shipment.order.location != south
    assert listed_ids(template.content) == [str(south_shipment.pk)]
    assert list(AccessLog.objects.values_list("subject_id", flat=True)) == [str(south_shipment.order_id)]


@pytest.mark.parametrize("given", ["999999", "华南仓", "1.5", "{dropship_location}"])
def test_a_template_of_a_warehouse_that_does_not_exist_is_refused_naming_the_field(logistics, south_shipment, dropship_shipment, now, given):
    given = given.format(dropship_location=Location.objects.get(kind="dropship").pk)

    with pytest.raises(ValidationFailed) as raised:
        bulk_shipping.shipping_template(actor=logistics, file_format="csv", now=now, warehouse=given)

    assert raised.value.field == "warehouse" and "发货仓不存在" in raised.value.detail
    assert not AccessLog.objects.exists()


def test_the_page_offers_each_warehouse_with_its_waiting_parcels_and_downloads_one(logistics, warehouse_shipment, south_shipment):
    client = logged_in(logistics)
    south = south_shipment.order.location

    page = client.get(PAGE).content.decode()
    one = client.get(f"{PAGE}template.csv", {"warehouse": south.pk})
    unknown = client.get(f"{PAGE}template.xlsx", {"warehouse": "999999"})

    assert 'data-testid="template-by-warehouse"' in page
    assert f'<option value="{south.pk}">华南仓（WH-SOUTH）· 待发货 1 个</option>' in page
    assert f'formaction="{PAGE}template.csv"' in page
    assert one.status_code == 200 and listed_ids(one.content) == [str(south_shipment.pk)]
    assert unknown.status_code == 400 and "发货仓不存在：999999" in unknown.content.decode()


def test_a_dropship_supplier_is_offered_no_warehouse(supplier_staff, dropship_shipment):
    page = logged_in(supplier_staff).get(PAGE).content.decode()

    assert 'data-testid="template-by-warehouse"' not in page


def test_the_api_template_of_one_warehouse_lists_its_parcels_and_an_unknown_one_is_400(api, logistics, warehouse_shipment, south_shipment):
    client = api(logistics)
    south = south_shipment.order.location

    one = client.get("/api/v1/shipment-upload-template/", {"warehouse": south.pk, "file_format": "csv"}, HTTP_ACCEPT="text/csv")
    unknown = client.get("/api/v1/shipment-upload-template/", {"warehouse": "999999"})

    assert one.status_code == 200 and listed_ids(one.content) == [str(south_shipment.pk)]
    assert unknown.status_code == 400
    assert [(e["attr"], e["code"]) for e in unknown.json()["errors"]] == [("warehouse", "invalid")]
