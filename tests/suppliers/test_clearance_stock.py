"""SPEC §4.2: the system retires a clearance gift when its clearance stock reaches zero — no unit on hand at any of its
locations, a unit reserved for an order still counting until it ships; so a gift with no unit on hand is not put on
clearance at all."""
from decimal import Decimal

import pytest
from django.utils import translation

from core.fsm import history_of
from logistics.models import LeftoverLot
from suppliers.errors import NothingToClear
from suppliers.models import Gift, Notice
from suppliers.services import catalog, inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.helpers import gift_in_state
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouses(db):
    return WarehouseFactory(code="WH-HZ", name="杭州仓"), WarehouseFactory(code="WH-GZ", name="广州仓")


def online_gift(operator, now) -> Gift:
    gift = GiftFactory()
    for step in (catalog.submit_gift, catalog.approve_gift, catalog.publish_gift):
        step(gift=gift, actor=operator, now=now)
    return gift


@pytest.fixture
def clearance_gift(operator, warehouses, now) -> Gift:
    """On clearance with 2 units in Hangzhou, one of them reserved for an order, and 1 unit in Guangzhou."""
    hangzhou, guangzhou = warehouses
    gift = online_gift(operator, now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")
    inventory.receive_stock(gift=gift, location=hangzhou, quantity=2, at=now)
    inventory.receive_stock(gift=gift, location=guangzhou, quantity=1, at=now)
    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))
    inventory.reserve_stock(gift=gift, location=hangzhou, quantity=1, at=now)
    return gift


def write_off_the_unreserved_units(gift: Gift, warehouses, now, actor=None) -> None:
    for warehouse in warehouses:
        inventory.write_off_stock(gift=gift, location=warehouse, quantity=1, at=now, actor=actor)


def state_of(gift: Gift) -> str:
    gift.refresh_from_db()
    return gift.state


def test_the_last_clearance_unit_shipped_retires_the_gift_in_the_systems_name_saying_why(clearance_gift, warehouses, logistics, now):
    write_off_the_unreserved_units(clearance_gift, warehouses, now, actor=logistics)

    inventory.consume_stock(gift=clearance_gift, location=warehouses[0], quantity=1, at=now, actor=logistics)

    assert state_of(clearance_gift) == "retired"
    retired = history_of(clearance_gift).last()
    assert (retired.transition, retired.source_state, retired.actor, retired.actor_label, retired.at) == ("retire", "clearance", None, "系统", now)
    assert retired.reason_text == "清仓库存已清空，系统自动退市"
    with translation.override("en"):
        assert retired.reason_label == "Clearance stock used up: retired by the system"


def test_a_gift_retired_with_nothing_left_makes_no_leftover_lot_and_no_notice(clearance_gift, warehouses, now):
    write_off_the_unreserved_units(clearance_gift, warehouses, now)
    inventory.consume_stock(gift=clearance_gift, location=warehouses[0], quantity=1, at=now)

    assert state_of(clearance_gift) == "retired"
    assert not LeftoverLot.objects.exists()
    assert not Notice.objects.filter(kind="leftover_lots").exists()


def test_a_unit_reserved_for_an_order_is_still_clearance_stock_until_it_ships(clearance_gift, warehouses, now):
    write_off_the_unreserved_units(clearance_gift, warehouses, now)

    assert state_of(clearance_gift) == "clearance"  # the reserved unit is on hand, waiting to ship


def test_a_cancelled_order_gives_its_unit_back_so_the_gift_stays_on_clearance(clearance_gift, warehouses, now):
    write_off_the_unreserved_units(clearance_gift, warehouses, now)

    inventory.release_stock(gift=clearance_gift, location=warehouses[0], quantity=1, at=now)

    assert state_of(clearance_gift) == "clearance"
    assert inventory.rebuild_stock(gift=clearance_gift, location=warehouses[0]) == (1, 0)  # a unit to sell again


def test_stock_left_at_another_location_keeps_the_gift_on_clearance(clearance_gift, warehouses, now):
    hangzhou, _ = warehouses
    inventory.write_off_stock(gift=clearance_gift, location=hangzhou, quantity=1, at=now)

    inventory.consume_stock(gift=clearance_gift, location=hangzhou, quantity=1, at=now)

    assert state_of(clearance_gift) == "clearance"


def test_an_online_gift_whose_stock_runs_out_stays_online_as_sold_out(operator, warehouses, now):
    hangzhou, _ = warehouses
    gift = online_gift(operator, now)
    inventory.receive_stock(gift=gift, location=hangzhou, quantity=1, at=now)
    inventory.reserve_stock(gift=gift, location=hangzhou, quantity=1, at=now)

    inventory.consume_stock(gift=gift, location=hangzhou, quantity=1, at=now)

    assert state_of(gift) == "online"


# --- no stock, no clearance ---------------------------------------------------------------------------------------
def test_starting_clearance_of_a_gift_with_no_unit_on_hand_is_refused_and_changes_nothing(operator, warehouses, now):
    hangzhou, _ = warehouses
    gift = gift_in_state("offline", actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=hangzhou, quantity=1, at=now)
    inventory.write_off_stock(gift=gift, location=hangzhou, quantity=1, at=now)

    with pytest.raises(NothingToClear) as refused:
        catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    assert "没有库存" in refused.value.detail
    gift.refresh_from_db()
    assert (gift.state, gift.clearance_points_price, gift.clearance_settlement_price) == ("offline", None, None)
    assert history_of(gift).last().transition == "delist"


def test_units_all_reserved_for_orders_are_still_stock_to_clear(operator, warehouses, now):
    hangzhou, _ = warehouses
    gift = gift_in_state("offline", actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=hangzhou, quantity=1, at=now)
    inventory.reserve_stock(gift=gift, location=hangzhou, quantity=1, at=now)

    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    assert state_of(gift) == "clearance"


def test_clearing_a_retired_gift_with_nothing_on_hand_is_refused(operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)
    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")

    with pytest.raises(NothingToClear):
        catalog.clear_retired_gift(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    assert state_of(gift) == "retired"


def test_the_gift_page_says_a_gift_with_no_stock_cannot_go_on_clearance(operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)

    response = logged_in(operator).post(
        f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "800", "settlement_price": "90.00"}, follow=True)

    assert "该礼品没有库存，不能清仓" in response.content.decode()
    assert state_of(gift) == "offline"


def test_the_api_refuses_clearance_of_a_gift_with_no_stock_with_409(api, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/start-clearance/", {"points_price": 800, "settlement_price": "90.00"})

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "no_stock_to_clear"
    assert state_of(gift) == "offline"
