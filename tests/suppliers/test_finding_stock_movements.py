"""Stock movements are found by the order or return number that moved the stock (their source), besides the gift's
SKU, name or supplier, on the movements page (`q`) and in the API (`search`), alike; the page's trend is then the
stock of the gifts that source moved."""
import pytest

from suppliers.services import inventory
from suppliers.services.inventory import Source
from tests.factories import GiftFactory, WarehouseFactory
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(now) -> dict:
    """Tea received into WH-HZ (10 units) and reserved for order RO000000000042; fish received (5 units) and reserved
    for order RO000000000077."""
    warehouse = WarehouseFactory(code="WH-HZ", name="杭州仓")
    tea, fish = GiftFactory(sku="TEA-LJ", name="龙井"), GiftFactory(sku="FISH-DY", name="带鱼")
    rows = {}
    for gift, units, order in ((tea, 10, "RO000000000042"), (fish, 5, "RO000000000077")):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=units, at=now)
        inventory.reserve_stock(gift=gift, location=warehouse, quantity=1, at=now, source=Source("order", order))
        rows[gift.sku] = gift.stock_movements.get(source_id=order)
    return rows


@pytest.mark.parametrize("url", ["/supplier/stock/movements/", "/api/v1/stock-movements/"])
def test_an_operator_finds_the_movements_of_an_order_by_its_number(operator, moved, url):
    parameter = "search" if url.startswith("/api/") else "q"

    assert listed(operator, url, **{parameter: "ro000000000042"}) == [moved["TEA-LJ"].pk]
    assert listed(operator, url, **{parameter: "RO0000000000"}) == sorted(movement.pk for movement in moved.values())
    assert listed(operator, url, **{parameter: "RO-NONE"}) == []


@pytest.mark.parametrize("url", ["/supplier/stock/movements/", "/api/v1/stock-movements/"])
def test_a_gifts_sku_still_finds_all_its_movements(operator, moved, url):
    parameter = "search" if url.startswith("/api/") else "q"

    assert len(listed(operator, url, **{parameter: "FISH-DY"})) == 2


def test_the_trend_of_an_orders_movements_is_the_stock_of_its_gift(operator, moved):
    by_order = logged_in(operator).get("/supplier/stock/movements/", {"q": "RO000000000077"})
    by_sku = logged_in(operator).get("/supplier/stock/movements/", {"q": "FISH-DY"})

    assert by_order.status_code == 200 and by_order.context["chart"] == by_sku.context["chart"]
