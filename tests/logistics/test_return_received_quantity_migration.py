"""The migration recording how many units of a return arrived (logistics 0035): a return received before it counts
every unit it names as received, one not received yet has no count; migrating back drops the count and keeps the
returns. Run on a copy of the SQLite test database, or in the test's transaction on PostgreSQL, each test starting from
the database taken back once to BEFORE (see tests/test_unique_key_migrations.py)."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.logistics.test_supplier_notified_migration import migrated
from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy, suppliers_named  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database"), pytest.mark.xdist_group("return_received_quantity_migration")]
BEFORE, MIGRATION = ("logistics", "0034_tariff_change_reason"), ("logistics", "0035_return_received_quantity")
START = [BEFORE]
REQUESTED = datetime(2026, 10, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
RECEIVED = datetime(2026, 10, 3, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def returns_before(apps) -> dict[str, int]:
    """Returns written in the schema as it was before the migration: one of two units received, one of a unit received
    and inspected since, and one of two units approved and not received yet: their ids by name."""
    model = lambda label: apps.get_model(*label.split(".")).objects.using(COPY)  # noqa: E731
    program = model("core.Program").first()
    member = model("points.Member").create(user=model("core.User").create(username="m1"), program=program, name="李", phone="13900000001")
    [supplier] = suppliers_named(apps, "甲礼品有限公司")
    gift = model("suppliers.Gift").create(supplier=supplier, sku="TEA", name="茶叶", category=model("suppliers.Category").create(code="misc", name="杂项"),
                                          fulfilment="warehouse", market_price=Decimal("10.00"), settlement_price=Decimal("8.00"), created_at=REQUESTED)
    made = {}
    for name, quantity, state, received_at in (("received", 2, "received", RECEIVED), ("inspected", 1, "inspected", RECEIVED),
                                               ("waiting", 2, "approved", None)):
        order = model("points.RedemptionOrder").create(
            number=f"RO-{name}", member=member, gift=gift, supplier=supplier, program=program, quantity=2, fulfilment="warehouse",
            points_unit_price=100, points_cost=200, settlement_unit_price=Decimal("8.00"), settlement_amount=Decimal("16.00"),
            recipient_name="李", recipient_phone="13900000001", address="福州市鼓楼区", placed_at=REQUESTED, expires_at=REQUESTED, state="delivered")
        made[name] = model("logistics.ReturnRequest").create(number=f"RR-{name}", order=order, supplier=supplier, quantity=quantity, reason="unused",
                                                             requested_at=REQUESTED, received_at=received_at, state=state).pk
    return made


def test_a_return_received_before_counts_every_unit_it_names_as_received_and_one_not_received_yet_none():
    made = returns_before(migrated(BEFORE))

    apps = migrated(MIGRATION)

    counted = dict(apps.get_model("logistics", "ReturnRequest").objects.using(COPY).values_list("pk", "received_quantity"))
    assert counted == {made["received"]: 2, made["inspected"]: 1, made["waiting"]: None}


def test_migrating_back_keeps_the_returns_and_drops_the_count():
    made = returns_before(migrated(BEFORE))
    migrated(MIGRATION)

    apps = migrated(BEFORE)

    ReturnRequest = apps.get_model("logistics", "ReturnRequest")
    assert sorted(ReturnRequest.objects.using(COPY).values_list("pk", flat=True)) == sorted(made.values())
    assert "received_quantity" not in {field.name for field in ReturnRequest._meta.get_fields()}
