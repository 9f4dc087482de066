"""A waybill file refused as a whole, on the page and over the API: not CSV or XLSX, too large, more rows than one file
may hold, a column the shipping needs missing. The message names the problem, and nothing is kept or shipped: not even
the file's good rows, and no member is texted."""
import csv
import io
import re

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Notification
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
PAGE = "/logistics/shipments/by-file/"
HEADER = ["运单ID", "订单号", "承运商", "运单号"]
PROBLEM_ROW = re.compile(r'<tr data-row="(\d*)" data-column="(\w*)"><td class="num">[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>')
WHOLE_FILE = {"整个文件": "file"}  # the page's name for a problem of no row


def csv_file(*rows: list, header=HEADER) -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerows([header, *rows])
    return stream.getvalue().encode("utf-8")


@pytest.fixture(params=["page", "api"])
def send(request, api, django_capture_on_commit_callbacks):
    """send(user, name, content) → (status, [(attr, detail)] of the problems shown): through the upload page, or the API."""

    def on_the_page(user, name: str, content: bytes):
        response = logged_in(user).post(PAGE, {"file": SimpleUploadedFile(name, content)})
        shown = PROBLEM_ROW.findall(response.content.decode())
        return response.status_code, [(f"rows.{row}.{column}" if row else WHOLE_FILE[heading], detail) for row, column, heading, detail in shown]

    def over_the_api(user, name: str, content: bytes):
        response = api(user).post("/api/v1/shipment-uploads/", {"file": SimpleUploadedFile(name, content)}, format="multipart")
        return response.status_code, [(error["attr"], error["detail"]) for error in response.json().get("errors", [])]

    def sent(user, name: str, content: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            return {"page": on_the_page, "api": over_the_api}[request.param](user, name, content)

    return sent


def assert_nothing_shipped(waiting: Shipment) -> None:
    assert Shipment.objects.get(pk=waiting.pk).state == "created"
    assert not ShipmentUpload.objects.exists()
    assert not Notification.objects.filter(kind="shipped").exists()


@pytest.mark.parametrize(("name", "content"), [
    ("waybills.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
    ("waybills.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),  # the Excel of before 2007
    ("waybills.docx", b"PK\x03\x04 a word document"),
])
def test_a_file_neither_csv_nor_xlsx_is_refused_by_its_type(send, logistics, warehouse_shipment, name, content):
    suffix = "." + name.rsplit(".", 1)[1]

    status, problems = send(logistics, name, content)

    assert status == 400
    assert problems == [("file", f"不支持 {suffix} 文件，请上传 CSV 或 XLSX 文件")]
    assert_nothing_shipped(warehouse_shipment)


def test_a_waybill_file_named_as_csv_is_read_whatever_the_case_of_its_name(send, logistics, warehouse_shipment):
    status, _problems = send(logistics, "WAYBILLS.CSV", csv_file([warehouse_shipment.pk, "", "顺丰", "SF-CASE"]))

    assert status in (202, 302)
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(send, logistics, warehouse_shipment):
    good_rows = csv_file([warehouse_shipment.pk, "", "顺丰", "SF-BIG"])
    content = good_rows + b"\r\n" * (bulk_shipping.SPEC.max_bytes + 1 - len(good_rows))  # blank lines: only its size is wrong

    status, problems = send(logistics, "waybills.csv", content)

    assert status == 400
    assert problems == [("file", "文件超过 5 MB")]
    assert_nothing_shipped(warehouse_shipment)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_file_of_more_than_2000_waybills_is_refused_asking_for_batches(send, logistics, warehouse_shipment, file_format):
    rows = [[warehouse_shipment.pk, "", "顺丰", "SF-0"], *([999_000 + n, "", "顺丰", f"SF-{n}"] for n in range(1, 2001))]
    content = csv_file(*rows) if file_format == "csv" else tablib.Dataset(*rows, headers=HEADER).export("xlsx")

    status, problems = send(logistics, f"waybills.{file_format}", content)

    assert status == 400
    [(attr, detail)] = problems
    assert attr == "file" and "最多 2000 行" in detail and "分批" in detail
    assert_nothing_shipped(warehouse_shipment)


@pytest.mark.parametrize(("header", "missing"), [
    (["运单ID", "订单号", "运单号"], "承运商"),
    (["运单ID", "订单号", "carrier"], "运单号"),
    (["shipment", "order_number", "tracking_number"], "carrier"),
])
def test_a_file_without_a_column_shipping_needs_is_refused_naming_the_column(send, logistics, warehouse_shipment, header, missing):
    content = csv_file([warehouse_shipment.pk, warehouse_shipment.order.number, "SF-NOCOL"], header=header)

    status, problems = send(logistics, "waybills.csv", content)

    assert status == 400
    assert problems == [("file", f"缺少列「{missing}」")]
    assert_nothing_shipped(warehouse_shipment)


def test_a_file_naming_no_shipment_column_is_refused_naming_both_it_could_have(send, supplier_staff, dropship_shipment):
    status, problems = send(supplier_staff, "waybills.csv", csv_file(["中通", "ZT-NOCOL"], header=["承运商", "运单号"]))

    assert status == 400
    assert problems == [("file", "缺少列「运单ID」或「订单号」")]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created" and not ShipmentUpload.objects.exists()


def test_a_file_headed_in_english_naming_no_shipment_column_is_refused_naming_both_in_english(send, supplier_staff, dropship_shipment):
    status, problems = send(supplier_staff, "waybills.csv", csv_file(["中通", "ZT-NOCOL"], header=["carrier", "tracking_number"]))

    assert status == 400
    assert problems == [("file", "缺少列「shipment」或「order_number」")]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created" and not ShipmentUpload.objects.exists()
