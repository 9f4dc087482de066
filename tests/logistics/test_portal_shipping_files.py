"""The shipping-by-file page: reached from the navigation by logistics staff and suppliers, a template of the parcels
waiting to download, a bad file shown back row by row with nothing shipped, and an upload's own page following its
shipping to the end."""
import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import AccessLog
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping, shipments
from tests.factories import ADDRESS, GiftFactory
from tests.helpers import picked_and_shipped

pytestmark = pytest.mark.django_db
PAGE = "/logistics/shipments/by-file/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(getattr(user, "user", user))
    return client


def waybills(*rows: list) -> SimpleUploadedFile:
    stream = io.StringIO()
    csv.writer(stream).writerows([["运单ID", "订单号", "承运商", "运单号"], *rows])
    return SimpleUploadedFile("今日发货.csv", stream.getvalue().encode("gbk"), content_type="text/csv")


@pytest.mark.parametrize("role", ["logistics", "supplier_staff"])
def test_those_who_ship_reach_the_page_from_the_navigation(request, role, supplier):
    GiftFactory(supplier=supplier, fulfilment="dropship")  # a supplier ships by file only gifts it ships itself
    client = logged_in(request.getfixturevalue(role))

    html = client.get(PAGE).content.decode()

    assert f'href="{PAGE}"' in html  # the navigation's entry
    assert "<title>批量发货" in html
    assert f'href="{PAGE}template.csv"' in html and f'href="{PAGE}template.xlsx"' in html


@pytest.mark.parametrize("role", ["member", "operator", "finance"])
def test_others_may_not_open_it(request, role):
    client = logged_in(request.getfixturevalue(role))

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}template.csv").status_code == 403


def test_logistics_uploads_a_file_and_its_page_shows_the_parcels_shipped(logistics, warehouse_shipment, django_capture_on_commit_callbacks):
    client = logged_in(logistics)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": waybills([warehouse_shipment.pk, "", "顺丰", "SF-PAGE"])})
    followed = client.get(response["Location"]).content.decode()

    upload = ShipmentUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{PAGE}{upload.pk}/"
    assert 'data-testid="shipped"' in followed and "已发出 1 个运单" in followed
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"
    assert f'href="{PAGE}{upload.pk}/"' in client.get(PAGE).content.decode()  # listed among the uploads


def test_a_bad_file_comes_back_with_each_problem_by_row_and_column_and_ships_nothing(logistics, warehouse_shipment):
    response = logged_in(logistics).post(PAGE, {"file": waybills([warehouse_shipment.pk, "", "顺丰", ""], [999999, "", "顺丰", "SF-2"])})

    html = response.content.decode()
    assert response.status_code == 400
    assert "文件有 2 处错误，未发出任何运单" in html
    assert '<tr data-row="2" data-column="tracking_number"><td class="num">2</td><td>运单号</td><td>请填写运单号</td></tr>' in html
    assert '<tr data-row="3" data-column="shipment"><td class="num">3</td><td>运单ID</td><td>未找到运单 999999</td></tr>' in html
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created" and not ShipmentUpload.objects.exists()


def test_a_file_field_left_empty_is_shown_next_to_it(logistics):
    response = logged_in(logistics).post(PAGE, {})

    assert response.status_code == 400 and 'data-field="file"' in response.content.decode()


# committed before the shipping starts, so that the count written beside its transaction (core.progress) finds it
@pytest.mark.django_db(transaction=True)
def test_an_upload_still_shipping_shows_its_progress_and_looks_again(programs, logistics, seen_halfway):
    client = logged_in(logistics)
    upload, html, listed = seen_halfway(lambda upload: (upload, client.get(f"{PAGE}{upload.pk}/").content.decode(),
                                                        client.get(PAGE).content.decode()))

    assert '<progress max="100" value="50">50%</progress>' in html and 'data-testid="rows-done">已处理 1/2 个运单<' in html
    assert 'data-testid="upload-status">发货中<' in html and "window.location.reload()" in html
    assert re.search(rf'data-upload="{upload.pk}">.*?发货中</span> <small data-testid="rows-done">1/2<', listed, re.S)


def test_an_upload_that_failed_halfway_shows_where_it_stopped_and_that_none_left(logistics, two_handed_over, now, monkeypatch):
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=waybills(*([s.pk, "", "顺丰", f"SF-{s.pk}"] for s in two_handed_over)).read())
    ship = shipments.ship_shipment

    def down_at_the_second(**kwargs):
        if kwargs["shipment"] != two_handed_over[0]:
            raise RuntimeError("carrier system down")
        return ship(**kwargs)

    monkeypatch.setattr(shipments, "ship_shipment", down_at_the_second)
    with pytest.raises(RuntimeError):
        bulk_shipping.ship_upload(upload_id=upload.pk, now=now, progress_every=1)

    html = logged_in(logistics).get(f"{PAGE}{upload.pk}/").content.decode()

    assert 'data-testid="stopped-at">处理了 1/2 个运单后停止，已处理的也已撤回。<' in html
    assert "发货时有 1 处问题，未发出任何运单" in html and "发货时出错，未发出任何运单，请稍后重新上传" in html
    assert set(Shipment.objects.values_list("state", flat=True)) == {"created"}


def test_an_upload_refused_when_shipping_shows_why_and_that_none_left(logistics, warehouse_shipment, now):
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=waybills([warehouse_shipment.pk, "", "顺丰", "SF-1"]).read())
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="中通", tracking_number="ZT-HAND")
    bulk_shipping.ship_upload(upload_id=upload.pk, now=now)

    html = logged_in(logistics).get(f"{PAGE}{upload.pk}/").content.decode()

    assert "发货时有 1 处问题，未发出任何运单" in html
    assert '<tr data-row="2" data-column="shipment"><td class="num">2</td><td>运单ID</td><td>运单处于「已发货」状态，不能发货</td></tr>' in html


def test_the_template_downloads_the_parcels_waiting_with_their_recipient_and_logs_the_read(logistics, warehouse_shipment):
    response = logged_in(logistics).get(f"{PAGE}template.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "attachment" in response["Content-Disposition"]
    assert rows[1][:2] == [str(warehouse_shipment.pk), warehouse_shipment.order.number]
    assert rows[1][5:] == [ADDRESS["recipient_name"], ADDRESS["recipient_phone"], ADDRESS["address"], "", ""]
    assert list(AccessLog.objects.values_list("actor", "purpose")) == [(logistics.pk, "shipping_template")]
    assert logged_in(logistics).get(f"{PAGE}template.pdf").status_code == 404


def test_a_supplier_sees_its_own_uploads_only(supplier_staff, other_supplier_admin, logistics, dropship_shipment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(supplier_staff).post(PAGE, {"file": waybills([dropship_shipment.pk, "", "中通", "ZT-PAGE"])})
    upload = ShipmentUpload.objects.get()

    assert logged_in(supplier_staff).get(f"{PAGE}{upload.pk}/").status_code == 200
    assert logged_in(other_supplier_admin).get(f"{PAGE}{upload.pk}/").status_code == 404
    assert logged_in(logistics).get(f"{PAGE}{upload.pk}/").status_code == 404
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "shipped"
