"""Downloading the staff's goods-flow lists as filtered: the shipments (recipients and addresses masked as on the list,
states in the words of the parcel's kind), the inbound shipments (counts empty until received) and the carrier events
(to the second, as listed); each follows its page's filter, a wrong filter is a 400, and a role that does not open the
page downloads nothing."""
from datetime import timedelta

import pytest

from core.models import AccessLog
from logistics.services import carrier_events, inbound
from tests.factories import ADDRESS
from tests.portal import downloaded, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
SHIPMENTS = "/logistics/shipments/export"
INBOUND = "/logistics/inbound/export"
EVENTS = "/logistics/carrier-events/export"


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_download_every_shipment_masked_as_listed(warehouse_shipment, dropship_shipment, logistics, file_format):
    rows = by_column(downloaded(logged_in(logistics).get(f"{SHIPMENTS}.{file_format}")))

    by_number = {row["订单号"]: row for row in rows}
    assert set(by_number) == {warehouse_shipment.order.number, dropship_shipment.order.number}
    parcel, dropship = by_number[warehouse_shipment.order.number], by_number[dropship_shipment.order.number]
    assert (parcel["类型"], parcel["发货仓"], parcel["状态"], parcel["数量"]) == (
        "物流仓发货", warehouse_shipment.order.location.label, str(warehouse_shipment.state_label), "1")
    assert dropship["状态"] == "待发货" and dropship["发货仓"] == ""
    assert parcel["收件人"] == "刘*" and ADDRESS["recipient_name"] not in str(rows) and ADDRESS["address"] not in str(rows)
    assert not AccessLog.objects.exists()


def test_the_shipments_download_follows_the_filter_and_is_the_staffs(warehouse_shipment, dropship_shipment, operator, supplier_staff):
    rows = by_column(downloaded(logged_in(operator).get(f"{SHIPMENTS}.csv?kind=dropship")))

    assert [row["订单号"] for row in rows] == [dropship_shipment.order.number]
    assert logged_in(supplier_staff).get(f"{SHIPMENTS}.csv").status_code == 403


def test_the_shipments_page_links_its_downloads_and_a_wrong_filter_is_a_400(logistics, supplier_staff):
    client = logged_in(logistics)
    page = client.get("/logistics/shipments/?kind=warehouse").content.decode()

    assert f'href="{SHIPMENTS}.csv?kind=warehouse"' in page and f'href="{SHIPMENTS}.xlsx?kind=warehouse"' in page
    assert client.get(f"{SHIPMENTS}.csv?awaiting_decision=maybe").status_code == 400
    assert 'data-testid="downloads"' not in logged_in(supplier_staff).get("/logistics/dropship/").content.decode()


def test_a_download_of_more_shipments_than_the_cap_asks_to_narrow_the_filter(warehouse_shipment, dropship_shipment, logistics,
                                                                             monkeypatch):
    monkeypatch.setattr("core.exports.MAX_ROWS", 1)

    response = logged_in(logistics).get(f"{SHIPMENTS}.csv")

    assert response.status_code == 400 and "请缩小筛选范围" in response.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_download_the_inbound_shipments_of_the_filter(announced, stocked_gift, warehouse, supplier, logistics, now,
                                                            file_format):
    received = inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=warehouse.pk, quantity=8,
                                        expected_on=now.date(), actor=None, now=now)
    inbound.receive_inbound(inbound=received, actor=logistics, now=now, counted_quantity=6, damaged_quantity=1, reason="")
    over = inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=warehouse.pk, quantity=2,
                                    expected_on=now.date(), actor=None, now=now)
    inbound.receive_inbound(inbound=over, actor=logistics, now=now, counted_quantity=2, extra_quantity=3)

    rows = by_column(downloaded(logged_in(logistics).get(f"{INBOUND}.{file_format}")))
    only_announced = by_column(downloaded(logged_in(logistics).get(f"{INBOUND}.{file_format}?state=announced")))

    by_number = {row["入库单号"]: row for row in rows}
    assert set(by_number) == {announced.number, received.number, over.number}
    counted = by_number[received.number]
    assert (counted["礼品商"], counted["SKU"], counted["预报数量"], counted["实收"], counted["短少"], counted["破损"]) == (
        supplier.name, stocked_gift.sku, "8", "6", "2", "1")
    assert (counted["状态"], counted["预计到货"]) == (str(received.get_state_display()), f"{now.date():%Y-%m-%d}")
    assert (by_number[announced.number]["实收"], by_number[announced.number]["短少"], by_number[announced.number]["多到未入库"]) == ("", "", "")
    assert (counted["多到未入库"], by_number[over.number]["实收"], by_number[over.number]["多到未入库"]) == ("0", "2", "3")
    assert [row["入库单号"] for row in only_announced] == [announced.number]


def test_the_inbound_page_links_its_downloads_and_only_its_readers_download(announced, logistics, operator, supplier_admin, finance):
    client = logged_in(logistics)
    page = client.get("/logistics/inbound/?state=announced").content.decode()

    assert f'href="{INBOUND}.csv?state=announced"' in page and f'href="{INBOUND}.xlsx?state=announced"' in page
    assert client.get(f"{INBOUND}.csv?state=nonsense").status_code == 400
    assert logged_in(operator).get(f"{INBOUND}.csv").status_code == 200
    assert {logged_in(user).get(f"{INBOUND}.csv").status_code for user in (supplier_admin, finance)} == {403}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_readers_download_the_carrier_events_of_the_filter(shipped, logistics, operator, now, file_format):
    later = now + timedelta(hours=2, seconds=7)
    carrier_events.report_carrier_event(event_id="portal-d", tracking_number=shipped.tracking_number, kind="delivered",
                                        occurred_at=later, payload={"signer": "刘洋"}, actor=logistics, now=later)
    carrier_events.report_carrier_event(event_id="portal-f", tracking_number=shipped.tracking_number, kind="failed",
                                        occurred_at=later, payload={"reason": "无人签收"}, actor=logistics, now=later)

    rows = by_column(downloaded(logged_in(operator).get(f"{EVENTS}.{file_format}")))
    rejected = by_column(downloaded(logged_in(logistics).get(f"{EVENTS}.{file_format}?status=rejected")))

    assert [row["事件编号"] for row in rows] == ["portal-f", "portal-d"]
    delivered = rows[1]
    assert (delivered["类型"], delivered["状态"], delivered["运单号"], delivered["运单状态"]) == ("已签收", "已处理", shipped.tracking_number, "已签收")
    assert delivered["接收时间"].endswith(":07") and delivered["发生时间"] == delivered["接收时间"]
    assert [row["事件编号"] for row in rejected] == ["portal-f"] and rejected[0]["说明"] != ""


def test_the_carrier_events_page_links_its_downloads_and_only_its_readers_download(logistics, supplier_admin, finance):
    client = logged_in(logistics)
    page = client.get("/logistics/carrier-events/?status=rejected").content.decode()

    assert f'href="{EVENTS}.csv?status=rejected"' in page and f'href="{EVENTS}.xlsx?status=rejected"' in page
    refused = client.get(f"{EVENTS}.csv?received_from=2026-13-01")
    assert refused.status_code == 400 and "接收日期自" in refused.content.decode()
    assert {logged_in(user).get(f"{EVENTS}.csv").status_code for user in (supplier_admin, finance)} == {403}
