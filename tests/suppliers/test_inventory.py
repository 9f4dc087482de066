"""Inventory invariants (SPEC §4.3): never negative, rebuilt from movements, one location selector, replenishment."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import checks
from django.db import IntegrityError, transaction
from django.test import override_settings

from core.errors import PermissionDenied, ValidationFailed
from suppliers.errors import OutOfStock
from suppliers.models import Location, Notice, ReplenishmentRequest, StockMovement, StockRecord
from suppliers.selectors import choose_location
from suppliers.services import inventory
from tests.factories import FIXED_NOW, SHANGHAI, GiftFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift():
    return GiftFactory()


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="WH-HZ", name="杭州仓")


def test_reserving_more_than_is_available_is_refused_and_changes_nothing(gift, warehouse, now):
    inventory.receive_stock(gift=gift, location=warehouse, quantity=3, at=now)
    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)

    with pytest.raises(OutOfStock):
        inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)

    record = StockRecord.objects.get(gift=gift, location=warehouse)
    assert (record.on_hand, record.reserved) == (3, 2)
    assert StockMovement.objects.filter(kind="reservation").count() == 1


def test_the_database_refuses_negative_stock_even_without_the_services(gift, warehouse):
    record = StockRecord.objects.create(gift=gift, location=warehouse, on_hand=1, reserved=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(pk=record.pk).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(pk=record.pk).update(reserved=2)


def test_movements_rebuild_the_stock(gift, warehouse, now):
    inventory.receive_stock(gift=gift, location=warehouse, quantity=10, at=now)
    inventory.reserve_stock(gift=gift, location=warehouse, quantity=4, at=now)
    inventory.consume_stock(gift=gift, location=warehouse, quantity=3, at=now)
    inventory.release_stock(gift=gift, location=warehouse, quantity=1, at=now)
    inventory.restock(gift=gift, location=warehouse, quantity=2, at=now)
    inventory.write_off_stock(gift=gift, location=warehouse, quantity=1, at=now)

    record = StockRecord.objects.get(gift=gift, location=warehouse)
    assert (record.on_hand, record.reserved) == (8, 0)
    assert inventory.rebuild_stock(gift=gift, location=warehouse) == (8, 0)


def test_a_request_raised_in_the_small_hours_is_due_7_shanghai_days_later(gift, warehouse):
    small_hours = datetime(2026, 10, 14, 21, 0, tzinfo=UTC)  # 05:00 on 15 October in Shanghai, as timezone.now() gives it
    inventory.receive_stock(gift=gift, location=warehouse, quantity=6, at=small_hours)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=small_hours)

    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=small_hours)

    assert ReplenishmentRequest.objects.get().due_date == date(2026, 10, 22)


@override_settings(REPLENISHMENT_DUE_DAYS=3)
def test_a_request_is_due_the_days_replenishment_due_days_sets_later(gift, warehouse, now):
    inventory.receive_stock(gift=gift, location=warehouse, quantity=6, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)

    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)

    request = ReplenishmentRequest.objects.get()
    assert request.due_date == date(2026, 10, 18)
    assert Notice.objects.get(kind="replenishment").params["due_date"] == "2026-10-18"  # the supplier is told the same day


@pytest.mark.parametrize("days", [0, -7, "7", 1.5, True, None])
def test_replenishment_due_days_other_than_a_whole_number_of_at_least_one_is_a_configuration_error(days):
    with override_settings(REPLENISHMENT_DUE_DAYS=days):
        issues = [issue for issue in checks.run_checks() if issue.id.startswith("suppliers.")]

    assert [(issue.id, issue.level) for issue in issues] == [("suppliers.E001", checks.ERROR)]
    assert "REPLENISHMENT_DUE_DAYS" in issues[0].msg and "docs/operations.md" in issues[0].hint
    with override_settings(REPLENISHMENT_DUE_DAYS=1):
        assert [issue for issue in checks.run_checks() if issue.id.startswith("suppliers.")] == []


def test_a_zero_or_negative_quantity_is_a_field_error(gift, warehouse, now):
    with pytest.raises(ValidationFailed) as refused:
        inventory.receive_stock(gift=gift, location=warehouse, quantity=0, at=now)

    assert refused.value.field == "quantity"
    assert not StockMovement.objects.exists()


def test_falling_below_safety_stock_raises_one_replenishment_request_due_in_7_days_and_notifies(gift, warehouse, now):
    inventory.receive_stock(gift=gift, location=warehouse, quantity=6, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)

    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now)
    inventory.reserve_stock(gift=gift, location=warehouse, quantity=1, at=now)

    request = ReplenishmentRequest.objects.get()
    assert (request.state, request.due_date) == ("open", date(2026, 10, 22))
    assert Notice.objects.filter(supplier=gift.supplier, kind="replenishment").count() == 1
    assert Notice.objects.get(kind="replenishment").link == "/supplier/stock/"


def test_receiving_stock_meets_the_open_replenishment_request(gift, warehouse, now, operator):
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)

    inventory.receive_stock(gift=gift, location=warehouse, quantity=10, at=now)
    met = inventory.meet_replenishment(gift=gift, location=warehouse, at=now, actor=operator)

    assert met.state == "met" and met.met_at == now


def test_the_selector_takes_the_warehouse_with_most_available_units(gift, now):
    small, large = WarehouseFactory(code="WH-A"), WarehouseFactory(code="WH-B")
    inventory.receive_stock(gift=gift, location=small, quantity=2, at=now)
    inventory.receive_stock(gift=gift, location=large, quantity=9, at=now)

    assert choose_location(gift=gift, quantity=2) == large
    with pytest.raises(OutOfStock):
        choose_location(gift=gift, quantity=10)


def test_a_dropship_gift_is_reserved_at_its_suppliers_own_location(now):
    gift = GiftFactory(fulfilment="dropship")
    own = Location.objects.create(code="DS-1", name="自有仓", kind="dropship", supplier=gift.supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=5, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=50, at=now)

    assert choose_location(gift=gift, quantity=1) == own


def test_another_supplier_cannot_see_the_stock(gift, warehouse, now, other_supplier_admin):
    inventory.receive_stock(gift=gift, location=warehouse, quantity=1, at=now)

    assert not StockRecord.objects.visible_to(other_supplier_admin).exists()
    assert not StockMovement.objects.visible_to(other_supplier_admin).exists()


# --- a dropship supplier's own stock -----------------------------------------------------------------------------

def test_a_dropship_supplier_counts_its_own_stock_up_and_down_around_what_orders_hold(supplier, supplier_staff, now):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")

    inventory.count_own_stock(gift=gift, available=10, reason=" 到货 ", actor=supplier_staff, now=now)
    own = inventory.own_location(supplier)
    inventory.reserve_stock(gift=gift, location=own, quantity=3, at=now)
    record = inventory.count_own_stock(gift=gift, available=4, reason="月末盘点，破损 3 件", actor=supplier_staff, now=now)

    assert (own.kind, record.on_hand, record.reserved, record.available) == ("dropship", 7, 3, 4)
    assert list(StockMovement.objects.filter(gift=gift).order_by("id").values_list("kind", "on_hand_delta", "note")) == [
        ("inbound", 10, "到货"), ("reservation", 0, ""), ("write_off", -3, "月末盘点，破损 3 件"),
    ]
    assert inventory.rebuild_stock(gift=gift, location=own) == (7, 3)


def test_own_stock_is_counted_only_by_its_supplier_and_only_for_dropship_gifts(supplier, supplier_staff, other_supplier_admin, operator, now):
    from core.errors import PermissionDenied

    dropship, warehouse_gift = GiftFactory(supplier=supplier, fulfilment="dropship"), GiftFactory(supplier=supplier)

    for actor in (other_supplier_admin, operator):
        with pytest.raises(PermissionDenied):
            inventory.count_own_stock(gift=dropship, available=5, reason="盘点", actor=actor, now=now)
    with pytest.raises(ValidationFailed) as warehouse_refused:
        inventory.count_own_stock(gift=warehouse_gift, available=5, reason="盘点", actor=supplier_staff, now=now)
    with pytest.raises(ValidationFailed) as negative:
        inventory.count_own_stock(gift=dropship, available=-1, reason="盘点", actor=supplier_staff, now=now)

    assert (warehouse_refused.value.field, negative.value.field) == ("gift", "available") and not StockRecord.objects.exists()


def test_the_stock_page_lets_a_dropship_supplier_count_its_own_stock(supplier, supplier_staff, now):
    from tests.portal import logged_in

    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    client = logged_in(supplier_staff)

    page = client.get("/supplier/stock/").content.decode()
    counted = client.post(f"/supplier/stock/own/{gift.pk}/", {"available": "12", "reason": "到货", "counted_from": "0"}, follow=True).content.decode()
    bad = client.post(f"/supplier/stock/own/{gift.pk}/", {"available": "lots", "reason": "盘点", "counted_from": "12"}, follow=True).content.decode()
    unexplained = client.post(f"/supplier/stock/own/{gift.pk}/", {"available": "9", "reason": "  ", "counted_from": "12"}, follow=True).content.decode()

    assert f'data-gift="{gift.pk}"' in page.split('data-testid="own-stock"', 1)[1]
    assert 'name="reason"' in page.split('data-testid="own-stock"', 1)[1]
    assert "自有库存已更新" in counted and StockRecord.objects.get(gift=gift).available == 12
    assert "到货" in counted.split('data-testid="movements"', 1)[1]
    assert "可用数量须为" in bad and StockRecord.objects.get(gift=gift).available == 12
    assert "请填写盘点原因" in unexplained and StockRecord.objects.get(gift=gift).available == 12


def test_a_count_made_from_a_figure_that_changed_since_is_refused_and_books_nothing(supplier, supplier_admin, supplier_staff, now):
    from suppliers.errors import StockChanged

    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    inventory.count_own_stock(gift=gift, available=24, reason="到货", actor=supplier_admin, now=now, counted_from=0)
    own = inventory.own_location(supplier)
    # both see 24; the staff books 5 arrived, then the admin writes off 1 damaged from the 24 it was shown
    inventory.count_own_stock(gift=gift, available=29, reason="到货 5 件", actor=supplier_staff, now=now, counted_from=24)
    with pytest.raises(StockChanged) as colleague:
        inventory.count_own_stock(gift=gift, available=23, reason="破损 1 件", actor=supplier_admin, now=now, counted_from=24)
    # an order reserves one between the page and the count: counting what was shown would invent a unit
    inventory.reserve_stock(gift=gift, location=own, quantity=1, at=now)
    with pytest.raises(StockChanged) as order:
        inventory.count_own_stock(gift=gift, available=29, reason="盘点", actor=supplier_admin, now=now, counted_from=29)
    record = inventory.count_own_stock(gift=gift, available=27, reason="破损 1 件", actor=supplier_admin, now=now, counted_from=28)

    assert (colleague.value.field, colleague.value.status, colleague.value.code) == ("available", 409, "stock_changed")
    assert colleague.value.detail == "可用数量已变为 29（其间有订单或其他盘点），请重新盘点"
    assert "可用数量已变为 28" in order.value.detail
    assert (record.on_hand, record.reserved, record.available) == (28, 1, 27)
    assert list(StockMovement.objects.filter(gift=gift).order_by("id").values_list("kind", "on_hand_delta")) == [
        ("inbound", 24), ("inbound", 5), ("reservation", 0), ("write_off", -1),
    ]


def test_the_stock_page_refuses_a_count_from_a_stale_row_next_to_the_field_and_shows_the_figure_now(supplier, supplier_admin, supplier_staff, now):
    from tests.portal import form_values, logged_in

    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    inventory.count_own_stock(gift=gift, available=24, reason="到货", actor=supplier_admin, now=now)
    admin = logged_in(supplier_admin)
    row = admin.get("/supplier/stock/").content.decode().split('data-testid="own-count-form"', 1)[1].split("</form>", 1)[0]
    inventory.count_own_stock(gift=gift, available=29, reason="到货 5 件", actor=supplier_staff, now=now, counted_from=24)

    stale = admin.post(f"/supplier/stock/own/{gift.pk}/", {"available": "23", "reason": "破损 1 件", "counted_from": "24"})
    shown = stale.content.decode().split('data-testid="own-count-form"', 1)[1].split("</form>", 1)[0]
    resent = admin.post(f"/supplier/stock/own/{gift.pk}/", form_values(stale, "own-count-form"))
    unmarked = admin.post(f"/supplier/stock/own/{gift.pk}/", {"available": "23", "reason": "破损 1 件"})

    assert 'name="counted_from" value="24"' in row
    assert stale.status_code == 409 and 'data-field="available">可用数量已变为 29（其间有订单或其他盘点），请重新盘点' in shown
    # counted again from the figure now, shown in place of the count made from the old one: sent again as it is, it
    # books nothing
    assert 'name="counted_from" value="29"' in shown and 'name="available" value="29"' in shown
    assert resent.status_code == 302
    assert unmarked.status_code == 400 and "页面已过期，请刷新后重新盘点" in unmarked.content.decode()
    assert StockRecord.objects.get(gift=gift).available == 29


def test_the_api_refuses_a_count_from_a_figure_that_changed_and_takes_one_without_it(api, supplier, supplier_admin, supplier_staff, now):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    inventory.count_own_stock(gift=gift, available=29, reason="到货", actor=supplier_staff, now=now)
    url = f"/api/v1/gifts/{gift.pk}/stock-count/"

    stale = api(supplier_admin).post(url, {"available": 23, "reason": "破损", "counted_from": 24}, format="json")
    current = api(supplier_admin).post(url, {"available": 28, "reason": "破损", "counted_from": 29}, format="json")
    unmarked = api(supplier_admin).post(url, {"available": 27, "reason": "破损"}, format="json")

    assert stale.status_code == 409
    assert [(e["code"], e["attr"]) for e in stale.json()["errors"]] == [("stock_changed", "available")]
    assert (current.status_code, current.json()["available"], unmarked.status_code, unmarked.json()["available"]) == (200, 28, 200, 27)


@pytest.mark.parametrize(("reason", "message"), [("", "请填写盘点原因"), ("  ", "请填写盘点原因"), ("盘" * 201, "最多 200 个字符")])
def test_a_count_without_a_reason_or_with_too_long_a_one_is_refused_and_books_nothing(supplier, supplier_staff, now, reason, message):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")

    with pytest.raises(ValidationFailed) as refused:
        inventory.count_own_stock(gift=gift, available=5, reason=reason, actor=supplier_staff, now=now)

    assert refused.value.field == "reason" and refused.value.detail.startswith(message)
    assert not StockMovement.objects.exists()


def test_a_count_with_a_reason_of_200_characters_is_taken(supplier, supplier_staff, now):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")

    inventory.count_own_stock(gift=gift, available=5, reason="盘" * 200, actor=supplier_staff, now=now)

    assert StockMovement.objects.get().note == "盘" * 200


def test_a_supplier_counts_its_own_stock_through_the_api_and_the_movement_shows_the_reason(api, supplier, supplier_admin, other_supplier_admin, now):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")

    counted = api(supplier_admin).post(f"/api/v1/gifts/{gift.pk}/stock-count/", {"available": 8, "reason": "到货"}, format="json")
    unexplained = api(supplier_admin).post(f"/api/v1/gifts/{gift.pk}/stock-count/", {"available": 2}, format="json")
    theirs = api(other_supplier_admin).post(f"/api/v1/gifts/{gift.pk}/stock-count/", {"available": 2, "reason": "盘点"}, format="json")

    assert counted.status_code == 200 and (counted.json()["available"], counted.json()["location_code"]) == (8, f"DS-{supplier.pk}")
    assert unexplained.status_code == 400 and unexplained.json()["errors"][0]["attr"] == "reason"
    assert theirs.status_code == 404
    movements = api(supplier_admin).get("/api/v1/stock-movements/", {"gift": gift.pk}).json()["results"]
    assert [(m["kind"], m["on_hand_delta"], m["note"], m["note_label"]) for m in movements] == [("inbound", 8, "到货", "到货")]


# --- a dropship supplier's safety stock at its own location ----------------------------------------------------

@pytest.fixture
def dropship(supplier):
    return GiftFactory(supplier=supplier, fulfilment="dropship", name="紫砂壶")


def own_stock_notices(supplier):
    return list(Notice.objects.filter(supplier=supplier, kind="own_stock_low").order_by("id").values_list("params", flat=True))


def test_a_supplier_is_told_once_when_orders_take_its_own_stock_below_its_safety_stock(supplier, supplier_staff, dropship, now):
    inventory.count_own_stock(gift=dropship, available=6, reason="盘点", actor=supplier_staff, now=now)
    record = inventory.set_own_safety_stock(gift=dropship, safety_stock=5, actor=supplier_staff, now=now)
    own = inventory.own_location(supplier)

    inventory.reserve_stock(gift=dropship, location=own, quantity=1, at=now)  # 5 left: at the safety stock, not below
    assert own_stock_notices(supplier) == []
    inventory.reserve_stock(gift=dropship, location=own, quantity=2, at=now)  # 3 left: below
    inventory.reserve_stock(gift=dropship, location=own, quantity=1, at=now)  # still below: no second notice

    assert (record.location, record.safety_stock) == (own, 5)
    assert own_stock_notices(supplier) == [{"gift": "紫砂壶", "available": 3, "safety_stock": 5}]
    notice = Notice.objects.get(kind="own_stock_low")
    assert notice.link == "/supplier/stock/" and "紫砂壶" in notice.title_text
    assert not ReplenishmentRequest.objects.exists()  # a supplier ships its own goods: nothing to replenish at a warehouse


def test_a_count_down_crosses_too_and_after_a_count_back_up_the_next_crossing_is_told_again(supplier, supplier_staff, dropship, now):
    inventory.count_own_stock(gift=dropship, available=10, reason="到货", actor=supplier_staff, now=now)
    inventory.set_own_safety_stock(gift=dropship, safety_stock=4, actor=supplier_staff, now=now)

    inventory.count_own_stock(gift=dropship, available=2, reason="破损", actor=supplier_staff, now=now)
    inventory.count_own_stock(gift=dropship, available=8, reason="到货", actor=supplier_staff, now=now)
    inventory.reserve_stock(gift=dropship, location=inventory.own_location(supplier), quantity=5, at=now)

    assert [params["available"] for params in own_stock_notices(supplier)] == [2, 3]


def test_shipping_reserved_units_or_a_zero_safety_stock_tells_nothing(supplier, supplier_staff, dropship, now):
    inventory.count_own_stock(gift=dropship, available=3, reason="盘点", actor=supplier_staff, now=now)
    own = inventory.own_location(supplier)
    inventory.reserve_stock(gift=dropship, location=own, quantity=3, at=now)  # to 0, with no safety stock set
    inventory.set_own_safety_stock(gift=dropship, safety_stock=2, actor=supplier_staff, now=now)
    inventory.consume_stock(gift=dropship, location=own, quantity=3, at=now)  # ships reserved units: available unchanged

    assert own_stock_notices(supplier) == []


def test_a_reservation_that_crosses_nothing_reads_nothing_more(supplier, supplier_staff, dropship, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inventory.count_own_stock(gift=dropship, available=20, reason="盘点", actor=supplier_staff, now=now)
    own = inventory.own_location(supplier)
    with CaptureQueriesContext(connection) as without_safety_stock:
        inventory.reserve_stock(gift=dropship, location=own, quantity=1, at=now)
    inventory.set_own_safety_stock(gift=dropship, safety_stock=5, actor=supplier_staff, now=now)
    with CaptureQueriesContext(connection) as above_it:
        inventory.reserve_stock(gift=dropship, location=own, quantity=1, at=now)

    assert len(above_it) == len(without_safety_stock)
    # the crossing is decided from the changed row: neither count reads the supplier or writes a notice
    assert not [q for q in above_it.captured_queries + without_safety_stock.captured_queries
                if '"suppliers_supplier"' in q["sql"] or '"suppliers_notice"' in q["sql"]]


def test_only_the_gifts_supplier_sets_its_own_safety_stock_and_only_for_a_dropship_gift(
    supplier, supplier_staff, other_supplier_admin, operator, logistics, dropship, now
):
    warehouse_gift = GiftFactory(supplier=supplier)

    for actor in (other_supplier_admin, operator, logistics):
        with pytest.raises(PermissionDenied):
            inventory.set_own_safety_stock(gift=dropship, safety_stock=5, actor=actor, now=now)
    with pytest.raises(ValidationFailed) as warehouse_refused:
        inventory.set_own_safety_stock(gift=warehouse_gift, safety_stock=5, actor=supplier_staff, now=now)
    with pytest.raises(ValidationFailed) as too_many:
        inventory.set_own_safety_stock(gift=dropship, safety_stock=inventory.MAX_OWN_STOCK + 1, actor=supplier_staff, now=now)
    with pytest.raises(PermissionDenied):  # nor at a warehouse through the general setter
        inventory.set_safety_stock(gift=warehouse_gift, location=WarehouseFactory(), safety_stock=5, at=now, actor=supplier_staff)

    assert (warehouse_refused.value.field, too_many.value.field) == ("gift", "safety_stock")
    assert not StockRecord.objects.filter(safety_stock__gt=0).exists()


def test_the_stock_page_lets_a_dropship_supplier_set_its_own_safety_stock(supplier, supplier_staff, other_supplier_admin, dropship, now):
    from tests.portal import logged_in

    inventory.count_own_stock(gift=dropship, available=2, reason="盘点", actor=supplier_staff, now=now)
    client = logged_in(supplier_staff)

    page = client.post(f"/supplier/stock/own/{dropship.pk}/safety-stock/", {"safety_stock": "5"}, follow=True).content.decode()
    bad = client.post(f"/supplier/stock/own/{dropship.pk}/safety-stock/", {"safety_stock": "lots"}, follow=True).content.decode()
    theirs = logged_in(other_supplier_admin).post(f"/supplier/stock/own/{dropship.pk}/safety-stock/", {"safety_stock": "1"})

    own_row = page.split('data-testid="own-stock"', 1)[1].split("</table>", 1)[0]
    assert "安全库存已更新" in page and 'value="5"' in own_row and 'data-testid="own-low-stock"' in own_row
    assert "安全库存须为" in bad and theirs.status_code == 404
    assert StockRecord.objects.get(gift=dropship).safety_stock == 5


def test_a_supplier_sets_its_own_safety_stock_through_the_api(api, supplier, supplier_admin, other_supplier_admin, dropship):
    url = f"/api/v1/gifts/{dropship.pk}/own-safety-stock/"

    set_ = api(supplier_admin).post(url, {"safety_stock": 4}, format="json")
    bad = api(supplier_admin).post(url, {"safety_stock": -1}, format="json")
    theirs = api(other_supplier_admin).post(url, {"safety_stock": 1}, format="json")

    assert set_.status_code == 200 and (set_.json()["safety_stock"], set_.json()["location_code"]) == (4, f"DS-{supplier.pk}")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "safety_stock"
    assert theirs.status_code == 404 and StockRecord.objects.get(gift=dropship).safety_stock == 4


def test_logistics_reads_every_suppliers_stock_and_sets_a_safety_stock_in_the_portal(supplier, supplier_staff, logistics, now):
    from tests.portal import logged_in

    gift = GiftFactory(supplier=supplier)
    record = inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-SZ"), quantity=4, at=now)
    client = logged_in(logistics)

    page = client.get("/supplier/stock/").content.decode()
    client.post(f"/supplier/stock/{record.pk}/safety-stock/", {"safety_stock": "6"})
    bad = client.post(f"/supplier/stock/{record.pk}/safety-stock/", {"safety_stock": "-3"}, follow=True).content.decode()
    suppliers_page = logged_in(supplier_staff).get("/supplier/stock/").content.decode()

    record.refresh_from_db()
    assert gift.sku in page and 'data-testid="safety-stock-form"' in page
    assert record.safety_stock == 6 and ReplenishmentRequest.objects.filter(gift=gift, state="open").count() == 1
    assert "安全库存须为" in bad
    assert 'data-testid="safety-stock-form"' not in suppliers_page
    assert logged_in(supplier_staff).post(f"/supplier/stock/{record.pk}/safety-stock/", {"safety_stock": "1"}).status_code == 403


@pytest.fixture
def movements(supplier, other_supplier, time_machine, now):
    """Four days of the supplier's stock at one warehouse (10 in, 1 written off, 2 reserved, 2 shipped: 7 left) and
    5 units of another supplier's; the clock stands at `now`."""
    time_machine.move_to(now, tick=False)
    warehouse = WarehouseFactory(code="WH-MV", name="杭州仓")
    gift, foreign = GiftFactory(supplier=supplier, sku="TEA-MV"), GiftFactory(supplier=other_supplier, sku="FOREIGN-MV")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=10, at=now - timedelta(days=3))
    inventory.receive_stock(gift=foreign, location=warehouse, quantity=5, at=now - timedelta(days=2))
    inventory.write_off_stock(gift=gift, location=warehouse, quantity=1, at=now - timedelta(days=1), note="破损")
    inventory.reserve_stock(gift=gift, location=warehouse, quantity=2, at=now - timedelta(days=1))
    inventory.consume_stock(gift=gift, location=warehouse, quantity=2, at=now)
    return gift


def trend_of(page: str) -> list[int]:
    return [int(value) for value in re.findall(r'data-value="(-?[0-9]+)"', page.split('data-testid="stock-trend"')[1])]


def test_the_movement_history_shows_the_suppliers_own_moves_and_their_trend(movements, supplier_staff):
    from tests.portal import logged_in

    client = logged_in(supplier_staff)
    page = client.get("/supplier/stock/movements/").content.decode()
    inbound = client.get("/supplier/stock/movements/?kind=inbound").content.decode()
    today = client.get(f"/supplier/stock/movements/?date_from={date(2026, 10, 15)}&date_to={date(2026, 10, 15)}").content.decode()

    assert "TEA-MV" in page and "FOREIGN-MV" not in page
    assert trend_of(page) == [0] * 10 + [10, 10, 9, 7]  # end of each day, the last two weeks, today last
    assert re.findall(r'data-kind="(\w+)"', inbound) == ["inbound"]
    assert re.findall(r'data-kind="(\w+)"', today) == ["shipment"]


def test_days_of_movements_begin_at_midnight_in_shanghai(supplier, supplier_staff):
    """A movement a second before local midnight belongs to the day ending, one at midnight to the day beginning: in
    the list's date filter and in the trend (whose first day's moves are in its first level, not walked back)."""
    from suppliers.selectors import stock_movements_of

    gift, warehouse = GiftFactory(supplier=supplier), WarehouseFactory(code="WH-MN")
    for units, moment in ((5, datetime(2026, 10, 2, 23, 59, 59)), (3, datetime(2026, 10, 3)), (2, datetime(2026, 10, 14, 23, 59, 59)),
                          (1, datetime(2026, 10, 15))):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=units, at=moment.replace(tzinfo=SHANGHAI))

    def listed(first: date | None, last: date | None) -> list[int]:
        rows = stock_movements_of(supplier_staff, today=date(2026, 10, 15), days=14, date_from=first, date_to=last)[0]
        return sorted(rows.values_list("on_hand_delta", flat=True))

    trend = stock_movements_of(supplier_staff, today=date(2026, 10, 15), days=14)[1]
    assert [units for _day, units in trend] == [5] + [8] * 11 + [10, 11]
    assert (listed(date(2026, 10, 14), date(2026, 10, 14)), listed(date(2026, 10, 15), None)) == ([2], [1])
    assert (listed(date(2026, 10, 3), date(2026, 10, 14)), listed(None, date(2026, 10, 2))) == ([2, 3], [5])


def test_logistics_sees_every_suppliers_moves_and_narrows_the_trend_to_one_gift(movements, logistics):
    from tests.portal import logged_in

    client = logged_in(logistics)
    everything = client.get("/supplier/stock/movements/").content.decode()
    one = client.get("/supplier/stock/movements/?q=FOREIGN").content.decode()

    assert "TEA-MV" in everything and "FOREIGN-MV" in everything
    assert "/supplier/gifts/" not in everything and client.get(f"/supplier/gifts/{movements.pk}/").status_code == 403  # no dead links
    assert trend_of(everything)[-4:] == [10, 15, 14, 12]
    assert trend_of(one)[-4:] == [0, 5, 5, 5] and "TEA-MV" not in one


def test_a_backwards_date_range_is_an_error_next_to_the_field(movements, supplier_staff):
    from tests.portal import logged_in

    client = logged_in(supplier_staff)
    page = client.get("/supplier/stock/movements/?date_from=2026-10-15&date_to=2026-10-01").content.decode()
    unknown = client.get("/supplier/stock/movements/?location=abc").content.decode()

    assert 'data-testid="error-date_to"' in page and "结束日期不能早于开始日期" in page
    assert 'data-testid="error-location"' in unknown and trend_of(unknown) == [] and 'data-kind=' not in unknown


def test_members_may_not_read_stock_movements(member):
    from tests.portal import logged_in

    assert logged_in(member.user).get("/supplier/stock/movements/").status_code == 403


# --- who sets a safety stock where ------------------------------------------------------------------------------------
@pytest.fixture
def own_location(gift):
    """The gift's supplier's own (dropship) location, holding 3 units."""
    location = Location.objects.create(code="DS-SAFE", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=gift.supplier)
    inventory.receive_stock(gift=gift, location=location, quantity=3, at=FIXED_NOW)
    return location


def test_logistics_may_not_set_a_safety_stock_at_a_suppliers_own_location_and_nothing_changes(gift, own_location, logistics, now):
    with pytest.raises(PermissionDenied):
        inventory.set_safety_stock(gift=gift, location=own_location, safety_stock=5, at=now, actor=logistics)

    assert StockRecord.objects.get(gift=gift, location=own_location).safety_stock == 0


def test_logistics_sets_a_safety_stock_at_a_warehouse_it_runs(gift, warehouse, logistics, now):
    record = inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now, actor=logistics)

    assert record.safety_stock == 5


def test_an_operator_may_set_a_safety_stock_at_a_suppliers_own_location(gift, own_location, operator, now):
    assert inventory.set_safety_stock(gift=gift, location=own_location, safety_stock=2, at=now, actor=operator).safety_stock == 2


def test_the_stock_api_refuses_logistics_a_safety_stock_at_a_suppliers_own_location(gift, own_location, logistics):
    from tests.conftest import client_for

    record = StockRecord.objects.get(gift=gift, location=own_location)

    response = client_for(logistics).post(f"/api/v1/stock/{record.pk}/safety-stock/", {"safety_stock": 5})

    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "permission_denied"
    assert StockRecord.objects.get(pk=record.pk).safety_stock == 0


def test_the_stock_page_refuses_logistics_a_safety_stock_at_a_suppliers_own_location_with_a_message(gift, own_location, logistics):
    from tests.portal import logged_in

    record = StockRecord.objects.get(gift=gift, location=own_location)

    page = logged_in(logistics).post(f"/supplier/stock/{record.pk}/safety-stock/", {"safety_stock": "5"}, follow=True).content.decode()

    assert "物流只能设置其运营仓库的安全库存" in page
    assert StockRecord.objects.get(pk=record.pk).safety_stock == 0


def test_a_refused_safety_stock_comes_back_with_400_and_its_error_next_to_the_field_in_the_records_row(supplier, logistics, now):
    from tests.portal import logged_in

    gift = GiftFactory(supplier=supplier, sku="WH-A")
    record, other = (inventory.receive_stock(gift=gift, location=WarehouseFactory(code=code), quantity=4, at=now) for code in ("WH-1", "WH-2"))

    refused = logged_in(logistics).post(f"/supplier/stock/{record.pk}/safety-stock/?q=WH-A", {"safety_stock": "lots", "next": "/supplier/stock/?q=WH-A"})

    page = refused.content.decode()
    assert refused.status_code == 400
    row = page.split(f'action="/supplier/stock/{record.pk}/safety-stock/?q=WH-A"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="safety_stock"[^>]*value="lots"[^>]*>\s*(?:</label>\s*)?<span id="id_safety-stock_safety_stock_error" class="field-errors"><span class="field-error" data-field="safety_stock">安全库存须为', row)
    assert 'value="/supplier/stock/?q=WH-A"' in row  # after the correction, back to the list as it was filtered
    assert "field-error" not in page.split(f'action="/supplier/stock/{other.pk}/safety-stock/', 1)[1].split("</form>", 1)[0]
    assert 'class="messages"' not in page
    assert StockRecord.objects.get(pk=record.pk).safety_stock == 0


def test_a_refused_own_stock_count_or_safety_stock_shows_its_errors_next_to_the_field_in_the_gifts_row(supplier, supplier_staff, now):
    from tests.portal import logged_in

    gift, other = (GiftFactory(supplier=supplier, fulfilment="dropship", sku=sku) for sku in ("DS-A", "DS-B"))
    inventory.count_own_stock(gift=gift, available=7, reason="盘点", actor=supplier_staff, now=now)
    client = logged_in(supplier_staff)

    bad_count = client.post(f"/supplier/stock/own/{gift.pk}/", {"available": "lots", "reason": "到货", "counted_from": "7"})
    unexplained = client.post(f"/supplier/stock/own/{gift.pk}/", {"available": "9", "reason": "  ", "counted_from": "7"})
    bad_safety = client.post(f"/supplier/stock/own/{gift.pk}/safety-stock/", {"safety_stock": "-1"})

    assert (bad_count.status_code, unexplained.status_code, bad_safety.status_code) == (400, 400, 400)
    count_page, unexplained_page, safety_page = (response.content.decode() for response in (bad_count, unexplained, bad_safety))
    count_form = _own_row(count_page, gift).split('data-testid="own-count-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="available"[^>]*>\s*(?:</label>\s*)?<span id="id_count_available_error" class="field-errors"><span class="field-error" data-field="available">可用数量须为', count_form)
    assert 'value="lots"' in count_form and 'value="到货"' in count_form  # what was typed stays to be corrected
    unexplained_form = _own_row(unexplained_page, gift).split('data-testid="own-count-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="reason"[^>]*>\s*(?:</label>\s*)?<span id="id_count_reason_error" class="field-errors"><span class="field-error" data-field="reason">请填写盘点原因', unexplained_form)
    safety_form = _own_row(safety_page, gift).split('data-testid="own-safety-stock-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="safety_stock"[^>]*>\s*(?:</label>\s*)?<span id="id_own-safety-stock_safety_stock_error" class="field-errors"><span class="field-error" data-field="safety_stock">安全库存须为', safety_form)
    for page in (count_page, unexplained_page, safety_page):
        assert "field-error" not in _own_row(page, other)
        assert 'class="messages"' not in page  # no message above the page
    assert StockRecord.objects.get(gift=gift).available == 7 and StockRecord.objects.get(gift=gift).safety_stock == 0


def _own_row(page: str, gift) -> str:
    return page.split('data-testid="own-stock"', 1)[1].split(f'data-gift="{gift.pk}"', 1)[1].split("</tr>", 1)[0]


def test_the_low_stock_badge_marks_a_record_below_its_safety_stock_on_the_stock_page_and_the_gifts_page(supplier, supplier_admin, logistics, now):
    from tests.portal import logged_in

    gift = GiftFactory(supplier=supplier)
    low, at_level = (inventory.receive_stock(gift=gift, location=WarehouseFactory(code=code), quantity=4, at=now) for code in ("WH-LOW", "WH-AT"))
    inventory.set_safety_stock(gift=gift, location=low.location, safety_stock=5, at=now, actor=logistics)
    inventory.set_safety_stock(gift=gift, location=at_level.location, safety_stock=4, at=now, actor=logistics)
    client = logged_in(supplier_admin)

    stock_page = client.get("/supplier/stock/").content.decode()
    gift_page = client.get(f"/supplier/gifts/{gift.pk}/").content.decode()

    for page, badge in ((stock_page, 'data-testid="low-stock"'), (gift_page, "低库存")):
        rows = [row for row in page.split("<tr") if badge in row]
        assert len(rows) == 1 and low.location.label in rows[0]
