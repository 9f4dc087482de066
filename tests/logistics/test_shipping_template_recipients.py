"""The shipping template carries each parcel's recipient so a packer can address it (SPEC §4.6, §4.13): in full for
whoever must ship the parcel (logistics its warehouse parcels, a dropship supplier its own), every such read in the
access log in one insert; masked for anyone else; another supplier's parcels never in it; never read back on upload."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AccessLog
from logistics.models import Shipment
from logistics.services import bulk_shipping, returns, shipments
from points.services import orders
from tests.factories import ADDRESS, UserFactory
from tests.logistics.builders import received

pytestmark = pytest.mark.django_db

RECIPIENT = [ADDRESS["recipient_name"], ADDRESS["recipient_phone"], ADDRESS["address"]]
MASKED = ["刘*", "138****8000", "浙江省杭州****"]
NEW_ADDRESS = "浙江省杭州市滨江区江南大道200号"


def template_rows(actor, now) -> list[dict[str, str]]:
    export = bulk_shipping.shipping_template(actor=actor, file_format="csv", now=now)
    return list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))


def recipients(rows: list[dict[str, str]]) -> list[list[str]]:
    return [[row["收件人"], row["收件电话"], row["收货地址"]] for row in rows]


def reads(actor) -> list[tuple[str, str, str]]:
    return list(AccessLog.objects.filter(actor=actor).order_by("id").values_list("subject_id", "fields", "purpose"))


def test_logistics_reads_each_parcels_recipient_in_full_and_every_read_is_logged(logistics, two_handed_over, now):
    rows = template_rows(logistics, now)

    assert list(rows[0]) == ["运单ID", "订单号", "发货仓", "礼品", "数量", "收件人", "收件电话", "收货地址", "承运商", "运单号"]
    assert recipients(rows) == [RECIPIENT, RECIPIENT]
    assert reads(logistics) == [(str(parcel.order_id), "recipient_name,recipient_phone,address", "shipping_template")
                                for parcel in two_handed_over]


def test_a_redelivery_is_addressed_to_its_corrected_recipient(logistics, shipped, operator, now):
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    orders.redeliver_order(order=shipped.order, actor=operator, now=now, reason="会员改了地址", address=NEW_ADDRESS)

    rows = template_rows(logistics, now)

    assert [row["运单ID"] for row in rows] == [str(shipments.active_shipment(shipped.order).pk)]
    assert recipients(rows) == [[*RECIPIENT[:2], NEW_ADDRESS]]


def test_a_dropship_supplier_reads_its_own_parcels_recipient_in_full_and_the_read_is_logged(supplier_staff, dropship_shipment, now):
    rows = template_rows(supplier_staff, now)

    assert recipients(rows) == [RECIPIENT]
    assert reads(supplier_staff) == [(str(dropship_shipment.order_id), "recipient_name,recipient_phone,address", "shipping_template")]


def test_a_dropship_supplier_reads_the_recipient_of_goods_it_sends_back_weeks_after_delivery(dropship_order, operator, supplier_staff, now):
    """The order's own window closed 7 days after delivery; the parcel back is still the supplier's to ship."""
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)
    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")

    rows = template_rows(supplier_staff, now + timedelta(days=20))

    assert [row["运单ID"] for row in rows] == [str(Shipment.objects.get(send_back_for=return_request).pk)]
    assert recipients(rows) == [RECIPIENT] and len(reads(supplier_staff)) == 1


def test_a_superuser_who_may_not_read_contact_data_gets_every_recipient_masked_and_nothing_is_logged(warehouse_shipment, dropship_shipment, now):
    administrator = UserFactory(username="root", role="operator", is_superuser=True)

    rows = template_rows(administrator, now)

    assert recipients(rows) == [MASKED, MASKED]
    assert not AccessLog.objects.exists()


def test_another_suppliers_parcels_are_never_in_its_template(other_supplier_admin, supplier_staff, dropship_shipment, warehouse_shipment, now):
    others = template_rows(other_supplier_admin, now)
    own = template_rows(supplier_staff, now)

    assert others == [] and not AccessLog.objects.filter(actor=other_supplier_admin).exists()
    assert [row["运单ID"] for row in own] == [str(dropship_shipment.pk)]


def test_the_template_takes_as_many_queries_for_one_parcel_as_for_three(logistics, warehouse_shipment, stocked_gift, rich_member, now):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            bulk_shipping.shipping_template(actor=logistics, file_format="xlsx", now=now)
        return len(captured)

    one = queries()
    for _ in range(2):
        orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-MORE", actor=logistics, now=now)
    three = queries()

    assert AccessLog.objects.filter(actor=logistics).count() == 1 + 3
    assert one == three
