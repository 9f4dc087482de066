"""A warehouse gift is on 库存 from its approval, with a stock record of nothing at each warehouse, so that its safety
stock can be set before its first delivery and a level above nothing asks the supplier for stock (SPEC §4.3); the
supplier reads who sets the safety stock there."""

import pytest

from suppliers.models import ReplenishmentRequest, StockRecord
from suppliers.services import catalog, inventory, revisions
from tests.factories import GiftFactory, WarehouseFactory
from tests.helpers import gift_in_state
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]


@pytest.fixture
def warehouses(db):
    return WarehouseFactory(code="WH-HZ", name="杭州仓"), WarehouseFactory(code="WH-GZ", name="广州仓")


def records_of(gift) -> list[tuple[str, int, int, int]]:
    rows = StockRecord.objects.filter(gift=gift).order_by("location__code")
    return list(rows.values_list("location__code", "on_hand", "reserved", "safety_stock"))


def test_an_approved_warehouse_gift_has_a_stock_record_of_nothing_at_each_warehouse(supplier, warehouses):
    gift = gift_in_state("approved", supplier=supplier)

    assert records_of(gift) == [("WH-GZ", 0, 0, 0), ("WH-HZ", 0, 0, 0)]


def test_a_submitted_or_dropship_gift_has_none(supplier, warehouses):
    submitted = gift_in_state("submitted", supplier=supplier)
    dropship = gift_in_state("approved", supplier=supplier, fulfilment="dropship")

    assert records_of(submitted) == [] and records_of(dropship) == []


def test_approving_again_after_relisting_keeps_the_records_it_has(supplier, warehouses, operator, now):
    gift = gift_in_state("offline", supplier=supplier)
    inventory.receive_stock(gift=gift, location=warehouses[0], quantity=4, at=now)
    catalog.request_relisting(gift=gift, actor=None, now=now)

    catalog.approve_gift(gift=gift, actor=operator, now=now)

    assert records_of(gift) == [("WH-GZ", 0, 0, 0), ("WH-HZ", 4, 0, 0)]


def test_a_safety_stock_set_on_a_never_stocked_approved_gift_asks_the_supplier_for_stock(supplier, warehouses, logistics, now):
    gift = gift_in_state("approved", supplier=supplier)

    inventory.set_safety_stock(gift=gift, location=warehouses[0], safety_stock=5, at=now, actor=logistics)

    request = ReplenishmentRequest.objects.get(gift=gift)
    assert (request.location, request.state, request.quantity) == (warehouses[0], "open", 10)


def test_the_supplier_finds_its_approved_gift_on_the_stock_page_and_reads_who_sets_its_safety_stock(
    supplier, supplier_staff, warehouses
):
    gift = gift_in_state("approved", supplier=supplier, sku="NEW-CUP")

    page = logged_in(supplier_staff).get("/supplier/stock/").content.decode()

    records = page.split('data-testid="stock-records"', 1)[1].split("</table>", 1)[0]
    assert records.count(gift.sku) == 2
    assert 'data-testid="safety-stock-hint"' in page and "由运营或物流人员设置" in page


def test_staff_who_set_the_safety_stock_are_not_told_who_sets_it(operator, warehouses):
    page = logged_in(operator).get("/supplier/stock/").content.decode()

    assert 'data-testid="safety-stock-hint"' not in page


def test_a_never_approved_gift_stays_off_the_stock_page(supplier, supplier_staff, warehouses):
    GiftFactory(supplier=supplier, sku="DRAFT-CUP")

    page = logged_in(supplier_staff).get("/supplier/stock/").content.decode()

    assert "DRAFT-CUP" not in page


def test_a_dropship_gift_turned_to_the_warehouses_by_an_approved_revision_is_on_stock_from_then(supplier, supplier_staff, warehouses,
                                                                                                    operator, now):
    gift = gift_in_state("online", supplier=supplier, fulfilment="dropship")
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "warehouse"})
    assert records_of(gift) == []

    revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert records_of(gift) == [("WH-GZ", 0, 0, 0), ("WH-HZ", 0, 0, 0)]
