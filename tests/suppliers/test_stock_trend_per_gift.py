"""A row of the stock page leads to the movements of its gift at its location, with that gift's trend; the trend
follows the movements' day filter (the last two weeks by default, at most 180 days)."""
import re
from datetime import timedelta

import pytest

from suppliers.models import StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory, WarehouseFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
MOVEMENTS = "/supplier/stock/movements/"


@pytest.fixture
def two_gifts(supplier, other_supplier, time_machine, now):
    """TEA-A: 10 in at one warehouse three days ago, 4 at another yesterday; TEA-B: 6 in at the first two days ago;
    another supplier's gift 5 in. The clock stands at `now`."""
    time_machine.move_to(now, tick=False)
    first, second = WarehouseFactory(code="WH-TA"), WarehouseFactory(code="WH-TB")
    tea_a, tea_b = GiftFactory(supplier=supplier, sku="TEA-A"), GiftFactory(supplier=supplier, sku="TEA-B")
    inventory.receive_stock(gift=tea_a, location=first, quantity=10, at=now - timedelta(days=3))
    inventory.receive_stock(gift=tea_a, location=second, quantity=4, at=now - timedelta(days=1))
    inventory.receive_stock(gift=tea_b, location=first, quantity=6, at=now - timedelta(days=2))
    foreign = GiftFactory(supplier=other_supplier, sku="FOREIGN-T")
    inventory.receive_stock(gift=foreign, location=first, quantity=5, at=now - timedelta(days=2))
    return {"tea_a": tea_a, "first": first, "foreign": foreign}


def trend_of(page: str) -> list[int]:
    return [int(value) for value in re.findall(r'data-value="(-?[0-9]+)"', page.split('data-testid="stock-trend"')[1])]


def test_a_stock_row_leads_to_its_gifts_movements_and_trend_at_its_location(two_gifts, supplier_staff):
    client = logged_in(supplier_staff)
    record = StockRecord.objects.get(gift=two_gifts["tea_a"], location=two_gifts["first"])

    stock_page = client.get("/supplier/stock/").content.decode()
    link = f"{MOVEMENTS}?gift={record.gift_id}&amp;location={record.location_id}"
    page = client.get(link.replace("&amp;", "&")).content.decode()

    assert f'href="{link}"' in stock_page
    assert re.findall(r'data-kind="(\w+)"', page) == ["inbound"] and "TEA-B" not in page.split('data-testid="movements"')[1]
    assert trend_of(page) == [0] * 10 + [10] * 4
    assert 'data-testid="movement-gift"' in page and "TEA-A" in page


def test_another_suppliers_gift_is_a_wrong_filter(two_gifts, supplier_staff, logistics):
    foreign = two_gifts["foreign"].pk

    assert logged_in(supplier_staff).get(f"{MOVEMENTS}?gift={foreign}").status_code == 400
    assert logged_in(logistics).get(f"{MOVEMENTS}?gift={foreign}").status_code == 200


def test_the_trend_follows_the_day_filter(two_gifts, supplier_staff, now):
    client = logged_in(supplier_staff)
    day = lambda back: f"{(now - timedelta(days=back)).date()}"  # noqa: E731

    ranged = client.get(f"{MOVEMENTS}?q=TEA-A&date_from={day(4)}&date_to={day(1)}").content.decode()
    from_only = client.get(f"{MOVEMENTS}?q=TEA-A&date_from={day(2)}").content.decode()
    default = client.get(f"{MOVEMENTS}?q=TEA-A").content.decode()

    assert trend_of(ranged) == [0, 10, 10, 14]  # four days, yesterday last
    assert f"{day(4)} 至 {day(1)}" in ranged.split('data-testid="trend-title"')[1].split("</h2>")[0]
    assert trend_of(from_only) == [10, 14, 14]  # up to today
    assert len(trend_of(default)) == 14


def test_a_long_range_shows_its_last_180_days_and_a_range_past_today_ends_today(two_gifts, supplier_staff, now):
    client = logged_in(supplier_staff)

    year = client.get(f"{MOVEMENTS}?date_from={(now - timedelta(days=400)).date()}").content.decode()
    ahead = client.get(f"{MOVEMENTS}?date_to={(now + timedelta(days=30)).date()}").content.decode()

    assert len(trend_of(year)) == 180 and trend_of(year)[-1] == 20
    assert len(trend_of(ahead)) == 14 and trend_of(ahead)[-1] == 20
