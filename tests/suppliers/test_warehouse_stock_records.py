"""A warehouse gift on 库存 has a stock record at every warehouse, whenever the warehouse came (SPEC §4.3): a warehouse
added in the admin opens one of nothing for each warehouse gift approved once and not retired; and a retired gift's
records holding nothing leave the stock list (page, download and API) unless asked for."""
import pytest

from suppliers.models import Location, StockRecord
from suppliers.services import catalog, inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.helpers import gift_in_state
from tests.portal import downloaded, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]


def codes_of(gift) -> list[str]:
    return list(StockRecord.objects.filter(gift=gift).order_by("location__code").values_list("location__code", flat=True))


@pytest.fixture
def first_warehouse(db):
    return WarehouseFactory(code="WH-A", name="甲仓")


@pytest.fixture
def gifts(supplier, first_warehouse) -> dict:
    """A warehouse gift in each state a new warehouse lists, and those it does not, by what they are."""
    listed = {state: gift_in_state(state, supplier=supplier, sku=f"LISTED-{state}") for state in ("approved", "online", "offline", "clearance")}
    return listed | {
        "draft": GiftFactory(supplier=supplier, sku="NEVER-draft"),
        "submitted": gift_in_state("submitted", supplier=supplier, sku="NEVER-submitted"),
        "dropship": gift_in_state("online", supplier=supplier, sku="OWN-online", fulfilment="dropship"),
        "retired": gift_in_state("retired", supplier=supplier, sku="GONE-retired"),
    }


def test_a_warehouse_added_opens_a_record_of_nothing_for_each_warehouse_gift_approved_once_and_not_retired(gifts):
    added = WarehouseFactory(code="WH-NEW", name="新仓")

    opened = inventory.open_stock_at_warehouse(location=added)

    at_new = StockRecord.objects.filter(location=added)
    assert opened == 4 and sorted(at_new.values_list("gift__sku", flat=True)) == sorted(f"LISTED-{s}" for s in ("approved", "online", "offline",
                                                                                                                   "clearance"))
    assert set(at_new.values_list("on_hand", "reserved", "safety_stock")) == {(0, 0, 0)}


def test_opening_a_warehouse_again_opens_nothing_twice_and_keeps_the_stock_it_holds(gifts, now):
    added = WarehouseFactory(code="WH-NEW", name="新仓")
    inventory.open_stock_at_warehouse(location=added)
    inventory.receive_stock(gift=gifts["online"], location=added, quantity=3, at=now)

    again = inventory.open_stock_at_warehouse(location=added)

    assert again == 0 and StockRecord.objects.filter(location=added).count() == 4
    assert StockRecord.objects.get(gift=gifts["online"], location=added).on_hand == 3


def test_a_gift_back_in_review_for_relisting_keeps_its_place_at_a_new_warehouse(supplier, first_warehouse, now):
    relisting = gift_in_state("offline", supplier=supplier)
    catalog.request_relisting(gift=relisting, actor=None, now=now)
    added = WarehouseFactory(code="WH-NEW", name="新仓")

    inventory.open_stock_at_warehouse(location=added)

    assert codes_of(relisting) == ["WH-A", "WH-NEW"]


def test_a_suppliers_own_location_opens_nothing(gifts, supplier):
    own = inventory.own_location(supplier)

    assert inventory.open_stock_at_warehouse(location=own) == 0
    assert not StockRecord.objects.filter(location=own, gift__in=[gifts["online"], gifts["approved"]]).exists()


def test_a_warehouse_added_in_the_admin_lists_the_warehouse_gifts_at_once(gifts, superuser):
    response = logged_in(superuser).post("/admin/suppliers/location/add/", {
        "code": "WH-ADMIN", "name": "后台新仓", "kind": "warehouse", "supplier": "", "address": "福州市", "contact_phone": "",
    })

    assert response.status_code == 302
    added = Location.objects.get(code="WH-ADMIN")
    assert codes_of(gifts["online"]) == ["WH-A", "WH-ADMIN"] and codes_of(gifts["draft"]) == []
    assert "WH-ADMIN" not in codes_of(gifts["retired"]) and StockRecord.objects.filter(location=added).count() == 4


# --- a retired gift's records holding nothing leave the stock list ----------------------------------------------------


@pytest.fixture
def retired_empty(supplier, first_warehouse):
    """A retired warehouse gift whose record at WH-A holds nothing (it never had stock)."""
    return gift_in_state("retired", supplier=supplier, sku="GONE-EMPTY")


@pytest.fixture
def retired_holding(supplier, first_warehouse, operator, now):
    """A retired warehouse gift with two units left at WH-A (its leftover lot)."""
    gift = gift_in_state("offline", supplier=supplier, sku="GONE-HELD")
    inventory.receive_stock(gift=gift, location=first_warehouse, quantity=2, at=now)
    return catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")


def listed_skus(page: str) -> str:
    return page.split('data-testid="stock-records"', 1)[1].split("</table>", 1)[0]


def test_the_stock_page_leaves_out_a_retired_gifts_empty_records_but_keeps_those_still_holding_units(
    supplier_staff, retired_empty, retired_holding
):
    records = listed_skus(logged_in(supplier_staff).get("/supplier/stock/").content.decode())

    assert "GONE-EMPTY" not in records and "GONE-HELD" in records


def test_the_stock_pages_option_shows_a_retired_gifts_empty_records(supplier_staff, retired_empty, retired_holding):
    response = logged_in(supplier_staff).get("/supplier/stock/?retired=1")

    records = listed_skus(response.content.decode())
    assert response.status_code == 200 and "GONE-EMPTY" in records and "GONE-HELD" in records
    assert "含已退市且无库存的记录" in response.content.decode()


def test_the_stock_download_leaves_them_out_as_the_page_does(supplier_staff, retired_empty, retired_holding):
    client = logged_in(supplier_staff)

    by_default, asked = ({row[0] for row in downloaded(client.get(f"/supplier/stock/export.csv{query}"))} for query in ("", "?retired=1"))

    assert "GONE-EMPTY" not in by_default and "GONE-HELD" in by_default and "GONE-EMPTY" in asked


def api_skus(response) -> set[str]:
    return {row["gift_sku"] for row in response.json()["results"]}


def test_the_api_list_leaves_them_out_unless_asked_and_reads_one_by_its_id(api, supplier_staff, retired_empty, retired_holding):
    client = api(supplier_staff)
    record = StockRecord.objects.get(gift=retired_empty)

    by_default, asked = client.get("/api/v1/stock/"), client.get("/api/v1/stock/?retired=true")

    assert api_skus(by_default) == {"GONE-HELD"} and api_skus(asked) == {"GONE-EMPTY", "GONE-HELD"}
    assert client.get(f"/api/v1/stock/{record.pk}/").json()["gift_sku"] == "GONE-EMPTY"


def test_another_supplier_sees_none_of_them_and_reads_one_as_not_found(api, other_supplier_admin, retired_empty, retired_holding):
    client = api(other_supplier_admin)
    record = StockRecord.objects.get(gift=retired_empty)

    assert api_skus(client.get("/api/v1/stock/?retired=true")) == set()
    assert client.get(f"/api/v1/stock/{record.pk}/").status_code == 404


def test_a_word_the_option_does_not_take_is_400_naming_it(api, supplier_staff):
    response = api(supplier_staff).get("/api/v1/stock/?retired=maybe")

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "retired"
