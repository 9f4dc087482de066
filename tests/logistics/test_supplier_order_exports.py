"""Downloading a supplier's orders as filtered: its own orders only, of both fulfilments, the recipient masked as on the
page, fulfilments and states by their labels."""
import pytest

from core.models import AccessLog
from tests.factories import ADDRESS
from tests.portal import downloaded, logged_in

pytestmark = pytest.mark.django_db
EXPORT = "/logistics/orders/export"


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_supplier_downloads_its_orders_with_the_recipient_masked(supplier_staff, warehouse_shipment, dropship_shipment,
                                                                   file_format):
    rows = by_column(downloaded(logged_in(supplier_staff).get(f"{EXPORT}.{file_format}")))

    by_number = {row["订单号"]: row for row in rows}
    assert set(by_number) == {warehouse_shipment.order.number, dropship_shipment.order.number}
    dropship = by_number[dropship_shipment.order.number]
    assert dropship["履约方式"] == "礼品商直发"
    assert dropship["收件人"] == "刘*" and ADDRESS["recipient_name"] not in str(rows)
    assert dropship["状态"] == str(dropship_shipment.order.get_state_display())
    assert not AccessLog.objects.exists()


def test_the_download_follows_the_pages_filter(supplier_staff, warehouse_shipment, dropship_shipment):
    rows = by_column(downloaded(logged_in(supplier_staff).get(f"{EXPORT}.csv?fulfilment=dropship")))

    assert [row["订单号"] for row in rows] == [dropship_shipment.order.number]


def test_another_supplier_downloads_none_of_the_orders_and_logistics_none_at_all(other_supplier_admin, logistics,
                                                                                 warehouse_shipment, dropship_shipment):
    assert by_column(downloaded(logged_in(other_supplier_admin).get(f"{EXPORT}.csv"))) == []
    assert logged_in(logistics).get(f"{EXPORT}.csv").status_code == 403


def test_the_orders_page_links_its_downloads_with_the_current_filter(supplier_staff):
    page = logged_in(supplier_staff).get("/logistics/orders/?fulfilment=dropship").content.decode()

    assert f'href="{EXPORT}.csv?fulfilment=dropship"' in page and f'href="{EXPORT}.xlsx?fulfilment=dropship"' in page


def test_a_wrong_filter_is_a_400(supplier_staff):
    assert logged_in(supplier_staff).get(f"{EXPORT}.csv?state=nonsense").status_code == 400
