"""Downloading the stock movements as filtered: logistics every supplier's, a supplier only its own, each with its gift,
location, type (by its label), the changes of units on hand and reserved, its source and note."""
from datetime import timedelta

import pytest

from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.portal import downloaded, logged_in

pytestmark = pytest.mark.django_db
EXPORT = "/supplier/stock/movements/export"


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def moved(supplier, other_supplier, time_machine, now):
    """10 units of the supplier's gift received three days ago, 1 written off yesterday; 5 of another supplier's."""
    time_machine.move_to(now, tick=False)
    warehouse = WarehouseFactory(code="WH-DL", name="杭州仓")
    gift, foreign = GiftFactory(supplier=supplier, sku="TEA-DL"), GiftFactory(supplier=other_supplier, sku="FOREIGN-DL")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=10, at=now - timedelta(days=3))
    inventory.receive_stock(gift=foreign, location=warehouse, quantity=5, at=now - timedelta(days=2))
    inventory.write_off_stock(gift=gift, location=warehouse, quantity=1, at=now - timedelta(days=1), note="破损")
    return gift


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_logistics_downloads_every_suppliers_movements(moved, logistics, file_format):
    rows = by_column(downloaded(logged_in(logistics).get(f"{EXPORT}.{file_format}")))

    assert [(row["SKU"], row["在库变化"]) for row in rows] == [("TEA-DL", "-1"), ("FOREIGN-DL", "5"), ("TEA-DL", "10")]
    written_off = rows[0]
    assert (written_off["礼品商"], written_off["库位"], written_off["备注"]) == (moved.supplier.name, "杭州仓", "破损")
    assert written_off["类型"] == "报损"


def test_a_supplier_downloads_only_its_own_movements_and_the_filter_applies(moved, supplier_staff, now):
    client = logged_in(supplier_staff)

    everything = by_column(downloaded(client.get(f"{EXPORT}.csv")))
    inbound = by_column(downloaded(client.get(f"{EXPORT}.csv?kind=inbound")))
    yesterday = f"{(now - timedelta(days=1)).date()}"
    of_the_day = by_column(downloaded(client.get(f"{EXPORT}.csv?date_from={yesterday}&date_to={yesterday}")))

    assert {row["SKU"] for row in everything} == {"TEA-DL"} and len(everything) == 2
    assert [row["在库变化"] for row in inbound] == ["10"]
    assert [row["在库变化"] for row in of_the_day] == ["-1"]


def test_the_movements_page_links_its_downloads_and_a_wrong_filter_is_a_400(logistics, member):
    client = logged_in(logistics)
    page = client.get("/supplier/stock/movements/?kind=inbound").content.decode()

    assert f'href="{EXPORT}.csv?kind=inbound"' in page and f'href="{EXPORT}.xlsx?kind=inbound"' in page
    assert client.get(f"{EXPORT}.csv?date_from=nonsense").status_code == 400
    assert logged_in(member.user).get(f"{EXPORT}.csv").status_code == 403
