"""The migration opening the stock records that warehouse gifts approved before approval opened them lack: a record of
nothing at each warehouse where a warehouse gift approved once and not retired has none; a record a gift has keeps its
units, and running it again opens nothing twice. Run on a copy of the SQLite test database, or in the test's
transaction on PostgreSQL (see tests/test_unique_key_migrations.py)."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.logistics.test_supplier_notified_migration import migrated
from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy, suppliers_named  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database"), pytest.mark.xdist_group("warehouse_stock_migration")]
BEFORE, MIGRATION = ("suppliers", "0027_safety_stock_changes"), ("suppliers", "0028_open_missing_warehouse_stock")
START = [BEFORE]
APPROVED = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def gifts_before(apps) -> dict[str, int]:
    """Two warehouses and a supplier's gifts, written in the schema as it was before the migration: an online warehouse
    gift with three units at the first warehouse only, an approved, an offline and a clearance one with no record, one
    back in review for relisting with a record at the first, and a draft, a never-approved submitted, a retired and an
    online dropship gift: their ids by name."""
    [supplier] = suppliers_named(apps, "甲礼品有限公司")
    rows = lambda name: apps.get_model("suppliers", name).objects.using(COPY)  # noqa: E731
    category = rows("Category").create(code="misc", name="杂项")
    first, _second = (rows("Location").create(code=code, name=code, kind="warehouse") for code in ("WH-1", "WH-2"))
    made = {}
    for name, state, fulfilment in (("stocked", "online", "warehouse"), ("approved", "approved", "warehouse"), ("offline", "offline", "warehouse"),
                                    ("clearance", "clearance", "warehouse"), ("relisting", "submitted", "warehouse"),
                                    ("draft", "draft", "warehouse"), ("submitted", "submitted", "warehouse"), ("retired", "retired", "warehouse"),
                                    ("dropship", "online", "dropship")):
        made[name] = rows("Gift").create(supplier=supplier, sku=name, name=name, category=category, state=state, fulfilment=fulfilment,
                                         market_price=Decimal("10.00"), settlement_price=Decimal("8.00"), created_at=APPROVED).pk
    rows("StockRecord").create(gift_id=made["stocked"], location=first, on_hand=3, safety_stock=2)
    rows("StockRecord").create(gift_id=made["relisting"], location=first)
    return made


def records(apps, made: dict[str, int]) -> dict[str, list[tuple]]:
    """Each gift's stock records: (warehouse code, on hand, reserved, safety stock)."""
    stock = apps.get_model("suppliers", "StockRecord").objects.using(COPY).order_by("location__code")
    return {name: list(stock.filter(gift_id=pk).values_list("location__code", "on_hand", "reserved", "safety_stock")) for name, pk in made.items()}


def test_the_warehouse_gifts_approved_once_get_a_record_of_nothing_where_they_have_none_and_no_other_gift_does():
    made = gifts_before(migrated(BEFORE))

    after = records(migrated(MIGRATION), made)

    empty = [("WH-1", 0, 0, 0), ("WH-2", 0, 0, 0)]
    assert after == {
        "stocked": [("WH-1", 3, 0, 2), ("WH-2", 0, 0, 0)],
        "approved": empty, "offline": empty, "clearance": empty, "relisting": empty,
        "draft": [], "submitted": [], "retired": [], "dropship": [],
    }


def test_migrating_again_opens_nothing_twice():
    made = gifts_before(migrated(BEFORE))
    once = records(migrated(MIGRATION), made)
    migrated(BEFORE)

    again = records(migrated(MIGRATION), made)

    assert again == once
