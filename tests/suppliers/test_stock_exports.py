"""Downloading the stock list as filtered: logistics and operators every supplier's stock, a supplier only its own, with
units on hand, reserved, available and the safety stock, the low ones marked."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.portal import downloaded, logged_in

pytestmark = pytest.mark.django_db
EXPORT = "/supplier/stock/export"


def stocked(supplier, warehouse, *, quantity: int, safety_stock: int = 0, name: str = ""):
    gift = GiftFactory(supplier=supplier, **({"name": name} if name else {}))
    inventory.receive_stock(gift=gift, location=warehouse, quantity=quantity, at=timezone.now())
    if safety_stock:
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=safety_stock, at=timezone.now())
    return gift


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def stock_of_two_suppliers(supplier, other_supplier) -> dict:
    warehouse = WarehouseFactory()
    return {"short": stocked(supplier, warehouse, quantity=3, safety_stock=5),
            "enough": stocked(supplier, warehouse, quantity=9, safety_stock=5),
            "other": stocked(other_supplier, warehouse, quantity=7, name="+cmd|' /C calc'!A0")}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_logistics_downloads_every_suppliers_stock_with_the_low_ones_marked(stock_of_two_suppliers, logistics, file_format):
    rows = by_column(downloaded(logged_in(logistics).get(f"{EXPORT}.{file_format}")))

    by_sku = {row["SKU"]: row for row in rows}
    assert set(by_sku) == {gift.sku for gift in stock_of_two_suppliers.values()}
    short = by_sku[stock_of_two_suppliers["short"].sku]
    assert (short["在库"], short["已占用"], short["可用"], short["安全库存"], short["低库存"]) == ("3", "0", "3", "5", "低库存")
    assert by_sku[stock_of_two_suppliers["enough"].sku]["低库存"] == ""
    assert by_sku[stock_of_two_suppliers["other"].sku]["礼品"] == "'+cmd|' /C calc'!A0"  # a formula written as text


def test_a_supplier_downloads_only_its_own_stock_and_the_filter_applies(stock_of_two_suppliers, supplier_admin):
    client = logged_in(supplier_admin)

    everything = by_column(downloaded(client.get(f"{EXPORT}.csv")))
    low = by_column(downloaded(client.get(f"{EXPORT}.xlsx?low=1")))

    assert {row["SKU"] for row in everything} == {stock_of_two_suppliers[name].sku for name in ("short", "enough")}
    assert [row["SKU"] for row in low] == [stock_of_two_suppliers["short"].sku]


def test_the_stock_page_links_its_downloads_and_a_wrong_filter_is_a_400(logistics, member):
    client = logged_in(logistics)

    page = client.get("/supplier/stock/?low=1").content.decode()

    assert f'href="{EXPORT}.csv?low=1"' in page
    assert client.get(f"{EXPORT}.csv?location=999999").status_code == 400
    assert client.get(f"{EXPORT}.ods").status_code == 404
    assert logged_in(member.user).get(f"{EXPORT}.csv").status_code == 403


def test_the_stock_download_runs_the_same_queries_for_1_and_20_records(supplier, operator, django_assert_num_queries):
    client = logged_in(operator)
    warehouse = WarehouseFactory()
    stocked(supplier, warehouse, quantity=1)
    with CaptureQueriesContext(connection) as one_record:
        downloaded(client.get(f"{EXPORT}.csv"))
    for _ in range(19):
        stocked(supplier, warehouse, quantity=1)

    with django_assert_num_queries(len(one_record.captured_queries)):
        rows = downloaded(client.get(f"{EXPORT}.csv"))

    assert len(rows) == 21
