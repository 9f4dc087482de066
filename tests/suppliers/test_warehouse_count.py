"""Logistics staff count a gift's stock at a warehouse (SPEC §4.3): the difference is one 盘点更正 movement with who,
when, why and who is liable for a shortfall; the supplier is told; a count below the reserved units is refused."""
import pytest

from core.errors import PermissionDenied, ValidationFailed
from suppliers.errors import StockChanged
from suppliers.models import Notice, ReplenishmentRequest, StockMovement, StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(supplier, now):
    """10 units of the supplier's gift at a warehouse, 3 of them reserved for an order."""
    gift, warehouse = GiftFactory(supplier=supplier, sku="TEA-COUNT"), WarehouseFactory(code="WH-CT", name="杭州仓")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=10, at=now)
    return inventory.reserve_stock(gift=gift, location=warehouse, quantity=3, at=now)


def counted(record: StockRecord) -> list[tuple]:
    return list(StockMovement.objects.filter(gift_id=record.gift_id, kind="correction")
                .values_list("on_hand_delta", "reserved_delta", "note", "liable", "actor__username", "source_type"))


def test_a_shortfall_is_booked_as_a_correction_with_who_is_liable_and_the_supplier_is_told(record, logistics, now):
    after = inventory.count_warehouse_stock(record=record, on_hand=8, reason="货架破损 2 件", liable="logistics", actor=logistics, now=now)

    assert (after.on_hand, after.reserved) == (8, 3)
    assert counted(record) == [(-2, 0, "货架破损 2 件", "logistics", logistics.username, "stock_count")]
    assert inventory.rebuild_stock(gift=record.gift, location=record.location) == (8, 3)
    notice = Notice.objects.get(kind="stock_corrected")
    assert (notice.supplier_id, notice.params["before"], notice.params["after"]) == (record.gift.supplier_id, 10, 8)
    assert "物流商" in notice.body_text and "货架破损 2 件" in notice.body_text


def test_a_surplus_is_booked_with_no_liable_party_and_meets_an_open_replenishment(record, logistics, operator, now):
    inventory.set_safety_stock(gift=record.gift, location=record.location, safety_stock=9, at=now, actor=operator)

    after = inventory.count_warehouse_stock(record=record, on_hand=13, reason="盘盈", liable="logistics", actor=logistics, now=now)

    assert (after.on_hand, after.available) == (13, 10)
    assert counted(record) == [(3, 0, "盘盈", "", logistics.username, "stock_count")]
    assert ReplenishmentRequest.objects.get(gift=record.gift).state == "met"


def test_a_count_equal_to_the_units_on_hand_books_and_tells_nothing(record, logistics, now):
    after = inventory.count_warehouse_stock(record=record, on_hand=10, reason="月度盘点", actor=logistics, now=now)

    assert after.on_hand == 10 and counted(record) == [] and not Notice.objects.filter(kind="stock_corrected").exists()


def test_a_count_below_the_units_reserved_for_orders_is_refused_and_changes_nothing(record, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        inventory.count_warehouse_stock(record=record, on_hand=2, reason="丢失", liable="logistics", actor=logistics, now=now)

    assert refused.value.field == "on_hand" and "已为订单占用的 3 件" in str(refused.value.detail)
    assert (StockRecord.objects.get(pk=record.pk).on_hand, counted(record)) == (10, [])


@pytest.mark.parametrize(("values", "field"), [
    ({"on_hand": 8, "reason": "丢失"}, "liable"),  # a shortfall says who is liable
    ({"on_hand": 8, "reason": "丢失", "liable": "carrier"}, "liable"),
    ({"on_hand": 8, "reason": "  ", "liable": "none"}, "reason"),
    ({"on_hand": -1, "reason": "盘点", "liable": "none"}, "on_hand"),
])
def test_a_count_without_what_it_needs_names_the_field_and_books_nothing(record, logistics, now, values, field):
    with pytest.raises(ValidationFailed) as refused:
        inventory.count_warehouse_stock(record=record, actor=logistics, now=now, **values)

    assert refused.value.field == field and counted(record) == []


def test_only_logistics_counts_and_only_at_a_warehouse(record, operator, supplier_admin, supplier, logistics, now):
    for actor in (operator, supplier_admin):
        with pytest.raises(PermissionDenied):
            inventory.count_warehouse_stock(record=record, on_hand=12, reason="盘点", actor=actor, now=now)
    dropship = GiftFactory(supplier=supplier, fulfilment="dropship")
    own = inventory.receive_stock(gift=dropship, location=inventory.own_location(supplier), quantity=2, at=now)
    with pytest.raises(ValidationFailed) as own_refused:
        inventory.count_warehouse_stock(record=own, on_hand=1, reason="盘点", liable="none", actor=logistics, now=now)

    assert own_refused.value.field == "location" and counted(record) == [] and counted(own) == []


def test_a_count_made_from_a_figure_that_changed_since_is_refused(record, logistics, now):
    inventory.consume_stock(gift=record.gift, location=record.location, quantity=1, at=now)

    with pytest.raises(StockChanged) as refused:
        inventory.count_warehouse_stock(record=record, on_hand=8, counted_from=10, reason="盘点", liable="none", actor=logistics, now=now)

    assert refused.value.field == "on_hand" and counted(record) == []


def test_the_count_locks_the_gift_then_its_stock_row_before_reading_what_is_reserved(record, logistics, now, monkeypatch):
    locked = []
    real_lock, real_select = inventory.lock_gift, StockRecord.objects.select_for_update
    monkeypatch.setattr(inventory, "lock_gift", lambda pk, **kw: locked.append(("gift", pk)) or real_lock(pk, **kw))
    monkeypatch.setattr(StockRecord.objects, "select_for_update", lambda *a, **kw: locked.append(("stock",)) or real_select(*a, **kw))

    inventory.count_warehouse_stock(record=record, on_hand=9, reason="丢失", liable="supplier", actor=logistics, now=now)

    assert locked[:2] == [("gift", record.gift_id), ("stock",)]


# --- API --------------------------------------------------------------------------------------------------------

def test_logistics_counts_through_the_api_others_read_and_another_supplier_gets_404(
    api, record, logistics, operator, finance, supplier_admin, other_supplier_admin,
):
    url = f"/api/v1/stock/{record.pk}/count/"
    body = {"on_hand": 9, "reason": "丢失 1 件", "liable": "logistics"}

    refused = {user.role: api(user).post(url, body, format="json").status_code for user in (operator, finance, supplier_admin)}
    theirs = api(other_supplier_admin).post(url, body, format="json")
    unexplained = api(logistics).post(url, {"on_hand": 9, "liable": "logistics"}, format="json")
    below = api(logistics).post(url, {"on_hand": 1, "reason": "丢失", "liable": "logistics"}, format="json")
    done = api(logistics).post(url, body, format="json")

    assert refused == {"operator": 403, "finance": 403, "supplier_admin": 403} and theirs.status_code == 404
    assert unexplained.status_code == 400 and unexplained.json()["errors"][0]["attr"] == "reason"
    assert below.status_code == 400 and below.json()["errors"][0]["attr"] == "on_hand"
    assert done.status_code == 200 and (done.json()["on_hand"], done.json()["available"]) == (9, 6)
    for reader in (operator, supplier_admin):
        movements = api(reader).get("/api/v1/stock-movements/", {"gift": record.gift_id, "kind": "correction"}).json()["results"]
        assert [(m["on_hand_delta"], m["note"], m["liable"]) for m in movements] == [(-1, "丢失 1 件", "logistics")]
    assert api(other_supplier_admin).get("/api/v1/stock-movements/", {"kind": "correction"}).json()["results"] == []


# --- portal -----------------------------------------------------------------------------------------------------

def test_logistics_counts_on_the_stock_page_and_the_supplier_sees_the_correction(record, logistics, supplier_staff, other_supplier_admin):
    from tests.portal import logged_in

    client = logged_in(logistics)
    url = f"/supplier/stock/{record.pk}/count/"

    stock_page = client.get("/supplier/stock/").content.decode()
    form = client.get(url).content.decode()
    no_liable = client.post(url, {"on_hand": "8", "reason": "丢失", "counted_from": "10"})
    done = client.post(url, {"on_hand": "8", "reason": "丢失", "liable": "supplier", "counted_from": "10"}, follow=True).content.decode()
    suppliers_movements = logged_in(supplier_staff).get("/supplier/stock/movements/?kind=correction").content.decode()

    assert f'href="{url}"' in stock_page and 'name="on_hand"' in form
    assert no_liable.status_code == 400 and 'data-field="liable"' in no_liable.content.decode()
    assert "盘点已记录" in done and StockRecord.objects.get(pk=record.pk).on_hand == 8
    assert "丢失" in suppliers_movements and "短少责任方：礼品商" in suppliers_movements
    assert logged_in(supplier_staff).get(url).status_code == 403
    assert logged_in(other_supplier_admin).get(url).status_code == 403
    assert 'data-testid="warehouse-count"' not in logged_in(supplier_staff).get("/supplier/stock/").content.decode()
