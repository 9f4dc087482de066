"""Shipping by file over the API: logistics ships warehouse parcels, a dropship supplier its own; members, operators and
finance are refused; a bad file is 400 naming each problem and ships nothing; an upload is followed to its end."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AccessLog, Notification
from logistics.models import Shipment, ShipmentUpload

pytestmark = pytest.mark.django_db


def waybills(*rows: list, name: str = "waybills.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    stream = io.StringIO()
    csv.writer(stream).writerows([["运单ID", "订单号", "承运商", "运单号"], *rows])
    return SimpleUploadedFile(name, stream.getvalue().encode(encoding), content_type="text/csv")


@pytest.fixture
def post_file(api, django_capture_on_commit_callbacks):
    """post_file(user, file) → the response, the upload's task run after the request as a worker would."""

    def post(user, upload: SimpleUploadedFile):
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post("/api/v1/shipment-uploads/", {"file": upload}, format="multipart")

    return post


def test_logistics_ships_warehouse_parcels_by_file_and_follows_the_upload_to_its_end(api, post_file, logistics, warehouse_shipment):
    response = post_file(logistics, waybills([warehouse_shipment.pk, "", "顺丰", "SF-API1"]))

    assert response.status_code == 202, response.content
    assert (response.json()["status"], response.json()["row_count"]) == ("pending", 1)
    followed = api(logistics).get(f"/api/v1/shipment-uploads/{response.json()['id']}/").json()
    assert (followed["status"], followed["shipped_count"], followed["problems"], followed["uploaded_by"]) == ("shipped", 1, [], "logistics")
    assert (followed["rows_done"], followed["row_count"]) == (1, 1)
    warehouse_shipment.refresh_from_db()
    assert (warehouse_shipment.state, warehouse_shipment.tracking_number) == ("shipped", "SF-API1")
    assert Notification.objects.filter(kind="shipped").count() == 1


def test_a_bad_file_is_400_naming_each_row_and_column_and_ships_nothing(post_file, logistics, warehouse_shipment, dropship_shipment):
    response = post_file(logistics, waybills([warehouse_shipment.pk, "", "", "SF-1"], [dropship_shipment.pk, "", "顺丰", "SF-2"],
                                             [999999, "", "顺丰", "SF-3"], encoding="gbk"))

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("rows.2.carrier", "invalid"), ("rows.3.shipment", "not_yours"), ("rows.4.shipment", "not_found")]
    assert set(Shipment.objects.values_list("state", flat=True)) == {"created"} and not ShipmentUpload.objects.exists()


@pytest.mark.parametrize("role", ["member", "operator", "finance"])
def test_members_operators_and_finance_may_not_ship_by_file(api, post_file, request, warehouse_shipment, role):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    uploaded = post_file(user, waybills([warehouse_shipment.pk, "", "顺丰", "SF-1"]))
    listed = api(user).get("/api/v1/shipment-uploads/")
    template = api(user).get("/api/v1/shipment-upload-template/")

    assert (uploaded.status_code, listed.status_code, template.status_code) == (403, 403, 403)
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_a_dropship_supplier_ships_its_own_parcels_only_and_its_uploads_are_its_own(
    api, post_file, supplier_staff, other_supplier_admin, logistics, dropship_shipment, warehouse_shipment,
):
    own = post_file(supplier_staff, waybills([dropship_shipment.pk, "", "中通", "ZT-API1"]))
    warehouse = post_file(supplier_staff, waybills([warehouse_shipment.pk, "", "中通", "ZT-API2"]))
    url = f"/api/v1/shipment-uploads/{own.json()['id']}/"

    assert own.status_code == 202 and Shipment.objects.get(pk=dropship_shipment.pk).state == "shipped"
    assert warehouse.status_code == 400 and warehouse.json()["errors"][0]["code"] == "not_yours"
    assert api(supplier_staff).get(url).json()["status"] == "shipped"
    assert api(other_supplier_admin).get(url).status_code == 404 and api(logistics).get(url).status_code == 404
    assert api(other_supplier_admin).get("/api/v1/shipment-uploads/").json()["results"] == []


def test_another_suppliers_parcel_is_not_found_in_its_file(post_file, other_supplier_admin, dropship_shipment):
    response = post_file(other_supplier_admin, waybills([dropship_shipment.pk, "", "中通", "ZT-1"]))

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("rows.2.shipment", "not_found")]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


def test_the_template_downloads_the_parcels_waiting_for_the_caller(api, logistics, supplier_staff, warehouse_shipment, dropship_shipment):
    warehouse_csv = api(logistics).get("/api/v1/shipment-upload-template/", {"file_format": "csv"})
    dropship_xlsx = api(supplier_staff).get("/api/v1/shipment-upload-template/", {"file_format": "xlsx"})
    unknown = api(logistics).get("/api/v1/shipment-upload-template/", {"file_format": "pdf"})

    rows = list(csv.reader(io.StringIO(warehouse_csv.content.decode("utf-8-sig"))))
    assert warehouse_csv["Content-Type"].startswith("text/csv") and "attachment" in warehouse_csv["Content-Disposition"]
    assert [row[:2] for row in rows[1:]] == [[str(warehouse_shipment.pk), warehouse_shipment.order.number]]
    assert rows[1][5:8] == [warehouse_shipment.recipient_name, warehouse_shipment.recipient_phone, warehouse_shipment.address]
    assert set(AccessLog.objects.values_list("actor", "purpose")) == {(logistics.pk, "shipping_template"), (supplier_staff.pk, "shipping_template")}
    assert dropship_xlsx.status_code == 200 and dropship_xlsx.content.startswith(b"PK")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "file_format"


# committed before the shipping starts, so that the count written beside its transaction (core.progress) finds it
@pytest.mark.django_db(transaction=True)
def test_an_upload_being_shipped_tells_how_many_rows_the_shipping_has_done(programs, api, logistics, seen_halfway):
    followed = seen_halfway(lambda upload: api(logistics).get(f"/api/v1/shipment-uploads/{upload.pk}/").json())

    assert (followed["status"], followed["rows_done"], followed["row_count"], followed["shipped_count"]) == ("pending", 1, 2, 0)
